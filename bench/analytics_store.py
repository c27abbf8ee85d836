"""Bulk-load a generated log into a freshly migrated SQLite store (setup: never measured).

The database is migrated by Kouan (``kouan.db.migrate.upgrade``: every table, index and the port
reference data), then the rows ingestion and linking would have written are inserted with plain
``executemany``: ``event`` (one row per event id, its newest version), ``event_ref``,
``consignment``, ``consignment_member`` and ``consignment_hub``. Secondary indexes are dropped for
the load and re-created afterwards with their own DDL, so the store ends up exactly as migrated.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from bench.analytics_log import KIND_ORDER, Log
from kouan.db import migrate
from kouan.db.session import make_engine

CHUNK = 200_000
TS = pa.timestamp("us")
LOADED_TABLES = ("event", "event_ref", "consignment", "consignment_member", "consignment_hub")


def _text_ts(us: pa.ChunkedArray | pa.Array) -> pa.Array:
    """SQLAlchemy's SQLite DateTime text: 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC)."""
    return pc.strftime(pc.cast(us, TS), format="%Y-%m-%d %H:%M:%S")


def _refs_json(events: pa.Table) -> pa.Array:
    pieces = [_join_nullable('["' + kind + '","', events[kind], '"]') for kind in KIND_ORDER]
    inner = pc.binary_join_element_wise(*pieces, ",", null_handling="skip")
    return pc.binary_join_element_wise("[", inner, "]", "")


def _join_nullable(head: str, values: pa.ChunkedArray, tail: str) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(head, values, tail, "")  # null stays null


def _rows(table: pa.Table) -> list[tuple]:
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


def _insert(conn: sqlite3.Connection, name: str, table: pa.Table) -> None:
    marks = ", ".join("?" * table.num_columns)
    sql = f"INSERT INTO {name} ({', '.join(table.column_names)}) VALUES ({marks})"
    for start in range(0, table.num_rows, CHUNK):
        conn.executemany(sql, _rows(table.slice(start, CHUNK)))


def upgrade(path: Path) -> None:
    """Migrate the store at ``path`` to Kouan's newest schema (nothing to do when it is there)."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def load(log: Log, path: Path) -> Path:
    """Migrate a new SQLite store at ``path`` and bulk-load ``log`` into it."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-400000")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
            f"({', '.join('?' * len(LOADED_TABLES))})", LOADED_TABLES).fetchall()
        conn.execute("BEGIN")
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        _load_rows(conn, log)
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return path


def _load_rows(conn: sqlite3.Connection, log: Log) -> None:
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    conn.execute(
        "INSERT INTO ingest_batch (id, source, format, channel, content_sha256, size_bytes, received_at,"
        " actor,"
        " received, stored, duplicates, updated, quarantined, containers_checked, containers_invalid,"
        " locodes_checked, locodes_invalid) VALUES (1, 'DCT', 'jsonl', 'cli', ?, 0, ?, 'bench', ?, ?, ?, ?,"
        " 0, 0, 0, 0, 0)",
        ("0" * 64, now, log.raw.num_rows, log.events.num_rows, log.duplicates, log.versions))
    ev = log.events
    n = ev.num_rows
    pk = pa.array(range(1, n + 1), pa.int64())
    const = lambda v: pa.array([v] * n)  # noqa: E731
    events = pa.table({
        "id": pk, "source": const("DCT"), "event_id": ev["event_id"], "milestone": ev["milestone"],
        "classifier": ev["classifier"], "occurred_at": _text_ts(ev["occurred_us"]),
        "recorded_at": _text_ts(ev["recorded_us"]), "received_at": const(now),
        "version": _text_ts(ev["version_us"]), "port": ev["port"], "direction": ev["direction"],
        "refs": _refs_json(ev), "attrs": ev["attrs"],
        "content_hash": pc.utf8_lpad(ev["event_id"], 64, "0"), "batch_id": const(1), "revision": const(1),
    })
    _insert(conn, "event", events)
    refs = []
    for kind in KIND_ORDER:
        named = pc.is_valid(ev[kind])
        refs.append(pa.table({"event_pk": pk.filter(named), "kind": pa.array([kind] * pc.sum(named).as_py()),
                              "key": ev[kind].filter(named)}))
    refs_table = pa.concat_tables(refs).sort_by([("event_pk", "ascending"), ("kind", "ascending")])
    _insert(conn, "event_ref", refs_table)
    cids = pa.array(range(1, log.consignments + 1), pa.int64())
    _insert(conn, "consignment", pa.table({"id": cids, "created_at": pa.array([now] * len(cids)),
                                           "updated_at": pa.array([now] * len(cids))}))
    _insert(conn, "consignment_member", log.members)
    hubs = log.hubs
    _insert(conn, "consignment_hub", pa.table({
        "consignment_id": hubs["consignment_id"], "kind": hubs["kind"], "key": hubs["key"],
        "linked_at": _text_ts(hubs["linked_us"])}))
