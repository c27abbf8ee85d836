"""The monthly clearance-time bulletin, in the seed article's style. Pure: figures in, text out.

"2022年3月，辽宁省进口、出口整体通关时间分别为39.93小时和0.84小时，较全国平均水平分别快0.16和
0.52小时" — figures with two decimals; differences are taken between the two-decimal figures the
reader sees, so the sentence always adds up; "faster"/"slower" is worded per direction; the
reduction against the 2017 baseline and whether "halved" (比2017年压缩一半) holds are stated.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# A clock as the bulletin names it (a user-defined clock shows by its own name).
CLOCK_NAMES = {
    "gac": ("海关总署整体通关时间", "GAC overall clearance time"),
    "trs": ("世界海关组织放行时间研究（抵港至放行）", "WCO Time Release Study, arrival to release"),
    "trs_exit": ("世界海关组织放行时间研究（抵港至离港）", "WCO Time Release Study, arrival to exit"),
}
TWO = Decimal("0.01")
ONE = Decimal("0.1")


def _d(hours: float | None) -> Decimal | None:
    return None if hours is None else Decimal(str(hours)).quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """Mean overall clearance time per direction (hours) for the region and its references."""

    year: int
    month: int
    region_zh: str
    region_en: str
    import_h: float | None
    export_h: float | None
    national_import_h: float | None = None
    national_export_h: float | None = None
    baseline_import_h: float | None = None  # the 2017 national baseline
    baseline_export_h: float | None = None
    clock: str = "gac"
    n_import: int = 0
    n_export: int = 0


@dataclass(frozen=True)
class Comparison:
    value: Decimal
    national: Decimal | None
    diff: Decimal | None  # national − value: positive means faster
    baseline: Decimal | None
    reduction_pct: Decimal | None
    halved: bool | None


def compare(value: float | None, national: float | None, baseline: float | None) -> Comparison | None:
    v, n, b = _d(value), _d(national), _d(baseline)
    if v is None:
        return None
    diff = (n - v) if n is not None else None
    reduction = ((1 - v / b) * 100).quantize(ONE, rounding=ROUND_HALF_UP) if b else None
    # "Halved" compares with half of the baseline itself (97.39 / 2 = 48.695), not a rounded half.
    halved = (Decimal(str(value)) <= Decimal(str(baseline)) / 2) if baseline else None
    return Comparison(v, n, diff, b, reduction, halved)


def _zh_versus(imp: Comparison, exp: Comparison) -> str:
    if imp.diff is None or exp.diff is None:
        return ""
    if imp.diff >= 0 and exp.diff >= 0:
        return f"，较全国平均水平分别快{imp.diff}和{exp.diff}小时"
    if imp.diff < 0 and exp.diff < 0:
        return f"，较全国平均水平分别慢{-imp.diff}和{-exp.diff}小时"
    parts = [f"{label}{'快' if c.diff >= 0 else '慢'}{abs(c.diff)}小时"
             for label, c in (("进口", imp), ("出口", exp))]
    return "，较全国平均水平" + "、".join(parts)


def _zh_baseline(imp: Comparison, exp: Comparison) -> str:
    if imp.reduction_pct is None or exp.reduction_pct is None:
        return ""
    text = f"；与2017年相比，进口、出口分别压缩{imp.reduction_pct}%和{exp.reduction_pct}%"
    if imp.halved and exp.halved:
        return text + "，实现“比2017年压缩一半”目标"
    missed = "、".join(label for label, c in (("进口", imp), ("出口", exp)) if not c.halved)
    return text + f"，{missed}尚未实现“比2017年压缩一半”目标"


def _en_versus(imp: Comparison, exp: Comparison) -> str:
    if imp.diff is None or exp.diff is None:
        return ""
    word = {True: "faster", False: "slower"}
    if (imp.diff >= 0) == (exp.diff >= 0):
        return (f", {abs(imp.diff)} and {abs(exp.diff)} hours {word[imp.diff >= 0]} than the "
                "national average respectively")
    return (f"; imports were {abs(imp.diff)} hours {word[imp.diff >= 0]} and exports "
            f"{abs(exp.diff)} hours {word[exp.diff >= 0]} than the national average")


def _en_baseline(imp: Comparison, exp: Comparison) -> str:
    if imp.reduction_pct is None or exp.reduction_pct is None:
        return ""
    text = (f". Against 2017, that is {imp.reduction_pct}% less for imports and "
            f"{exp.reduction_pct}% less for exports")
    if imp.halved and exp.halved:
        return text + ": the goal of halving the 2017 clearance time is met"
    missed = " and ".join(label for label, c in (("imports", imp), ("exports", exp)) if not c.halved)
    return text + f": the goal of halving the 2017 clearance time is not yet met for {missed}"


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def _zh_one(label: str, c: Comparison) -> str:
    """One direction's figure, comparison and baseline, for a month whose other direction has none."""
    text = f"{label}整体通关时间为{c.value}小时"
    if c.diff is not None:
        text += f"，较全国平均水平{'快' if c.diff >= 0 else '慢'}{abs(c.diff)}小时"
    if c.reduction_pct is not None:
        not_yet = "" if c.halved else "尚未"
        text += f"；与2017年相比压缩{c.reduction_pct}%，{not_yet}实现“比2017年压缩一半”目标"
    return text


