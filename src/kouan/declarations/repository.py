"""Declaration queries that search by an object key (call, B/L, container) through indexes."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kouan.declarations.models import (
    Appointment,
    DeclarationContainer,
    DeclarationMovement,
    DeclarationRecord,
)
from kouan.events import repository as events_repo
from kouan.events.authority import ENTITLED
from kouan.events.models import CallEvent, Event

# Events that tell the goods (or their vessel) are here: what the arrival match looks for.
ARRIVAL_MILESTONES = ("TRANSPORT_ARRIVED", "GOODS_ARRIVED_AT_PORT", "DISCHARGED")


def call_keys_with_prefix(session: Session, prefix: str) -> list[str]:
    """The transport-call keys of one voyage (``IMO/VOYAGE/``), whatever the port, that a vessel
    event names (``call_event``): every call key with an arrival, entry or departure, without
    walking the ``event_ref`` rows of the boxes."""
    return list(
        session.scalars(
            select(CallEvent.key)
            .where(CallEvent.key.like(f"{prefix}%"))
            .distinct()
        )
    )


def arrival_keys(session: Session, batch_ids: Iterable[int]) -> dict[str, set[str]]:
    """The calls, B/Ls and containers named by the arrival events of these ingest batches (read from
    the events' own ``refs``: ``event_ref`` has no index that starts with the event)."""
    rows = session.scalars(
        select(Event.refs).where(
            Event.batch_id.in_(list(batch_ids)),
            Event.milestone.in_(ARRIVAL_MILESTONES),
            Event.classifier == "ACT",
            Event.authority == ENTITLED,  # a claim releases nothing
        )
    )
    keys: dict[str, set[str]] = {"transport_call": set(), "bill_of_lading": set(), "container": set()}
    for refs in rows:
        for kind, key in refs:
            if kind in keys:
                keys[kind].add(key)
    return keys


def naming(
    session: Session,
    *,
    statuses: Collection[str],
    calls: Collection[str] = (),
    bls: Collection[str] = (),
    containers: Collection[str] = (),
) -> list[DeclarationRecord]:
    """Declarations in ``statuses`` whose call, B/L or a container is one of the keys (indexed)."""
    conditions = []
    # why in_chunks: a large import names tens of thousands of containers, over PostgreSQL's
    # 65,535 parameters per statement as one IN list; it binds one array per 5,000 keys there.
    if calls:
        conditions.extend(events_repo.in_chunks(session, DeclarationRecord.transport_call, sorted(calls)))
    if bls:
        conditions.extend(events_repo.in_chunks(session, DeclarationRecord.bill_of_lading, sorted(bls)))
    if containers:
        conditions.append(
            DeclarationRecord.id.in_(
                select(DeclarationContainer.declaration_id).where(
                    or_(*events_repo.in_chunks(session, DeclarationContainer.container, sorted(containers)))
                )
            )
        )
    if not conditions:
        return []
    return list(
        session.scalars(
            select(DeclarationRecord)
            .where(DeclarationRecord.status.in_(list(statuses)), or_(*conditions))
            .order_by(DeclarationRecord.id)
        )
    )


def movement_of(session: Session, declaration_id: int) -> DeclarationMovement | None:
    stmt = select(DeclarationMovement).where(DeclarationMovement.declaration_id == declaration_id)
    return session.scalar(stmt)


def appointments_of(session: Session, declaration_id: int) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment).where(Appointment.declaration_id == declaration_id).order_by(Appointment.id)
        )
    )
