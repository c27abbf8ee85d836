"""``python -m bench``: Kouan's end-to-end ingestion next to the raw storage ceiling, same run.

For each database: the ceiling (SQLite executemany / PostgreSQL COPY + merge), the store floor (the
event store's own rows written the same plain way: see bench/ceiling.py), then the real
``kouan events import`` on a fresh database, then ``kouan serve`` fed HTTP batches by two clients.
Each end-to-end figure is also given as a ratio of the store floor of the same run (events per
second against the floor's). Prints a Markdown table and writes bench/results/ingest-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import ceiling, databases, generate, runs

RESULTS = Path(__file__).parent / "results"
ADMIN_URL = os.environ.get("KOUAN_BENCH_POSTGRES_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--events", type=int, default=200_000, help="lines generated (default 200,000)")
    p.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres (default both)")
    p.add_argument("--runs", default="cli,http", help="cli,http (default both)")
    p.add_argument("--file-events", type=int, default=50_000, help="lines per CLI file (50,000)")
    p.add_argument("--batch-events", type=int, default=5_000, help="lines per HTTP batch (5,000)")
    p.add_argument("--clients", type=int, default=2, help="concurrent HTTP clients (2)")
    p.add_argument("--server-workers", default="1,2",
                   help="comma list of `kouan serve --workers` counts, each its own HTTP run (1,2)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL URL allowed to create databases")
    p.add_argument("--out", type=Path, default=RESULTS)
    return p.parse_args()


def _row(db: str, what: str, n: int, seconds: float, ceiling_rate: float | None, extra: dict,
         floor_rate: float | None = None) -> dict:
    rate = n / seconds
    return {"database": db, "measurement": what, "events": n, "seconds": round(seconds, 3),
            "events_per_s": round(rate), "ratio_to_ceiling": round(rate / ceiling_rate, 3)
            if ceiling_rate else None,
            "ratio_to_floor": round(rate / floor_rate, 3) if floor_rate else None, **extra}


def _store_copy(target: databases.Target) -> tuple[list, int]:
    """What an end-to-end run stored (every STORE_TABLES row, read in Kouan's order) and how many rows."""
    if target.backend == "sqlite":
        tables = ceiling.sqlite_rows_of(target.url.removeprefix("sqlite:///"))
        return tables, sum(len(rows) for _t, _c, rows in tables)
    tables = ceiling.postgres_rows_of(target.libpq_url)
    return tables, sum(n for *_x, n in tables)


def _full_floor(db: str, tables: list, work: Path, admin_url: str) -> float:
    """Seconds to write ``tables`` plainly into a freshly migrated database (the same organisations)."""
    with databases.fresh(db, work, admin_url) as target:
        databases.prepare(target, with_key=False)
        if db == "sqlite":
            return ceiling.sqlite_full_floor(target.url.removeprefix("sqlite:///"), tables)
        return ceiling.postgres_full_floor(target.libpq_url, tables)


def _measure(db: str, args: argparse.Namespace, stream: generate.Stream, work: Path) -> list[dict]:
    n = len(stream.lines)
    raw = ceiling.rows(stream.lines)
    with databases.fresh(db, work, args.admin_url) as target:
        secs = (ceiling.sqlite_ceiling(work / f"ceiling-{time.time_ns()}.sqlite3", raw) if db == "sqlite"
                else ceiling.postgres_ceiling(target.libpq_url, raw))
    top = len(raw) / secs
    out = [_row(db, "ceiling: " + ("executemany" if db == "sqlite" else "COPY + merge"), len(raw),
                secs, top, {})]
    events, refs = ceiling.store_rows(stream.lines)
    with databases.fresh(db, work, args.admin_url) as target:
        databases.prepare(target, with_key=False)
        secs = (ceiling.sqlite_store_floor(target.url.removeprefix("sqlite:///"), events, refs)
                if db == "sqlite" else ceiling.postgres_store_floor(target.libpq_url, events, refs))
    event_floor = _row(db, f"event + event_ref rows only ({len(refs):,} refs)", len(events), secs, top, {})
    ends: list[tuple[str, runs.Run]] = []
    stored: tuple[list, int] | None = None
    if "cli" in args.runs:
        files = {source: generate.write_files(lines, work / "files" / source, args.file_events)
                 for source, lines in databases.by_feed(stream.lines).items()}
        with databases.fresh(db, work, args.admin_url) as target:
            databases.prepare(target, with_key=False)
            run = runs.cli_import(target, files, work)
            stored = _store_copy(target)
        n_files = sum(len(f) for f in files.values())
        ends.append((f"kouan events import ({n_files} files of {len(files)} feeds)", run))
    if "http" in args.runs:
        batches = [(source, body) for source, lines in databases.by_feed(stream.lines).items()
                   for body in generate.split(lines, args.batch_events)]
        for workers in [int(w) for w in args.server_workers.split(",") if w.strip()]:
            with databases.fresh(db, work, args.admin_url) as target:
                databases.prepare(target, with_key=True)
                run = runs.http_batches(target, batches, work, clients=args.clients, workers=workers)
                if stored is None:
                    stored = _store_copy(target)
            procs = f"{workers} server process{'es' if workers > 1 else ''}"
            ends.append((f"HTTP POST /api/v1/events ({len(batches)} × {args.batch_events:,}, "
                         f"{args.clients} clients, {procs})", run))
    floor = None
    if stored is not None:
        # The store floor: every row the end-to-end run stored, written plainly into a fresh store.
        tables, n_rows = stored
        secs = _full_floor(db, tables, work, args.admin_url)
        floor = len(events) / secs
        out.append(_row(db, f"store floor: every row Kouan stored ({n_rows:,} rows in {len(tables)} tables)",
                        len(events), secs, top, {"rows": n_rows}, floor))
    event_floor["ratio_to_floor"] = round(event_floor["events_per_s"] / floor, 3) if floor else None
    out.append(event_floor)
    out += [_row(db, what, n, run.seconds, top, run.totals, floor) for what, run in ends]
    return out


def table(rows: list[dict]) -> str:
    lines = ["| database | measurement | events | s | events/s | of ceiling | of store floor |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        ratio = f"{r['ratio_to_ceiling']:.0%}" if r["ratio_to_ceiling"] is not None else ""
        floor = f"{r['ratio_to_floor']:.0%}" if r.get("ratio_to_floor") is not None else ""
        lines.append(f"| {r['database']} | {r['measurement']} | {r['events']:,} | {r['seconds']:.1f} "
                     f"| {r['events_per_s']:,} | {ratio} | {floor} |")
    return "\n".join(lines)


def main() -> None:
    args = _args()
    started = datetime.now(UTC)
    stream = generate.generate(args.events, seed=args.seed)
    print(f"generated {len(stream.lines):,} lines: {stream.unique_events:,} events of "
          f"{stream.consignments:,} consignments on {stream.calls} vessel calls, "
          f"{stream.duplicates:,} re-sent, {stream.versions:,} newer versions, {stream.bad:,} bad lines",
          flush=True)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="kouan-bench-") as tmp:
        for db in [d.strip() for d in args.databases.split(",") if d.strip()]:
            rows.extend(_measure(db, args, stream, Path(tmp)))
            print(table([r for r in rows if r['database'] == db]), flush=True)
    print("\n" + table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"ingest-{started:%Y-%m-%d}.json"
    out.write_text(json.dumps({
        "started": started.isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "data": {"lines": len(stream.lines), "unique_events": stream.unique_events,
                 "consignments": stream.consignments, "vessel_calls": stream.calls,
                 "duplicates": stream.duplicates, "newer_versions": stream.versions,
                 "bad_lines": stream.bad, "seed": args.seed},
        "results": rows}, indent=2, ensure_ascii=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
