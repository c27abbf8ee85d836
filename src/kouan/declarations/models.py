from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime


class DeclarationRecord(Base):
    """A customs declaration lodged through Kouan (报关单), with its workflow state."""

    __tablename__ = "declaration"
    __audited__ = True
    __audit_org__ = "declarant_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(18), unique=True)
    direction: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(24), index=True)
    held_from: Mapped[str | None] = mapped_column(String(24))
    modes: Mapped[list[str]] = mapped_column(JSONType)
    declarant_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    consignee_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    consignee_uscc: Mapped[str] = mapped_column(String(18))
    consignee_name: Mapped[str] = mapped_column(String(200))
    consignee_credit: Mapped[str | None] = mapped_column(String(16))
    port: Mapped[str] = mapped_column(ForeignKey("port.locode"))
    customs_district: Mapped[str] = mapped_column(ForeignKey("customs_district.code"), index=True)
    transport_call: Mapped[str | None] = mapped_column(String(80), index=True)
    bill_of_lading: Mapped[str | None] = mapped_column(String(80), index=True)
    containers: Mapped[list[str]] = mapped_column(JSONType)
    dutiable_value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    warehouse: Mapped[str | None] = mapped_column(String(120))  # conditional removal destination
    warehouse_approved: Mapped[bool] = mapped_column(default=False)
    bonded_zone: Mapped[str | None] = mapped_column(String(120))  # zone-port direct
    inspection_ordered: Mapped[bool] = mapped_column(default=False)
    summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    steps: Mapped[int] = mapped_column(default=0)  # transitions so far: numbers the emitted events
    # Selectivity at lodging (kouan.inspection): the lane and the green channel, so that the customs
    # queue orders green channels first with no join.
    lane: Mapped[str | None] = mapped_column(String(24))
    green_channel: Mapped[str | None] = mapped_column(String(32))


class DeclarationItem(Base):
    __tablename__ = "declaration_item"
    __table_args__ = (UniqueConstraint("declaration_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()
    hs_code: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    unit: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    origin: Mapped[str] = mapped_column(String(2))


class DeclarationDocument(Base):
    __tablename__ = "declaration_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # invoice, packing_list, contract, licence, promise …
    number: Mapped[str] = mapped_column(String(80))


class DeclarationObligation(Base):
    """What release-then-amend, declare-then-verify and release-before-inspection leave to do."""

    __tablename__ = "declaration_obligation"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    due: Mapped[date] = mapped_column(Date)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verifier: Mapped[str | None] = mapped_column(String(64))


class DeclarationContainer(Base):
    """The declaration's containers as rows, so that an arrival or a second declaration naming a
    container finds the declaration through an index instead of scanning JSON lists."""

    __tablename__ = "declaration_container"

    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), primary_key=True
    )
    container: Mapped[str] = mapped_column(String(11), primary_key=True, index=True)


class DeclarationMovement(Base):
    """Zone-port direct (区港直通): the one supervised movement of the declared goods between a bonded
    zone and the port, under seal, with no second declaration (business-rules.md §1.6 [K])."""

    __tablename__ = "declaration_movement"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), unique=True
    )
    from_place: Mapped[str] = mapped_column(String(16))  # a zone code or a port UN/LOCODE
    to_place: Mapped[str] = mapped_column(String(16))
    containers: Mapped[list[str]] = mapped_column(JSONType)
    seal: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(64))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arrived_by: Mapped[str | None] = mapped_column(String(64))


class Appointment(Base):
    """A booking: a slot booked at a terminal for named containers — ship-side pick-up (船边直提)
    and direct loading on arrival (抵港直装) for a declaration — or a 7×24 clearance booking
    (预约通关, ``kouan.appointments``) of a published ``slot`` (``slot_id``), whose ``kind`` is its
    service and whose ``declaration_id`` may be empty. ``terminal_org_id`` is the serving side:
    the terminal, or the customs unit that published the slot. ``service`` is ``pickup`` for the
    ship-side kinds."""

    __tablename__ = "appointment"
    __audited__ = True
    __audit_org__ = "booked_by_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    port: Mapped[str] = mapped_column(ForeignKey("port.locode"))
    terminal_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    booked_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    declaration_id: Mapped[int | None] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), index=True
    )
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime())
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime())
    containers: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    service: Mapped[str | None] = mapped_column(String(24))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id"), index=True)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
