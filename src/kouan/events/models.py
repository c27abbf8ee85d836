"""The event store: canonical events, their object references, ingest batches and quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class IngestBatch(Base):
    """One received message or file: stored whole or not at all. Audited as one row."""

    __tablename__ = "ingest_batch"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    format: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))  # http | cli | retry | kouan
    filename: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(default=0)
    stored: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    quarantined: Mapped[int] = mapped_column(default=0)
    # Identifier quality of what was stored (the docking view's "identifier validity").
    containers_checked: Mapped[int] = mapped_column(default=0)
    containers_invalid: Mapped[int] = mapped_column(default=0)
    locodes_checked: Mapped[int] = mapped_column(default=0)
    locodes_invalid: Mapped[int] = mapped_column(default=0)


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        Index("ix_event_milestone_occurred", "milestone", "occurred_at"),
        Index("ix_event_source_received", "source", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(160))
    milestone: Mapped[str] = mapped_column(String(32))
    original_code: Mapped[str | None] = mapped_column(String(120))
    classifier: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[datetime | None] = mapped_column(UTCDateTime())
    port: Mapped[str | None] = mapped_column(String(5), index=True)
    direction: Mapped[str | None] = mapped_column(String(1))
    refs: Mapped[list[list[str]]] = mapped_column(JSONType)
    attrs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id"), index=True)
    revision: Mapped[int] = mapped_column(default=1)  # 1 + the times a newer version replaced it
    # "entitled" or "claim" (events.authority): a claim is stored and shown, never acted on.
    authority: Mapped[str] = mapped_column(String(8), server_default="entitled")


class EventRef(Base):
    """One object an event names; the index that linking and timelines search by.

    Keyed by what readers search: ``(kind, key)`` first, the event last, and nothing else (SQLite
    keeps the key as the row, ``WITHOUT ROWID``): one b-tree written per reference instead of three.
    Nothing looks the rows up by ``event_pk`` alone: an event's own ``refs`` column names its rows
    (replacing a version deletes them by the full key) and its batch's arrival keys are read there.
    """

    __tablename__ = "event_ref"
    __table_args__ = (PrimaryKeyConstraint("kind", "key", "event_pk"), {"sqlite_with_rowid": False})

    event_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)


class CallEvent(Base):
    """The events about a vessel call itself, by call key: every event naming only transport calls
    (the vessel's arrival, entry declaration, departure, checks), and any event naming a call with
    a vessel milestone (``CALL_MILESTONES``), whatever else it names.

    A call of 10,000 boxes has tens of thousands of events naming it (each box's discharge, load,
    manifest line) and a handful about the call: a timeline, a clock or the arrival match reads
    those few here without walking ``event_ref``'s rows for the call. Written with the event
    (``events.service``); a row is a candidate, the reader checks the event's own ``refs``.
    """

    __tablename__ = "call_event"
    __table_args__ = (PrimaryKeyConstraint("key", "event_pk"), {"sqlite_with_rowid": False})

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    event_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )


# Vessel milestones: an event of one of these naming a call is about the call (``CallEvent``).
CALL_MILESTONES = frozenset({
    "TRANSPORT_ENTRY_DECLARED", "TRANSPORT_ARRIVED", "TRANSPORT_DEPARTED", "TRANSPORT_CHECK_DONE",
    "TRANSPORT_CLEARED",
})


def is_call_level(milestone: str, calls: int, refs: int) -> bool:
    """Whether an event naming ``calls`` calls among its ``refs`` distinct references is about the
    call: a vessel milestone, or an event naming only calls (what ``call_event`` indexes)."""
    return calls > 0 and (calls == refs or milestone in CALL_MILESTONES)


def call_event_rows(pk: int, milestone: str, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, int]]:
    """The ``call_event`` rows ``(key, event_pk)`` of one event with these distinct (kind, key) refs."""
    calls = sorted({key for kind, key in pairs if kind == "transport_call"})
    if is_call_level(milestone, len(calls), len(pairs)):
        return [(key, pk) for key in calls]
    return []


class QuarantinedMessage(Base):
    """Received but not storable: kept verbatim with the reason and where, until retried."""

    __tablename__ = "quarantined_message"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id"), index=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    format: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(255))
    raw: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | resolved
    retries: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batch.id"))


class DcsaFeed(Base):
    """A DCSA Track & Trace subscription whose notifications the carrier pushes to Kouan.

    The carrier posts to ``/api/v1/dcsa/callbacks/{callback_token}`` and signs each body with the
    subscription secret (``Notification-Signature: sha256=…``). The secret must be kept readable to
    verify HMACs, so it is stored as given (base64) and never shown again or written to the audit.
    """

    __tablename__ = "dcsa_feed"
    __audited__ = True
    __audit_redact__ = frozenset({"secret_b64", "callback_token"})  # both open the feed
    __audit_ignore__ = frozenset({"last_notified_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    callback_token: Mapped[str] = mapped_column(String(64), unique=True)
    secret_b64: Mapped[str] = mapped_column(Text)
    carrier_subscription_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
