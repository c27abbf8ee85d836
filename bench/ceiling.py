"""The raw storage ceiling: the same number of rows of comparable width written as plainly as
each database allows, with the same unique key as the event store, in one transaction.

SQLite: ``executemany`` of INSERT … ON CONFLICT DO NOTHING into a fresh table with
UNIQUE(source, event_id). PostgreSQL: COPY into a temporary table, then INSERT … SELECT … ON CONFLICT
DO NOTHING into a table with the unique key. Rows are prepared before the clock starts.

Beside it, the *store floor*: only the rows Kouan's own schema needs for the same events — every
``event`` column and its six indexes and foreign key, and one ``event_ref`` row per reference —
written the same plain way into a migrated Kouan database, with no parsing, validation, hashing,
linking or dirty-marking. It bounds what any ingestion code can reach on that schema.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

COLUMNS = ("source", "event_id", "milestone", "classifier", "occurred_at", "recorded_at",
           "received_at", "version", "port", "direction", "refs", "attrs", "content_hash",
           "batch_id")
_DDL = """CREATE TABLE {name} (
    id {pk}, source VARCHAR(32) NOT NULL, event_id VARCHAR(160) NOT NULL,
    milestone VARCHAR(32) NOT NULL, classifier VARCHAR(3) NOT NULL, occurred_at {ts} NOT NULL,
    recorded_at {ts}, received_at {ts} NOT NULL, version {ts}, port VARCHAR(5),
    direction VARCHAR(1), refs {js} NOT NULL, attrs {js} NOT NULL, content_hash VARCHAR(64) NOT NULL,
    batch_id INTEGER NOT NULL, UNIQUE (source, event_id))"""


def rows(lines: list[str]) -> list[tuple]:
    """One row per parseable line, with the event table's columns (text times, JSON as text)."""
    out = []
    now = datetime.now(UTC).isoformat()
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        out.append(("DCT", rec.get("event_id"), rec.get("milestone"), rec.get("classifier", "ACT"),
                    rec.get("occurred_at"), rec.get("recorded_at"), now, rec.get("version"),
                    rec.get("port"), rec.get("direction"), json.dumps(rec.get("refs", {})),
                    json.dumps(rec.get("attrs", {})), hashlib.sha256(line.encode()).hexdigest(), 1))
    return [r for r in out if r[1] and r[4] and r[2]]


EVENT_COLUMNS = ("id", "source", "event_id", "milestone", "original_code", "classifier", "occurred_at",
                 "recorded_at", "received_at", "version", "port", "direction", "refs", "attrs",
                 "content_hash", "batch_id", "revision")


def store_rows(lines: list[str]) -> tuple[list[tuple], list[tuple]]:
    """``event`` rows (EVENT_COLUMNS, one per distinct event_id, the last line winning) and their
    ``event_ref`` rows, for batch 1, times as UTC text both databases read."""
    latest: dict[str, tuple[str, dict]] = {}
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("event_id") and rec.get("occurred_at") and rec.get("milestone"):
            latest[rec["event_id"]] = (line, rec)
    now = datetime.now(UTC).isoformat(" ", "microseconds")[:26]
    events, refs = [], []
    for pk, (line, rec) in enumerate(latest.values(), start=1):
        pairs = sorted({(kind, key) for kind, given in rec.get("refs", {}).items()
                        for key in (given if isinstance(given, list) else [given])})
        events.append((pk, "DCT", rec["event_id"], rec["milestone"], None, rec.get("classifier", "ACT"),
                       _utc(rec["occurred_at"]), _utc(rec.get("recorded_at")), now, _utc(rec.get("version")),
                       rec.get("port"), rec.get("direction"), json.dumps([list(p) for p in pairs]),
                       json.dumps(rec.get("attrs", {})), hashlib.sha256(line.encode()).hexdigest(), 1, 1))
        refs.extend((pk, kind, key) for kind, key in pairs)
    return events, refs


def _utc(text: str | None) -> str | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).astimezone(UTC).isoformat(" ", "microseconds")[:26]


_BATCH = ("INSERT INTO ingest_batch (id, source, format, channel, content_sha256, size_bytes, received_at, "
          "actor, received, stored, duplicates, updated, quarantined, containers_checked, "
          "containers_invalid, locodes_checked, locodes_invalid) "
          "VALUES (1, 'DCT', 'jsonl', 'bench', '-', 0, '2022-03-01 00:00:00', 'bench', "
          "0, 0, 0, 0, 0, 0, 0, 0, 0)")


