"""Fee lists (收费公示): payees, lists, their versions and bands; inspection rounds and findings.

Nothing is overwritten: a change is a new ``FeeVersion`` with all its bands; the list only points
at its latest number. Every row a person or key makes is audited (``__audited__``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime


class FeePayee(Base):
    """Who charges (收费主体): a terminal, pilot station, tug company, tally, broker, forwarder,
    carrier or port authority, published by one fee-publisher organisation."""

    __tablename__ = "fee_payee"
    __audited__ = True
    __audit_org__ = "publisher_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    publisher_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeeList(Base):
    """One payee's list at one port; ``current`` is its latest version number."""

    __tablename__ = "fee_list"
    __table_args__ = (UniqueConstraint("port", "payee_id"),)
    __audited__ = True
    __audit_org__ = "publisher_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    port: Mapped[str] = mapped_column(ForeignKey("port.locode"), index=True)
    payee_id: Mapped[int] = mapped_column(ForeignKey("fee_payee.id"), index=True)
    publisher_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    current: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeeVersion(Base):
    """One published state of a list from ``effective_from`` on: who, when, and the diff against
    the version before it."""

    __tablename__ = "fee_version"
    __table_args__ = (
        UniqueConstraint("list_id", "number"),
        Index("ix_fee_version_published", "published_at"),
    )
    __audited__ = True
    __audit_org__ = "publisher_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("fee_list.id"), index=True)
    number: Mapped[int] = mapped_column()
    publisher_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(200))  # the person's or key's name and label
    source: Mapped[str] = mapped_column(String(16))  # import | page | api | demo
    note: Mapped[str] = mapped_column(String(500), default="")
    diff: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    band_count: Mapped[int] = mapped_column(default=0)


class FeeBand(Base):
    """One rate band of one version (a row of the template). Written once with its version."""

    __tablename__ = "fee_band"
    __table_args__ = (Index("ix_fee_band_item", "item", "list_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("fee_version.id", ondelete="CASCADE"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("fee_list.id"))
    seq: Mapped[int] = mapped_column()
    item: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(200))
    regime: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(24))
    size: Mapped[str | None] = mapped_column(String(2))
    ctype: Mapped[str | None] = mapped_column(String(2))
    full: Mapped[bool | None] = mapped_column()
    trade: Mapped[str | None] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(1))
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    currency: Mapped[str] = mapped_column(String(3))
    free_days: Mapped[int | None] = mapped_column()
    day_from: Mapped[int | None] = mapped_column()
    day_to: Mapped[int | None] = mapped_column()
    legal_basis: Mapped[str] = mapped_column(Text, default="")


class FeeInspection(Base):
    """An inspection round of fee publication (督导检查) by the port office."""

    __tablename__ = "fee_inspection"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the port office
    title: Mapped[str] = mapped_column(String(200))
    ports: Mapped[list[str]] = mapped_column(JSONType)
    payees: Mapped[list[str]] = mapped_column(JSONType)  # empty: every payee at those ports
    deadline: Mapped[date] = mapped_column(Date)  # the rectification deadline of its findings
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(1000), default="")


class FeeFinding(Base):
    """What an inspection found in one version of one list, to be rectified by a deadline."""

    __tablename__ = "fee_finding"
    __audited__ = True
    __audit_org__ = "publisher_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("fee_inspection.id"), index=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("fee_list.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("fee_version.id"))
    publisher_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(24)
    )  # missing_item | above_cap | unlisted_charge | stale | other
    item: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(1000))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | rectified | waived
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_version_id: Mapped[int | None] = mapped_column(ForeignKey("fee_version.id"))
    resolution: Mapped[str] = mapped_column(String(1000), default="")
