"""``python -m bench.load``: sustained HTTP load on ``kouan serve`` over loopback (127.0.0.1 only).

Per database: a freshly migrated store, ``kouan serve --workers N`` (SQLite: one worker, its single
writer), then at the same time
- ingestion: ``--clients`` threads POST the ingestion benchmark's seeded JSON Lines (bench.generate)
  in batches of ``--batch-events`` to /api/v1/events as the terminal DCT;
- lodging: ``--lodgers`` brokers' keys each create and lodge declarations (POST /api/v1/declarations,
  then the ``lodge`` action) until ingestion ends or they have lodged ``--declarations`` each.
Bounded in count (``--events``, ``--declarations``) and time (``--max-seconds``: every client stops
sending then). Reports events/s, p50/p99 batch latency, declarations/s and their p50/p99, answers
other than 2xx (5xx must be 0) and the ingest accounting (received = stored + duplicates + updated +
quarantined). Prints a Markdown table and writes bench/results/load-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from stdnum.cn import uscc

from bench import databases, generate, runs
from bench.databases import Target
from kouan.db.session import make_engine, make_session_factory, transaction
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system

RESULTS = Path(__file__).parent / "results"
ADMIN_URL = os.environ.get("KOUAN_BENCH_POSTGRES_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    p.add_argument("--databases", default="postgres,sqlite", help="postgres,sqlite (default both)")
    p.add_argument("--workers", type=int, default=2, help="kouan serve workers on PostgreSQL (2)")
    p.add_argument("--events", type=int, default=40_000, help="lines sent in all (40,000)")
    p.add_argument("--batch-events", type=int, default=500, help="lines per batch (500)")
    p.add_argument("--clients", type=int, default=4, help="concurrent ingesting clients (4)")
    p.add_argument("--lodgers", type=int, default=3, help="concurrent declaring clients (3)")
    p.add_argument("--declarations", type=int, default=40, help="declarations per lodger, at most (40)")
    p.add_argument("--max-seconds", type=float, default=180, help="every client stops then (180)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL URL allowed to create databases")
    p.add_argument("--out", type=Path, default=RESULTS)
    return p.parse_args()


@dataclass
class Tally:
    """Latencies (s) of the calls that answered 2xx, and every other answer by status."""

    latencies: list[float] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(runs.TOTALS, 0))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, status: int, summary: dict | None = None) -> None:
        with self.lock:
            if 200 <= status < 300:
                self.latencies.append(seconds)
                for k in runs.TOTALS if summary else ():
                    self.totals[k] += summary[k]  # type: ignore[index]
            else:
                self.refused[status] = self.refused.get(status, 0) + 1


def _brokers(target: Target, n: int) -> list[str]:
    """``n`` customs brokers, each with a key allowed to lodge declarations."""
    engine = make_engine(target.url)
    keys, actor = [], system("bench")
    try:
        with transaction(make_session_factory(engine), actor=actor) as session:
            for i in range(n):
                body = f"91210200{900 + i:09d}"  # clear of the terminal DCT's USCC
                fields = partners_service.OrgFields(code=f"BRK{i + 1}", name=f"报关行 {i + 1} (bench)",
                                                    kind="broker", uscc=body + uscc.calc_check_digit(body))
                org = partners_service.create_org(session, actor=actor, now=utcnow(), fields=fields)
                keys.append(partners_service.create_api_key(
                    session, actor=actor, org_id=org.id, name="bench lodging", now=utcnow(),
                    scopes=["declarations:write", "read"]).secret)
    finally:
        engine.dispose()
    return keys


def _draft(i: int, consignee: str) -> dict:
    item = {"hs_code": "8471300000", "description": "便携式计算机 laptops", "quantity": str(10 + i % 90),
            "unit": "PCE", "value": f"{1000 + i * 7}.50", "currency": "CNY", "origin": "JP"}
    return {"direction": "I", "consignee_uscc": consignee, "consignee_name": f"收货人 {i}", "port": "CNDAL",
            "items": [item]}


def _ingest(client: httpx.Client, batches: list[bytes], tally: Tally, deadline: float) -> None:
    for body in batches:
        if time.monotonic() > deadline:
            return
        start = time.perf_counter()
        r = client.post("/api/v1/events", content=body)
        tally.record(time.perf_counter() - start, r.status_code, r.json() if r.status_code == 200 else None)


def _lodge(client: httpx.Client, n: int, consignee: str, tally: Tally, until: Callable[[], bool]) -> None:
    for i in range(n):
        if until():
            return
        start = time.perf_counter()
        r = client.post("/api/v1/declarations", json=_draft(i, consignee))
        if r.status_code == 201:
            r = client.post(f"/api/v1/declarations/{r.json()['number']}/actions/lodge")
        tally.record(time.perf_counter() - start, r.status_code)


def _serve(target: Target, workers: int, work: Path) -> tuple[subprocess.Popen, str, object]:
    port = runs._free_port()
    base = f"http://{runs.HOST}:{port}"
    log = (work / f"serve-{target.backend}.log").open("wb")
    proc = subprocess.Popen([*runs.KOUAN, "serve", "--host", runs.HOST, "--port", str(port),
                             "--workers", str(workers)], env=runs._env(target, work), stdout=log,
                            stderr=subprocess.STDOUT)
    runs._wait_ready(base, proc, time.monotonic() + 90)
    return proc, base, log


def _stop(proc: subprocess.Popen, log) -> None:  # type: ignore[no-untyped-def]
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _row(db: str, workers: int, what: str, tally: Tally, count: int, seconds: float, **extra) -> dict:
    p50, p99 = _pct(tally.latencies, 0.50), _pct(tally.latencies, 0.99)
    return {"database": db, "workers": workers, "measurement": what, "count": count,
            "seconds": round(seconds, 2),
            "per_s": round(count / seconds, 1) if seconds else None, "calls": len(tally.latencies),
            "p50_ms": round(p50 * 1000) if p50 is not None else None,
            "p99_ms": round(p99 * 1000) if p99 is not None else None,
            "non_2xx": dict(sorted(tally.refused.items())), **extra}


def measure(db: str, args: argparse.Namespace, batches: list[bytes], work: Path) -> list[dict]:
    workers = args.workers if db == "postgres" else 1  # SQLite: one writer, so one worker
    with databases.fresh(db, work, args.admin_url) as target:
        databases.prepare(target, with_key=True)
        lodgers = _brokers(target, args.lodgers)
        proc, base, log = _serve(target, workers, work)
        ingest, lodging = Tally(), Tally()
        done = threading.Event()
        deadline = time.monotonic() + args.max_seconds
        consignee = databases.USCC
        try:
            feed = httpx.Client(base_url=base, timeout=300, headers={
                "Authorization": f"Bearer {target.api_key}", "Content-Type": "application/x-ndjson"})
            brokers = [httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {k}"})
                       for k in lodgers]
            shares = [batches[i::args.clients] for i in range(args.clients)]
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients + args.lodgers) as pool:
                lodged = [pool.submit(_lodge, b, args.declarations, consignee, lodging,
                                      lambda: done.is_set() or time.monotonic() > deadline) for b in brokers]
                fed = [pool.submit(_ingest, feed, share, ingest, deadline) for share in shares]
                for f in fed:
                    f.result()
                ingest_s = time.perf_counter() - start
                done.set()
                for f in lodged:
                    f.result()
                lodge_s = time.perf_counter() - start
            for c in (feed, *brokers):
                c.close()
        finally:
            _stop(proc, log)
    t = ingest.totals
    exact = t["received"] == t["stored"] + t["duplicates"] + t["updated"] + t["quarantined"]
    sent = sum(b.count(b"\n") for b in batches)
    return [
        _row(db, workers, f"POST /api/v1/events ({args.clients} clients × batches of {args.batch_events:,})",
             ingest, t["received"], ingest_s, lines_sent=sent, totals=t, accounting_exact=exact),
        _row(db, workers, f"declarations created + lodged ({args.lodgers} clients, meanwhile)",
             lodging, len(lodging.latencies), lodge_s),
    ]


def table(rows: list[dict]) -> str:
    lines = ["| database | workers | measurement | count | s | per s | p50 ms | p99 ms | not 2xx |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        refused = ", ".join(f"{k}: {v}" for k, v in r["non_2xx"].items()) or "0"
        lines.append(f"| {r['database']} | {r['workers']} | {r['measurement']} | {r['count']:,} "
                     f"| {r['seconds']:.1f} | {r['per_s']:,} | {r['p50_ms']} | {r['p99_ms']} | {refused} |")
    return "\n".join(lines)


def main() -> None:
    args = _args()
    started = datetime.now(UTC)
    stream = generate.generate(args.events, seed=args.seed)
    batches = generate.split(stream.lines, args.batch_events)
    print(f"{len(stream.lines):,} lines in {len(batches)} batches; {args.clients} ingesting and "
          f"{args.lodgers} lodging clients; at most {args.max_seconds:.0f} s per database", flush=True)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="kouan-load-") as tmp:
        for db in [d.strip() for d in args.databases.split(",") if d.strip()]:
            rows.extend(measure(db, args, batches, Path(tmp)))
            print(table(rows[-2:]), flush=True)
    print("\n" + table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"load-{started:%Y-%m-%d}.json"
    out.write_text(json.dumps({
        "started": started.isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg": os.getloadavg()},
        "args": {k: str(v) for k, v in vars(args).items() if k != "admin_url"},
        "results": rows}, indent=2, ensure_ascii=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