def sqlite_store_floor(path: str, events: list[tuple], refs: list[tuple]) -> float:
    """Seconds to write the store's rows into the migrated Kouan SQLite database at ``path``."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(_BATCH)
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", events)
    conn.executemany("INSERT INTO event_ref (event_pk, kind, key) VALUES (?, ?, ?)", refs)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def postgres_store_floor(url: str, events: list[tuple], refs: list[tuple]) -> float:
    """Seconds to COPY the store's rows into the migrated Kouan PostgreSQL database at ``url``."""
    with psycopg.connect(url) as conn:
        conn.execute(_BATCH.replace("'2022-03-01 00:00:00'", "'2022-03-01 00:00:00+00'"))
        conn.commit()
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(f"COPY event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in events:
                    copy.write_row(row)
            with cur.copy("COPY event_ref (event_pk, kind, key) FROM STDIN") as copy:
                for row in refs:
                    copy.write_row(row)
        return time.perf_counter() - start


def sqlite_ceiling(path: Path, data: list[tuple]) -> float:
    """Seconds to write ``data`` into a fresh SQLite table (WAL, synchronous=NORMAL like Kouan)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(_DDL.format(name="event", pk="INTEGER PRIMARY KEY", ts="DATETIME", js="JSON"))
    marks = ", ".join("?" * len(COLUMNS))
    sql = f"INSERT INTO event ({', '.join(COLUMNS)}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(sql, data)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def postgres_ceiling(url: str, data: list[tuple]) -> float:
    """Seconds to COPY ``data`` into a temporary table and merge it into the keyed table."""
    cols = ", ".join(COLUMNS)
    with psycopg.connect(url) as conn:
        conn.execute(_DDL.format(name="event", pk="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                                 ts="TIMESTAMPTZ", js="JSONB"))
        conn.commit()
        start = time.perf_counter()
        with conn.transaction():
            conn.execute("CREATE TEMP TABLE incoming ON COMMIT DROP AS "
                         f"SELECT {cols} FROM event WITH NO DATA")
            with conn.cursor().copy(f"COPY incoming ({cols}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
            conn.execute(f"INSERT INTO event ({cols}) SELECT {cols} FROM incoming "
                         "ON CONFLICT (source, event_id) DO NOTHING")
        return time.perf_counter() - start


# Every table an ingest writes, parents first, each read in the order Kouan wrote it: the rows
# Kouan's schema must hold for the batches (events, their references and call index, the
# consignments with their members and hubs, the dirty marks, the quarantined lines, the batch rows
# and their jobs). The audit trail (one row a batch) is left out.
STORE_TABLES = (
    ("ingest_batch", "id"),
    ("event", "id"),
    ("event_ref", "event_pk, kind, key"),
    ("call_event", "event_pk, key"),
    ("consignment", "id"),
    ("consignment_member", "consignment_id, kind, key"),
    ("consignment_hub", "consignment_id, kind, key"),
    ("transport_call_alias", "key"),
    ("dirty_consignment", "consignment_id"),
    ("quarantined_message", "id"),
    ("job", "id"),
)


def sqlite_rows_of(path: str) -> list[tuple[str, list[str], list[tuple]]]:
    """(table, columns, rows) of every STORE_TABLES table of the SQLite store at ``path``."""
    conn = sqlite3.connect(path)
    out = []
    for table, order in STORE_TABLES:
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
        out.append((table, [d[0] for d in cur.description], cur.fetchall()))
    conn.close()
    return out


def sqlite_full_floor(path: str, tables: list[tuple[str, list[str], list[tuple]]]) -> float:
    """Seconds to write ``tables`` (``sqlite_rows_of``) into the migrated Kouan SQLite database at
    ``path``, as plainly as ``sqlite_store_floor``: one ``executemany`` a table, one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        conn.execute(f"PRAGMA {pragma}")
    start = time.perf_counter()
    conn.execute("BEGIN")
    for table, cols, rows in tables:
        marks = ", ".join("?" * len(cols))
        conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def postgres_rows_of(url: str) -> list[tuple[str, list[str], list[bytes], int]]:
    """(table, columns, COPY text blocks, rows) of every STORE_TABLES table of the store at ``url``."""
    out = []
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table, order in STORE_TABLES:
            cur.execute(f"SELECT * FROM {table} LIMIT 0")
            cols = [d.name for d in cur.description]
            n = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            blocks = []
            with cur.copy(f"COPY (SELECT {', '.join(cols)} FROM {table} ORDER BY {order}) TO STDOUT") as copy:
                blocks.extend(bytes(b) for b in copy)
            out.append((table, cols, blocks, n))
    return out


def postgres_full_floor(url: str, tables: list[tuple[str, list[str], list[bytes], int]]) -> float:
    """Seconds to COPY ``tables`` (``postgres_rows_of``) into the migrated Kouan PostgreSQL database
    at ``url``, in one transaction."""
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            for table, cols, blocks, _n in tables:
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for block in blocks:
                        copy.write(block)
        return time.perf_counter() - start
