"""Time helpers. Kouan stores instants in UTC and shows them in the port's local time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime, *, assume: ZoneInfo = CHINA_TZ) -> datetime:
    """Return ``value`` in UTC; a naive value is taken to be in ``assume`` (port local time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=assume)
    return value.astimezone(UTC)
