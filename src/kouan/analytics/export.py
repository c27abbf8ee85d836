"""Parquet exports for the scale-out engines: events partitioned by month and port, and cases.

Months are Beijing-time calendar months of ``occurred_at``; times are written as UTC instants.
JSON columns (refs, attrs) are written as JSON text, the same on every source engine.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from ibis.backends import BaseBackend

from kouan.analytics import run

EVENT_COLUMNS = ("source", "event_id", "milestone", "original_code", "classifier", "occurred_at",
                 "recorded_at", "received_at", "version", "port", "direction", "refs", "attrs",
                 "authority")  # "claim": stated by a sender not entitled to (events.authority)
TIMES = ("occurred_at", "recorded_at", "received_at", "version")


def _as_json_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in column.to_pylist()],
                    pa.string())


def _utc(column: pa.Array) -> pa.Array:
    ts = column.type
    if not pa.types.is_timestamp(ts):
        column = pc.cast(column, pa.timestamp("us"))  # SQLite hands back text
    elif ts.tz is not None:
        return pc.cast(column, pa.timestamp("us", tz="UTC"))
    return pc.assume_timezone(pc.cast(column, pa.timestamp("us")), "UTC")


def _normalise(batch: pa.RecordBatch) -> pa.RecordBatch:
    cols = {name: batch.column(name) for name in EVENT_COLUMNS}
    for name in TIMES:
        cols[name] = _utc(cols[name])
    for name in ("refs", "attrs"):
        cols[name] = _as_json_text(cols[name])
    local = pc.cast(cols["occurred_at"], pa.timestamp("us", tz="Asia/Shanghai"))
    cols["month"] = pc.strftime(local, format="%Y-%m")
    cols["port"] = pc.fill_null(cols["port"], "unknown")
    return pa.RecordBatch.from_pydict(cols)


def export_events(con: BaseBackend, out_dir: str | Path, *, batch_rows: int = 200_000) -> int:
    """Write ``<out_dir>/event/month=YYYY-MM/port=LOCODE/*.parquet``; returns the rows written."""
    target = Path(out_dir) / "event"
    if target.exists():
        shutil.rmtree(target)  # a fresh export: no partition left over from an earlier one
    event = con.table("event")
    # JSON columns leave as text: engines hand JSON back as Python objects or strings otherwise.
    table = event.select(*(event[c].cast("string").name(c) if c in ("refs", "attrs") else event[c]
                           for c in EVENT_COLUMNS))
    reader = table.to_pyarrow_batches(chunk_size=batch_rows)
    written = 0

    def batches():  # type: ignore[no-untyped-def]
        nonlocal written
        for batch in reader:
            out = _normalise(batch)
            written += out.num_rows
            yield out

    gen = batches()
    try:
        head = next(gen)
    except StopIteration:
        return 0
    schema = head.schema

    def chained():  # type: ignore[no-untyped-def]
        yield head
        yield from gen

    ds.write_dataset(chained(), target, schema=schema, format="parquet",
                     partitioning=["month", "port"], partitioning_flavor="hive",
                     existing_data_behavior="delete_matching", max_rows_per_group=batch_rows)
    return written


def export_all(con: BaseBackend, out_dir: str | Path) -> dict[str, int]:
    n = export_events(con, out_dir)
    run.parquet_export(con, out_dir)
    return {"events": n, "cases": con.table("clearance_case").count().execute()}
