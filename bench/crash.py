"""``python -m bench.crash --rounds 50``: crash rounds (issue #12). Each round starts a real
``kouan serve`` (its job worker thread on) or a ``kouan events import``, sends batches and kills the
process with SIGKILL at a random moment; the partners then re-send every batch they are unsure of
(and some they are sure of). At the end a ``kouan worker --once`` runs what is left, and the store
is checked:

- exactly the sent batches, each whole: after a kill every batch's events are all there or none
  (nothing half), and after the re-sends each event is stored once (nothing doubled);
- every post-commit job done, once: one ``batch.committed`` job per batch that stored events, one
  child per handler, no job left queued, running or failed; every round's advance declaration
  released by exactly one ``CUSTOMS_RELEASED`` event (its arrival batch's job ran once);
- no dirty consignment left (the refresh jobs caught up).

Setup uses the test suite's factories (organisations, keys, accepted advance declarations).
``--database-url postgresql+psycopg://...`` runs on an existing empty PostgreSQL database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

from kouan.bootstrap import build
from kouan.config import Settings
from kouan.db import migrate
from kouan.events.models import Event
from kouan.jobs.models import Job
from kouan.kit.ids import iso6346_check_digit

LEASE_SECONDS = 3


@dataclass
class Summary:
    rounds: int = 0
    server_rounds: int = 0
    cli_rounds: int = 0
    batches_sent: int = 0
    acknowledged: int = 0
    unacknowledged: int = 0
    resent: int = 0
    jobs_run: int = 0
    jobs_retaken: int = 0  # claimed again after their worker was killed (lease expired)
    released: int = 0
    anomalies: list[str] = field(default_factory=list)


def container(n: int, owner: str = "KOUU") -> str:
    owner_serial = f"{owner}{n % 1_000_000:06d}"
    return owner_serial + str(iso6346_check_digit(owner_serial) % 10)


def batch_body(r: int, b: int, n_events: int) -> bytes:
    """Round r's batch b: ``n_events`` discharges, and in batch 0 the arrival of round r's call."""
    lines = []
    if b == 0:
        lines.append({"event_id": f"arri-{r}", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                      "occurred_at": "2026-11-30T08:00:00+08:00", "refs": {"transport_call": call(r)}})
    for i in range(n_events):
        lines.append({"event_id": f"r{r}-b{b}-e{i}", "milestone": "DISCHARGED", "port": "CNDAL",
                      "occurred_at": f"2026-11-30T{8 + i % 10:02d}:{i % 60:02d}:00+08:00",
                      "refs": {"transport_call": call(r), "container": container(r * 10_000 + b * 1000 + i)}})
    return ("\n".join(json.dumps(x) for x in lines) + "\n").encode()


def call(r: int) -> str:
    return f"9321483/C{r}/CNDAL"


def prefix_of(r: int, b: int) -> str:
    return f"r{r}-b{b}-e"


def env_for(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    root = Path(__file__).resolve().parents[1]
    return dict(os.environ, KOUAN_DATABASE_URL=url, KOUAN_DATA_DIR=str(data_dir), KOUAN_ENVIRONMENT="test",
                KOUAN_SECRET_KEY="bench-secret-key-not-for-production", KOUAN_JOBS_POLL_SECONDS="0.1",
                KOUAN_JOBS_LEASE_SECONDS=str(LEASE_SECONDS), KOUAN_JOBS_BACKOFF_SECONDS="0.5",
                PYTHONPATH=os.pathsep.join([str(root / "src"), str(root), os.environ.get("PYTHONPATH", "")]),
                **extra)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "kouan.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kouan serve did not start")


def event_counts(kouan, prefixes: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return {p: int(s.scalar(select(func.count()).select_from(Event).where(
            Event.source == "DCT", Event.event_id.like(p + "%"))) or 0) for p in prefixes}


def setup(url: str, data_dir: Path, rounds: int):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient
    from tests.declarations.test_arrival_match import advance
    from tests.factories import build_world, run_jobs

    from kouan.web.app import create_app

    settings = Settings(database_url=url, data_dir=data_dir, secret_key="bench-secret-key-not-for-production",
                        environment="test", argon2_time_cost=1, argon2_memory_kib=1024,
                        worker_in_process=False)
    kouan = build(settings)
    migrate.upgrade(kouan.engine)
    world = build_world(kouan)
    numbers = []
    with TestClient(create_app(settings, kouan)) as client:
        for r in range(rounds):
            numbers.append(advance(client, world, call(r), f"BLC{r}", container(r, owner="DECU")))
            client.cookies.clear()
    run_jobs(kouan)
    return kouan, world, numbers


def server_round(kouan, world, url_env, r: int, rng: random.Random, n_batches: int, n_events: int,  # type: ignore[no-untyped-def]
                 out: Summary) -> None:
    port = free_port()
    proc = start_server(url_env, port)
    headers = {"Authorization": f"Bearer {world.terminal.key}", "Content-Type": "application/x-ndjson"}
    acked: set[int] = set()

    def send() -> None:
        for b in range(n_batches):
            try:
                resp = httpx.post(f"http://127.0.0.1:{port}/api/v1/events",
                                  content=batch_body(r, b, n_events), headers=headers, timeout=60)
            except httpx.HTTPError:
                return
            if resp.status_code == 200:
                acked.add(b)

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(rng.uniform(0.05, 2.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    sender.join(90)
    check_atomic(kouan, r, n_batches, n_events, acked, out)
    # The partners re-send what was not acknowledged (and, unsure, one batch that was) to a restarted
    # server whose worker also picks up the jobs the killed one left.
    resend = sorted(set(range(n_batches)) - acked) + ([rng.choice(sorted(acked))] if acked else [])
    proc = start_server(url_env, port)
    try:
        for b in resend:
            resp = httpx.post(f"http://127.0.0.1:{port}/api/v1/events", content=batch_body(r, b, n_events),
                              headers=headers, timeout=60)
            if resp.status_code != 200:
                out.anomalies.append(f"round {r}: re-send of batch {b} answered {resp.status_code}")
        out.resent += len(resend)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    out.server_rounds += 1


def cli_round(kouan, world, env, r: int, rng: random.Random, n_batches: int, n_events: int, workdir: Path,  # type: ignore[no-untyped-def]
              out: Summary) -> None:
    acked: set[int] = set()
    killed_in: int | None = None
    kill_at = rng.randrange(n_batches)
    for b in range(n_batches):
        path = workdir / f"r{r}-b{b}.jsonl"
        path.write_bytes(batch_body(r, b, n_events))
        cmd = [sys.executable, "-m", "kouan.cli", "events", "import", "--source", "DCT", "--json", str(path)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if b == kill_at:
            time.sleep(rng.uniform(0.2, 3.0))
            proc.send_signal(signal.SIGKILL)
            killed_in = b
        stdout, _ = proc.communicate(timeout=120)
        if proc.returncode == 0 and stdout.strip():
            acked.add(b)
    check_atomic(kouan, r, n_batches, n_events, acked, out)
    resend = sorted(set(range(n_batches)) - acked)
    for b in resend:
        path = workdir / f"r{r}-b{b}.jsonl"
        cmd = [sys.executable, "-m", "kouan.cli", "events", "import", "--source", "DCT", "--json", str(path)]
        done = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
        if done.returncode != 0:
            out.anomalies.append(f"round {r}: re-import of batch {b} failed")
    out.resent += len(resend)
    out.cli_rounds += 1
    del killed_in


def check_atomic(kouan, r: int, n_batches: int, n_events: int, acked: set[int], out: Summary) -> None:  # type: ignore[no-untyped-def]
    counts = event_counts(kouan, [prefix_of(r, b) for b in range(n_batches)])
    out.batches_sent += n_batches
    out.acknowledged += len(acked)
    out.unacknowledged += n_batches - len(acked)
    for b in range(n_batches):
        n = counts[prefix_of(r, b)]
        if n not in (0, n_events):
            out.anomalies.append(f"round {r} batch {b}: {n} of {n_events} events stored (half a batch)")
        if b in acked and n != n_events:
            out.anomalies.append(f"round {r} batch {b}: acknowledged but {n} of {n_events} events stored")


def final_checks(kouan, env, rounds: int, n_batches: int, n_events: int, numbers: list[str],  # type: ignore[no-untyped-def]
                 out: Summary) -> None:
    time.sleep(LEASE_SECONDS + 0.5)  # jobs a killed worker held are due again
    subprocess.run([sys.executable, "-m", "kouan.cli", "worker", "--once"], env=env, check=True,
                   capture_output=True, timeout=600)
    counts = event_counts(kouan, [prefix_of(r, b) for r in range(rounds) for b in range(n_batches)])
    for p, n in counts.items():
        if n != n_events:
            out.anomalies.append(f"{p}*: {n} of {n_events} events after the re-sends")
    from kouan.declarations.models import DeclarationRecord

    with kouan.sessions() as s:
        jobs = s.scalars(select(Job)).all()
        stored_batches = set(s.scalars(text("SELECT id FROM ingest_batch WHERE stored > 0 OR updated > 0")))
        dirty = s.scalar(text("SELECT count(*) FROM dirty_consignment"))
        releases = dict(s.execute(text(
            "SELECT r.key, count(*) FROM event e JOIN event_ref r ON r.event_pk = e.id "
            "WHERE e.source = 'kouan' AND e.milestone = 'CUSTOMS_RELEASED' AND r.kind = 'declaration' "
            "GROUP BY r.key")).all())
        statuses = dict(s.execute(select(DeclarationRecord.number, DeclarationRecord.status)).all())
    messages = {j.payload["batch_id"] for j in jobs if j.kind == "batch.committed" and j.handler is None}
    if messages != stored_batches:
        out.anomalies.append(f"batches without a job: {sorted(stored_batches - messages)[:10]}, "
                             f"jobs without a batch: {sorted(messages - stored_batches)[:10]}")
    children: dict[int, int] = {}
    for j in jobs:
        if j.handler is not None:
            children[j.payload["batch_id"]] = children.get(j.payload["batch_id"], 0) + 1
    for b in stored_batches:
        if children.get(b) != 2:
            out.anomalies.append(f"batch {b}: {children.get(b, 0)} handler jobs, not 2")
    for j in jobs:
        if j.status != "done":
            out.anomalies.append(f"job {j.id} {j.handler or j.kind} is {j.status}: {j.last_error}")
    out.jobs_run = sum(j.status == "done" for j in jobs)
    out.jobs_retaken = sum(j.attempts > 1 for j in jobs)
    if dirty:
        out.anomalies.append(f"{dirty} consignments still dirty")
    for number in numbers:
        if statuses.get(number) != "released" or releases.get(number) != 1:
            out.anomalies.append(f"declaration {number}: {statuses.get(number)}, "
                                 f"{releases.get(number, 0)} release events")
    out.released = sum(1 for n in numbers if statuses.get(n) == "released")


def run(rounds: int, *, database_url: str | None = None, seed: int = 13, batches: int = 4,
        events: int = 300, workdir: Path | None = None) -> Summary:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="kouan-crash-"))
    url = database_url or f"sqlite:///{workdir / 'crash.sqlite3'}"
    rng = random.Random(seed)
    kouan, world, numbers = setup(url, workdir, rounds)
    out = Summary(rounds=rounds)
    env = env_for(url, workdir)
    try:
        for r in range(rounds):
            if r % 3 == 2:
                cli_round(kouan, world, env, r, rng, batches, events, workdir, out)
            else:
                server_round(kouan, world, env, r, rng, batches, events, out)
        final_checks(kouan, env, rounds, batches, events, numbers, out)
    finally:
        kouan.dispose()
    return out


def print_summary(out: Summary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crash rounds (SIGKILL at a random moment)")
    for col in ("rounds", "server / CLI", "batches sent", "acknowledged", "unacknowledged", "re-sent",
                "jobs run", "jobs retaken", "declarations released", "anomalies"):
        table.add_column(col, justify="right")
    table.add_row(str(out.rounds), f"{out.server_rounds} / {out.cli_rounds}", str(out.batches_sent),
                  str(out.acknowledged), str(out.unacknowledged), str(out.resent), str(out.jobs_run),
                  str(out.jobs_retaken), f"{out.released} of {out.rounds}", str(len(out.anomalies)))
    Console().print(table)
    for a in out.anomalies[:50]:
        print("anomaly:", a)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.crash")
    p.add_argument("--rounds", type=int, default=50)
    p.add_argument("--batches", type=int, default=4, help="batches per round")
    p.add_argument("--events", type=int, default=300, help="events per batch")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--database-url", default=None, help="an empty database (default: a new SQLite file)")
    args = p.parse_args()
    started = time.monotonic()
    out = run(args.rounds, database_url=args.database_url, seed=args.seed, batches=args.batches,
              events=args.events)
    print_summary(out)
    print(f"{time.monotonic() - started:.0f} s")
    sys.exit(1 if out.anomalies else 0)


if __name__ == "__main__":
    main()
