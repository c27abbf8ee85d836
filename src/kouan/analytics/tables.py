"""Unbound Ibis schema of ``clearance_case``, one row per (declaration, clock).

The operational store maintains the table; analytics only reads it. ``hours`` and the segments
are calendar hours; ``month`` is the Asia/Shanghai month in which the clock ended (DESIGN.md:
"a declaration counts in the month its clock ends"), null while the case is open.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from kouan.analytics.definitions import GROUP_KEYS, SEGMENTS, TABLE_NAME

__all__ = ["CLEARANCE_CASE", "GROUP_KEYS", "SEGMENTS", "TABLE_NAME", "clearance_case"]

CLEARANCE_CASE = ibis.schema(
    {
        "declaration": dt.String(nullable=False),
        "clock": dt.String(nullable=False),
        "direction": dt.string,  # 'I' or 'E'; the store allows null
        "port": dt.string,
        "province": dt.string,
        "customs_district": dt.string,
        "facilitation_mode": dt.string,
        "commodity_group": dt.string,
        "status": dt.String(nullable=False),
        "start_at": dt.Timestamp(timezone="UTC"),
        "end_at": dt.Timestamp(timezone="UTC"),
        "month": dt.string,
        "hours": dt.float64,
        **dict.fromkeys(SEGMENTS, dt.float64),
    }
)


def clearance_case() -> ibis.Table:
    """The unbound ``clearance_case`` table, for compiling metrics to SQL without a backend."""
    return ibis.table(CLEARANCE_CASE, name=TABLE_NAME)
