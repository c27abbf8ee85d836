"""Targeting rules, random-draw rates, green channels, selectivity results, inspection orders and
their records. Every row that a decision writes is audited (``__audited__``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime


class TargetingRule(Base):
    """A targeting instruction (布控指令), one row per version. Criteria are columns (NULL: any), so
    that selectivity finds the rules hitting a declaration with one indexed query."""

    __tablename__ = "targeting_rule"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("code", "version"),
        Index("ix_targeting_rule_live", "active", "hs_prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    # criteria
    hs_prefix: Mapped[str | None] = mapped_column(String(10))
    origin: Mapped[str | None] = mapped_column(String(2), index=True)
    consignee_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    declarant_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    commodity_group: Mapped[str | None] = mapped_column(String(32))
    port: Mapped[str | None] = mapped_column(String(5))
    value_min: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    value_max: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    mode: Mapped[str | None] = mapped_column(String(32))
    prior_findings: Mapped[bool] = mapped_column(default=False)
    # action
    lane: Mapped[str] = mapped_column(String(24))
    method: Mapped[str] = mapped_column(String(24))
    sampling: Mapped[bool] = mapped_column(default=False)
    # validity and provenance
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    issuing_unit: Mapped[str] = mapped_column(String(120))
    customs_district: Mapped[str] = mapped_column(ForeignKey("customs_district.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))


class RandomRate(Base):
    """The random-draw rate of a port and commodity group ("*": any), with the seed that makes the
    draws reproducible."""

    __tablename__ = "random_rate"
    __audited__ = True
    __table_args__ = (UniqueConstraint("port", "commodity_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    port: Mapped[str] = mapped_column(String(5))
    commodity_group: Mapped[str] = mapped_column(String(32))
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 5))
    seed: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class GreenChannel(Base):
    """A green-channel commodity group (绿色通道), as data: the HS prefixes (or transport mode) that
    put a declaration in it, and its priority in the customs queue (lower first)."""

    __tablename__ = "green_channel"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    hs_prefixes: Mapped[list[str]] = mapped_column(JSONType)
    transport_mode: Mapped[str | None] = mapped_column(String(16))  # "rail": China-Europe Railway
    priority: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)


class Selectivity(Base):
    """The lane a declaration got at lodging and why: rule hits, the random draw (seed, value, rate)."""

    __tablename__ = "selectivity"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), unique=True)
    lane: Mapped[str] = mapped_column(String(24), index=True)
    method: Mapped[str | None] = mapped_column(String(24))
    rule_hits: Mapped[list[str]] = mapped_column(JSONType)
    reasons: Mapped[list[dict]] = mapped_column(JSONType)
    commodity_group: Mapped[str] = mapped_column(String(32))
    green_channel: Mapped[str | None] = mapped_column(String(32))
    seed: Mapped[str | None] = mapped_column(String(64))
    draw: Mapped[Decimal | None] = mapped_column(Numeric(12, 10))
    rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 5))
    drawn: Mapped[bool] = mapped_column(default=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionOrder(Base):
    """An inspection ordered on a declaration, with its cause (无因不查) and, once done, its outcome."""

    __tablename__ = "inspection_order"
    __audited__ = True
    __table_args__ = (Index("ix_inspection_order_report", "customs_district", "ordered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(18), index=True)
    port: Mapped[str] = mapped_column(String(5))
    customs_district: Mapped[str] = mapped_column(String(4))
    consignee_uscc: Mapped[str] = mapped_column(String(18), index=True)
    cause: Mapped[list[str]] = mapped_column(JSONType)  # rule / draw / officer
    primary_cause: Mapped[str] = mapped_column(String(16))
    rule_hits: Mapped[list[str]] = mapped_column(JSONType)
    draw: Mapped[str | None] = mapped_column(String(120))
    officer_reason: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), index=True)  # ordered / done
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ordered_by: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))  # conforming / finding
    findings: Mapped[str] = mapped_column(Text, default="")
    green_channel: Mapped[str | None] = mapped_column(String(32))


class InspectionRecord(Base):
    """What one method found: physical, non-intrusive scan, remote video, drone + draft survey, lab."""

    __tablename__ = "inspection_record"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("inspection_order.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(24))
    details: Mapped[dict] = mapped_column(JSONType)
    outcome: Mapped[str] = mapped_column(String(16))  # conforming / finding / escalated
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))
