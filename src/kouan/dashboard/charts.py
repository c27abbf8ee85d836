"""The dashboard's charts. Every clearance-time figure comes from ``kouan.clearance.kpi.run`` — the
function behind ``kouan kpi`` and ``GET /api/v1/kpi`` — grouped by the chart's keys and then picked
by direction and mode, so a chart never computes a figure a second way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kouan.analytics import run as analytics_run
from kouan.clearance import figures, kpi
from kouan.clearance.clocks import Clock
from kouan.dashboard import labels
from kouan.dashboard import repository as repo
from kouan.dashboard.filters import Filters, months_between
from kouan.dashboard.model import Chart, Panel, Series, Translate
from kouan.events import docking as docking_service
from kouan.kit.clock import CHINA_TZ
from kouan.partners.domain import Principal

BASELINE_YEAR = "2017"
DRILL_PATH = "/dashboard/declarations"


@dataclass(frozen=True)
class Store:
    """Where the figures come from: the operational store, as ``kpi.run`` takes it."""

    sessions: sessionmaker[Session]
    database_url: str
    export_dir: Path
    now: datetime


def this_month(store: Store) -> str:
    """The month that contains "now" in Asia/Shanghai: the only one not over yet."""
    return store.now.astimezone(CHINA_TZ).strftime("%Y-%m")


def freshness(store: Store) -> kpi.Freshness:
    """How far the cases lag the events (no write: the worker's refresh job brings them up to date,
    a dashboard read never does; ``kpi.run`` reads the same)."""
    return kpi.freshness_of(store.sessions)


def kpi_rows(store: Store, f: Filters, by: tuple[str, ...]) -> tuple[Clock, list[analytics_run.KpiRow]]:
    """``kpi.run`` for the filters, grouped by ``by`` (+ mode when one is chosen), then picked."""
    keys = by + (("facilitation_mode",) if f.mode else ())
    query = kpi.KpiQuery(period=f.period, province=f.province, port=f.port, by=keys)
    result = kpi.run(store.sessions, query, database_url=store.database_url,
                     export_dir=store.export_dir, now=store.now)
    rows = [r for r in result.rows
            if (not f.mode or r.group.get("facilitation_mode") == f.mode)
            and ("direction" not in by or r.group.get("direction") in f.directions)
            and ("month" not in by or r.group.get("month") is not None)
            and r.n > 0]
    return result.clock, rows


def drill_url(f: Filters, **narrow: str | None) -> str:
    return f"{DRILL_PATH}?{f.query(**narrow)}"


def _direction_title(t: Translate, d: str) -> str:
    return t(labels.DIRECTIONS[d])


def _national(store: Store) -> dict[tuple[str, str], float]:
    with store.sessions() as s:
        return {(r.period, r.direction): r.hours for r in figures.list_figures(s, scope="CN")}


def month_labels(store: Store, months: list[str], t: Translate) -> tuple[list[str], list[bool]]:
    """Each month's axis label and whether it is partial: the month not over yet keeps its figure
    (declarations count in the month their clock ends, so it holds only the fast ones so far) but
    says so, "2026-11 (partial)"."""
    current = this_month(store)
    partial = [m == current for m in months]
    shown = [t(labels.PARTIAL_MONTH) % {"month": m} if p else m for m, p in zip(months, partial, strict=True)]
    return shown, partial


def trend(store: Store, f: Filters, t: Translate) -> Chart:
    """Mean hours by month per direction, with the national average and half of 2017; the month not
    over yet is marked partial (its label, and ``partial`` on its figures)."""
    _clock, rows = kpi_rows(store, f, ("month", "direction"))
    months = months_between(f.first_month, f.last_month)
    categories, partial = month_labels(store, months, t)
    by_key = {(r.group["month"], r.group["direction"]): r for r in rows}
    national = _national(store)
    panels = []
    headline = []
    for d in f.directions:
        name = _direction_title(t, d)
        values = [by_key[(m, d)].mean_h if (m, d) in by_key else None for m in months]
        if len(months) == 1:  # one period: its figure is read, not a one-dot line
            baseline_1 = national.get((BASELINE_YEAR, d))
            headline.append({"direction": d, "title": name, "value": values[0],
                             "national": national.get((months[0], d)), "national_name": t(labels.NATIONAL),
                             "halved": baseline_1 / 2 if baseline_1 else None,
                             "halved_name": t(labels.HALVED), "unit": "h",
                             "drill": drill_url(f, month=months[0], direction=d) if values[0] is not None
                             else None})
        drill = [drill_url(f, month=m, direction=d) if (m, d) in by_key else None for m in months]
        baseline = national.get((BASELINE_YEAR, d))
        has_data = any(v is not None for v in values)
        panels.append(Panel(
            title=name, category_name=t(labels.MONTH), value_name=t(labels.HOURS), categories=categories,
            series=[
                Series(name=name, kind="line", values=values, drill=drill, partial=partial),
                Series(name=f"{t(labels.NATIONAL)} · {name}", kind="line", style="dashed",
                       values=[national.get((m, d)) if has_data else None for m in months]),
                Series(name=f"{t(labels.HALVED)} · {name}", kind="line", style="dotted",
                       values=[baseline / 2 if baseline and has_data else None for _ in months]),
            ]))
    return Chart("trend", t(labels.TITLES["trend"]), panels,
                 extra={"headline": headline} if headline else {})


def segment_label(t: Translate, name: str) -> str:
    return t(labels.SEGMENTS[name]) if name in labels.SEGMENTS else name


def segments(store: Store, f: Filters, t: Translate) -> Chart:
    """Segment means per direction over the range; they add up to the direction's mean."""
    clock, rows = kpi_rows(store, f, ("direction",))
    by_dir = {r.group["direction"]: r for r in rows}
    period = f"{f.first_month} – {f.last_month}"
    panels = []
    for d in f.directions:
        row = by_dir.get(d)
        names = clock.for_direction(d).segment_names
        series = [Series(name=segment_label(t, seg), kind="bar", stack=d,
                         values=[row.segments[i] if row else None],
                         drill=[drill_url(f, direction=d) if row else None])
                  for i, seg in enumerate(names)]
        panels.append(Panel(title=_direction_title(t, d), category_name=t(labels.PERIOD),
                            value_name=t(labels.HOURS), categories=[period], series=series,
                            horizontal=True))
    return Chart("segments", t(labels.TITLES["segments"]), panels)


