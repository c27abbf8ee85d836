"""Clearance-time statistics as Ibis expressions: ``Table -> Table``, nothing executed here.

Statistics are over declarations (DESIGN.md "Clock definitions are data"): count, mean (the
headline GAC publishes), median and p90 in hours, plus segment means that add up to the mean.

Median and p90 are computed from window functions, never an engine quantile function: Ibis's
SQLite backend compiles no median or quantile, and the engines that have one disagree (approximate
on Spark, ``percentile_cont`` on PostgreSQL, different interpolation elsewhere). Ranking with
``row_number`` and interpolating with integer arithmetic gives the same figure on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis

from kouan.analytics.definitions import (
    DEFAULT_CLOCK,
    QUANTILES,
    SEGMENTS,
    check_group_keys,
    quantile_position,
)

__all__ = ["DEFAULT_CLOCK", "QUANTILES", "check_group_keys", "clearance_moments", "clearance_stats",
           "closed_cases", "open_counts", "quantile_position"]


def closed_cases(cases: ibis.Table, *, clock: str = DEFAULT_CLOCK) -> ibis.Table:
    """Closed cases of one clock that have a measured duration (``hours`` not null)."""
    return cases.filter(cases.clock == clock, cases.status == "closed", cases.hours.notnull())


def _ranked(closed: ibis.Table, by: list[str]) -> ibis.Table:
    # Ties on hours are broken by declaration number so the ranking is the same on every engine
    # (the quantile value does not depend on it, but a stable plan is easier to debug).
    order = ibis.window(group_by=by, order_by=[closed.hours, closed.declaration])
    whole = ibis.window(group_by=by)
    return closed.mutate(
        _rank=ibis.row_number().over(order).cast("int64"),  # 0-based; int64: Spark's is int32
        _n=closed.count().over(whole).cast("int64"),
    )


def _quantile_parts(ranked: ibis.Table, name: str, num: int, den: int) -> dict[str, ibis.Value]:
    """Aggregates picking v[lo] and v[hi] around position (n - 1) * num / den, kept in integers."""
    target = (ranked._n - 1) * num  # position * den
    at = ranked._rank * den
    is_lo = (at <= target) & (at + den > target)  # lo = floor(position)
    is_hi = (at >= target) & (at - den < target)  # hi = ceil(position)
    return {
        f"_{name}_lo": ranked.hours.max(where=is_lo),
        f"_{name}_hi": ranked.hours.max(where=is_hi),
        f"_{name}_at": ranked._rank.max(where=is_lo),
    }


def _interpolate(stats: ibis.Table, name: str, num: int, den: int) -> ibis.Value:
    lo, hi, rank = stats[f"_{name}_lo"], stats[f"_{name}_hi"], stats[f"_{name}_at"]
    fraction = ((stats.n - 1) * num - rank * den) / den  # position - floor(position), in [0, 1)
    return lo + (hi - lo) * fraction


def clearance_stats(cases: ibis.Table, by: Sequence[str], *, clock: str = DEFAULT_CLOCK) -> ibis.Table:
    """Clearance-time statistics of closed cases, one row per group.

    Columns: the ``by`` keys, then ``n``, ``mean_h``, ``median_h``, ``p90_h`` and ``seg_1`` ...
    ``seg_4`` (all hours). Only cases of ``clock`` with ``status = 'closed'`` and a non-null
    ``hours`` count. With ``by=[]`` there is exactly one row (``n = 0`` over no cases).

    Quantiles use the linear definition (numpy's default ``method='linear'``): with the group's
    hours sorted ascending as ``v[0] <= ... <= v[n-1]`` and ``pos = (n - 1) * q``,
    ``value = v[floor(pos)] + (v[ceil(pos)] - v[floor(pos)]) * (pos - floor(pos))``;
    ``q = 1/2`` for the median and ``9/10`` for p90, held as fractions so ``pos`` is exact.

    A segment mean is ``sum(seg_k) / n`` over the same cases, a null segment counting as 0 (it
    took no time in that case). Since a closed case's non-null segments add up to its ``hours``,
    ``seg_1 + ... + seg_4 == mean_h`` (up to float rounding); a segment that is null in every
    case of the group (unused by the clock) has a null mean.

    Examples
    --------
    >>> import ibis
    >>> from kouan.analytics.tables import CLEARANCE_CASE
    >>> hours = [1.0, 2.0, 3.0, 10.0]
    >>> columns = {name: [None] * 4 for name in CLEARANCE_CASE.names}
    >>> columns |= {"declaration": [f"09002024{i:010d}" for i in range(4)], "clock": ["gac"] * 4,
    ...             "direction": ["I"] * 4, "status": ["closed"] * 4, "hours": hours, "seg_1": hours}
    >>> cases = ibis.memtable(columns, schema=CLEARANCE_CASE)
    >>> [row] = clearance_stats(cases, by=[]).to_pyarrow().to_pylist()
    >>> row["n"], row["mean_h"], row["median_h"], round(row["p90_h"], 9), row["seg_1"]
    (4, 4.0, 2.5, 7.9, 4.0)
    """
    keys = check_group_keys(by)
    ranked = _ranked(closed_cases(cases, clock=clock), keys)
    metrics = _moment_parts(ranked)
    for name, (num, den) in QUANTILES.items():
        metrics |= _quantile_parts(ranked, name, num, den)
    stats = ranked.aggregate(metrics, by=keys)
    quantiles = {name: _interpolate(stats, name, num, den) for name, (num, den) in QUANTILES.items()}
    return stats.select(*keys, n=stats.n, mean_h=stats.mean_h, **quantiles, **_segment_means(stats))


def _moment_parts(closed: ibis.Table) -> dict[str, ibis.Value]:
    """The count, the mean and each segment's sum: aggregates of one group's closed cases."""
    return {"n": closed.count(), "mean_h": closed.hours.mean(),
            **{f"_{seg}_sum": closed[seg].sum() for seg in SEGMENTS}}


def _segment_means(stats: ibis.Table) -> dict[str, ibis.Value]:
    return {seg: stats[f"_{seg}_sum"] / stats.n for seg in SEGMENTS}


def clearance_moments(cases: ibis.Table, by: Sequence[str], *, clock: str = DEFAULT_CLOCK) -> ibis.Table:
    """``clearance_stats`` without the quantiles: the ``by`` keys, ``n``, ``mean_h`` and the segment
    means, one row per group (no window function: one grouped aggregate)."""
    keys = check_group_keys(by)
    closed = closed_cases(cases, clock=clock)
    stats = closed.aggregate(_moment_parts(closed), by=keys)
    return stats.select(*keys, n=stats.n, mean_h=stats.mean_h, **_segment_means(stats))


def open_counts(cases: ibis.Table, by: Sequence[str], *, clock: str = DEFAULT_CLOCK) -> ibis.Table:
    """Number of open cases of ``clock`` per group, in column ``n_open``.

    Open cases have no end and no ``month``: grouped by month they fall in the null group.

    Examples
    --------
    >>> import ibis
    >>> from kouan.analytics.tables import CLEARANCE_CASE
    >>> columns = {name: [None] * 3 for name in CLEARANCE_CASE.names}
    >>> columns |= {"declaration": [f"09002024{i:010d}" for i in range(3)], "clock": ["gac"] * 3,
    ...             "direction": ["I", "E", "E"], "status": ["open", "open", "closed"]}
    >>> cases = ibis.memtable(columns, schema=CLEARANCE_CASE)
    >>> sorted(open_counts(cases, by=["direction"]).to_pyarrow().to_pylist(), key=str)
    [{'direction': 'E', 'n_open': 1}, {'direction': 'I', 'n_open': 1}]
    """
    keys = check_group_keys(by)
    opened = cases.filter(cases.clock == clock, cases.status == "open")
    return opened.aggregate({"n_open": opened.count()}, by=keys)
