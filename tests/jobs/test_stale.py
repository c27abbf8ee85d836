"""Reads never pay the refresh: a KPI or dashboard answer writes nothing and says it is stale until
the worker's refresh job has run."""

from __future__ import annotations

from sqlalchemy import event
from tests.events.helpers import jsonl, shipment
from tests.factories import login, run_jobs

from kouan.clearance import kpi
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def _ingest(kouan) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, channel="test", now=utcnow(),
                              actor="tests", data=jsonl(*shipment()))


def test_a_kpi_read_writes_nothing_and_says_stale_until_the_refresh_job_ran(kouan, tmp_path, client, world):
    _ingest(kouan)
    writes: list[str] = []

    def watch(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(kouan.engine, "before_cursor_execute", watch)
    try:
        result = kpi.run(kouan.sessions, kpi.KpiQuery(by=("direction",)),
                         database_url=kouan.settings.effective_database_url, export_dir=tmp_path, now=utcnow())
    finally:
        event.remove(kouan.engine, "before_cursor_execute", watch)
    assert writes == []
    stale = result.as_dict()
    assert stale["stale"] is True and stale["pending"] == 1 and stale["pending_jobs"] == 1
    assert stale["rows"] == []  # the case is not computed yet: the read did not compute it

    login(client, world.port_office.admin)
    assert client.get("/api/v1/kpi").json()["stale"] is True
    page = client.get("/dashboard", params={"lang": "en"}).text
    assert 'id="stale-notice"' in page and "1 consignments changed" in page
    assert client.get("/dashboard", params={"lang": "zh_CN"}).text.count("数据正在更新") == 1

    run_jobs(kouan)
    fresh = client.get("/api/v1/kpi").json()
    assert (fresh["stale"], fresh["pending"], fresh["pending_jobs"]) == (False, 0, 0)
    assert sum(r["n"] for r in fresh["rows"]) == 1
    assert client.get("/api/v1/kpi/facilitation").json()["stale"] is False
    assert 'id="stale-notice"' not in client.get("/dashboard").text


def test_the_bulletin_says_stale_until_the_refresh_job_ran_api_and_cli(kouan, tmp_path, client, world):
    import os
    import subprocess
    import sys

    _ingest(kouan)
    answer = client.get("/api/v1/bulletin", params={"month": "2022-03", "lang": "en"}).json()
    assert (answer["stale"], answer["pending"], answer["pending_jobs"]) == (True, 1, 1)
    assert answer["text"]
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
               KOUAN_DATA_DIR=str(tmp_path), COLUMNS="200")
    cli = [sys.executable, "-m", "kouan.cli", "bulletin", "--month", "2022-03", "--lang", "en"]
    r = subprocess.run([*cli, "--no-wait"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "stale: 1 consignments wait for the case refresh" in r.stderr and r.stdout

    run_jobs(kouan)
    answer = client.get("/api/v1/bulletin", params={"month": "2022-03", "lang": "en"}).json()
    assert (answer["stale"], answer["pending"], answer["pending_jobs"]) == (False, 0, 0)
    r = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "stale" not in r.stderr, r.stderr
