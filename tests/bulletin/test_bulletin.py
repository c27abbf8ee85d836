"""The bulletin sentence: figures, faster/slower wording, the 2017 comparison, "halved"."""

from hypothesis import given
from hypothesis import strategies as st

from kouan.analytics.bulletin import Figures, compare, render, sentence

SEED = Figures(2022, 3, "辽宁省", "Liaoning", 39.93, 0.84, 40.09, 1.36, 97.39, 12.29)


def test_it_states_the_seed_sentence():
    assert sentence(SEED).startswith(
        "2022年3月，辽宁省进口、出口整体通关时间分别为39.93小时和0.84小时，较全国平均水平分别快0.16和0.52小时")
    assert "实现“比2017年压缩一半”目标" in sentence(SEED)
    assert "压缩59.0%和93.2%" in sentence(SEED)


def test_it_speaks_english():
    text = sentence(SEED, "en")
    assert "39.93 hours for imports and 0.84 hours for exports" in text
    assert "0.16 and 0.52 hours faster than the national average" in text
    assert "halving the 2017 clearance time is met" in text


def test_slower_and_mixed_are_worded_per_direction():
    slower = Figures(2022, 3, "辽宁省", "Liaoning", 41.0, 2.0, 40.09, 1.36)
    assert "分别慢0.91和0.64小时" in sentence(slower)
    mixed = Figures(2022, 3, "辽宁省", "Liaoning", 39.93, 2.0, 40.09, 1.36)
    assert "进口快0.16小时、出口慢0.64小时" in sentence(mixed)
    assert "imports were 0.16 hours faster and exports 0.64 hours slower" in sentence(mixed, "en")


def test_halved_uses_half_of_the_baseline_exactly():
    assert compare(48.69, None, 97.39).halved is True
    assert compare(48.70, None, 97.39).halved is False  # 48.70 > 48.695
    text = sentence(Figures(2022, 3, "辽宁省", "Liaoning", 60.0, 0.84, 40.09, 1.36, 97.39, 12.29))
    assert "进口尚未实现“比2017年压缩一半”目标" in text


def test_a_missing_direction_is_said_not_averaged():
    text = sentence(Figures(2022, 3, "辽宁省", "Liaoning", None, 0.84, 40.09, 1.36))
    assert "进口暂无已放行报关单" in text


def test_the_direction_with_figures_is_still_stated_when_the_other_has_none():
    only_exports = Figures(2026, 1, "上海市", "Shanghai", None, 0.764, 40.09, 1.36, 97.39, 12.29)
    zh = sentence(only_exports)
    assert zh == ("2026年1月，上海市出口整体通关时间为0.76小时，较全国平均水平快0.60小时；与2017年相比压缩93.8%，"
                  "实现“比2017年压缩一半”目标；进口暂无已放行报关单，无法计算整体通关时间。")
    en = sentence(only_exports, "en")
    assert "overall clearance time was 0.76 hours for exports, 0.60 hours faster" in en
    assert "No import declaration was released" in en
    only_imports = sentence(Figures(2026, 1, "上海市", "Shanghai", 41.5, None, 40.09, 1.36), "zh")
    assert "进口整体通关时间为41.50小时，较全国平均水平慢1.41小时；出口暂无已放行报关单" in only_imports
    assert "2017" not in only_imports  # no baseline given, none stated


def test_a_month_with_no_release_at_all_says_so():
    none = Figures(2026, 1, "上海市", "Shanghai", None, None, 40.09, 1.36)
    assert "进口、出口均暂无已放行报关单" in sentence(none)
    assert "no released import or export declarations" in sentence(none, "en")


def test_figures_have_two_decimals_and_differences_add_up():
    f = Figures(2022, 3, "辽宁省", "Liaoning", 39.925, 0.835, 40.09, 1.36)
    assert "39.93小时和0.84小时" in sentence(f) and "快0.16和0.52小时" in sentence(f)


@given(st.floats(0, 200), st.floats(0, 200), st.floats(0.01, 200), st.floats(0.01, 200))
def test_the_stated_difference_is_always_national_minus_region(imp, exp, nat_i, nat_e):
    c = compare(imp, nat_i, None)
    assert c.diff == c.national - c.value
    assert ("快" in sentence(Figures(2022, 3, "X", "X", imp, exp, nat_i, nat_e))) == (
        c.diff >= 0 or compare(exp, nat_e, None).diff >= 0)


def test_the_formats_wrap_the_same_sentence():
    for fmt in ("text", "markdown", "html"):
        assert "39.93" in render(SEED, fmt=fmt)
    assert render(SEED, fmt="html").startswith('<article class="bulletin"><h1>')
    assert render(SEED, fmt="markdown").startswith("# 2022年3月辽宁省整体通关时间通报")
