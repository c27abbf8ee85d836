"""The spine's record that consignments changed: ``dirty_consignment`` rows, written in the batch's
own transaction. Readers (clearance) subscribe: their ``batch.committed`` handler recomputes what
the marks name and clears them. Written by table name, so the spine imports no reader's model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import orjson
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kouan.consignments import repository as consignments_repo
from kouan.consignments.models import ConsignmentHub
from kouan.consignments.repository import TRIP_LEAD
from kouan.events import bulk
from kouan.events import repository as events_repo
from kouan.events.domain import CanonicalEvent, RefKind
from kouan.events.models import is_call_level

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


def reached_by_hubs(session: Session, events: Sequence[CanonicalEvent],
                    moved: dict[str, list[datetime]] | None = None) -> set[int]:
    """Consignments whose timeline the events can change through a hub they name, without reading
    a hub's history:

    - a call-level event (``events.models.is_call_level``: a vessel milestone, or an event naming
      only calls) moves the clock of every declaration on board: every consignment on the call (or
      an alias of it);
    - a container event at ``t`` belongs to the trip linked last before it, or to one linked up to
      ``TRIP_LEAD`` after it (``consignments.repository.in_trip``), and a new link there ends the
      trip before it: per container, the consignments linked last before the batch's first event
      naming it and those linked from then to ``TRIP_LEAD`` after its last (``_container_reach``);
    - a container link the batch moved earlier (``moved``: a late record of an older event, or a
      merge) ends, at its new time, the trips linked between its new and its old time: their
      windows span both.

    why: a reused container carries a new consignment every few weeks; marking every consignment it
    ever carried made each import's marks, and the refresh after it, grow with the store's history
    (at 600 k events a 50,000-line batch took 17 s instead of 5)."""
    call, container = RefKind.TRANSPORT_CALL, RefKind.CONTAINER
    calls: set[str] = set()
    windows: dict[str, list[datetime]] = {}  # key -> [first, last]
    for e in events:
        at, named = e.occurred_at, 0
        for r in e.refs:
            kind = r.kind
            if kind is container:
                w = windows.get(r.key)
                if w is None:
                    windows[r.key] = [at, at]
                elif at < w[0]:
                    w[0] = at
                elif at > w[1]:
                    w[1] = at
            elif kind is call:
                named += 1
        if is_call_level(e.milestone.value, named, len(e.refs)):  # the event's refs are distinct
            calls.update(r.key for r in e.refs if r.kind is call)
    for key, (lo, hi) in (moved or {}).items():
        w = windows.setdefault(key, [lo, hi])
        w[0], w[1] = min(w[0], lo), max(w[1], hi)
    found = _container_reach(session, windows)
    calls = sorted(calls)
    keys = sorted(consignments_repo.call_aliases(session, calls)) if calls else []
    for matching in events_repo.in_chunks(session, ConsignmentHub.key, keys):
        found.update(session.scalars(select(ConsignmentHub.consignment_id).where(
            matching, ConsignmentHub.kind == RefKind.TRANSPORT_CALL.value).distinct()))
    return found


WINDOW_CHUNK = 5_000  # containers per statement

# The windows come as one parameter (SQLite: a JSON array read by json_each; PostgreSQL: three
# arrays unnested), not as a VALUES list: SQLAlchemy compiling 300 rows of binds took longer than the
# query. Then per container two range reads of the hub's (kind, key, linked_at) index.
_REACH = """
SELECT h.consignment_id FROM q JOIN consignment_hub h
  ON h.kind = 'container' AND h.key = q.key AND h.linked_at >= q.lo AND h.linked_at <= q.hi
UNION
SELECT h.consignment_id FROM q JOIN consignment_hub h
  ON h.kind = 'container' AND h.key = q.key AND h.linked_at = (
    SELECT max(b.linked_at) FROM consignment_hub b
    WHERE b.kind = 'container' AND b.key = q.key AND b.linked_at < q.lo)
"""
_WINDOWS = {
    "sqlite": "WITH q(key, lo, hi) AS (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
              "json_extract(value, '$[2]') FROM json_each(:windows))",
    "postgresql": "WITH q(key, lo, hi) AS (SELECT * FROM unnest(CAST(:keys AS text[]), "
                  "CAST(:lo AS timestamptz[]), CAST(:hi AS timestamptz[])))",
}


def _container_reach(session: Session, windows: dict[str, list[datetime]]) -> set[int]:
    """For each container ``key -> (first, last)`` event time of the batch: the consignments linked
    to it last before ``first`` (every one at that instant) and those linked from ``first`` to
    ``last + TRIP_LEAD``."""
    out = bulk.Bulk(session)
    sql = text(_WINDOWS["postgresql" if out.postgres else "sqlite"] + _REACH)
    found: set[int] = set()
    keys = sorted(windows)
    for start in range(0, len(keys), WINDOW_CHUNK):
        chunk = keys[start:start + WINDOW_CHUNK]
        if out.postgres:
            params = {"keys": chunk, "lo": [windows[k][0] for k in chunk],
                      "hi": [windows[k][1] + TRIP_LEAD for k in chunk]}
        else:  # linked_at is stored as naive UTC text: compare text with text of the same form
            params = {"windows": orjson.dumps([(k, out.ts(windows[k][0]), out.ts(windows[k][1] + TRIP_LEAD))
                                               for k in chunk]).decode()}
        found.update(session.scalars(sql, params))
    return found


def pending(session: Session) -> int:
    """How many consignments are marked and not yet recomputed."""
    return int(session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)
