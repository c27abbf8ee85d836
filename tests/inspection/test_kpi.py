"""An inspected import's clearance time in `kouan kpi` includes the time in inspection: the GAC
clock runs from the entry declaration to the release after the inspection, and the clock shipped
with kouan.inspection (``kouan clocks add``) shows the inspection as its own segment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from tests.declarations.test_pages import as_user
from tests.factories import run_jobs
from tests.inspection.helpers import item, new_draft, person, step, vessel_entry

from kouan.db.session import transaction
from kouan.inspection import service
from kouan.partners.domain import OrgKind

PHYSICAL = {"officer": "王警官", "place": "大窑湾查验场", "start": "2026-12-01T09:00:00+08:00",
            "end": "2026-12-01T11:00:00+08:00", "findings": ""}


def kpi(env: dict, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "kouan.cli", "kpi", "--by", "direction", "--json", *args], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    (row,) = [r for r in json.loads(out.stdout)["rows"] if r["direction"] == "I"]
    return row


def test_an_inspected_imports_clearance_time_includes_the_inspection(client, world, kouan, tmp_path):
    t0 = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(days=3)
    vessel_entry(kouan, t0)
    trader, officer = person(world.trader_a, OrgKind.TRADER), person(world.customs, OrgKind.CUSTOMS)
    number = new_draft(client, world, items=[item("2601111000")])
    step(kouan, trader, number, "lodge", t0 + timedelta(hours=2))
    step(kouan, officer, number, "accept", t0 + timedelta(hours=3))
    assert step(kouan, officer, number, "order_inspection", t0 + timedelta(hours=3),
                reason="舱单重量与提单不符，需人工核验") == "inspection"
    with transaction(kouan.sessions, actor=officer) as s:
        service.record_result(s, actor=officer, number=number, method="physical", details=PHYSICAL,
                              now=t0 + timedelta(hours=27))
    run_jobs(kouan)
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    gac = kpi(env)
    assert gac["n"] == 1 and gac["mean_h"] == pytest.approx(27.0)  # 24 of them in inspection
    clock = resources.files("kouan.inspection") / "inspection_clock.json"
    added = subprocess.run([sys.executable, "-m", "kouan.cli", "clocks", "add", str(clock)], env=env,
                           capture_output=True, text=True, timeout=300)
    assert added.returncode == 0, added.stdout + added.stderr
    split = kpi(env, "--clock", "gac_inspection")
    assert split["mean_h"] == pytest.approx(27.0)
    assert split["segments"] == pytest.approx({"preparation": 2.0, "before_inspection": 1.0, "inspection": 24.0,
                                               "after_inspection": 0.0})
    with kouan.sessions() as s:
        s.info["actor"] = officer
        report = service.report(s, actor=officer)
        kpis = service.green_channel_kpis(s, clock="gac")
    (by_cause,) = report["cause"]
    assert (by_cause["key"], by_cause["inspections"], by_cause["mean_hours"], by_cause["hit_rate"]) == (
        "officer", 1, 24.0, 0.0)
    assert report["all"][0]["inspection_rate"] == 1.0
    assert kpis == [{"channel": "iron_ore", "name": "铁矿", "name_en": "Iron ore", "declarations": 1,
                     "mean_hours": 27.0}]
    as_user(client, world.trader_a.admin)  # the dashboard shows the green channels' own KPIs
    green = client.get("/dashboard").text.split('data-testid="green-kpi"', 1)[1].split("</table>", 1)[0]
    assert "铁矿" in green and "27.0" in green
