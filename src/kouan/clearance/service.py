"""Keep clearance cases current.

Ingestion only marks the consignments it touched as dirty (one cheap insert per consignment);
``refresh`` recomputes their declarations' cases and is idempotent, so it can run right after a
batch, before a KPI is read, or from ``kouan cases refresh``. ``recompute_all`` rebuilds every case
for a clock (a new or changed clock definition) consignment by consignment;
``recompute_all_set_based`` does the same in one set-based query (``kouan.analytics.cases``) and
is the path for large stores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from kouan.clearance import clock_registry
from kouan.clearance.clocks import Clock
from kouan.clearance.domain import Obs, compute, scope_events
from kouan.clearance.models import ClearanceCase, DirtyConsignment
from kouan.consignments import dirty
from kouan.consignments import timeline as timeline_service
from kouan.consignments.models import Consignment, ConsignmentMember
from kouan.events import bulk
from kouan.events import repository as events_repo
from kouan.events.authority import ENTITLED
from kouan.events.domain import RefKind
from kouan.events.models import Event
from kouan.ports.models import Port

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

# The set-based paths import the analytics stack (Ibis, PyArrow, DuckDB) inside their functions:
# ingestion marks consignments dirty through this module, and `kouan events import` or the web
# server's start-up should not pay seconds of imports for a full recompute they never run.


@dataclass
class RefreshReport:
    consignments: int = 0
    cases: int = 0


def _obs(e: Event) -> Obs:
    return Obs(milestone=e.milestone, classifier=e.classifier, occurred_at=e.occurred_at, port=e.port,
               refs=frozenset((k, v) for k, v in e.refs), attrs=e.attrs or {})


def _provinces(session: Session, ports: set[str]) -> dict[str, str | None]:
    if not ports:
        return {}
    rows = session.execute(select(Port.locode, Port.province).where(Port.locode.in_(sorted(ports))))
    return {row[0]: row[1] for row in rows}


REFRESH_BATCH = 500  # consignments read and written together by ``refresh``


def _cases_of(timeline: timeline_service.Timeline, clocks: Sequence[Clock]) -> list:
    # A claim moves no clock (events.authority): the case is computed as if it had not been sent.
    obs = [_obs(e) for e in timeline.events if e.authority == ENTITLED]
    declarations = [o.key for o in timeline.objects if o.kind == RefKind.DECLARATION.value]
    return [compute(clock, d, scope_events(d, obs)) for d in declarations for clock in clocks]


def recompute_consignments(session: Session, cids: Sequence[int], clocks: Sequence[Clock],
                           now: datetime) -> int:
    """Recompute the cases of these consignments' declarations under ``clocks`` and store them
    (replacing the rows of the same declaration and clock): their timelines are read together
    (``timeline.build_many``), a few statements per chunk whatever the size of their calls, and the
    cases written in bulk. Consignments absorbed by a merge since they were marked are skipped.
    Returns the number of cases."""
    timelines = timeline_service.build_many(session, cids)
    computed = [(cid, c) for cid, t in timelines.items() for c in _cases_of(t, clocks)]
    if not computed:
        return 0
    provinces = _provinces(session, {c.port for _cid, c in computed if c.port})
    table = ClearanceCase.__table__
    names = sorted({clock.name for clock in clocks})
    for matching in events_repo.in_chunks(session, table.c.declaration,
                                          sorted({c.declaration for _cid, c in computed})):
        session.execute(delete(table).where(matching, table.c.clock.in_(names)))
    rows = [{
        "declaration": c.declaration, "clock": c.clock, "consignment_id": cid, "direction": c.direction,
        "port": c.port, "province": provinces.get(c.port) if c.port else None,
        "customs_district": c.customs_district, "facilitation_mode": c.facilitation_mode,
        "commodity_group": c.commodity_group, "status": c.status, "start_at": c.start_at, "end_at": c.end_at,
        "month": c.month, "hours": c.hours, "seg_1": c.segments[0], "seg_2": c.segments[1],
        "seg_3": c.segments[2], "seg_4": c.segments[3], "updated_at": now,
    } for cid, c in computed]
    for chunk in events_repo.chunks(rows, WRITE_CHUNK):
        session.execute(insert(table), list(chunk))
    return len(rows)


def refresh(
    session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshReport:
    """Recompute the cases of every dirty consignment, then clear the marks. Consignments are
    taken ``REFRESH_BATCH`` at a time: the cost per consignment follows its own events, not the
    number of boxes its calls carried (``timeline.build_many``)."""
    clocks = list(clocks or clock_registry.all_clocks(session))
    marked = DirtyConsignment.consignment_id  # the marks are consignments.dirty's, written at ingest
    ids = list(session.scalars(select(marked).order_by(marked)))
    if _rebuild_is_cheaper(session, len(ids)):
        report = rebuild(session, now=now, clocks=clocks)
        if progress:
            progress(len(ids), len(ids))
        return report
    report = RefreshReport()
    for start in range(0, len(ids), REFRESH_BATCH):
        batch = ids[start:start + REFRESH_BATCH]
        report.cases += recompute_consignments(session, batch, clocks, now)
        report.consignments += len(batch)
        if progress:
            progress(report.consignments, len(ids))
    _clear_marks(session, ids)
    return report


# From this many marked consignments, and at least REBUILD_SHARE of all, ``refresh`` recomputes every
# case set-based (``rebuild``: the same rows) instead of consignment by consignment. Measured at 1 M
# events (151,515 consignments, all marked after the import): 221 s one by one.
REBUILD_FROM = 20_000
REBUILD_SHARE = 0.25


def _rebuild_is_cheaper(session: Session, marked: int) -> bool:
    """Whether so many consignments wait that one set-based pass over the store costs less: refresh
    costs about 1 ms a consignment, the set-based pass follows the number of events."""
    if marked < REBUILD_FROM:
        return False
    total = session.scalar(select(func.count()).select_from(Consignment)) or 0
    return marked >= REBUILD_SHARE * total


def _clear_marks(session: Session, ids: list[int]) -> None:
    for matching in events_repo.in_chunks(session, DirtyConsignment.consignment_id, ids):
        session.execute(delete(DirtyConsignment).where(matching))
    session.flush()


def recompute_all(session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None) -> RefreshReport:
    """The full path: every consignment with a declaration, e.g. after defining a new clock."""
    ids = session.scalars(select(ConsignmentMember.consignment_id)
                          .where(ConsignmentMember.kind == RefKind.DECLARATION.value).distinct())
    dirty.mark_dirty(session, ids)
    return refresh(session, now=now, clocks=clocks)


WRITE_CHUNK = 5_000
SQLITE_WRITE_CACHE_KIB = 256 * 1024
SQLITE_REINDEX_ROWS = 100_000  # from this many cases, rebuild the indexes rather than keep them
_TIMESTAMPS = ("start_at", "end_at")
SET_BASED_ENGINES = ("auto", "scan", "duckdb", "store")


def recompute_all_set_based(
    session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None, engine: str = "auto",
) -> RefreshReport:
    """The full path as one set-based query per clock: the same rows as ``recompute_all``.

    The cases are computed by ``kouan.analytics.cases.cases_expr``, on one of three engines:

    - ``scan`` (the default on a SQLite file when DuckDB's SQLite scanner is installed and
      ``session`` holds no uncommitted writes): a child process reads the store file with DuckDB's
      SQLite scanner, runs the expression on DuckDB and replaces the cases itself, in a transaction
      of its own, committed when this returns (``kouan.analytics.sqlite_scan``). It reads the
      *committed* store, so it refuses a session with uncommitted writes;
    - ``duckdb`` (the fallback on SQLite): the store's tables are read into Arrow through
      ``session``'s own connection (so inside its transaction) and DuckDB runs the expression.
      SQLite's planner runs the same query row by row with automatic indexes: more than a minute
      at 100,000 events, against seconds;
    - ``store`` (the default on PostgreSQL): the expression runs on the store through its own Ibis
      connection, so it reads *committed* events (a SQLite ``:memory:`` database cannot be read).

    With the other engines each clock's rows in ``clearance_case`` are then replaced inside
    ``session``'s transaction: delete, then bulk insert. Dirty-consignment marks are left for
    ``refresh``, which is idempotent and gives the same rows.
    """
    import pyarrow.compute as pc

    from kouan.analytics import cases as analytics_cases
    from kouan.analytics import engines, sqlite_scan

    if engine not in SET_BASED_ENGINES:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(SET_BASED_ENGINES)}")
    clocks = list(clocks or clock_registry.all_clocks(session))
    url = session.get_bind().url
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgres"
    raw = session.connection().connection.driver_connection
    if engine == "auto":
        if kind != "sqlite":
            engine = "store"
        elif url.database not in (None, "", ":memory:") and not raw.in_transaction \
                and sqlite_scan.available():
            engine = "scan"
        else:
            engine = "duckdb"
    if engine in ("scan", "duckdb") and kind != "sqlite":
        raise ValueError(f"the {engine} engine reads a SQLite store; use engine='store'")
    started = time.perf_counter()
    if engine == "scan":
        if raw.in_transaction:
            raise ValueError("the scan engine reads the committed store: commit this session's writes first")
        done = analytics_cases.replace_cases_scan(url.database, clocks, updated_at=bulk.sqlite_ts(now),
                                                  reindex_rows=SQLITE_REINDEX_ROWS)
        log.info("recomputed %d cases of %d clock(s) on the scan engine in %.1f s (written by its process)",
                 done["cases"], len(clocks), time.perf_counter() - started)
        return RefreshReport(consignments=done["consignments"], cases=done["cases"])
    elif engine == "duckdb":
        tables = analytics_cases.read_sqlite_tables(raw)
        computed = analytics_cases.run_cases_duckdb(tables, clocks)
    else:
        con = engines.connect(kind, url.render_as_string(hide_password=False))
        try:
            if kind == "postgres":
                # The query is large: PostgreSQL's JIT spends seconds compiling it for milliseconds saved.
                con.raw_sql("SET jit = off").close()
            computed = {c.name: analytics_cases.run_cases(con, c) for c in clocks}
        finally:
            con.disconnect()
    computed_at = time.perf_counter()
    report = RefreshReport()
    consignments: set[int] = set()
    # From SQLITE_REINDEX_ROWS cases the indexes are built again after the copy: at 1.5 M cases the
    # write went from 48 s to 41 s.
    rebuilt = sqlite_scan.drop_indexes(raw, ClearanceCase.__tablename__) if kind == "sqlite" and sum(
        c.num_rows for c in computed.values()) >= SQLITE_REINDEX_ROWS else []
    for name, cases in computed.items():
        session.execute(delete(ClearanceCase.__table__).where(ClearanceCase.__table__.c.clock == name))
        if kind == "sqlite":
            _insert_sqlite(session, cases, now)
        else:
            _insert_rows(session, cases.to_pylist(), now)
        consignments.update(c for c in pc.unique(cases["consignment_id"]).to_pylist() if c is not None)
        report.cases += cases.num_rows
    for ddl in rebuilt:
        session.execute(text(ddl))
    report.consignments = len(consignments)
    session.flush()
    log.info("recomputed %d cases of %d clock(s) on the %s engine: %.1f s to compute, %.1f s to write",
             report.cases, len(computed), engine, computed_at - started, time.perf_counter() - computed_at)
    return report


def rebuild(session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None) -> RefreshReport:
    """Every case recomputed set-based, then the dirty marks it covered cleared: ``refresh``'s result
    for a store whose every consignment changed (a bulk load, the demo), in seconds instead of
    minutes. Marks are read before the recompute, so one added meanwhile stays for ``refresh``."""
    dirty = DirtyConsignment.consignment_id
    ids = list(session.scalars(select(dirty)))
    report = recompute_all_set_based(session, now=now, clocks=clocks)
    _clear_marks(session, ids)
    return report


def _insert_rows(session: Session, rows: list[dict], now: datetime) -> None:
    for row in rows:
        row["updated_at"] = now
        for column in _TIMESTAMPS:  # SQLite hands back naive UTC
            if row[column] is not None and row[column].tzinfo is None:
                row[column] = row[column].replace(tzinfo=UTC)
    for chunk in events_repo.chunks(rows, WRITE_CHUNK):
        session.execute(insert(ClearanceCase.__table__), list(chunk))


def _insert_sqlite(session: Session, cases: pa.Table, now: datetime) -> None:
    """One ``executemany`` through ``events.bulk`` on the session's connection, instants already
    written as the text ``UTCDateTime`` stores (naive UTC, microseconds): SQLAlchemy's per-value
    conversion was most of the time of writing a million cases."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = list(cases.column_names)
    for column in _TIMESTAMPS:
        utc = pc.cast(cases[column], pa.timestamp("us", tz="UTC"))
        as_text = pc.strftime(utc, format="%Y-%m-%d %H:%M:%S")  # %S carries the microseconds
        cases = cases.set_column(columns.index(column), column, as_text)
    stamp = bulk.sqlite_ts(now)
    out = bulk.Bulk(session)
    # The four indexes of a million cases outgrow a connection's page cache (SQLITE_CACHE_KIB), and
    # each row then reads index pages back from disk: with 256 MB for this write it took half the
    # time of SQLite's 2 MB default (measured at 150,000 cases). The connection goes back to the
    # pool, so its own size is restored.
    cache = session.execute(text("PRAGMA cache_size")).scalar_one()
    session.execute(text(f"PRAGMA cache_size = {-SQLITE_WRITE_CACHE_KIB}"))
    try:
        for batch in cases.to_batches(WRITE_CHUNK * 20):
            values = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            out.insert("clearance_case", [*columns, "updated_at"],
                       [(*row, stamp) for row in zip(*values, strict=True)])
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(cache)}"))
