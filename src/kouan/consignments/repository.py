from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember, TransportCallAlias


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
