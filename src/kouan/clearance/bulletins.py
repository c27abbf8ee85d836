"""The monthly bulletin for a region: its KPI by direction, the national figures, the 2017 baseline."""

from __future__ import annotations

import csv
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kouan.analytics import bulletin, filters
from kouan.clearance import figures, kpi
from kouan.clearance.months import check_month as check_month
from kouan.kit.errors import N_, FieldError, InvalidInput

BASELINE_YEAR = "2017"


@cache
def region_names() -> dict[str, tuple[str, str]]:
    text = resources.files("kouan.reference").joinpath("provinces.csv").read_text("utf-8")
    return {r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(text.splitlines())}


def figures_for(
    sessions: sessionmaker[Session], *, month: str, region: str, clock: str, database_url: str,
    export_dir: Path, now: datetime,
) -> bulletin.Figures:
    year, mon = check_month(month)
    names = region_names()
    if region not in names:
        raise InvalidInput(N_("unknown region"),
                           errors=[FieldError("region", N_("CN or CN-XX, e.g. CN-LN"), region)])
    query = kpi.KpiQuery(clock=clock, period=filters.Period(first_month=month, last_month=month),
                         province=None if region == "CN" else region, by=("direction",))
    result = kpi.run(sessions, query, database_url=database_url, export_dir=export_dir, now=now)
    by_dir = {r.group["direction"]: r for r in result.rows}
    with sessions() as s:
        ref = {(p, d): figures.lookup(s, scope="CN", period=p, direction=d)
               for p in (month, BASELINE_YEAR) for d in ("I", "E")}
    imp, exp = by_dir.get("I"), by_dir.get("E")
    return bulletin.Figures(
        year=year, month=mon, region_zh=names[region][0], region_en=names[region][1],
        import_h=imp.mean_h if imp else None, export_h=exp.mean_h if exp else None,
        national_import_h=ref[(month, "I")], national_export_h=ref[(month, "E")],
        baseline_import_h=ref[(BASELINE_YEAR, "I")], baseline_export_h=ref[(BASELINE_YEAR, "E")],
        clock=clock, n_import=imp.n if imp else 0, n_export=exp.n if exp else 0,
    )
