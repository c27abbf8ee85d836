"""Kouan end to end: the real ``kouan events import`` and ``kouan serve`` as subprocesses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.databases import Target

KOUAN = [sys.executable, "-m", "kouan.cli"]
TOTALS = ("received", "stored", "duplicates", "updated", "quarantined")
HOST = "127.0.0.1"  # load only ever goes to this machine


@dataclass
class Run:
    seconds: float
    totals: dict[str, int] = field(default_factory=dict)


def _env(target: Target, data_dir: Path) -> dict[str, str]:
    return dict(os.environ, KOUAN_DATABASE_URL=target.url, KOUAN_DATA_DIR=str(data_dir),
                KOUAN_ENVIRONMENT="development")


def cli_import(target: Target, files: dict[str, list[Path]], data_dir: Path) -> Run:
    """One ``kouan events import`` process per feed, for every file of that feed's source (each file
    is one atomic batch); the time includes each process's start, as an operator would see it."""
    start = time.perf_counter()
    totals = dict.fromkeys(TOTALS, 0)
    for source, paths in files.items():
        # --no-jobs: end to end is up to the follow-up jobs queued (the worker runs them after)
        done = subprocess.run([*KOUAN, "events", "import", *map(str, paths), "--source", source, "--json",
                               "--no-jobs"],
                              env=_env(target, data_dir), capture_output=True, text=True, timeout=1800)
        # exit 3: stored, with some lines quarantined (the bench's bad lines); anything else failed
        if done.returncode not in (0, 3):
            raise RuntimeError(f"kouan events import failed: {done.stderr[-2000:]}")
        summary = json.loads(done.stdout)
        for k in TOTALS:
            totals[k] += summary[k]
    return Run(time.perf_counter() - start, totals)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_ready(base: str, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kouan serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("kouan serve did not become ready")


def _post_all(base: str, batches: list[tuple[str, bytes]], clients: int) -> dict[str, int]:
    """POST each ``(api key, body)``, ``clients`` at a time."""
    totals = dict.fromkeys(TOTALS, 0)
    with httpx.Client(base_url=base, headers={"Content-Type": "application/x-ndjson"}, timeout=600) as client:
        def post(batch: tuple[str, bytes]) -> dict:
            key, body = batch
            r = client.post("/api/v1/events", content=body, headers={"Authorization": f"Bearer {key}"})
            if r.status_code != 200:
                raise RuntimeError(f"POST /api/v1/events answered {r.status_code}: {r.text[:500]}")
            return r.json()

        with ThreadPoolExecutor(max_workers=clients) as pool:
            for summary in pool.map(post, batches):
                for k in TOTALS:
                    totals[k] += summary[k]
    return totals


def http_batches(target: Target, batches: list[tuple[str, bytes]], data_dir: Path, *,
                 clients: int = 2, workers: int = 1) -> Run:
    """``kouan serve`` on a free localhost port; ``clients`` threads POST the JSON Lines batches,
    each ``(source, body)`` with its source's key, to ``workers`` server processes. The clock runs
    from the first request to the last answer."""
    port = _free_port()
    base = f"http://{HOST}:{port}"
    log = (data_dir / "serve.log").open("wb")
    # no in-process worker: end to end is up to the jobs queued, the refresh is measured apart
    proc = subprocess.Popen([*KOUAN, "serve", "--host", HOST, "--port", str(port), "--no-job-worker",
                             "--workers", str(workers)],
                            env=_env(target, data_dir), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(base, proc, time.monotonic() + 60)
        keyed = [(target.api_keys[source], body) for source, body in batches]
        start = time.perf_counter()
        totals = _post_all(base, keyed, clients)
        return Run(time.perf_counter() - start, totals)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
