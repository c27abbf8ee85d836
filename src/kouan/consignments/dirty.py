"""The spine's record that consignments changed: ``dirty_consignment`` rows, written in the batch's
own transaction. Readers (clearance) subscribe: their ``batch.committed`` handler recomputes what
the marks name and clears them. Written by table name, so the spine imports no reader's model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import String, and_, column, func, select, text, union, values
from sqlalchemy.orm import Session

from kouan.consignments import repository as consignments_repo
from kouan.consignments.models import ConsignmentHub
from kouan.consignments.repository import TRIP_LEAD
from kouan.db.base import UTCDateTime
from kouan.events import bulk
from kouan.events import repository as events_repo
from kouan.events.domain import CanonicalEvent, RefKind
from kouan.events.models import call_event_rows

TABLE = "dirty_consignment"


def mark_dirty(session: Session, consignment_ids: Iterable[int]) -> None:
    """Mark consignments as changed; those already marked stay marked once (one statement, no
    look-up first)."""
    ids = sorted(set(consignment_ids))
    if not ids:
        return
    out = bulk.Bulk(session)
    if out.postgres:
        session.execute(text(f"INSERT INTO {TABLE} (consignment_id) "
                             "SELECT unnest(CAST(:ids AS bigint[])) ON CONFLICT DO NOTHING"), {"ids": ids})
    else:
        out.insert(TABLE, ("consignment_id",), [(i,) for i in ids], ignore_conflicts=True)


def reached_by_hubs(session: Session, events: Sequence[CanonicalEvent]) -> set[int]:
    """Consignments whose timeline the events can change through a hub they name, without reading
    a hub's history:

    - a call-level event (``events.models.call_event_rows``: a vessel milestone, or an event naming
      only calls) moves the clock of every declaration on board: every consignment on the call (or
      an alias of it);
    - a container event at ``t`` belongs to the trip linked last before it, or to one linked up to
      ``TRIP_LEAD`` after it (``consignments.repository.in_trip``), and a new link there ends the
      trip before it: per container, the consignments linked last before the batch's first event
      naming it and those linked from then to ``TRIP_LEAD`` after its last (``_container_reach``).

    why: a reused container carries a new consignment every few weeks; marking every consignment it
    ever carried made each import's marks, and the refresh after it, grow with the store's history
    (at 600 k events a 50,000-line batch took 17 s instead of 5)."""
    calls = sorted({key for e in events if call_event_rows(0, e.milestone.value, _pairs(e))
                    for key in e.keys(RefKind.TRANSPORT_CALL)})
    windows: dict[str, tuple[datetime, datetime]] = {}
    for e in events:
        for key in e.keys(RefKind.CONTAINER):
            lo, hi = windows.get(key, (e.occurred_at, e.occurred_at))
            windows[key] = (min(lo, e.occurred_at), max(hi, e.occurred_at))
    found = _container_reach(session, windows)
    keys = sorted(consignments_repo.call_aliases(session, calls)) if calls else []
    for matching in events_repo.in_chunks(session, ConsignmentHub.key, keys):
        found.update(session.scalars(select(ConsignmentHub.consignment_id).where(
            matching, ConsignmentHub.kind == RefKind.TRANSPORT_CALL.value).distinct()))
    return found


def _pairs(e: CanonicalEvent) -> list[tuple[str, str]]:
    return [(r.kind.value, r.key) for r in e.refs]


WINDOW_CHUNK = 300  # containers per statement (three parameters each)


def _container_reach(session: Session, windows: dict[str, tuple[datetime, datetime]]) -> set[int]:
    """For each container ``key -> (first, last)`` event time of the batch: the consignments linked
    to it last before ``first`` (every one at that instant) and those linked from ``first`` to
    ``last + TRIP_LEAD``; two range reads of the hub's ``(kind, key, linked_at)`` index a container."""
    hub = ConsignmentHub.__table__
    found: set[int] = set()
    keys = sorted(windows)
    for start in range(0, len(keys), WINDOW_CHUNK):
        q = values(column("key", String), column("lo", UTCDateTime()), column("hi", UTCDateTime()),
                   name="q").data([(k, windows[k][0], windows[k][1] + TRIP_LEAD)
                                   for k in keys[start:start + WINDOW_CHUNK]]).cte("q")
        h, before = hub.alias("h"), hub.alias("b")
        container = RefKind.CONTAINER.value
        latest = (select(func.max(before.c.linked_at))
                  .where(before.c.kind == container, before.c.key == q.c.key, before.c.linked_at < q.c.lo)
                  .correlate(q).scalar_subquery())
        in_window = select(h.c.consignment_id).select_from(q).join(h, and_(
            h.c.kind == container, h.c.key == q.c.key, h.c.linked_at >= q.c.lo, h.c.linked_at <= q.c.hi))
        last_before = select(h.c.consignment_id).select_from(q).join(h, and_(
            h.c.kind == container, h.c.key == q.c.key, h.c.linked_at == latest))
        found.update(session.scalars(union(in_window, last_before)))
    return found


def pending(session: Session) -> int:
    """How many consignments are marked and not yet recomputed."""
    return int(session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)
