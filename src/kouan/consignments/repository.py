from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember, TransportCallAlias
from kouan.events import repository as events_repo

TRIP_LEAD = timedelta(days=30)  # a container's events count for a trip from this long before its link


SHIPMENT_KINDS = frozenset({"declaration", "bill_of_lading", "booking"})


def in_trip(at: datetime, linked_at: datetime, next_trip: datetime | None) -> bool:
    """Whether a container event at ``at`` falls in the trip linked at ``linked_at`` that ends when
    the container is next linked to another consignment (``next_trip_start``)."""
    return linked_at - TRIP_LEAD <= at and (next_trip is None or at < next_trip)


def of_this_trip(refs: Sequence[Sequence[str]], shipment: set[tuple[str, str]], calls: set[str]) -> bool:
    """Whether a container event within the trip's window belongs to this consignment: it names no
    shipment key of another consignment and, when the consignment has calls, no call it did not
    use. A reused container's discharge, release or gate move for another declaration stays on that
    declaration's timeline."""
    for kind, key in refs:
        if kind in SHIPMENT_KINDS and (kind, key) not in shipment:
            return False
        if kind == "transport_call" and calls and key not in calls:
            return False
    return True


def member_consignment(session: Session, key: str) -> int | None:
    return session.scalar(select(ConsignmentMember.consignment_id).where(ConsignmentMember.key == key)
                          .order_by(ConsignmentMember.kind).limit(1))


def member_consignments(session: Session, pairs: Iterable[tuple[str, str]]) -> set[int]:
    """The consignments having any of these ``(kind, key)`` as a member (chunked, by the key index)."""
    by_kind: dict[str, set[str]] = {}
    for kind, key in pairs:
        by_kind.setdefault(kind, set()).add(key)
    found: set[int] = set()
    for kind, keys in sorted(by_kind.items()):
        for matching in events_repo.in_chunks(session, ConsignmentMember.key, sorted(keys)):
            found.update(session.scalars(select(ConsignmentMember.consignment_id)
                                         .where(ConsignmentMember.kind == kind, matching)))
    return found


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
    """``keys`` and every call key an alias ties to one of them (chunked: a batch names many calls)."""
    out = set(keys)
    canon: set[str] = set()
    for matching in events_repo.in_chunks(session, TransportCallAlias.key, sorted(set(keys))):
        canon.update(session.scalars(select(TransportCallAlias.canonical).where(matching)))
    for matching in events_repo.in_chunks(session, TransportCallAlias.canonical, sorted(canon)):
        out.update(session.scalars(select(TransportCallAlias.key).where(matching)))
    return out


def declarations_of(session: Session, cids: Sequence[int]) -> set[str]:
    """The declaration numbers of these consignments."""
    out: set[str] = set()
    for matching in events_repo.in_chunks(session, ConsignmentMember.consignment_id, sorted(set(cids))):
        out.update(session.scalars(select(ConsignmentMember.key).where(
            ConsignmentMember.kind == "declaration", matching)))
    return out
