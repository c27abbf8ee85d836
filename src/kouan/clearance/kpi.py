"""Answer a clearance-time question: refresh the cases, then run the one Ibis definition on the
chosen engine (the operational store, DuckDB over a Parquet export, or Spark)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kouan.analytics import engines, filters
from kouan.analytics import facilitation as facilitation_rates
from kouan.analytics import run as analytics_run
from kouan.clearance import clock_registry
from kouan.clearance import service as clearance_service
from kouan.clearance.clocks import Clock
from kouan.db.session import transaction
from kouan.kit.errors import FieldError, InvalidInput, NotFound
from kouan.kit.jsonutil import jsonable
from kouan.partners.domain import system

ENGINES = ("native", "duckdb", "spark")


@dataclass(frozen=True)
class KpiQuery:
    clock: str = "gac"
    period: filters.Period | None = None
    province: str | None = None
    port: str | None = None
    by: tuple[str, ...] = ()
    engine: str = "native"


@dataclass
class KpiResult:
    clock: Clock
    query: KpiQuery
    rows: list[analytics_run.KpiRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        names = {"I": self.clock.imports.segment_names, "E": self.clock.exports.segment_names}
        return {
            "clock": {"name": self.clock.name, "title": self.clock.title, "segments": names},
            "engine": self.query.engine,
            "filters": {"period": jsonable(asdict(self.query.period)) if self.query.period else None,
                        "region": self.query.province, "port": self.query.port,
                        "by": list(self.query.by)},
            "rows": [_row(r, names) for r in self.rows],
        }


def _row(r: analytics_run.KpiRow, names: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    direction = r.group.get("direction")
    labels = names.get(direction) if direction else None
    if labels:
        segments = {labels[i]: r.segments[i] for i in range(len(labels))}
    else:
        segments = {f"seg_{i + 1}": v for i, v in enumerate(r.segments) if v is not None}
    return {**r.group, "n": r.n, "n_open": r.n_open, "mean_h": r.mean_h, "median_h": r.median_h,
            "p90_h": r.p90_h, "segments": segments}


def _connect(engine: str, database_url: str, export_dir: Path):  # type: ignore[no-untyped-def]
    native = engines.connect_store(database_url)
    if engine == "native":
        return native
    # The scale-out engines read a Parquet export of the cases, written fresh for the question.
    analytics_run.parquet_export(native, export_dir)
    return engines.connect(engine, str(export_dir))


def run(
    sessions: sessionmaker[Session], query: KpiQuery, *, database_url: str, export_dir: Path,
    now: datetime,
) -> KpiResult:
    with sessions() as session:
        try:
            clock = clock_registry.get(session, query.clock)
        except NotFound as exc:
            raise InvalidInput(exc.detail, errors=exc.errors) from None
    if query.engine not in ENGINES:
        raise InvalidInput(f"unknown engine {query.engine!r}", errors=[
            FieldError("engine", f"one of {', '.join(ENGINES)}", query.engine)])
    with transaction(sessions, actor=system("kpi")) as session:
        clearance_service.refresh(session, now=now)
    con = _connect(query.engine, database_url, export_dir)
    table = filters.select_cases(engines.clearance_case(con), period=query.period,
                                 province=query.province, port=query.port)
    try:
        rows = analytics_run.kpi(table, list(query.by), clock=clock.name)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[FieldError("by", str(exc))]) from None
    return KpiResult(clock=clock, query=query, rows=rows)


def facilitation(
    sessions: sessionmaker[Session], *, database_url: str, by: tuple[str, ...], now: datetime,
    first_month: str | None = None, last_month: str | None = None, port: str | None = None,
    province: str | None = None,
) -> list[dict[str, Any]]:
    """Advance-declaration rate and two-step usage per group, with the same month a year before."""
    with transaction(sessions, actor=system("kpi")) as session:
        clearance_service.refresh(session, now=now)
    native = engines.connect_store(database_url)
    try:
        rows = facilitation_rates.rates(native, by, first_month=first_month, last_month=last_month,
                                        port=port, province=province)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[FieldError("by", str(exc))]) from None
    return [{**r.group, **{k: v for k, v in asdict(r).items() if k != "group"}} for r in rows]
