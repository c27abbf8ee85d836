"""Advance-declaration rate and two-step usage by month and port, year over year."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from tests.events.helpers import jsonl
from tests.factories import run_jobs

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system


def box(i: int) -> str:
    body = f"KOAU{i:06d}"
    return body + str(iso6346_check_digit(body))


def export(i: int, year: int, advance: bool) -> list[dict]:
    d = f"0900{year}0{i:09d}"
    t = datetime.fromisoformat(f"{year}-03-10T10:00:00+08:00") + timedelta(days=i % 10)
    lodged = t - timedelta(hours=5) if advance else t + timedelta(hours=1)
    return [
        {"event_id": f"l{year}-{i}", "milestone": "DECLARATION_LODGED", "port": "CNDAL",
         "occurred_at": lodged.isoformat(), "refs": {"declaration": d, "container": box(year * 100 + i)}},
        {"event_id": f"g{year}-{i}", "milestone": "GOODS_ARRIVED_AT_PORT", "port": "CNDAL",
         "occurred_at": t.isoformat(), "refs": {"container": box(year * 100 + i)}},
    ]


def two_step_import(i: int, year: int, two_step: bool) -> list[dict]:
    d = f"0900{year}1{i:09d}"
    t = datetime.fromisoformat(f"{year}-03-12T10:00:00+08:00")
    modes = ["two_step"] if two_step else ["standard"]
    return [{"event_id": f"i{year}-{i}", "milestone": "DECLARATION_LODGED", "port": "CNDAL",
             "occurred_at": t.isoformat(), "refs": {"declaration": d},
             "attrs": {"facilitation_modes": modes}}]


@pytest.fixture
def seeded(kouan):
    events = []
    for i, adv in enumerate([True, True, True, False]):  # 2022: 3 of 4 exports in advance
        events += export(i, 2022, adv)
    for i, adv in enumerate([True, False]):  # 2021: 1 of 2
        events += export(10 + i, 2021, adv)
    for i, ts in enumerate([True, True, True, False]):  # 2022: 3 two-step imports
        events += two_step_import(20 + i, 2022, ts)
    for i, ts in enumerate([True, False]):  # 2021: 1
        events += two_step_import(30 + i, 2021, ts)
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=jsonl(*events), fmt="jsonl",
                              channel="test", now=utcnow(), actor="tests")
    run_jobs(kouan)  # the case refresh the worker runs after the commit
    return kouan


def test_rates_by_month_port_and_direction_with_the_year_before(seeded, client, world):
    from tests.factories import bearer

    r = client.get("/api/v1/kpi/facilitation", params={"by": "month,port,direction", "from_month": "2022-03",
                                                       "to_month": "2022-03"}, headers=bearer(world.terminal.key))
    assert r.status_code == 200, r.text
    rows = {row["direction"]: row for row in r.json()["rows"]}
    assert set(rows) == {"E", "I"} and all(row["month"] == "2022-03" for row in rows.values())
    exp = rows["E"]
    assert (exp["declarations"], exp["advance"], exp["advance_known"]) == (4, 3, 4)
    assert exp["advance_rate"] == 0.75 and exp["advance_rate_last_year"] == 0.5
    imp = rows["I"]
    assert (imp["two_step"], imp["two_step_last_year"], imp["two_step_growth"]) == (3, 1, 3.0)
    assert imp["advance_rate"] is None  # no vessel entry reported: unknown, not 0


def test_the_cli_answers_the_same(seeded, tmp_path, client, world):
    from tests.factories import bearer

    env = dict(os.environ, KOUAN_DATABASE_URL=seeded.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "kouan.cli", "facilitation", "--month", "2022-03", "--json"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    api = client.get("/api/v1/kpi/facilitation", params={"from_month": "2022-03", "to_month": "2022-03"},
                     headers=bearer(world.terminal.key)).json()
    assert json.loads(out.stdout) == api
    (row,) = api["rows"]
    assert (row["month"], row["port"], row["declarations"]) == ("2022-03", "CNDAL", 8)
    bad = subprocess.run([sys.executable, "-m", "kouan.cli", "facilitation", "--by", "colour"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "colour" in bad.stderr
