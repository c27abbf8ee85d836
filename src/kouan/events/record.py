"""Kouan's own workflows report what happened as events (source ``kouan``), in the caller's
transaction, through the same store as partners' data: analytics cannot tell them apart."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from kouan.events import authority, service
from kouan.events.domain import KOUAN_SOURCE, CanonicalEvent

SOURCE = KOUAN_SOURCE


def record(session: Session, events: Sequence[CanonicalEvent], *, actor: str, now: datetime,
           channel: str = "kouan") -> service.IngestReport:
    """Store workflow events as one batch; idempotent like any other batch."""
    blob = json.dumps([e.event_id for e in events]).encode()
    batch = service.open_batch(session, source=SOURCE, org_id=None, fmt="kouan", channel=channel,
                               data=blob, actor=actor, now=now,
                               filename=hashlib.sha256(blob).hexdigest()[:16])
    return service.store(session, source=SOURCE, events=list(events), fmt="kouan", batch=batch, now=now,
                         sender=authority.KOUAN)
