from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from kouan.web.inputs import Input


class ItemIn(Input):
    hs_code: str = Field(examples=["2601111000"], description="10-digit China HS code")
    description: str = Field(examples=["铁矿砂 iron ore fines"])
    quantity: str = Field(examples=["170000"])
    unit: str = Field(examples=["TNE"])
    value: str = Field(examples=["21000000"], description="value in `currency`")
    currency: str = "CNY"
    origin: str = Field("CN", examples=["AU"])


class DocumentIn(Input):
    kind: str = Field(examples=["invoice"])
    number: str


class DeclarationCreate(Input):
    direction: str = Field(examples=["I"], description="I import, E export")
    consignee_uscc: str = Field(description="consignee (import) or consignor (export) USCC")
    consignee_name: str
    port: str = Field(examples=["CNDAL"])
    items: list[ItemIn]
    modes: list[str] = Field(default_factory=list, examples=[["two_step"]])
    transport_call: str | None = Field(None, examples=["9321483/2103N/CNDAL"])
    bill_of_lading: str | None = None
    containers: list[str] = Field(default_factory=list)
    documents: list[DocumentIn] = Field(default_factory=list)
    warehouse: str | None = None
    bonded_zone: str | None = None


class ActionIn(Input):
    lab_passed: bool | None = Field(None, description="market release / lab result")
    seal: str | None = Field(None, examples=["CN0900123456"], description="start_movement: the seal put on")
    reason: str | None = Field(None, max_length=2000, description="order_inspection: the officer's written "
                               "reason (无因不查: needed when no targeting rule or random draw selected it)")
    method: str | None = Field(None, examples=["physical"], description="order_inspection: physical, "
                               "non_intrusive, remote_video, drone_draft_survey or lab")


class AppointmentCreate(Input):
    terminal: str = Field(examples=["DCT"], description="code of the terminal organisation")
    slot_start: datetime
    slot_end: datetime
    containers: list[str] | None = Field(None, description="default: every container of the declaration")


class AppointmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    kind: str
    status: str
    port: str
    terminal: str
    declaration: str | None
    slot_start: datetime
    slot_end: datetime
    containers: list[str]
    used_at: datetime | None


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_place: str
    to_place: str
    containers: list[str]
    seal: str
    started_at: datetime
    arrived_at: datetime | None


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    hs_code: str
    description: str
    quantity: Decimal
    unit: str
    value: Decimal
    currency: str
    origin: str


class ObligationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    due: date
    fulfilled_at: datetime | None
    verifier: str | None


class Deadline(BaseModel):
    complete_by: date
    late_days: int
    late_fee: Decimal


class DeclarationRead(BaseModel):
    number: str
    direction: str
    status: str
    receipt: str | None
    modes: list[str]
    allowed_actions: list[str]
    declarant_org_id: int
    consignee_uscc: str
    consignee_name: str
    port: str
    customs_district: str
    transport_call: str | None
    bill_of_lading: str | None
    containers: list[str]
    dutiable_value: Decimal
    items: list[ItemRead]
    lane: str | None = Field(None, description="selectivity at lodging: release, documentary, inspection, "
                             "post_release_audit")
    green_channel: str | None = Field(None, description="the green-channel group (绿色通道): first in "
                                      "the queue")
    obligations: list[ObligationRead]
    deadline: Deadline | None
    bonded_zone: str | None = None
    movement: MovementRead | None = None
    appointments: list[AppointmentRead] = []
    direct_minutes: float | None = Field(
        None, description="ship-side pick-up / direct loading: discharge (or 运抵) to gate-out (or loading)")
    created_at: datetime
    updated_at: datetime
    released_at: datetime | None
