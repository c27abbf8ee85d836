"""Which cases a KPI question is about: a month range or a date range, a region, a port.

Closed cases are chosen by when their clock ended (the month a declaration counts in); open cases
by having started before the period's end, since they are "still open" as of then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from kouan.kit.clock import CHINA_TZ

if TYPE_CHECKING:  # Period is read by commands that answer from the store and never load Ibis
    import ibis


@dataclass(frozen=True)
class Period:
    """Closed cases whose clock ended in [start, end): Beijing-time calendar bounds."""

    first_month: str | None = None  # 'YYYY-MM', inclusive
    last_month: str | None = None
    date_from: date | None = None  # inclusive, Asia/Shanghai
    date_to: date | None = None  # inclusive, Asia/Shanghai

    @property
    def end_instant(self) -> datetime | None:
        if self.date_to:
            return datetime.combine(self.date_to + timedelta(days=1), time(), CHINA_TZ).astimezone(UTC)
        if self.last_month:
            y, m = map(int, self.last_month.split("-"))
            nxt = date(y + (m == 12), m % 12 + 1, 1)
            return datetime.combine(nxt, time(), CHINA_TZ).astimezone(UTC)
        return None

    @property
    def start_instant(self) -> datetime | None:
        if self.date_from:
            return datetime.combine(self.date_from, time(), CHINA_TZ).astimezone(UTC)
        return None


def _instant(column: ibis.Value, when: datetime) -> ibis.Value:
    import ibis  # the expression is Ibis already: this import costs nothing here
    import ibis.expr.datatypes as dt

    # Engines disagree on zones: SQLite keeps naive UTC text, PostgreSQL timestamptz.
    zoned = isinstance(column.type(), dt.Timestamp) and column.type().timezone is not None
    return ibis.timestamp(when if zoned else when.replace(tzinfo=None))


def select_cases(
    cases: ibis.Table, *, period: Period | None = None, province: str | None = None,
    port: str | None = None,
) -> ibis.Table:
    """Cases in scope: closed ones that ended in ``period``, open ones that had started by its end."""
    t = cases
    if province:
        t = t.filter(t.province == province)
    if port:
        t = t.filter(t.port == port)
    if period is None:
        return t
    closed = t.status == "closed"
    if period.first_month:
        closed &= t.month >= period.first_month
    if period.last_month:
        closed &= t.month <= period.last_month
    if period.start_instant:
        closed &= t.end_at >= _instant(t.end_at, period.start_instant)
    end = period.end_instant
    if period.date_to and end:
        closed &= t.end_at < _instant(t.end_at, end)
    opened = t.status == "open"
    if end:
        opened &= t.start_at.isnull() | (t.start_at < _instant(t.start_at, end))
    return t.filter(closed | opened)
