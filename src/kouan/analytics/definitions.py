"""What a clearance-time KPI is, without an engine: the group keys, the segments, the quantiles as
exact fractions, the row a KPI answers with. Standard library only, so that a question answered
straight from the store (``clearance.kpi_store``) starts without Ibis, pandas or PyArrow;
``tables`` and ``metrics`` build their Ibis expressions from these same names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TABLE_NAME = "clearance_case"

# Positional segment columns: the clock definition names them per direction.
SEGMENTS: tuple[str, ...] = ("seg_1", "seg_2", "seg_3", "seg_4")

# The keys a KPI may be grouped by (issue: port, province, district, month, direction, mode, commodity).
GROUP_KEYS: tuple[str, ...] = (
    "port", "province", "customs_district", "month", "direction", "facilitation_mode", "commodity_group",
)

# Each quantile as an exact fraction (numerator, denominator): the interpolation position is then
# computed with integer arithmetic, so no engine rounds (n - 1) * 0.9 differently.
QUANTILES: dict[str, tuple[int, int]] = {"median_h": (1, 2), "p90_h": (9, 10)}

DEFAULT_CLOCK = "gac"

Group = tuple[str | None, ...]


@dataclass(frozen=True)
class KpiRow:
    """Clearance-time figures of one group; hours as floats, ``None`` where no closed case exists."""

    group: dict[str, str | None]
    n: int
    mean_h: float | None
    median_h: float | None
    p90_h: float | None
    segments: tuple[float | None, ...]
    n_open: int


def check_group_keys(by: Sequence[str]) -> list[str]:
    """Return ``by`` as a list, or raise ``ValueError`` naming the first key that is not allowed."""
    if isinstance(by, str):
        raise ValueError(f"group keys must be a list of names, not the string {by!r}")
    keys = list(by)
    for key in keys:
        if key not in GROUP_KEYS:
            raise ValueError(f"cannot group by {key!r}: allowed keys are {', '.join(GROUP_KEYS)}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"group keys repeat a name: {keys!r}")
    return keys


def quantile_position(n: int, num: int, den: int) -> tuple[int, int]:
    """``(floor(pos), pos - floor(pos)) * den`` for ``pos = (n - 1) * num / den``, in integers: the
    same interpolation ``metrics.clearance_stats`` computes in SQL."""
    return divmod((n - 1) * num, den)


def quantile(ordered: Sequence[float], num: int, den: int) -> float | None:
    """The linear quantile ``num / den`` of ``ordered`` (ascending), with the arithmetic of
    ``metrics.clearance_stats``: ``v[lo] + (v[hi] - v[lo]) * (rest / den)``."""
    if not ordered:
        return None
    lo, rest = quantile_position(len(ordered), num, den)
    low = ordered[lo]
    high = ordered[lo + 1] if rest else low
    return low + (high - low) * (rest / den)


def sort_key(group: Group) -> tuple[tuple[bool, str], ...]:
    """Groups in key order, nulls last."""
    return tuple((value is None, value or "") for value in group)
