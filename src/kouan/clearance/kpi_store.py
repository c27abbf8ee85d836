"""The KPI of the operational store (SQLite or PostgreSQL) in plain SQL, for any grouping.

``analytics.metrics`` defines the figures once as Ibis expressions, and DuckDB and Spark run them.
On the store they cost more than they compute: importing Ibis, pandas and PyArrow took 2-3 s of
a warm ``kouan kpi``, and SQLite ranks the window functions by sorting every closed case of the
question at once. Here the store reads, through the session Kouan already holds, the group keys,
``hours`` and the segments of the question's closed cases (one statement) and the open cases'
count per group (another); the figures are computed in Python with the definitions of
``analytics.definitions``: each quantile picked from the group's sorted hours and interpolated with
the integer positions ``metrics.clearance_stats`` uses in SQL, the mean and the segment means as
``math.fsum(...) / n`` (a correctly rounded sum: it does not depend on the order rows come in,
where an engine's ``avg`` does, by the last bits).

Both statements filter on ``clock``, ``status`` and the month range first, the leading columns of
``ix_clearance_case_stats``, which also holds every group key, the segments and the instants: a
question about a month reads that month's index entries and nothing else, whatever it is grouped
by (``tests/clearance/test_kpi_store.py`` checks the plans on SQLite and PostgreSQL, and the
figures of every grouping against the Ibis definition).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Float, String, and_, column, func, or_, select, table
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
from kouan.db.types import UTCDateTime

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The columns of ``clearance_case`` (``models.ClearanceCase``) the reads name, with the same types:
# a lightweight description, so that a KPI on the store builds no mapped class and imports no model
# (``tests/test_cli_startup.py``); ``tests/clearance/test_kpi_store.py`` holds it equal to the model.
CASES = table(
    "clearance_case",
    column("clock", String(32)), column("status", String(12)),
    column("direction", String(1)), column("port", String(5)), column("province", String(6)),
    column("customs_district", String(4)), column("facilitation_mode", String(32)),
    column("commodity_group", String(32)), column("month", String(7)),
    column("start_at", UTCDateTime()), column("end_at", UTCDateTime()),
    column("hours", Float()), *(column(f"seg_{i}", Float()) for i in range(1, 5)),
)


def kpi(
    session: Session, by: Sequence[str], *, clock: str, period: Period | None = None,
    province: str | None = None, port: str | None = None,
) -> list[KpiRow]:
    """The figures ``analytics.run.kpi`` gives for ``filters.select_cases`` of the same arguments."""
    keys = check_group_keys(by)
    columns = [CASES.c[k] for k in keys]
    width = len(keys)
    rows = session.execute(_closed_cases(columns, clock, period, province, port)).all()
    closed: dict[Group, list[tuple[Any, ...]]] = {}
    if keys:
        for row in rows:
            group = row[:width]
            if group in closed:
                closed[group].append(row)
            else:
                closed[group] = [row]
    else:
        closed[()] = rows
    opened = {tuple(row[:width]): row[width]
              for row in session.execute(_open_counts(columns, clock, period, province, port))}
    if not keys:
        opened.setdefault((), 0)
    return [_row(dict(zip(keys, group, strict=True)), closed.get(group, []), width, opened.get(group, 0))
            for group in sorted(closed.keys() | opened.keys(), key=sort_key)]


def _row(group: dict[str, str | None], cases: list[tuple[Any, ...]], width: int, n_open: int) -> KpiRow:
    """One group's figures from its closed cases' rows: the ``width`` keys, then ``hours`` and
    ``seg_1`` ... ``seg_4``."""
    n = len(cases)
    if n == 0:
        return KpiRow(group=group, n=0, mean_h=None, median_h=None, p90_h=None,
                      segments=(None,) * len(SEGMENTS), n_open=int(n_open or 0))
    hours, *segment_columns = list(zip(*cases, strict=True))[width:]
    ordered = sorted(hours)
    figures = {name: quantile(ordered, num, den) for name, (num, den) in QUANTILES.items()}
    segments = []
    for segment in segment_columns:
        values = [v for v in segment if v is not None]
        segments.append(math.fsum(values) / n if values else None)
    return KpiRow(group=group, n=n, mean_h=math.fsum(hours) / n, median_h=figures["median_h"],
                  p90_h=figures["p90_h"], segments=tuple(segments), n_open=int(n_open or 0))


def closed_cases_query(
    by: Sequence[str], *, clock: str, period: Period | None = None, province: str | None = None,
    port: str | None = None,
) -> Select[Any]:
    """The read of the closed cases' keys and hours (for a query plan)."""
    return _closed_cases([CASES.c[k] for k in check_group_keys(by)], clock, period, province, port)


def open_cases_query(
    by: Sequence[str], *, clock: str, period: Period | None = None, province: str | None = None,
    port: str | None = None,
) -> Select[Any]:
    """The count of the open cases per group (for a query plan)."""
    return _open_counts([CASES.c[k] for k in check_group_keys(by)], clock, period, province, port)


def _closed_cases(
    columns: list[Any], clock: str, period: Period | None, province: str | None, port: str | None
) -> Select[Any]:
    return select(*columns, CASES.c.hours, *(CASES.c[s] for s in SEGMENTS)).where(
        _closed_filter(clock, period, province, port))


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
    columns: list[Any], clock: str, period: Period | None, province: str | None, port: str | None
) -> Select[Any]:
    c = CASES.c
    where = [c.clock == clock, c.status == "open", *_place(province, port)]
    end = period.end_instant if period is not None else None
    if end is not None:
        where.append(or_(c.start_at.is_(None), c.start_at < end))
    return select(*columns, func.count()).where(and_(*where)).group_by(*columns)


def _place(province: str | None, port: str | None) -> list[ColumnElement[bool]]:
    c = CASES.c
    return [*([c.province == province] if province else []), *([c.port == port] if port else [])]

