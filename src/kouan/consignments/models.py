"""Consignments, built incrementally from events whatever order they arrive in.

A consignment is a connected set of *shipment keys* (declaration, bill of lading, booking): two
keys named by one event belong together. Containers and transport calls are *hubs*: a vessel call
carries hundreds of consignments and a container is reused trip after trip, so they are attached to
consignments (many-to-many) but never merge two of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, UTCDateTime
from kouan.events.models import BigId


class Consignment(Base):
    __tablename__ = "consignment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsignmentMember(Base):
    """A shipment key (declaration, bill_of_lading, booking) and the consignment it belongs to."""

    __tablename__ = "consignment_member"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    consignment_id: Mapped[int] = mapped_column(ForeignKey("consignment.id"), index=True)


class ConsignmentHub(Base):
    """A container or transport call that carried the consignment; ``linked_at`` is the earliest
    occurred_at of an event naming both, which places a reused container's trips in time."""

    __tablename__ = "consignment_hub"
    # Looked up by key alone (which consignments did this container or call carry?), and by kind,
    # key and time (which trips of this container are around these events? ``consignments.dirty``).
    __table_args__ = (
        Index("ix_consignment_hub_kind_key_linked", "kind", "key", "linked_at"),
        Index("ix_consignment_hub_key", "key"),
    )

    consignment_id: Mapped[int] = mapped_column(ForeignKey("consignment.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TransportCallAlias(Base):
    """Keys seen on the same call (a DCSA call has an import and an export voyage number).
    ``canonical`` is the smallest key of the alias group."""

    __tablename__ = "transport_call_alias"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    canonical: Mapped[str] = mapped_column(String(80), index=True)


class ConsignmentShare(Base):
    """An explicit share: a party with a stake in a shipment lets another organisation see it whole.

    Keyed by one of the shipment's keys (a declaration, bill of lading or booking), not by the
    consignment id, which changes when two consignments merge."""

    __tablename__ = "consignment_share"
    __audited__ = True
    __audit_org__ = "granted_by_org_id"
    __table_args__ = (UniqueConstraint("kind", "key", "org_id"),
                      Index("ix_consignment_share_org_id", "org_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(80))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    granted_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
