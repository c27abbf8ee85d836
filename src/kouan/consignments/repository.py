from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember, TransportCallAlias
from kouan.events import repository as events_repo

TRIP_LEAD = timedelta(days=30)  # a container's events count for a trip from this long before its link


SHIPMENT_KINDS = frozenset({"declaration", "bill_of_lading", "booking"})


def in_trip(at: datetime, linked_at: datetime, next_trip: datetime | None) -> bool:
    """Whether a container event at ``at`` falls in the trip linked at ``linked_at`` that ends when
    the container is next linked to another consignment (``next_trip_start_in``)."""
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
                                .order_by(ConsignmentHub.kind, ConsignmentHub.linked_at, ConsignmentHub.key)))


def existing(session: Session, cids: Sequence[int]) -> set[int]:
    """Those of ``cids`` that are still consignments (not absorbed by a merge)."""
    out: set[int] = set()
    for matching in events_repo.in_chunks(session, Consignment.id, sorted(set(cids))):
        out.update(session.scalars(select(Consignment.id).where(matching)))
    return out


def members_of(session: Session, cids: Sequence[int]) -> list[ConsignmentMember]:
    """The members of these consignments, by consignment, each one's in ``members`` order."""
    cm = ConsignmentMember
    out: list[ConsignmentMember] = []
    for matching in events_repo.in_chunks(session, cm.consignment_id, sorted(set(cids))):
        out.extend(session.scalars(select(cm).where(matching).order_by(cm.consignment_id, cm.kind, cm.key)))
    return out


def hubs_of(session: Session, cids: Sequence[int]) -> list[ConsignmentHub]:
    """The hubs of these consignments, by consignment, each one's in ``hubs`` order."""
    h = ConsignmentHub
    out: list[ConsignmentHub] = []
    for matching in events_repo.in_chunks(session, h.consignment_id, sorted(set(cids))):
        out.extend(session.scalars(select(h).where(matching)
                                   .order_by(h.consignment_id, h.kind, h.linked_at, h.key)))
    return out


def container_links(session: Session, containers: Sequence[str]) -> dict[str, list[tuple[int, datetime]]]:
    """Container -> every (consignment, linked_at) it was linked to: its trips."""
    out: dict[str, list[tuple[int, datetime]]] = {}
    h = ConsignmentHub
    for matching in events_repo.in_chunks(session, h.key, sorted(set(containers))):
        for key, cid, at in session.execute(select(h.key, h.consignment_id, h.linked_at)
                                            .where(h.kind == "container", matching)):
            out.setdefault(key, []).append((cid, at))
    return out


def next_trip_start_in(links: Sequence[tuple[int, datetime]], cid: int, after: datetime) -> datetime | None:
    """When the container was next linked to another consignment after ``after``: the end of this
    trip, from the container's links (``container_links``)."""
    return min((at for c, at in links if c != cid and at > after), default=None)


def alias_groups(session: Session, keys: Sequence[str]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """For these call keys: key -> canonical, and canonical -> every key of its alias group."""
    a = TransportCallAlias
    canonical: dict[str, str] = {}
    for matching in events_repo.in_chunks(session, a.key, sorted(set(keys))):
        canonical.update((k, c) for k, c in session.execute(select(a.key, a.canonical).where(matching)))
    group: dict[str, set[str]] = {}
    for matching in events_repo.in_chunks(session, a.canonical, sorted(set(canonical.values()))):
        for k, c in session.execute(select(a.key, a.canonical).where(matching)):
            group.setdefault(c, set()).add(k)
    return canonical, group


def with_aliases(keys: Sequence[str], groups: tuple[dict[str, str], dict[str, set[str]]]) -> set[str]:
    """``call_aliases`` from ``alias_groups`` read beforehand."""
    canonical, group = groups
    out = set(keys)
    for k in keys:
        if k in canonical:
            out |= group.get(canonical[k], set())
    return out


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


def consignments_of(session: Session, numbers: Sequence[str]) -> dict[str, int]:
    """Declaration number -> the consignment it belongs to, for those of ``numbers`` Kouan knows."""
    out: dict[str, int] = {}
    for matching in events_repo.in_chunks(session, ConsignmentMember.key, sorted(set(numbers))):
        rows = session.execute(select(ConsignmentMember.key, ConsignmentMember.consignment_id).where(
            ConsignmentMember.kind == "declaration", matching))
        out.update((key, cid) for key, cid in rows)
    return out