def port_label(locode: str, names: dict[str, str]) -> str:
    """A port as people read it: its name in the page's language, the UN/LOCODE after it."""
    name = names.get(locode)
    return f"{name} ({locode})" if name else locode


def ports(store: Store, f: Filters, t: Translate, *, lang: str = "zh") -> Chart:
    """Mean hours per port over the range, slowest first, one panel per direction."""
    _clock, rows = kpi_rows(store, f, ("port", "direction"))
    rows = [r for r in rows if r.group.get("port")]
    with store.sessions() as s:
        names = repo.port_names(s, {r.group["port"] for r in rows}, lang=lang)
    panels = []
    for d in f.directions:
        mine = sorted((r for r in rows if r.group["direction"] == d), key=lambda r: -(r.mean_h or 0))
        name = _direction_title(t, d)
        panels.append(Panel(
            title=name, category_name=t(labels.PORT), value_name=t(labels.HOURS), horizontal=True,
            categories=[port_label(r.group["port"], names) for r in mine],
            series=[Series(name=f"{t(labels.MEAN)} · {name}", kind="bar", values=[r.mean_h for r in mine],
                           drill=[drill_url(f, direction=d, port=r.group["port"]) for r in mine])]))
    return Chart("ports", t(labels.TITLES["ports"]), panels)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 2)


def facilitation(store: Store, f: Filters, t: Translate) -> Chart:
    """Advance-declaration rate and two-step usage by month (``kpi.facilitation``); the month not
    over yet is marked partial, as on the trend."""
    by = ("month", "direction") if f.direction else ("month",)
    rows = kpi.facilitation(store.sessions, database_url=store.database_url, by=by, now=store.now,
                            first_month=f.first_month, last_month=f.last_month, port=f.port,
                            province=f.province)
    rows = [r for r in rows if r.get("month") and (not f.direction or r.get("direction") == f.direction)]
    months = months_between(f.first_month, f.last_month)
    categories, partial = month_labels(store, months, t)
    by_month = {r["month"]: r for r in rows}

    def column(key: str, pct: bool) -> list[float | None]:
        values = [by_month[m][key] if m in by_month else None for m in months]
        return [_pct(v) for v in values] if pct else [None if v is None else float(v) for v in values]

    panel = Panel(
        title=t(labels.DIRECTIONS[f.direction]) if f.direction else t(labels.ALL),
        category_name=t(labels.MONTH), value_name=t(labels.PERCENT), value_name_2=t(labels.COUNT),
        categories=categories,
        series=[Series(name=t(labels.ADVANCE_RATE), kind="line", values=column("advance_rate", True),
                       unit="%", partial=partial),
                Series(name=t(labels.TWO_STEP_SHARE), kind="line", values=column("two_step_share", True),
                       unit="%", partial=partial),
                Series(name=t(labels.TWO_STEP_COUNT), kind="bar", axis=1, values=column("two_step", False),
                       unit="", partial=partial)])
    notes = [t(labels.MODE_NOT_APPLIED)] if f.mode else []
    return Chart("facilitation", t(labels.TITLES["facilitation"]), [panel], notes=notes)


def partner_label(r: docking_service.DockingStatus, t: Translate, lang: str) -> str:
    """A partner as people read it: its organisation's name in the page's language."""
    if r.source == "kouan":
        return t(labels.PORTAL)
    name = (r.organisation_en or r.organisation) if lang == "en" else r.organisation
    return name or r.source


def docking(store: Store, actor: Principal, t: Translate, *, lang: str = "zh") -> Chart:
    """Events per day and data quality per partner (``kouan.events.docking``), as the actor may see."""
    with store.sessions() as s:
        rows = docking_service.statuses(s, actor=actor, now=store.now)
    panel = Panel(
        title=t(labels.ALL), category_name=t(labels.PARTNER),
        value_name=t(labels.EVENTS_PER_DAY), value_name_2=t(labels.PERCENT),
        categories=[partner_label(r, t, lang) for r in rows],
        series=[Series(name=t(labels.EVENTS_PER_DAY), kind="bar", values=[r.events_per_day for r in rows],
                       unit=""),
                Series(name=t(labels.ACTUAL_SHARE), kind="line", axis=1, unit="%",
                       values=[_pct(r.actual_share) for r in rows]),
                Series(name=t(labels.QUARANTINE_RATE), kind="line", axis=1, unit="%",
                       values=[_pct(r.quarantine_rate) for r in rows]),
                Series(name=t(labels.VALID_CONTAINERS), kind="line", axis=1, unit="%",
                       values=[_pct(r.container_validity) for r in rows])])
    return Chart("docking", t(labels.TITLES["docking"]), [panel])
