"""Figures where people read them: exact inside, rounded once at the edge.

Every float that leaves Kouan, in JSON (the API and ``--json``), CSV and text, carries at most
``HOURS`` (2) decimals: hours (means, medians, p90, segments, latency) and percentages. A fraction
of one (a key ending in ``_rate``, ``_share``, ``_growth`` or ``_ratio``: 0.8534 = 85.34 %)
carries at most ``FRACTION`` (4), so that its percentage keeps two; so do a port's ``latitude`` and
``longitude`` (degrees: UN/LOCODE gives whole minutes, 0.0167°). Counts are integers and money is
``Decimal`` (a string): neither is touched. Python's ``repr`` of a rounded float is its shortest
form, so ``0.8399999999999999`` leaves as ``0.84`` and ``39.93000000000001`` as ``39.93``.
"""

from __future__ import annotations

import math
from typing import Any

HOURS = 2
FRACTION = 4
FRACTION_SUFFIXES = ("_rate", "_share", "_growth", "_ratio")
FOUR_DECIMAL_KEYS = frozenset({"latitude", "longitude"})


def decimals_for(key: str | None) -> int:
    if key and (key.lower().endswith(FRACTION_SUFFIXES) or key.lower() in FOUR_DECIMAL_KEYS):
        return FRACTION
    return HOURS


def number(value: float, key: str | None = None) -> float:
    """``value`` rounded for reading (NaN and infinities as they are)."""
    if not math.isfinite(value):
        return value
    out = round(value, decimals_for(key))
    return 0.0 if out == 0 else out  # no "-0.0"


def rounded(value: Any, key: str | None = None) -> Any:
    """A JSON-ready structure with every float rounded by the key it sits under."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return number(value, key)
    if isinstance(value, dict):
        return {k: rounded(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, key) for v in value]
    return value


def text(value: float | None, dash: str = "—") -> str:
    """An hour figure for a table or a sentence: two decimals, always shown (39.93, 0.84, 1.50)."""
    return dash if value is None else f"{value:.{HOURS}f}"
