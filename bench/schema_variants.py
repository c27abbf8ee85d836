"""``python -m bench.schema_variants``: the store floor (bench/ceiling.py) on variants of the event
store's indexes, next to the raw storage ceiling measured in the same run.

Each measurement writes the same ``event`` and ``event_ref`` rows, plainly (SQLite ``executemany``,
PostgreSQL ``COPY``), into a freshly migrated database whose schema was then altered:

- ``old-ref``: ``event_ref`` as it was before migration b69b370a719e: keyed ``(event_pk, kind,
  key)`` plus an index on ``(kind, key)`` (a rowid table and two b-trees on SQLite);
- ``ref-pk``: ``event_ref`` keyed ``(kind, key, event_pk)`` with no other index (``WITHOUT ROWID``
  on SQLite), as migrated now;
- ``ref-pk -ix_…``: ``ref-pk`` and, in addition, one index of ``event`` dropped.

Every measurement runs ``--repeat`` times, interleaved (round-robin over the variants, so a burst
of load on this shared machine hits all of them alike); the median is reported, as events/s and as
a ratio to the median ceiling of the same run. Beside the wall clock, each measurement records the
CPU time spent writing (SQLite: this process; PostgreSQL: the server backend that ran the COPY, from
/proc, plus this process): on a shared machine it moves far less than the wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from bench import ceiling, databases, generate
from bench.__main__ import ADMIN_URL

EVENT_INDEXES = (
    "ix_event_port",
    "ix_event_batch_id",
    "ix_event_source_received",
    "ix_event_milestone_occurred",
)

_REF_COLUMNS = "event_pk {pk_type} NOT NULL, kind VARCHAR(20) NOT NULL, key VARCHAR(80) NOT NULL"
_REF_FK = (
    "CONSTRAINT fk_event_ref_event_pk_event FOREIGN KEY (event_pk) REFERENCES event (id) ON DELETE CASCADE"
)


def _ref_table(backend: str, ref_pk: bool) -> list[str]:
    """DDL that (re)creates ``event_ref`` in one of its two forms, whatever the migrations made."""
    cols = _REF_COLUMNS.format(pk_type="INTEGER" if backend == "sqlite" else "BIGINT")
    if ref_pk:
        pk = "CONSTRAINT pk_event_ref PRIMARY KEY (kind, key, event_pk)"
        table = f"CREATE TABLE event_ref ({cols}, {pk}, {_REF_FK})"
        ddl = [table + (" WITHOUT ROWID" if backend == "sqlite" else "")]
    else:  # the schema before migration b69b370a719e
        ddl = [
            f"CREATE TABLE event_ref ({cols}, CONSTRAINT pk_event_ref PRIMARY KEY (event_pk, kind, key), "
            f"{_REF_FK})",
            "CREATE INDEX ix_event_ref_kind_key ON event_ref (kind, key)",
        ]
    return ["DROP TABLE event_ref", *ddl]


def variants() -> dict[str, tuple[bool, str | None]]:
    """name -> (event_ref keyed by (kind, key, event_pk), event index dropped)."""
    out: dict[str, tuple[bool, str | None]] = {"old-ref": (False, None), "ref-pk": (True, None)}
    out.update({f"ref-pk -{ix}": (True, ix) for ix in EVENT_INDEXES})
    return out


def _alter(target: databases.Target, ref_pk: bool, drop: str | None) -> None:
    sql = _ref_table(target.backend, ref_pk)
    if drop:
        sql = [*sql, f"DROP INDEX {drop}"]
    if target.backend == "sqlite":
        conn = sqlite3.connect(target.url.removeprefix("sqlite:///"))
        conn.executescript(";\n".join(sql) + ";")
        conn.execute("VACUUM")
        conn.close()
    else:
        with psycopg.connect(target.libpq_url) as conn:
            for s in sql:
                conn.execute(s)


def _sqlite_write(
    path: str, statements: list[tuple[str, list]], pragmas: bool, before: list[tuple[str, list]] = ()
) -> tuple[float, float]:
    conn = sqlite3.connect(path, isolation_level=None)
    if pragmas:
        conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if before:  # written, checkpointed and cached before the clock starts
        conn.execute("BEGIN")
        for sql, rows in before:
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wall, cpu = time.perf_counter(), time.process_time()
    conn.execute("BEGIN")
    for sql, rows in statements:
        conn.executemany(sql, rows)
    conn.execute("COMMIT")
    out = time.perf_counter() - wall, time.process_time() - cpu
    conn.close()
    return out


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _postgres_write(
    url: str, copies: list[tuple[str, list]], merge: str | None = None, before: list[tuple[str, list]] = ()
) -> tuple[float, float]:
    with psycopg.connect(url) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.commit()
        if before:  # written and checkpointed before the clock starts
            with conn.transaction(), conn.cursor() as cur:
                for sql, rows in before:
                    with cur.copy(sql) as copy:
                        for row in rows:
                            copy.write_row(row)
            conn.execute("CHECKPOINT")
            conn.commit()
        wall, cpu, server = time.perf_counter(), time.process_time(), _backend_cpu(pid)
        with conn.transaction(), conn.cursor() as cur:
            for sql, rows in copies:
                if sql.startswith("CREATE"):
                    cur.execute(sql)
                    continue
                with cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            if merge:
                cur.execute(merge)
        out = time.perf_counter() - wall, time.process_time() - cpu + _backend_cpu(pid) - server
    return out


def floor(
    db: str,
    work: Path,
    admin_url: str,
    events: list,
    refs: list,
    ref_pk: bool,
    drop: str | None,
    refs_only: bool = False,
) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to write the store's rows, as bench/ceiling.py's store floor does
    (``refs_only``: the ``event`` rows are written before the clock starts, only ``event_ref`` is timed)."""
    with databases.fresh(db, work, admin_url) as target:
        databases.prepare(target, with_key=False)
        _alter(target, ref_pk, drop)
        if db == "sqlite":
            path = target.url.removeprefix("sqlite:///")
            with sqlite3.connect(path, isolation_level=None) as conn:
                conn.execute(ceiling._BATCH)
            cols = ceiling.EVENT_COLUMNS
            write = [
                (f"INSERT INTO event ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", events),
                ("INSERT INTO event_ref (event_pk, kind, key) VALUES (?, ?, ?)", refs),
            ]
            return _sqlite_write(path, write[refs_only:], pragmas=True, before=write[:refs_only])
        with psycopg.connect(target.libpq_url) as conn:
            conn.execute(ceiling._BATCH.replace("'2022-03-01 00:00:00'", "'2022-03-01 00:00:00+00'"))
        write = [
            (f"COPY event ({', '.join(ceiling.EVENT_COLUMNS)}) FROM STDIN", events),
            ("COPY event_ref (event_pk, kind, key) FROM STDIN", refs),
        ]
        return _postgres_write(target.libpq_url, write[refs_only:], before=write[:refs_only])


