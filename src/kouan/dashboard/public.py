"""The public bulletin pages: which months and regions have a bulletin, and one bulletin's figures.

Only what a printed bulletin states leaves here: per direction the region's mean hours, the number
of released declarations they average, the national figure and the 2017 baseline (the figures of
``kouan bulletin``, from ``clearance.bulletins.figures_for``). No declaration, port or partner.
"""

from __future__ import annotations

from dataclasses import dataclass

from kouan.analytics import bulletin as bulletin_text
from kouan.clearance import bulletins
from kouan.dashboard import labels
from kouan.dashboard import repository as repo
from kouan.dashboard.charts import Store, this_month
from kouan.dashboard.model import Chart, Panel, Series, Translate
from kouan.kit.errors import N_, NotFound


@dataclass(frozen=True)
class IndexEntry:
    region: str
    region_zh: str
    region_en: str
    month: str
    declarations: int


@dataclass(frozen=True)
class DirectionLine:
    direction: str
    comparison: bulletin_text.Comparison | None
    declarations: int


@dataclass(frozen=True)
class Bulletin:
    region: str
    month: str
    figures: bulletin_text.Figures
    sentence: str
    title: str
    lines: list[DirectionLine]
    partial: bool = False  # the month is not over: the figures so far


@dataclass(frozen=True)
class IndexCell:
    month: str  # YYYY-MM
    declarations: int
    partial: bool  # the month is not over: its bulletin states the figures so far


@dataclass(frozen=True)
class RegionCalendar:
    """One region's bulletins as a year-by-month grid (a printed bulletin list reads by year)."""

    region: str
    region_zh: str
    region_en: str
    years: list[tuple[int, list[IndexCell | None]]]  # newest year first; twelve cells, January first


def calendars(entries: list[IndexEntry], *, this_month: str) -> list[RegionCalendar]:
    """``entries`` (from ``index``) as one calendar per region, regions in code order."""
    out = []
    for region in sorted({e.region for e in entries}):
        mine = [e for e in entries if e.region == region]
        cells: dict[int, list[IndexCell | None]] = {}
        for e in mine:
            year, month = int(e.month[:4]), int(e.month[5:7])
            cells.setdefault(year, [None] * 12)[month - 1] = IndexCell(e.month, e.declarations,
                                                                      e.month == this_month)
        out.append(RegionCalendar(region, mine[0].region_zh, mine[0].region_en,
                                  sorted(cells.items(), reverse=True)))
    return out


def index(store: Store) -> list[IndexEntry]:
    """Every (region, month) with released declarations, newest month first."""
    names = bulletins.region_names()
    with store.sessions() as s:
        found = repo.months_by_region(s, not_after=this_month(store))
    entries = [IndexEntry(p, *names.get(p, (p, p)), m, n) for p, m, n in found]
    return sorted(entries, key=lambda e: (e.month, e.region), reverse=True)


def bulletin(store: Store, *, region: str, month: str, lang: str) -> Bulletin:
    """One region's bulletin for ``month``; a month that has not begun has none (404)."""
    bulletins.check_month(month)
    current = this_month(store)
    if month > current:
        raise NotFound(N_("no bulletin for %(month)s: the month has not begun"), params={"month": month})
    f = bulletins.figures_for(store.sessions, month=month, region=region, clock="gac",
                              database_url=store.database_url, export_dir=store.export_dir, now=store.now)
    lines = [
        DirectionLine("I", bulletin_text.compare(f.import_h, f.national_import_h, f.baseline_import_h),
                      f.n_import),
        DirectionLine("E", bulletin_text.compare(f.export_h, f.national_export_h, f.baseline_export_h),
                      f.n_export),
    ]
    title = bulletin_text.render(f, lang=lang, fmt="text").split("\n", 1)[0]
    return Bulletin(region=region, month=month, figures=f, sentence=bulletin_text.sentence(f, lang),
                    title=title, lines=lines, partial=month == current)


def chart(b: Bulletin, t: Translate, *, lang: str) -> Chart:
    """Per direction: the region, the national average and the 2017 baseline, with half of 2017."""
    f = b.figures
    region = f.region_zh if lang == "zh" else f.region_en
    values = {"I": (f.import_h, f.national_import_h, f.baseline_import_h),
              "E": (f.export_h, f.national_export_h, f.baseline_export_h)}
    panels = []
    for d, (own, national, baseline) in values.items():
        name = t(labels.DIRECTIONS[d])
        has = own is not None
        panels.append(Panel(
            title=name, category_name=t(labels.FIGURE), value_name=t(labels.HOURS),
            categories=[region, t(labels.NATIONAL), t(labels.BASELINE)],
            series=[Series(name=name, kind="bar", values=[own, national if has else None,
                                                          baseline if has else None]),
                    Series(name=f"{t(labels.HALVED)} · {name}", kind="line", style="dotted",
                           values=[baseline / 2 if baseline and has else None] * 3)]))
    return Chart("bulletin", b.title, panels)
