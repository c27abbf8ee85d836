"""Tables of the export-credit-insurance channel. Every state change is audited (row diffs)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime


class InsuranceRule(Base):
    """The commerce bureau's eligibility rule for its province (one row per province)."""

    __tablename__ = "insurance_rule"
    __audited__ = True
    __audit_org__ = "bureau_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(6), unique=True)
    bureau_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    export_ceiling_usd: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class InsuranceApplication(Base):
    """One exporter's application for the inclusive (普惠) short-term export credit cover.

    ``buyers`` is a list of ``{"name", "country", "payment_terms", "credit_days", "requested_usd",
    "cover_usd"}`` (money as decimal strings; ``cover_usd`` set when the policy is issued)."""

    __tablename__ = "insurance_application"
    __audited__ = True
    __audit_org__ = "exporter_org_id"
    __audit_ignore__ = frozenset({"webhook_delivered_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    exporter_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    insurer_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    city_code: Mapped[str] = mapped_column(String(6))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    prior_year: Mapped[int] = mapped_column()
    export_value_usd: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    # What Kouan's export declarations said; the value differs from it only with a reason.
    prefilled_value_usd: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    value_reason: Mapped[str | None] = mapped_column(Text)
    product: Mapped[str] = mapped_column(String(200))
    buyers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    eligibility: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    reasons: Mapped[list[str] | None] = mapped_column(JSONType)  # ineligible or rejected: why
    policy_number: Mapped[str | None] = mapped_column(String(40))
    total_cover_usd: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    webhook_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LossNotice(Base):
    """报损: an overdue receivable or a buyer's default reported against an issued policy."""

    __tablename__ = "insurance_loss_notice"
    __audited__ = True
    __audit_org__ = "exporter_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("insurance_application.id"), index=True)
    exporter_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    buyer: Mapped[str] = mapped_column(String(200))
    amount_usd: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    due_date: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(32))  # insolvency | default | refusal | political
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # notified | acknowledged
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_by: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InsurerWebhook(Base):
    """Where Kouan tells an insurer's system of new applications, and the shared secret it signs
    with. HMAC signing needs the secret itself, so it is stored as generated (it cannot be hashed)
    and never shown again after creation, nor written to the audit trail or a log."""

    __tablename__ = "insurer_webhook"
    __audited__ = True
    __audit_redact__ = frozenset({"secret"})

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
