"""`kouan events import` in real processes: summaries, atomic batches, a crash mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from tests.events.helpers import ev, jsonl, shipment

from kouan.events.models import Event, IngestBatch, QuarantinedMessage

KOUAN = [sys.executable, "-m", "kouan.cli"]


@pytest.fixture
def env(kouan, tmp_path, world):
    return dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
                KOUAN_DATA_DIR=str(tmp_path))


def counts(kouan) -> tuple[int, int, int]:
    with kouan.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Event, IngestBatch, QuarantinedMessage))


def test_import_prints_the_summary_as_json_and_exits_3_when_a_part_was_quarantined(env, kouan, tmp_path):
    f = tmp_path / "feed.jsonl"
    f.write_bytes(jsonl(*shipment(), "{bad line"))
    r = subprocess.run([*KOUAN, "events", "import", str(f), "--source", "DCT", "--json"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    summary = json.loads(r.stdout)
    assert {k: summary[k] for k in ("received", "stored", "duplicates", "updated", "quarantined")} == \
        {"received": 9, "stored": 8, "duplicates": 0, "updated": 0, "quarantined": 1}
    assert summary["errors"][0]["where"] == "line 9"
    again = json.loads(subprocess.run([*KOUAN, "events", "import", str(f), "--source", "DCT", "--json"],
                                      env=env, capture_output=True, text=True, timeout=120).stdout)
    assert (again["stored"], again["duplicates"]) == (0, 8)
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(*shipment()))
    table = subprocess.run([*KOUAN, "events", "import", str(good), "--source", "DCT"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr  # nothing quarantined (all duplicates): 0
    again = subprocess.run([*KOUAN, "events", "import", str(f), "--source", "DCT"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 3 and "quarantine list" in again.stderr


def test_import_refuses_an_unknown_source(env, tmp_path):
    f = tmp_path / "feed.jsonl"
    f.write_bytes(jsonl(*shipment()))
    r = subprocess.run([*KOUAN, "events", "import", str(f), "--source", "NOBODY"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "NOBODY" in r.stderr


def big_feed(n: int) -> bytes:
    return jsonl(*(ev(f"k{i}", "GATE_OUT", i / 60, container="CSQU3054383", bill_of_lading=f"BL{i % 997}")
                   for i in range(n)))


def test_a_crash_mid_batch_leaves_nothing_and_the_resend_stores_it_once(env, kouan, tmp_path):
    f = tmp_path / "big.jsonl"
    n = 20_000  # chunks of 5,000: the kill lands with three chunks still to write
    f.write_bytes(big_feed(n))
    proc = subprocess.Popen([*KOUAN, "events", "import", str(f), "--source", "DCT", "--verbose"],
                            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    written = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the importer has written part of the batch
        line = proc.stderr.readline()
        if not line:
            break
        if "events written" in line and not line.startswith("big.jsonl: 0/"):
            written = line
            break
    assert written is not None, "the importer never reported a written chunk"
    assert f"/{n} " in written and not written.startswith(f"big.jsonl: {n}/")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert counts(kouan) == (0, 0, 0)  # nothing partial: no events, no batch, no quarantine

    r = subprocess.run([*KOUAN, "events", "import", str(f), "--source", "DCT", "--json"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["stored"] == n
    r = subprocess.run([*KOUAN, "events", "import", str(f), "--source", "DCT", "--json"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert json.loads(r.stdout)["duplicates"] == n
    assert counts(kouan)[0] == n
