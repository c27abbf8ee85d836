"""Facilitation KPIs: the advance-declaration rate and two-step usage, by month and port, year
over year (the seed: Dalian's export advance-declaration rate reached 74 %; two-step volume about
three times a year before).

Advance declaration (business-rules.md §1.1): lodged before the means of transport's entry
(import: the GAC clock's start, entry declared or else arrival) or before the goods arrived at
port (export: 运抵, the TRS clock's start). A declaration counts in the Beijing month it was
lodged. The join runs in Ibis on any engine; the per-group arithmetic over the (few) rows is
plain Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
from ibis.backends import BaseBackend

from kouan.kit.clock import CHINA_TZ

GROUP_KEYS = ("month", "port", "province", "direction")


def declaration_facts(con: BaseBackend) -> ibis.Table:
    """One row per lodged declaration: when, where, two-step or not, and the reference moment."""
    ev, refs, cases = con.table("event"), con.table("event_ref"), con.table("clearance_case")
    # Only entitled lodgements (a claim moves no figure, events.authority).
    lodged = ev.filter(ev.milestone == "DECLARATION_LODGED", ev.classifier == "ACT",
                       ev.authority == "entitled")
    named = lodged.join(refs, lodged.id == refs.event_pk).filter(refs.kind == "declaration")
    per = named.group_by(declaration=named.key).aggregate(
        lodged_at=named.occurred_at.min(),
        two_step=ibis.ifelse(named.attrs.cast("string").contains('"two_step"'), 1, 0).max())
    gac = cases.filter(cases.clock == "gac").select("declaration", "direction", "port", "province",
                                                     gac_start=cases.start_at)
    trs = cases.filter(cases.clock == "trs").select("declaration", trs_start=cases.start_at)
    return per.left_join(gac, "declaration").left_join(trs, "declaration").select(
        "declaration", "lodged_at", "two_step", "direction", "port", "province", "gac_start", "trs_start")


@dataclass
class FacilitationRow:
    group: dict[str, str | None]
    declarations: int
    advance: int
    advance_known: int  # declarations whose arrival (or 运抵) is known, the rate's denominator
    two_step: int
    advance_rate: float | None = None
    two_step_share: float | None = None
    advance_rate_last_year: float | None = None
    two_step_last_year: int | None = None
    two_step_growth: float | None = None  # this year's two-step count ÷ the same month last year's


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _month(value: datetime) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m")


def _last_year(group: dict[str, str | None]) -> dict[str, str | None]:
    month = group.get("month")
    if not month:
        return {}
    return {**group, "month": f"{int(month[:4]) - 1}{month[4:]}"}


def rates(con: BaseBackend, by: Sequence[str], *, first_month: str | None = None,
          last_month: str | None = None, port: str | None = None,
          province: str | None = None) -> list[FacilitationRow]:
    bad = [k for k in by if k not in GROUP_KEYS]
    if bad:
        raise ValueError(f"cannot group by {bad[0]!r}: allowed keys are {', '.join(GROUP_KEYS)}")
    groups: dict[tuple, FacilitationRow] = {}
    for r in declaration_facts(con).to_pyarrow().to_pylist():
        lodged = _utc(r["lodged_at"])
        ref = _utc(r["gac_start"] if r["direction"] == "I" else r["trs_start"])
        facts = {"month": _month(lodged), "port": r["port"], "province": r["province"],
                 "direction": r["direction"]}
        if (port and facts["port"] != port) or (province and facts["province"] != province):
            continue
        group = {k: facts[k] for k in by}
        row = groups.setdefault(tuple(group.values()), FacilitationRow(group, 0, 0, 0, 0))
        row.declarations += 1
        row.two_step += int(r["two_step"] or 0)
        if ref is not None:
            row.advance_known += 1
            row.advance += int(lodged < ref)
    for row in groups.values():
        row.advance_rate = round(row.advance / row.advance_known, 4) if row.advance_known else None
        row.two_step_share = round(row.two_step / row.declarations, 4)
    for row in groups.values():  # every group's rate first: the year before may come later in the rows
        prev = groups.get(tuple(_last_year(row.group).values())) if "month" in by else None
        if prev is not None:
            row.advance_rate_last_year, row.two_step_last_year = prev.advance_rate, prev.two_step
            row.two_step_growth = round(row.two_step / prev.two_step, 4) if prev.two_step else None
    rows = [r for r in groups.values() if _in_period(r.group.get("month"), first_month, last_month)]
    return sorted(rows, key=lambda r: tuple((v is None, v or "") for v in r.group.values()))


def _in_period(month: str | None, first: str | None, last: str | None) -> bool:
    if month is None:
        return True
    return (first is None or month >= first) and (last is None or month <= last)