def top(db: str, work: Path, admin_url: str, raw: list) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the raw storage ceiling, as bench/ceiling.py writes it."""
    cols = ", ".join(ceiling.COLUMNS)
    with databases.fresh(db, work, admin_url) as target:
        if db == "sqlite":
            path = str(work / f"ceiling-{time.time_ns()}.sqlite3")
            with sqlite3.connect(path, isolation_level=None) as conn:
                conn.execute(
                    ceiling._DDL.format(name="event", pk="INTEGER PRIMARY KEY", ts="DATETIME", js="JSON")
                )
            marks = ", ".join("?" * len(ceiling.COLUMNS))
            return _sqlite_write(
                path,
                [(f"INSERT INTO event ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING", raw)],
                pragmas=False,
            )
        with psycopg.connect(target.libpq_url) as conn:
            conn.execute(
                ceiling._DDL.format(
                    name="event",
                    pk="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                    ts="TIMESTAMPTZ",
                    js="JSONB",
                )
            )
        return _postgres_write(
            target.libpq_url,
            [
                (f"CREATE TEMP TABLE incoming ON COMMIT DROP AS SELECT {cols} FROM event WITH NO DATA", []),
                (f"COPY incoming ({cols}) FROM STDIN", raw),
            ],
            merge=f"INSERT INTO event ({cols}) SELECT {cols} FROM incoming "
            "ON CONFLICT (source, event_id) DO NOTHING",
        )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.schema_variants", description=__doc__)
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--databases", default="sqlite,postgres")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--only", default="", help="comma list of variant names (default: all)")
    p.add_argument("--refs-only", action="store_true", help="time only the event_ref rows")
    p.add_argument("--admin-url", default=ADMIN_URL)
    p.add_argument("--json", type=Path, help="also write the raw timings here")
    args = p.parse_args()
    stream = generate.generate(args.events, seed=2022)
    raw = ceiling.rows(stream.lines)
    events, refs = ceiling.store_rows(stream.lines)
    chosen = {k: v for k, v in variants().items() if not args.only or k in args.only.split(",")}
    print(f"{len(events):,} events, {len(refs):,} refs; variants: {', '.join(chosen)}", flush=True)
    timings: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="kouan-schema-") as tmp:
        work = Path(tmp)
        for db in [d.strip() for d in args.databases.split(",") if d.strip()]:
            t = timings.setdefault(db, {"ceiling": []} | {k: [] for k in chosen})
            for i in range(args.repeat):
                t["ceiling"].append(top(db, work, args.admin_url, raw))
                wall, cpu = t["ceiling"][-1]
                print(
                    f"{db} run {i + 1}: ceiling {len(raw) / wall:,.0f}/s (CPU {len(raw) / cpu:,.0f}/s)",
                    flush=True,
                )
                for name, (ref_pk, drop) in chosen.items():
                    t[name].append(
                        floor(db, work, args.admin_url, events, refs, ref_pk, drop, args.refs_only)
                    )
                    wall, cpu = t[name][-1]
                    print(
                        f"{db} run {i + 1}: {name} {len(events) / wall:,.0f}/s "
                        f"(CPU {len(events) / cpu:,.0f}/s)",
                        flush=True,
                    )
    print(
        f"\n| database | schema | events/s (median of {args.repeat}) | of ceiling | vs old-ref "
        "| events per CPU-s | of ceiling | vs old-ref |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for db, t in timings.items():

        def rate(name: str, which: int, n: int, t: dict = t) -> float:
            return n / statistics.median(x[which] for x in t[name])

        ceil = [rate("ceiling", w, len(raw)) for w in (0, 1)]
        print(f"| {db} | ceiling | {ceil[0]:,.0f} | 100% | | {ceil[1]:,.0f} | 100% | |")
        for name in chosen:
            cells = []
            for w in (0, 1):
                r = rate(name, w, len(events))
                base = rate("old-ref", w, len(events)) if "old-ref" in t else None
                cells += [f"{r:,.0f}", f"{r / ceil[w]:.1%}", f"{r / base - 1:+.1%}" if base else ""]
            print(f"| {db} | {name} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "events": len(events),
                    "refs": len(refs),
                    "ceiling_rows": len(raw),
                    "seconds_wall_cpu": timings,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
