"""Tickets of the quick-response desk, their history, and the clocks per category."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime


class DeskTicket(Base):
    __tablename__ = "desk_ticket"
    __audited__ = True
    __audit_org__ = "org_id"
    __table_args__ = (Index("ix_desk_ticket_unit_status", "unit_org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the enterprise
    category: Mapped[str] = mapped_column(String(16), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    refs: Mapped[list[str]] = mapped_column(JSONType)  # shipment references: declaration, B/L, box …
    port: Mapped[str | None] = mapped_column(ForeignKey("port.locode"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    unit_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    level: Mapped[int] = mapped_column(Integer, default=0)
    response_hours: Mapped[int] = mapped_column(Integer)
    resolution_hours: Mapped[int] = mapped_column(Integer)
    response_due: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime())
    response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeskTicketStep(Base):
    """What happened to a ticket, in order (the page's history; the audit trail has the diffs)."""

    __tablename__ = "desk_ticket_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("desk_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(24))  # created, dispatch, …, escalated
    actor: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=0)
    unit_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    note: Mapped[str | None] = mapped_column(Text)


class DeskCategorySla(Base):
    """A category's clocks, when the port office set them (else ``domain.DEFAULT_HOURS``)."""

    __tablename__ = "desk_category_sla"
    __audited__ = True

    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    response_hours: Mapped[int] = mapped_column(Integer)
    resolution_hours: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
