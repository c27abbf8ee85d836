"""The KPI of the operational store (SQLite or PostgreSQL) in plain SQL, for any grouping.

``analytics.metrics`` defines the figures once as Ibis expressions, and DuckDB and Spark run them.
On the store they cost more than they compute: importing Ibis, pandas and PyArrow took 2-3 s of
a warm ``kouan kpi``, and SQLite ranks the window functions by sorting every closed case of the
question at once. Here the same figures come from two statements through the session Kouan
already holds:

- one grouped aggregate for ``n``, the mean and each segment's sum (``count``, ``avg`` and ``sum``
  as the compiled Ibis expression has them, so these figures are the store's own, as before);
- one read of the group keys and ``hours`` of the same closed cases, sorted per group in Python,
  where each quantile is picked and interpolated with the integer positions of
  ``definitions.quantile``, the arithmetic ``metrics.clearance_stats`` does in SQL;

plus the open cases' count per group. Every statement filters on ``clock``, ``status`` and the
month range first, the leading columns of ``ix_clearance_case_stats``: a question about a month
reads that month's cases, whatever it is grouped by (``tests/clearance/test_kpi_store.py`` checks
the plans on SQLite and PostgreSQL, and the figures of every grouping against the Ibis path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from kouan.analytics.definitions import (
    QUANTILES,
    SEGMENTS,
    Group,
    KpiRow,
    check_group_keys,
    quantile,
    sort_key,
)
from kouan.analytics.filters import Period
from kouan.clearance.models import ClearanceCase

CASES = ClearanceCase.__table__


def kpi(
    session: Session, by: Sequence[str], *, clock: str, period: Period | None = None,
    province: str | None = None, port: str | None = None,
) -> list[KpiRow]:
    """The figures ``analytics.run.kpi`` gives for ``filters.select_cases`` of the same arguments."""
    keys = check_group_keys(by)
    columns = [CASES.c[k] for k in keys]
    closed = _closed_filter(clock, period, province, port)
    moments = {tuple(row[:len(keys)]): row[len(keys):] for row in session.execute(
        select(*columns, func.count(), func.avg(CASES.c.hours),
               *(func.sum(CASES.c[s]) for s in SEGMENTS)).where(closed).group_by(*columns))}
    hours: dict[Group, list[float]] = {group: [] for group in moments}
    for row in session.execute(select(*columns, CASES.c.hours).where(closed)):
        hours[tuple(row[:-1])].append(row[-1])
    opened = {tuple(row[:-1]): row[-1]
              for row in session.execute(_open_counts(keys, clock, period, province, port))}
    rows = []
    for group in sorted(moments.keys() | opened.keys(), key=sort_key):
        n, mean, *sums = moments.get(group, (0, None, *([None] * len(SEGMENTS))))
        ordered = sorted(hours.get(group, ()))
        figures = {name: quantile(ordered, num, den) for name, (num, den) in QUANTILES.items()}
        rows.append(KpiRow(
            group=dict(zip(keys, group, strict=True)), n=int(n or 0), mean_h=_float(mean),
            median_h=figures["median_h"], p90_h=figures["p90_h"],
            segments=tuple(None if s is None or not n else float(s) / n for s in sums),
            n_open=int(opened.get(group) or 0)))
    return rows


def closed_cases_query(
    by: Sequence[str], *, clock: str, period: Period | None = None, province: str | None = None,
    port: str | None = None,
) -> Select[Any]:
    """The read of the closed cases' keys and hours (for a query plan)."""
    columns = [CASES.c[k] for k in check_group_keys(by)]
    return select(*columns, CASES.c.hours).where(_closed_filter(clock, period, province, port))


def _closed_filter(
    clock: str, period: Period | None, province: str | None, port: str | None
) -> ColumnElement[bool]:
    c = CASES.c
    where = [c.clock == clock, c.status == "closed", *_place(province, port)]
    if period is not None:
        if period.first_month:
            where.append(c.month >= period.first_month)
        if period.last_month:
            where.append(c.month <= period.last_month)
        if period.start_instant:
            where.append(c.end_at >= period.start_instant)
        if period.date_to and period.end_instant:
            where.append(c.end_at < period.end_instant)
    where.append(c.hours.is_not(None))
    return and_(*where)


def _open_counts(
    keys: list[str], clock: str, period: Period | None, province: str | None, port: str | None
) -> Select[Any]:
    c = CASES.c
    where = [c.clock == clock, c.status == "open", *_place(province, port)]
    end = period.end_instant if period is not None else None
    if end is not None:
        where.append(or_(c.start_at.is_(None), c.start_at < end))
    columns = [c[k] for k in keys]
    return select(*columns, func.count()).where(and_(*where)).group_by(*columns)


def _place(province: str | None, port: str | None) -> list[ColumnElement[bool]]:
    c = CASES.c
    return [*([c.province == province] if province else []), *([c.port == port] if port else [])]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
