"""Crash rounds (issue #12, #13): a real `kouan serve` killed with SIGKILL after a batch committed and
before its jobs ran; after a restart the jobs run, once, and the advance declaration is released."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.conftest import BACKENDS, _postgres_database, make_settings
from tests.declarations.test_arrival_match import NOW, advance
from tests.events.helpers import jsonl
from tests.factories import bearer, build_world, run_jobs

from kouan.bootstrap import build
from kouan.db import migrate
from kouan.events.models import Event
from kouan.jobs.models import Job

pytestmark = pytest.mark.crash
CALL = "9321483/K1/CNDAL"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return dict(os.environ, KOUAN_DATABASE_URL=url, KOUAN_DATA_DIR=str(data_dir), KOUAN_ENVIRONMENT="test",
                KOUAN_SECRET_KEY="test-secret-key-not-for-production", KOUAN_JOBS_POLL_SECONDS="0.2",
                PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]), **extra)


@contextmanager
def serving(env: dict[str, str], port: int):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-m", "kouan.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    else:
        yield from _postgres_database(f"kouan_crash_{os.getpid()}_{int(time.time() * 1000) % 10**8}")


def arrival() -> bytes:
    return jsonl({"event_id": "arri-k1", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                  "occurred_at": NOW.isoformat(), "refs": {"transport_call": CALL}})


def test_jobs_of_a_batch_acknowledged_before_a_sigkill_run_once_after_the_restart(store, tmp_path):
    from fastapi.testclient import TestClient

    from kouan.web.app import create_app

    kouan = build(make_settings(store, tmp_path))
    migrate.upgrade(kouan.engine)
    world = build_world(kouan)
    with TestClient(create_app(kouan.settings, kouan)) as client:
        number = advance(client, world, CALL, "BLK1", "CSQU3054383")
    run_jobs(kouan)  # the set-up's own batches
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/events"
    headers = {**bearer(world.terminal.key), "Content-Type": "application/x-ndjson"}

    # 1. The batch is acknowledged (committed), then the server dies before any job of it runs:
    #    deterministic, its worker thread is off.
    with serving(server_env(store, tmp_path, KOUAN_WORKER_IN_PROCESS="false"), port) as proc:
        r = httpx.post(url, content=arrival(), headers=headers, timeout=30)
        assert r.status_code == 200 and r.json()["stored"] == 1
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    with kouan.sessions() as s:
        status = s.scalar(select(Job.status).where(Job.dedupe_key == f"batch.committed:{r.json()['batch_id']}"))
    assert status == "queued"
    assert _status(kouan, number) == "accepted"

    # 2. Restarted with its worker: the jobs run, once, and the declaration is released.
    with serving(server_env(store, tmp_path), port):
        deadline = time.monotonic() + 60
        while _status(kouan, number) != "released" or _waiting(kouan):
            assert time.monotonic() < deadline, "the jobs did not run after the restart"
            time.sleep(0.3)
        # 3. The partner, unsure, re-sends the batch: nothing changes.
        again = httpx.post(url, content=arrival(), headers=headers, timeout=30).json()
        assert (again["stored"], again["duplicates"]) == (0, 1)
        time.sleep(1)
    with kouan.sessions() as s:
        jobs = s.scalars(select(Job)).all()
        releases = s.scalar(select(func.count()).select_from(Event).where(
            Event.source == "kouan", Event.milestone == "CUSTOMS_RELEASED"))
    assert {j.status for j in jobs} == {"done"} and all(j.attempts == 1 for j in jobs)
    batch = r.json()["batch_id"]
    assert sum(j.payload == {"batch_id": batch} for j in jobs) == 3  # the message and its two handlers
    assert releases == 1 and _status(kouan, number) == "released"
    kouan.dispose()


def _status(kouan, number: str) -> str:  # type: ignore[no-untyped-def]
    from kouan.declarations.models import DeclarationRecord

    with kouan.sessions() as s:
        return s.scalar(select(DeclarationRecord.status).where(DeclarationRecord.number == number))


def _waiting(kouan) -> int:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return s.scalar(select(func.count()).select_from(Job).where(Job.status != "done"))


def test_one_bounded_crash_round_of_the_bench(tmp_path):
    """CI's crash round: a server round and a CLI importer round of ``bench.crash`` (the long run is
    ``python -m bench.crash --rounds 50``): nothing half, nothing doubled, every job done once."""
    from bench import crash

    out = crash.run(3, batches=2, events=50, workdir=tmp_path, seed=7)
    assert out.anomalies == []
    assert (out.server_rounds, out.cli_rounds, out.released) == (2, 1, 3)
    assert out.jobs_run > 0
