"""The spine's record that consignments changed: ``dirty_consignment`` rows, written in the batch's
own transaction. Readers (clearance) subscribe: their ``batch.committed`` handler recomputes what
the marks name and clears them. Written by table name, so the spine imports no reader's model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kouan.consignments import repository as consignments_repo
from kouan.consignments.models import ConsignmentHub
from kouan.events import bulk
from kouan.events import repository as events_repo
from kouan.events.domain import CanonicalEvent, RefKind

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
    """Consignments carried by the containers and calls the events name: a vessel's entry
    declaration moves the clock of every declaration on board."""
    calls = sorted({k for e in events for k in e.keys(RefKind.TRANSPORT_CALL)})
    keys = sorted({k for e in events for k in e.keys(RefKind.CONTAINER)})
    keys += sorted(consignments_repo.call_aliases(session, calls)) if calls else []
    found: set[int] = set()
    for matching in events_repo.in_chunks(session, ConsignmentHub.key, keys):
        found.update(session.scalars(select(ConsignmentHub.consignment_id).where(matching).distinct()))
    return found


def pending(session: Session) -> int:
    """How many consignments are marked and not yet recomputed."""
    return int(session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)
