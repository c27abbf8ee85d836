"""Slots and their patterns. Bookings are rows of the ``appointment`` table
(``kouan.declarations.models.Appointment``), shared with the ship-side pick-up appointments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, UTCDateTime


class SlotPattern(Base):
    """A recurring window a unit or terminal published; its slots are rows of ``slot``."""

    __tablename__ = "slot_pattern"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    port: Mapped[str] = mapped_column(ForeignKey("port.locode"))
    service: Mapped[str] = mapped_column(String(24))
    days: Mapped[str] = mapped_column(String(16))
    daily_from: Mapped[str] = mapped_column(String(5))  # HH:MM Beijing time
    daily_to: Mapped[str] = mapped_column(String(5))
    slot_minutes: Mapped[int] = mapped_column(Integer, default=0)
    capacity: Mapped[int] = mapped_column(Integer)
    hours: Mapped[str] = mapped_column(String(16))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    slots: Mapped[int] = mapped_column(Integer, default=0)  # how many slots it published
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Slot(Base):
    """A window in which a unit or terminal serves up to ``capacity`` bookings. ``booked`` is
    changed only by one conditional UPDATE (``appointments.capacity``), never read-then-written."""

    __tablename__ = "slot"
    __audited__ = True
    __audit_ignore__ = frozenset({"booked"})  # the bookings themselves are audited
    __table_args__ = (
        UniqueConstraint("org_id", "port", "service", "starts_at", "ends_at"),
        Index("ix_slot_port_service_starts_at", "port", "service", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    port: Mapped[str] = mapped_column(ForeignKey("port.locode"))
    service: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[str] = mapped_column(String(16))
    off_hours: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | withdrawn
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("slot_pattern.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
