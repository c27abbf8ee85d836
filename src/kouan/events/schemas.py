from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kouan.web.inputs import Input


class IngestError(BaseModel):
    where: str = Field(description="line, segment/element or JSON pointer of the bad part")
    reason: str


class IngestSummary(BaseModel):
    batch_id: int | None
    format: str
    received: int
    stored: int
    duplicates: int
    updated: int
    quarantined: int
    claims: int = 0  # stored as claims: stated by a sender not entitled to (never acted on)
    errors: list[IngestError]


class QuarantinedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    batch_id: int
    source: str
    format: str
    received_at: datetime
    reason: str
    location: str
    status: str
    retries: int
    resolved_at: datetime | None
    resolved_batch_id: int | None


class QuarantinedDetail(QuarantinedRead):
    raw: str


class RetrySummary(BaseModel):
    retried: int
    resolved: int
    still_quarantined: int
    stored: int
    updated: int
    duplicates: int
    batch_ids: list[int]


class DockingStatusRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    organisation: str | None
    kind: str | None
    docked_since: datetime | None
    last_received_at: datetime | None
    last_occurred_at: datetime | None
    batches: int
    events: int
    events_per_day: float = Field(description="events stored per day over the last 30 days")
    classifiers: dict[str, int]
    actual_share: float | None = Field(description="share of ACT events among all stored")
    median_latency_hours: float | None = Field(description="median of received − occurred, ACT events")
    received: int
    duplicate_rate: float | None
    update_rate: float | None
    quarantine_rate: float | None
    container_validity: float | None = Field(
        description="share of container refs with a valid ISO 6346 check digit")
    locode_validity: float | None
    formats: list[str]
    claims: int = Field(0, description="events stored as claims: stated by a sender not entitled to "
                        "state them (never acted on)")
    claim_share: float | None = Field(None, description="share of claims among the events stored")
    silent_days: int | None = Field(
        description="whole days since the last batch when that is SILENT_AFTER (7) days or more, else null")


class DcsaFeedCreate(Input):
    name: str = Field(examples=["COSCO T&T 2.2 subscription"])
    secret: str | None = Field(None, description="base64 HMAC secret (≥ 32 bytes); generated if absent")
    carrier_subscription_id: str | None = Field(None, description="the carrier's subscriptionID, "
                                                "checked against the Subscription-ID header")


class DcsaFeedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    callback_path: str
    carrier_subscription_id: str | None
    active: bool
    created_at: datetime
    last_notified_at: datetime | None


class DcsaFeedIssued(DcsaFeedRead):
    secret: str = Field(description="Shown once; give it to the carrier in the subscription")
