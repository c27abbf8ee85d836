"""API shapes of targeting rules, rates, selectivity, inspection orders and records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kouan.web.inputs import Input


class RuleIn(Input):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$", examples=["DL-ORE-01"])
    title: str = Field("", max_length=200)
    hs_prefix: str | None = Field(None, max_length=10, examples=["2601"])
    origin: str | None = Field(None, min_length=2, max_length=2, examples=["AU"])
    consignee_uscc: str | None = Field(None, max_length=18)
    declarant_org_id: int | None = None
    commodity_group: str | None = Field(None, max_length=32, examples=["iron_ore"])
    port: str | None = Field(None, max_length=5, examples=["CNDAL"])
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    mode: str | None = Field(None, max_length=32, examples=["release_before_inspection"])
    prior_findings: bool = False
    lane: str = Field(
        examples=["inspection"], description="release, documentary, inspection, post_release_audit"
    )
    method: str = Field(
        "physical", description="physical, non_intrusive, remote_video, drone_draft_survey, lab"
    )
    sampling: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    issuing_unit: str = Field(min_length=1, max_length=120, examples=["大连海关风险防控分局"])
    customs_district: str | None = Field(None, description="the port office names it; an officer's is theirs")


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    version: int
    title: str
    hs_prefix: str | None
    origin: str | None
    consignee_uscc: str | None
    declarant_org_id: int | None
    commodity_group: str | None
    port: str | None
    value_min: Decimal | None
    value_max: Decimal | None
    mode: str | None
    prior_findings: bool
    lane: str
    method: str
    sampling: bool
    valid_from: date
    valid_to: date | None
    issuing_unit: str
    customs_district: str
    active: bool
    created_at: datetime
    created_by: str


class RateIn(Input):
    port: str = Field(max_length=5, examples=["CNDAL"], description="a UN/LOCODE or * (any)")
    commodity_group: str = Field(max_length=32, examples=["iron_ore"], description="a group or * (any)")
    rate: Decimal = Field(ge=0, le=1, examples=["0.03"])
    seed: str = Field(min_length=1, max_length=64, examples=["2026-12-DL"])


class RateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    port: str
    commodity_group: str
    rate: Decimal
    seed: str
    updated_at: datetime
    updated_by: str


class SelectivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    lane: str
    method: str | None
    rule_hits: list[str]
    reasons: list[dict[str, Any]]
    commodity_group: str
    green_channel: str | None
    seed: str | None
    draw: Decimal | None
    rate: Decimal | None
    drawn: bool
    assessed_at: datetime


class OrderIn(Input):
    reason: str | None = Field(None, max_length=2000, description="the officer's written reason (无因不查)")
    method: str | None = Field(None, examples=["non_intrusive"])


class RecordIn(Input):
    method: str = Field(examples=["physical"])
    details: dict[str, Any] = Field(description="the method's fields (README: inspection records)")
    release: bool = Field(True, description="a conforming result releases the goods when it may")


class RecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    method: str
    details: dict[str, Any]
    outcome: str
    recorded_at: datetime
    recorded_by: str


class OrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    cause: list[str]
    rule_hits: list[str]
    draw: str | None
    officer_reason: str
    method: str
    status: str
    ordered_at: datetime
    ordered_by: str
    done_at: datetime | None
    outcome: str | None
    findings: str
    records: list[RecordRead] = []


class GreenChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str
    hs_prefixes: list[str]
    transport_mode: str | None
    priority: int
    active: bool
