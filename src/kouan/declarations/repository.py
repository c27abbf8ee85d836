from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.events.models import EventRef


def transport_call_keys_with_prefix(session: Session, prefix: str) -> list[str]:
    """Every transport-call key of one voyage (``IMO/VOYAGE/``), whatever the port."""
    return list(session.scalars(select(EventRef.key).where(
        EventRef.kind == "transport_call", EventRef.key.like(f"{prefix}%")).distinct()))
