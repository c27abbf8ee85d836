"""Keep clearance cases current.

Ingestion only marks the consignments it touched as dirty (one cheap insert per consignment);
``refresh`` recomputes their declarations' cases and is idempotent, so it can run right after a
batch, before a KPI is read, or from ``kouan cases refresh``. ``recompute_all`` rebuilds every case
for a clock (a new or changed clock definition) consignment by consignment;
``recompute_all_set_based`` does the same in one set-based query (``kouan.analytics.cases``) and
is the path for large stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from kouan.analytics import cases as analytics_cases
from kouan.analytics import engines
from kouan.clearance import clock_registry
from kouan.clearance.clocks import Clock
from kouan.clearance.domain import Obs, compute, scope_events
from kouan.clearance.models import ClearanceCase, DirtyConsignment
from kouan.consignments import repository as consignments_repo
from kouan.consignments import timeline as timeline_service
from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember
from kouan.events import repository as events_repo
from kouan.events.domain import CanonicalEvent, RefKind
from kouan.events.models import Event
from kouan.ports.models import Port


@dataclass
class RefreshReport:
    consignments: int = 0
    cases: int = 0


def mark_dirty(session: Session, consignment_ids: Iterable[int]) -> None:
    ids = sorted(set(consignment_ids))
    if not ids:
        return
    known: set[int] = set()
    for chunk in events_repo.chunks(ids):
        known.update(session.scalars(select(DirtyConsignment.consignment_id)
                                     .where(DirtyConsignment.consignment_id.in_(chunk))))
    new = [{"consignment_id": i} for i in ids if i not in known]
    if new:
        session.execute(insert(DirtyConsignment), new)


def reached_by_hubs(session: Session, events: Sequence[CanonicalEvent]) -> set[int]:
    """Consignments carried by the containers and calls the events name: a vessel's entry
    declaration moves the clock of every declaration on board."""
    calls = sorted({k for e in events for k in e.keys(RefKind.TRANSPORT_CALL)})
    keys = sorted({k for e in events for k in e.keys(RefKind.CONTAINER)})
    keys += sorted(consignments_repo.call_aliases(session, calls)) if calls else []
    found: set[int] = set()
    for chunk in events_repo.chunks(keys):
        found.update(session.scalars(select(ConsignmentHub.consignment_id)
                                     .where(ConsignmentHub.key.in_(chunk))))
    return found


def _obs(e: Event) -> Obs:
    return Obs(milestone=e.milestone, classifier=e.classifier, occurred_at=e.occurred_at, port=e.port,
               refs=frozenset((k, v) for k, v in e.refs), attrs=e.attrs or {})


def _provinces(session: Session, ports: set[str]) -> dict[str, str | None]:
    if not ports:
        return {}
    rows = session.execute(select(Port.locode, Port.province).where(Port.locode.in_(sorted(ports))))
    return {row[0]: row[1] for row in rows}


def recompute_consignment(session: Session, cid: int, clocks: Sequence[Clock], now: datetime) -> int:
    if session.get(Consignment, cid) is None:
        return 0  # absorbed by a merge since it was marked
    t = timeline_service.build(session, cid)
    obs = [_obs(e) for e in t.events]
    declarations = [o.key for o in t.objects if o.kind == RefKind.DECLARATION.value]
    cases = [compute(clock, d, scope_events(d, obs)) for d in declarations for clock in clocks]
    provinces = _provinces(session, {c.port for c in cases if c.port})
    for c in cases:
        session.merge(ClearanceCase(
            declaration=c.declaration, clock=c.clock, consignment_id=cid, direction=c.direction,
            port=c.port, province=provinces.get(c.port) if c.port else None,
            customs_district=c.customs_district, facilitation_mode=c.facilitation_mode,
            commodity_group=c.commodity_group, status=c.status, start_at=c.start_at, end_at=c.end_at,
            month=c.month, hours=c.hours, seg_1=c.segments[0], seg_2=c.segments[1],
            seg_3=c.segments[2], seg_4=c.segments[3], updated_at=now))
    return len(cases)


def refresh(
    session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshReport:
    """Recompute the cases of every dirty consignment, then clear the marks."""
    clocks = list(clocks or clock_registry.all_clocks(session))
    dirty = DirtyConsignment.consignment_id
    ids = list(session.scalars(select(dirty).order_by(dirty)))
    report = RefreshReport()
    for i, cid in enumerate(ids, 1):
        report.cases += recompute_consignment(session, cid, clocks, now)
        report.consignments += 1
        if progress:
            progress(i, len(ids))
    for chunk in events_repo.chunks(ids):
        session.execute(delete(DirtyConsignment).where(DirtyConsignment.consignment_id.in_(chunk)))
    session.flush()
    return report


def recompute_all(session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None) -> RefreshReport:
    """The full path: every consignment with a declaration, e.g. after defining a new clock."""
    ids = session.scalars(select(ConsignmentMember.consignment_id)
                          .where(ConsignmentMember.kind == RefKind.DECLARATION.value).distinct())
    mark_dirty(session, ids)
    return refresh(session, now=now, clocks=clocks)


WRITE_CHUNK = 5_000
_TIMESTAMPS = ("start_at", "end_at")


def recompute_all_set_based(
    session: Session, *, now: datetime, clocks: Sequence[Clock] | None = None
) -> RefreshReport:
    """The full path as one set-based query per clock: the same rows as ``recompute_all``.

    The cases are computed by ``kouan.analytics.cases.cases_expr`` on the operational store through
    its own Ibis connection, so they are read from *committed* events (a SQLite ``:memory:``
    database cannot be read that way). Each clock's rows in ``clearance_case`` are then replaced
    inside ``session``'s transaction: delete, then bulk insert in chunks. Dirty-consignment marks
    are left for ``refresh``, which is idempotent and gives the same rows.
    """
    clocks = list(clocks or clock_registry.all_clocks(session))
    url = session.get_bind().url
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgres"
    con = engines.connect(kind, url.render_as_string(hide_password=False))
    try:
        if kind == "postgres":
            # The query is large: PostgreSQL's JIT spends seconds compiling it for milliseconds saved.
            con.raw_sql("SET jit = off").close()
        computed = {c.name: analytics_cases.run_cases(con, c).to_pylist() for c in clocks}
    finally:
        con.disconnect()
    table = ClearanceCase.__table__
    report = RefreshReport()
    consignments: set[int] = set()
    for name, rows in computed.items():
        session.execute(delete(table).where(table.c.clock == name))
        for row in rows:
            row["updated_at"] = now
            for column in _TIMESTAMPS:  # SQLite hands back naive UTC
                if row[column] is not None and row[column].tzinfo is None:
                    row[column] = row[column].replace(tzinfo=UTC)
            consignments.add(row["consignment_id"])
        for chunk in events_repo.chunks(rows, WRITE_CHUNK):
            session.execute(insert(table), list(chunk))
        report.cases += len(rows)
    report.consignments = len(consignments)
    session.flush()
    return report
