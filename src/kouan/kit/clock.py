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


def beijing(value: datetime | None) -> str:
    """How every page and export shows an instant: Beijing time, minutes ("2022-03-05 08:00").

    The one rule for times people read (the templates' ``|beijing`` filter, the drill-down and
    Gantt tables and their CSV): Kouan stores UTC, so a naive value (SQLite gives them back so) is
    UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
