from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


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