def _en_one(label: str, c: Comparison) -> str:
    text = f"overall clearance time was {c.value} hours for {label}"
    if c.diff is not None:
        text += f", {abs(c.diff)} hours {'faster' if c.diff >= 0 else 'slower'} than the national average"
    if c.reduction_pct is not None:
        met = "met" if c.halved else "not yet met"
        text += f". Against 2017, that is {c.reduction_pct}% less: the goal of halving it is {met}"
    return text


def sentence(f: Figures, lang: str = "zh") -> str:
    imp = compare(f.import_h, f.national_import_h, f.baseline_import_h)
    exp = compare(f.export_h, f.national_export_h, f.baseline_export_h)
    month_en = f"{MONTHS_EN[f.month - 1]} {f.year}"
    if imp is None and exp is None:
        if lang == "zh":
            return f"{f.year}年{f.month}月，{f.region_zh}进口、出口均暂无已放行报关单，无法计算整体通关时间。"
        return (f"In {month_en}, {f.region_en} had no released import or export declarations: "
                "no overall clearance time.")
    if imp is None or exp is None:
        # The direction with figures is stated in full; the other is said to have none, never averaged.
        if imp is None:
            present, (zh_have, zh_none, en_have, en_none) = exp, ("出口", "进口", "exports", "import")
        else:
            present, (zh_have, zh_none, en_have, en_none) = imp, ("进口", "出口", "imports", "export")
        if lang == "zh":
            return (f"{f.year}年{f.month}月，{f.region_zh}{_zh_one(zh_have, present)}；"
                    f"{zh_none}暂无已放行报关单，无法计算整体通关时间。")
        return (f"In {month_en}, {f.region_en}'s {_en_one(en_have, present)}. "
                f"No {en_none} declaration was released: no overall clearance time for {en_none}s.")
    if lang == "zh":
        return (f"{f.year}年{f.month}月，{f.region_zh}进口、出口整体通关时间分别为{imp.value}小时和"
                f"{exp.value}小时{_zh_versus(imp, exp)}{_zh_baseline(imp, exp)}。")
    return (f"In {month_en}, {f.region_en}'s overall clearance time was "
            f"{imp.value} hours for imports and {exp.value} hours for exports"
            f"{_en_versus(imp, exp)}{_en_baseline(imp, exp)}.")


def render(f: Figures, *, lang: str = "zh", fmt: str = "text") -> str:
    """The bulletin as plain text, Markdown or an HTML fragment."""
    title = (f"{f.year}年{f.month}月{f.region_zh}整体通关时间通报" if lang == "zh"
             else f"Overall clearance time bulletin: {f.region_en}, {MONTHS_EN[f.month - 1]} {f.year}")
    body = sentence(f, lang)
    zh_clock, en_clock = CLOCK_NAMES.get(f.clock, (f.clock, f.clock))
    if lang == "zh":
        note = f"（口径：{zh_clock}；进口{f.n_import}票、出口{f.n_export}票已放行报关单的平均值）"
    else:
        note = (f"(Measure: {en_clock}; mean over {f.n_import} import and {f.n_export} export "
                "declarations released in the month.)")
    if fmt == "markdown":
        return f"# {title}\n\n{body}\n\n{note}\n"
    if fmt == "html":
        return (f'<article class="bulletin"><h1>{html.escape(title)}</h1><p>{html.escape(body)}</p>'
                f'<p class="note">{html.escape(note)}</p></article>')
    return f"{title}\n\n{body}\n{note}\n"
