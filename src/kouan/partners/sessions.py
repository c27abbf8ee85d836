"""Server-side login sessions. Callers own the transaction.

The browser's cookie holds a random 256-bit token and nothing else; the ``web_session`` row holds
its SHA-256, the person, and when it was started, last used and must end. Looking a session up by
the hash of the presented token compares no secret byte by byte, so the lookup leaks nothing
through its timing. Ending a session deletes its row: the cookie taken before a logout, or before
a password change, opens nothing afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kouan.partners.models import WebSession

# Writing last_seen_at on every request would make each page view a write; a minute's slack on
# an idle timeout of hours changes nothing.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, *, person_id: int, now: datetime, policy: SessionPolicy) -> str:
    """A new session for the person; returns the token for the cookie (shown nowhere else).
    Sessions that have ended meanwhile are cleared out here, so the table stays small."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_digest(token), person_id=person_id, created_at=now,
                           last_seen_at=now, expires_at=now + policy.absolute))
    session.flush()
    return token


def resolve(session: Session, *, token: str, now: datetime, policy: SessionPolicy) -> WebSession | None:
    """The live session the token opens, or None (unknown, ended, idle too long or too old)."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + policy.idle <= now:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def end(session: Session, *, token: str) -> int | None:
    """Logout: delete the token's session; the person it belonged to, if any."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token or "")))
    if row is None:
        return None
    session.delete(row)
    session.flush()
    return row.person_id


def end_all(session: Session, *, person_id: int) -> int:
    """Every session of the person (a password change, a deactivation); how many there were."""
    result = session.execute(delete(WebSession).where(WebSession.person_id == person_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
