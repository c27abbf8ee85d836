"""Declaration queries that search by an object key (call, B/L, container) through indexes."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, select
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
    keys: dict[str, set[str]] = {"transport_call": set(), "bill_of_lading": set(), "container": set()}
    for matching in events_repo.in_chunks(session, Event.batch_id, sorted(set(batch_ids))):
        rows = session.scalars(select(Event.refs).where(
            matching,
            Event.milestone.in_(ARRIVAL_MILESTONES),
            Event.classifier == "ACT",
            Event.authority == ENTITLED,  # a claim releases nothing
        ))
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
    """Declarations in ``statuses`` whose call, B/L or a container is one of the keys (indexed).

    why one statement per chunk: a large import names hundreds of thousands of containers. The
    chunks once went into one statement as ``OR``-ed IN lists, which put every key in one statement
    (SQLite: "too many SQL variables" at 300 k; PostgreSQL: its 65,535-parameter limit). Each chunk
    is its own query (``events.repository.in_chunks``), the results merged by id."""
    wanted = list(statuses)
    found: dict[int, DeclarationRecord] = {}

    def take(condition: ColumnElement[bool]) -> None:
        stmt = select(DeclarationRecord).where(DeclarationRecord.status.in_(wanted), condition)
        found.update((d.id, d) for d in session.scalars(stmt))

    for matching in events_repo.in_chunks(session, DeclarationRecord.transport_call, sorted(set(calls))):
        take(matching)
    for matching in events_repo.in_chunks(session, DeclarationRecord.bill_of_lading, sorted(set(bls))):
        take(matching)
    for matching in events_repo.in_chunks(session, DeclarationContainer.container, sorted(set(containers))):
        take(DeclarationRecord.id.in_(select(DeclarationContainer.declaration_id).where(matching)))
    return [found[i] for i in sorted(found)]


def movement_of(session: Session, declaration_id: int) -> DeclarationMovement | None:
    stmt = select(DeclarationMovement).where(DeclarationMovement.declaration_id == declaration_id)
    return session.scalar(stmt)


def appointments_of(session: Session, declaration_id: int) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment).where(Appointment.declaration_id == declaration_id).order_by(Appointment.id)
        )
    )
