from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    event_id: str
    milestone: str
    original_code: str | None
    classifier: str
    occurred_at: datetime
    recorded_at: datetime | None
    received_at: datetime
    port: str | None
    direction: str | None
    refs: list[list[str]]
    attrs: dict[str, Any]
    revision: int
    # "claim": stated by a sender not entitled to state it (events.authority); shown, never acted on.
    authority: str = "entitled"


class TimelineObjectRead(BaseModel):
    kind: str
    key: str
    linked_at: datetime | None
    event_ids: list[int]


class ConsignmentRead(BaseModel):
    id: int
    objects: list[TimelineObjectRead]
    events: list[EventRead]
    other_consignments: list[int]


class ShareCreate(BaseModel):
    ref: str = Field(max_length=80, description="any reference of the consignment")
    org_code: str = Field(max_length=32, description="the organisation to share it with")


class ShareRead(BaseModel):
    kind: str
    key: str
    org_code: str
    granted_by: str
    granted_at: datetime
