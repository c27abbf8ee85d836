"""SQL expressions that differ between SQLite and PostgreSQL, compiled per dialect.

``beijing_month(instant)`` is the ``YYYY-MM`` Beijing-time month of a ``UTCDateTime`` column, in
SQL, so that a report can ``GROUP BY`` it: the project's one time-zone rule (instants stored UTC,
read in Beijing time), with UTC+8 throughout as ``analytics.cases`` does (Asia/Shanghai kept summer
time in 1986-1991 only). SQLite stores the instant as naive UTC text (``db.base.UTCDateTime``),
PostgreSQL as ``timestamptz``; both expressions are literals (no bound parameter), so the same
expression in SELECT and GROUP BY is the same text on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class beijing_month(FunctionElement[str]):  # noqa: N801 - reads as the SQL function it stands for
    """``YYYY-MM`` of the instant in Beijing time (UTC+8)."""

    type = String()
    inherit_cache = True
    name = "beijing_month"

    def __init__(self, instant: ColumnElement[Any]) -> None:
        super().__init__(instant)


@compiles(beijing_month, "sqlite")
def _sqlite(element: beijing_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(beijing_month, "postgresql")
def _postgresql(element: beijing_month, compiler: Any, **kw: Any) -> str:
    instant = compiler.process(element.clauses, **kw)
    return f"to_char(({instant}) AT TIME ZONE 'UTC' + INTERVAL '8 hours', 'YYYY-MM')"


class hours_between(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it stands for
    """``(later - earlier)`` in hours, a float (NULL when either is): two ``UTCDateTime`` columns."""

    type = Float()
    inherit_cache = True
    name = "hours_between"

    def __init__(self, earlier: ColumnElement[Any], later: ColumnElement[Any]) -> None:
        super().__init__(earlier, later)


@compiles(hours_between, "sqlite")
def _sqlite_hours(element: hours_between, compiler: Any, **kw: Any) -> str:
    earlier, later = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


@compiles(hours_between, "postgresql")
def _postgresql_hours(element: hours_between, compiler: Any, **kw: Any) -> str:
    earlier, later = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later}) - ({earlier})) / 3600.0)"
