"""Bind and execute the metrics, returning plain Python values."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from kouan.analytics import engines, metrics
from kouan.analytics.definitions import SEGMENTS, TABLE_NAME, Group, KpiRow
from kouan.analytics.definitions import sort_key as _sort_key

__all__ = ["Group", "KpiRow", "kpi", "parquet_export"]


def kpi(
    source: BaseBackend | ibis.Table, by: Sequence[str], *, clock: str = metrics.DEFAULT_CLOCK
) -> list[KpiRow]:
    """Statistics of ``clock`` per group of ``by`` keys, sorted by group (nulls last).

    ``source`` is a connection from ``engines.connect`` or a table with the ``clearance_case``
    columns. A group with open cases only has ``n = 0`` and null figures; with ``by=[]`` there
    is always exactly one row.
    """
    keys = metrics.check_group_keys(by)
    table = source if isinstance(source, ibis.Table) else engines.clearance_case(source)
    sqlite = _sqlite_backend(table)
    if sqlite is not None and "month" in keys:
        closed = _stats_by_seek(sqlite, table, keys, clock)
    else:
        closed = _by_group(metrics.clearance_stats(table, keys, clock=clock), keys)
    opened = _by_group(metrics.open_counts(table, keys, clock=clock), keys)
    rows = []
    for group in sorted(closed.keys() | opened.keys(), key=_sort_key):
        stats = closed.get(group, {})
        rows.append(
            KpiRow(
                group=dict(zip(keys, group, strict=True)),
                n=int(stats.get("n") or 0),
                mean_h=_float(stats.get("mean_h")),
                median_h=_float(stats.get("median_h")),
                p90_h=_float(stats.get("p90_h")),
                segments=tuple(_float(stats.get(seg)) for seg in SEGMENTS),
                n_open=int(opened.get(group, {}).get("n_open") or 0),
            )
        )
    return rows


def _sqlite_backend(table: ibis.Table) -> Any:
    try:
        backend = table._find_backend()
    except Exception:  # noqa: BLE001 - an unbound (memtable) expression: no backend to specialise for
        return None
    return backend if getattr(backend, "name", None) == "sqlite" else None


def _stats_by_seek(
    backend: Any, table: ibis.Table, keys: list[str], clock: str
) -> dict[Group, dict[str, Any]]:
    """The same figures as ``metrics.clearance_stats`` on the SQLite store, when groups are months.

    SQLite ranks with window functions by sorting every closed case of the question at once (most
    of a warm ``kpi`` over the whole history went there). A month's cases are few and indexed
    (``clearance_case (clock, status, month, direction, hours)``): here each group's n, mean and
    segment means come from one grouped aggregate, and each quantile's one or two values from an
    index seek (``ORDER BY hours LIMIT 2 OFFSET floor(pos)``), interpolated exactly as the window
    path does (``metrics.quantile_position``). The query is the compiled Ibis expression (filters
    included) with the group's keys bound as parameters, so nothing is defined twice.
    """
    moments = _by_group(metrics.clearance_moments(table, keys, clock=clock), keys)
    closed = metrics.closed_cases(table, clock=clock).select(*keys, "hours", "declaration")
    inner = backend.compile(closed)
    where = " AND ".join(f'c."{k}" IS ?' for k in keys)
    sql = f"SELECT c.hours FROM ({inner}) AS c WHERE {where} ORDER BY c.hours, c.declaration LIMIT ? OFFSET ?"
    for group, stats in moments.items():
        n = int(stats["n"] or 0)
        for name, (num, den) in metrics.QUANTILES.items():
            if n == 0:
                stats[name] = None
                continue
            lo, rest = metrics.quantile_position(n, num, den)
            picked = [row[0] for row in backend.con.execute(sql, (*group, 2 if rest else 1, lo))]
            stats[name] = picked[0] + (picked[-1] - picked[0]) * (rest / den)
    return moments


def parquet_export(con: BaseBackend, out_dir: str | Path, table: str = TABLE_NAME) -> Path:
    """Write ``table`` from ``con`` as ``<out_dir>/<table>/part-0.parquet``; return the dataset dir.

    The layout is what ``engines.connect('duckdb' | 'spark', out_dir)`` reads; both also read a
    hive-partitioned dataset (``month=2024-03/...``) written by a bulk exporter.
    """
    directory = Path(out_dir) / table
    directory.mkdir(parents=True, exist_ok=True)
    source = engines.clearance_case(con) if table == TABLE_NAME else con.table(table)
    source.to_parquet(directory / "part-0.parquet")
    return directory


def _by_group(expr: ibis.Table, keys: list[str]) -> dict[Group, dict[str, Any]]:
    # to_pyarrow().to_pylist() gives None for SQL NULL on every backend (pandas would give NaN).
    return {tuple(row[k] for k in keys): row for row in expr.to_pyarrow().to_pylist()}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)

