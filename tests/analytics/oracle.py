"""An obviously correct reference for the KPI, case-table builders and writers for each store.

The reference works on lists of dicts with plain Python: sorting, ``fractions.Fraction`` for the
percentile position, sums divided by counts. Tests compare every engine with it.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from kouan.analytics.run import KpiRow
from kouan.analytics.tables import CLEARANCE_CASE, SEGMENTS, TABLE_NAME

Row = dict[str, object]
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOLERANCE_H = 1e-6


def percentile(values: Sequence[float], q: Fraction) -> float:
    """numpy's default 'linear' percentile: v[lo] + (v[hi] - v[lo]) * (pos - lo), pos = (n-1)q."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    lo, hi = math.floor(position), math.ceil(position)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * float(position - lo)


def reference_kpi(rows: Iterable[Row], by: Sequence[str], clock: str = "gac") -> list[KpiRow]:
    closed: dict[tuple, list[Row]] = defaultdict(list)
    opened: dict[tuple, int] = defaultdict(int)
    for row in rows:
        if row["clock"] != clock:
            continue
        group = tuple(row[k] for k in by)
        if row["status"] == "closed" and row["hours"] is not None:
            closed[group].append(row)
        elif row["status"] == "open":
            opened[group] += 1
    groups = set(closed) | set(opened) | ({()} if not by else set())
    ordered = sorted(groups, key=lambda g: tuple((v is None, v or "") for v in g))
    return [_reference_row(dict(zip(by, g, strict=True)), closed[g], opened[g]) for g in ordered]


def _reference_row(group: dict, cases: list[Row], n_open: int) -> KpiRow:
    hours = [float(c["hours"]) for c in cases]  # type: ignore[arg-type]
    n = len(hours)

    def segment_mean(seg: str) -> float | None:
        values = [c[seg] for c in cases if c[seg] is not None]
        return sum(values) / n if values else None  # type: ignore[arg-type]

    return KpiRow(
        group=group, n=n,
        mean_h=sum(hours) / n if n else None,
        median_h=percentile(hours, Fraction(1, 2)) if n else None,
        p90_h=percentile(hours, Fraction(9, 10)) if n else None,
        segments=tuple(segment_mean(seg) for seg in SEGMENTS),
        n_open=n_open,
    )


def assert_same_kpi(actual: list[KpiRow], expected: list[KpiRow], tol: float = TOLERANCE_H) -> None:
    assert [r.group for r in actual] == [r.group for r in expected]
    for got, want in zip(actual, expected, strict=True):
        assert (got.n, got.n_open) == (want.n, want.n_open), got.group
        pairs = [(got.mean_h, want.mean_h), (got.median_h, want.median_h), (got.p90_h, want.p90_h)]
        for a, b in [*pairs, *zip(got.segments, want.segments, strict=True)]:
            assert (a is None) == (b is None), (got, want)
            assert a is None or abs(a - b) <= tol, (got, want)


# --- building case tables -------------------------------------------------------------------

PORTS = ["CNDLC", "CNYKO", "CNDDG", None]
DISTRICTS = ["0900", "0901", "0930", None]
MODES = ["standard", "advance", "two_step", None]


def case(number: int, **values: object) -> Row:
    """One clearance_case row; closed cases get end_at, month and hours from start_at + hours."""
    row: Row = dict.fromkeys(CLEARANCE_CASE.names)
    row |= {"declaration": f"09002024{number:010d}", "clock": "gac", "direction": "I", "status": "closed"}
    row |= values
    if row["status"] == "closed" and row["hours"] is not None and row["start_at"] is not None:
        end = row["start_at"] + timedelta(hours=row["hours"])  # type: ignore[operator]
        row |= {"end_at": end, "month": end.astimezone(SHANGHAI).strftime("%Y-%m")}
    return row


def random_segments(rng: random.Random) -> list[float | None]:
    """Up to four segments in quarter hours (exact in binary), at least one present."""
    segments: list[float | None] = [
        rng.randrange(0, 40) / 4 if rng.random() < 0.7 else None for _ in SEGMENTS
    ]
    if all(s is None for s in segments):
        segments[0] = rng.randrange(0, 40) / 4
    return segments


def random_cases(rng: random.Random, size: int) -> list[Row]:
    rows = []
    for number in range(size):
        segments = random_segments(rng)
        closed = rng.random() < 0.8
        start = datetime(2024, 2, 27, tzinfo=UTC) + timedelta(hours=rng.randrange(0, 24 * 6))
        rows.append(case(
            number, direction=rng.choice("IE"), port=rng.choice(PORTS),
            province=rng.choice(["CN-LN", None]), customs_district=rng.choice(DISTRICTS),
            facilitation_mode=rng.choice(MODES), commodity_group=rng.choice(["84", "85", None]),
            clock=rng.choice(["gac"] * 9 + ["wco_trs"]), status="closed" if closed else "open",
            start_at=start, hours=sum(s for s in segments if s is not None) if closed else None,
            **dict(zip(SEGMENTS, segments if closed else [segments[0], None, None, None], strict=True)),
        ))
    return rows


# --- writing a case table to each store -----------------------------------------------------

ARROW_SCHEMA = pa.schema(
    [(name, pa.timestamp("us", tz="UTC") if dtype.is_timestamp() else
      pa.float64() if dtype.is_floating() else pa.string()) for name, dtype in CLEARANCE_CASE.items()]
)


def write_parquet(rows: list[Row], export_dir: Path, partition_by: Sequence[str] = ()) -> Path:
    directory = export_dir / TABLE_NAME
    table = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
    if partition_by:
        pq.write_to_dataset(table, directory, partition_cols=list(partition_by))
    else:
        directory.mkdir(parents=True)
        pq.write_table(table, directory / "part-0.parquet")
    return export_dir


def case_table(metadata: sa.MetaData) -> sa.Table:
    """The contract's table as the operational store would declare it with SQLAlchemy."""
    def column(name: str, dtype: object) -> sa.Column:
        kind = sa.DateTime(timezone=True) if dtype.is_timestamp() else sa.String
        kind = sa.Float if dtype.is_floating() else kind
        return sa.Column(name, kind, primary_key=name in {"declaration", "clock"})

    return sa.Table(TABLE_NAME, metadata, *(column(n, t) for n, t in CLEARANCE_CASE.items()))


def write_sql(url: str, rows: list[Row]) -> None:
    engine = sa.create_engine(url)
    table = case_table(sa.MetaData())
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), rows)
    engine.dispose()
