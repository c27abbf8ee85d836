"""Answer a clearance-time question over the cases as they are: the operational store answers in
plain SQL (``kpi_store``), DuckDB over a Parquet export and Spark run the Ibis definition
(``analytics.metrics``); the tests hold them equal.

A read never refreshes the cases (a refresh writes, and on SQLite held the one write lock for
minutes after a large import): the worker's ``clearance.refresh_cases`` job does, right after each
batch commits. Until it has caught up the answer says so: ``"stale": true`` and ``"pending"``, the
consignments whose cases wait for it (``freshness``).

Ibis, pandas and PyArrow are imported only on the scale-out engines' path and by the facilitation
rates: ``kouan kpi`` and ``kouan bulletin`` on the store start without them
(``tests/test_cli_startup.py``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kouan.analytics import filters
from kouan.analytics.definitions import KpiRow
from kouan.clearance import clock_registry, kpi_store
from kouan.clearance.clocks import Clock
from kouan.kit.errors import FieldError, InvalidInput, NotFound
from kouan.kit.jsonutil import jsonable

ENGINES = ("native", "duckdb", "spark")


@dataclass(frozen=True)
class KpiQuery:
    clock: str = "gac"
    period: filters.Period | None = None
    province: str | None = None
    port: str | None = None
    by: tuple[str, ...] = ()
    engine: str = "native"


@dataclass(frozen=True)
class Freshness:
    """How far the cases lag the events: consignments marked and not yet recomputed, and refresh
    jobs not yet run."""

    pending: int = 0
    pending_jobs: int = 0

    @property
    def stale(self) -> bool:
        return self.pending > 0

    def as_dict(self) -> dict[str, Any]:
        return {"stale": self.stale, "pending": self.pending, "pending_jobs": self.pending_jobs}


def freshness(session: Session) -> Freshness:
    """Two counts, no write: what every KPI, facilitation and dashboard answer carries."""
    from sqlalchemy import text

    from kouan.clearance.jobs import REFRESH
    from kouan.jobs.counts import waiting

    # consignments.dirty.pending, without importing the spine's write path for a count
    pending = int(session.scalar(text("SELECT count(*) FROM dirty_consignment")) or 0)
    return Freshness(pending=pending,
                     pending_jobs=waiting(session, kind="batch.committed", handler=REFRESH))


def freshness_of(sessions: sessionmaker[Session]) -> Freshness:
    with sessions() as session:
        return freshness(session)


@dataclass
class KpiResult:
    clock: Clock
    query: KpiQuery
    rows: list[KpiRow] = field(default_factory=list)
    fresh: Freshness = field(default_factory=Freshness)

    def as_dict(self) -> dict[str, Any]:
        names = {"I": self.clock.imports.segment_names, "E": self.clock.exports.segment_names}
        return {
            "clock": {"name": self.clock.name, "title": self.clock.title, "segments": names},
            "engine": self.query.engine,
            "filters": {"period": jsonable(asdict(self.query.period)) if self.query.period else None,
                        "region": self.query.province, "port": self.query.port,
                        "by": list(self.query.by)},
            "rows": [_row(r, names) for r in self.rows],
            **self.fresh.as_dict(),
        }


def _row(r: KpiRow, names: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    direction = r.group.get("direction")
    labels = names.get(direction) if direction else None
    if labels:
        segments = {labels[i]: r.segments[i] for i in range(len(labels))}
    else:
        segments = {f"seg_{i + 1}": v for i, v in enumerate(r.segments) if v is not None}
    return {**r.group, "n": r.n, "n_open": r.n_open, "mean_h": r.mean_h, "median_h": r.median_h,
            "p90_h": r.p90_h, "segments": segments}


def _scale_out(query: KpiQuery, clock: Clock, database_url: str, export_dir: Path) -> list[KpiRow]:
    """The Ibis definition on DuckDB or Spark, over a Parquet export of the cases written fresh for
    the question."""
    from kouan.analytics import engines
    from kouan.analytics import run as analytics_run

    analytics_run.parquet_export(engines.connect_store(database_url), export_dir)
    con = engines.connect(query.engine, str(export_dir))
    table = filters.select_cases(engines.clearance_case(con), period=query.period,
                                 province=query.province, port=query.port)
    return analytics_run.kpi(table, list(query.by), clock=clock.name)


def run(
    sessions: sessionmaker[Session], query: KpiQuery, *, database_url: str, export_dir: Path,
    now: datetime,
) -> KpiResult:
    with sessions() as session:
        try:
            clock = clock_registry.get(session, query.clock)
        except NotFound as exc:
            raise InvalidInput(exc.detail, errors=exc.errors) from None
        fresh = freshness(session)
    if query.engine not in ENGINES:
        raise InvalidInput(f"unknown engine {query.engine!r}", errors=[
            FieldError("engine", f"one of {', '.join(ENGINES)}", query.engine)])
    try:
        if query.engine == "native":
            with sessions() as session:
                rows = kpi_store.kpi(session, query.by, clock=clock.name, period=query.period,
                                     province=query.province, port=query.port)
        else:
            rows = _scale_out(query, clock, database_url, export_dir)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[FieldError("by", str(exc))]) from None
    return KpiResult(clock=clock, query=query, rows=rows, fresh=fresh)


def facilitation(
    sessions: sessionmaker[Session], *, database_url: str, by: tuple[str, ...], now: datetime,
    first_month: str | None = None, last_month: str | None = None, port: str | None = None,
    province: str | None = None,
) -> list[dict[str, Any]]:
    """Advance-declaration rate and two-step usage per group, with the same month a year before
    (over the cases as they are: ``freshness_of`` says whether a refresh is pending)."""
    from kouan.analytics import engines
    from kouan.analytics import facilitation as facilitation_rates

    native = engines.connect_store(database_url)
    try:
        rows = facilitation_rates.rates(native, by, first_month=first_month, last_month=last_month,
                                        port=port, province=province)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[FieldError("by", str(exc))]) from None
    return [{**r.group, **{k: v for k, v in asdict(r).items() if k != "group"}} for r in rows]
