from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember, TransportCallAlias
from kouan.declarations.models import DeclarationRecord
from kouan.events import repository as events_repo
from kouan.events.models import Event, EventRef

TRIP_LEAD = timedelta(days=30)  # a container's events count for a trip from this long before its link


def in_trip(at: datetime, linked_at: datetime, next_trip: datetime | None) -> bool:
    """Whether a container event at ``at`` belongs to the trip linked at ``linked_at`` that ends when
    the container is next linked to another consignment (``next_trip_start``)."""
    return linked_at - TRIP_LEAD <= at and (next_trip is None or at < next_trip)


def member_consignment(session: Session, key: str) -> int | None:
    return session.scalar(select(ConsignmentMember.consignment_id).where(ConsignmentMember.key == key)
                          .order_by(ConsignmentMember.kind).limit(1))


def hub_consignments(session: Session, key: str) -> list[tuple[int, str, datetime]]:
    """Consignments a container or call carried, most recent link first."""
    rows = session.execute(
        select(ConsignmentHub.consignment_id, ConsignmentHub.kind, ConsignmentHub.linked_at)
        .where(ConsignmentHub.key == key).order_by(ConsignmentHub.linked_at.desc()))
    return [tuple(r) for r in rows]


def get(session: Session, cid: int) -> Consignment | None:
    return session.get(Consignment, cid)


def members(session: Session, cid: int) -> list[ConsignmentMember]:
    return list(session.scalars(select(ConsignmentMember).where(ConsignmentMember.consignment_id == cid)
                                .order_by(ConsignmentMember.kind, ConsignmentMember.key)))


def hubs(session: Session, cid: int) -> list[ConsignmentHub]:
    return list(session.scalars(select(ConsignmentHub).where(ConsignmentHub.consignment_id == cid)
                                .order_by(ConsignmentHub.kind, ConsignmentHub.linked_at)))


def next_trip_start(session: Session, container: str, cid: int, after: datetime) -> datetime | None:
    """When the container was next linked to another consignment: the end of this trip."""
    return session.scalar(select(func.min(ConsignmentHub.linked_at)).where(
        ConsignmentHub.kind == "container", ConsignmentHub.key == container,
        ConsignmentHub.consignment_id != cid, ConsignmentHub.linked_at > after))


def call_aliases(session: Session, keys: Sequence[str]) -> set[str]:
    out = set(keys)
    canon = set(session.scalars(select(TransportCallAlias.canonical).where(TransportCallAlias.key.in_(keys))))
    if canon:
        out.update(session.scalars(select(TransportCallAlias.key)
                                   .where(TransportCallAlias.canonical.in_(canon))))
    return out


def declared_for(session: Session, org_id: int, numbers: Sequence[str]) -> bool:
    """Whether one of these declarations was lodged in Kouan by ``org_id`` or names it as consignee."""
    if not numbers:
        return False
    return session.scalar(select(DeclarationRecord.id).where(
        DeclarationRecord.number.in_(sorted(set(numbers))),
        or_(DeclarationRecord.declarant_org_id == org_id, DeclarationRecord.consignee_org_id == org_id),
    ).limit(1)) is not None


def reported_by(session: Session, source: str) -> set[int]:
    """Consignments whose timeline (``timeline.build``) holds an event from ``source`` naming one of
    their shipment keys, or one of their containers during the trip. Events naming only a transport
    call are left out: a vessel's arrival is on the timeline of every consignment aboard."""
    found = set(session.scalars(
        select(ConsignmentMember.consignment_id)
        .join(EventRef, (EventRef.kind == ConsignmentMember.kind) & (EventRef.key == ConsignmentMember.key))
        .join(Event, Event.id == EventRef.event_pk).where(Event.source == source).distinct()))
    seen: dict[str, list[datetime]] = {}
    boxes = (select(EventRef.key, Event.occurred_at).join(Event, Event.id == EventRef.event_pk)
             .where(Event.source == source, EventRef.kind == "container"))
    for key, at in session.execute(boxes):
        seen.setdefault(key, []).append(at)
    trips: dict[str, list[tuple[datetime, int]]] = {}
    for matching in events_repo.in_chunks(session, ConsignmentHub.key, sorted(seen)):
        rows = session.execute(
            select(ConsignmentHub.key, ConsignmentHub.linked_at, ConsignmentHub.consignment_id)
            .where(ConsignmentHub.kind == "container", matching))
        for key, linked_at, cid in rows:
            trips.setdefault(key, []).append((linked_at, cid))
    for key, links in trips.items():
        links.sort()
        for n, (linked_at, cid) in enumerate(links):
            # the next link to another consignment, as next_trip_start reads it from the table
            end = next((at for at, other in links[n + 1:] if other != cid and at > linked_at), None)
            if any(in_trip(at, linked_at, end) for at in seen[key]):
                found.add(cid)
    return found


def declarations_of(session: Session, cids: Sequence[int]) -> set[str]:
    """The declaration numbers of these consignments."""
    out: set[str] = set()
    for matching in events_repo.in_chunks(session, ConsignmentMember.consignment_id, sorted(set(cids))):
        out.update(session.scalars(select(ConsignmentMember.key).where(
            ConsignmentMember.kind == "declaration", matching)))
    return out
