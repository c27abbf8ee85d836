"""Request and response bodies of the insurance API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from kouan.web.inputs import Input


class BuyerIn(Input):
    name: str = Field(max_length=200, examples=["Tanaka Trading Co., Ltd."])
    country: str = Field(max_length=10, examples=["JP"], description="ISO 3166-1 alpha-2")
    payment_terms: str = Field(examples=["OA"], description="LC, DP, DA or OA")
    credit_days: int = Field(90, ge=0, le=10_000)
    requested_usd: Decimal | None = Field(None, ge=0, lt=Decimal("1e15"))


class ApplicationCreate(Input):
    insurer: str = Field(max_length=32, examples=["SINOSURE"], description="the insurer's organisation code")
    uscc: str | None = Field(None, max_length=18, description="default: the organisation's registered USCC")
    contact_name: str = Field(max_length=100)
    contact_phone: str = Field(max_length=40)
    contact_email: str | None = Field(None, max_length=254)
    export_value_usd: Decimal | None = Field(
        None,
        ge=0,
        lt=Decimal("1e15"),
        description="prior-year exports; default: the sum of the exporter's export declarations in Kouan",
    )
    value_reason: str | None = Field(
        None, max_length=2000, description="required when the value differs from the prefill"
    )
    product: str = Field(max_length=200)
    buyers: list[BuyerIn] = Field(max_length=100)
    consent: bool = False


class IssueIn(Input):
    policy_number: str = Field(max_length=40, examples=["SINO-LN-2026-000123"])
    cover_usd: list[Decimal | None] = Field(max_length=100, description="one amount per buyer, in order")


class RejectIn(Input):
    reasons: list[str] = Field(max_length=20)


class LossIn(Input):
    buyer: str = Field(max_length=200)
    amount_usd: Decimal = Field(gt=0, lt=Decimal("1e15"))
    due_date: date
    cause: str = Field(examples=["default"], description="insolvency, default, refusal or political")
    description: str = Field(max_length=4000)


class LossRead(BaseModel):
    reference: str
    buyer: str
    amount_usd: Decimal
    due_date: date
    cause: str
    description: str
    status: str
    notified_at: datetime


class ApplicationRead(BaseModel):
    reference: str
    status: str
    exporter: str
    insurer: str
    uscc: str
    company_name: str
    city_code: str
    contact_name: str
    contact_phone: str
    contact_email: str | None
    prior_year: int
    export_value_usd: Decimal
    prefilled_value_usd: Decimal | None
    value_reason: str | None
    product: str
    buyers: list[dict[str, Any]]
    eligibility: list[dict[str, Any]] | None
    reasons: list[str] | None
    policy_number: str | None
    total_cover_usd: Decimal | None
    submitted_at: datetime
    decided_at: datetime | None
    loss_notices: list[LossRead] = []


class PrefillRead(BaseModel):
    year: int
    export_value_usd: Decimal | None
    declarations: int
    other_currencies: dict[str, Decimal]
    ceiling_usd: Decimal


class RuleIn(Input):
    export_ceiling_usd: Decimal = Field(gt=0, lt=Decimal("1e15"), examples=["3000000"])


class RuleRead(BaseModel):
    province: str
    export_ceiling_usd: Decimal


class StatRead(BaseModel):
    city_code: str
    city: str
    month: str
    applications: int
    ineligible: int
    in_review: int
    issued: int
    rejected: int
    cover_usd: Decimal


class WebhookIn(Input):
    url: str = Field(max_length=500, examples=["https://eci.example.com/kouan/hooks"])


class WebhookRead(BaseModel):
    url: str
    active: bool
    secret: str | None = Field(None, description="shown once, when set; never again")
    secret_hint: str
    signature_header: str = "Kouan-Signature"
