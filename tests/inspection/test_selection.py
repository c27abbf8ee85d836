"""Random draws are reproducible and hit their rate; the lane is the strictest reason's."""

from __future__ import annotations

from decimal import Decimal

from kouan.inspection import domain
from kouan.inspection.domain import Lane, Reason


def numbers(n: int) -> list[str]:
    """Declaration numbers as Kouan allocates them: district, year, I/E flag, serial."""
    return [f"090020261{i:09d}" for i in range(1, n + 1)]


def test_ten_thousand_draws_hit_the_configured_rate_within_binomial_bounds():
    for rate in (Decimal("0.03"), Decimal("0.10"), Decimal("0.5")):
        drawn = sum(domain.drawn("2026-12-DL-iron_ore", n, rate) for n in numbers(10_000))
        lo, hi = domain.binomial_bounds(10_000, float(rate))  # ±4 standard deviations
        assert lo <= drawn <= hi, (rate, drawn)


def test_the_same_seed_selects_the_same_declarations_and_another_seed_others():
    first = [n for n in numbers(10_000) if domain.drawn("seed-A", n, Decimal("0.05"))]
    again = [n for n in numbers(10_000) if domain.drawn("seed-A", n, Decimal("0.05"))]
    other = [n for n in numbers(10_000) if domain.drawn("seed-B", n, Decimal("0.05"))]
    assert first == again and first != other
    assert len(set(first) & set(other)) < len(first) / 5  # independent: about 5 % overlap


def test_a_draw_is_a_number_in_the_unit_interval_recomputable_from_seed_and_number():
    v = domain.draw("s", "090020261000000001")
    assert Decimal(0) <= v < 1 and v == domain.draw("s", "090020261000000001")
    assert domain.drawn("s", "090020261000000001", v + Decimal("1e-10"))
    assert not domain.drawn("s", "090020261000000001", v)


def test_the_strictest_reason_sets_the_lane_and_the_first_inspection_rule_its_method():
    assert domain.decide([]).lane == Lane.RELEASE
    d = domain.decide([Reason("rule", Lane.DOCUMENTARY, "A@1"), Reason("rule", Lane.INSPECTION, "B@2"),
                       Reason("rule", Lane.POST_RELEASE_AUDIT, "C@1")], {"B@2": "non_intrusive"})
    assert d.lane == Lane.INSPECTION and d.method == "non_intrusive" and d.rule_hits == ("A@1", "B@2", "C@1")
    assert domain.decide([Reason("draw", Lane.INSPECTION, "s:0.01<0.03")]).method == "physical"


def test_groups_by_hs_prefix_or_transport_mode():
    groups = [("iron_ore", ("2601",), 1), ("fresh_produce", ("07", "08"), 1)]
    assert domain.group_of(["2601111000"], groups) == "iron_ore"
    assert domain.group_of(["0805100000"], groups) == "fresh_produce"
    assert domain.group_of(["8471300000"], groups) is None
    assert domain.group_of(["8471300000"], groups, "rail", {"rail": "china_europe_railway"}) == "china_europe_railway"


def test_remote_video_needs_consent_an_honest_firm_and_no_high_risk_goods():
    assert domain.remote_video_refusal(consent=True, credit="general", hs_codes=["3102100000"]) is None
    assert domain.remote_video_refusal(consent=False, credit="general", hs_codes=["3102"]) == "remote_video_consent"
    assert domain.remote_video_refusal(consent=True, credit="dishonest", hs_codes=["3102"]) == "remote_video_dishonest"
    assert domain.remote_video_refusal(consent=True, credit="general", hs_codes=["9301"]) == "remote_video_high_risk"
