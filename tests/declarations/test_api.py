"""Declarations over HTTP: enterprises lodge, customs of the district decide, events flow to KPIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.events.helpers import jsonl
from tests.factories import bearer, login, other_district_officer, run_jobs, valid_uscc

from kouan.audit.models import AuditEntry
from kouan.clearance import kpi
from kouan.events.models import Event
from kouan.kit.clock import utcnow

NDJSON = {"Content-Type": "application/x-ndjson"}
CALL = "9321483/2211N/CNDAL"


def draft(**kw):
    body = {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司",
            "port": "CNDAL", "transport_call": CALL, "bill_of_lading": "COSU6300000077",
            "containers": ["CSQU3054383"],
            "items": [{"hs_code": "2601111000", "description": "铁矿砂", "quantity": "1000", "unit": "TNE",
                       "value": "1000000", "origin": "AU"}]}
    body.update(kw)
    return body


@pytest.fixture
def trader(client, world):
    csrf = login(client, world.trader_a.admin)
    return {"X-CSRF-Token": csrf}


def officer(client, world):
    client.cookies.clear()
    return {"X-CSRF-Token": login(client, world.customs.admin)}


def vessel_events(client, world, entry: datetime):
    events = [
        {"event_id": "dep", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
         "occurred_at": (entry - timedelta(days=10)).isoformat(),
         "refs": {"transport_call": "9321483/2211N/AUPHE"}},
        {"event_id": "entry", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": "CNDAL",
         "occurred_at": entry.isoformat(), "refs": {"transport_call": CALL}},
        {"event_id": "arri", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
         "occurred_at": (entry + timedelta(hours=2)).isoformat(), "refs": {"transport_call": CALL}},
    ]
    # The vessel's carrier states its calls (events.authority).
    r = client.post("/api/v1/events", content=jsonl(*events), headers={**bearer(world.carrier.key), **NDJSON})
    assert (r.json()["stored"], r.json()["claims"]) == (3, 0)
    run_jobs(client.app.state.kouan)  # the batch's follow-ups, as the server's worker runs them


def test_a_draft_gets_an_18_digit_number_and_bad_fields_are_named(client, world, trader):
    r = client.post("/api/v1/declarations", json=draft(), headers=trader)
    assert r.status_code == 201, r.text
    d = r.json()
    assert len(d["number"]) == 18 and d["number"].startswith("0900") and d["number"][8] == "1"
    assert d["status"] == "draft" and d["allowed_actions"] == ["lodge"]  # no summary without two-step
    bad = client.post("/api/v1/declarations", headers=trader, json=draft(
        consignee_uscc="91110000600037341M", containers=["CSQU3054384"],
        items=[{"hs_code": "26011", "description": "x", "quantity": "0", "unit": "TNE", "value": "1"}]))
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.json()["errors"]] == [
        "/items/0/hs_code", "/items/0/quantity", "/consignee_uscc", "/containers/0"]


def test_an_illegal_transition_gets_409_with_the_state_and_allowed_steps(client, world, trader):
    number = client.post("/api/v1/declarations", json=draft(), headers=trader).json()["number"]
    h = officer(client, world)
    r = client.post(f"/api/v1/declarations/{number}/actions/release", headers=h)
    assert r.status_code == 409
    body = r.json()
    assert body["current_status"] == "draft" and body["allowed_actions"] == ["lodge"]
    assert r.headers["content-type"].startswith("application/problem+json")


def test_only_the_declarant_lodges_and_only_the_districts_customs_decides(client, world, trader):
    number = client.post("/api/v1/declarations", json=draft(), headers=trader).json()["number"]
    client.cookies.clear()
    other = {"X-CSRF-Token": login(client, world.trader_b.admin)}
    assert client.get(f"/api/v1/declarations/{number}", headers=other).status_code == 404
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=other).status_code == 404
    client.cookies.clear()
    trader_again = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader_again).json()["receipt"] == "L"
    assert client.post(f"/api/v1/declarations/{number}/actions/accept", headers=trader_again).status_code == 403
    h = officer(client, world)
    assert [d["number"] for d in client.get("/api/v1/declarations", headers=h).json()] == [number]
    assert client.post(f"/api/v1/declarations/{number}/actions/accept", headers=h).json()["receipt"] == "G"


def test_customs_of_another_district_sees_nothing(client, world, kouan, trader):
    number = client.post("/api/v1/declarations", json=draft(), headers=trader).json()["number"]
    other_district_officer(kouan)
    client.cookies.clear()
    login(client, "sy.officer")
    assert client.get(f"/api/v1/declarations/{number}").status_code == 404
    assert client.get("/api/v1/declarations").json() == []


def test_a_two_step_import_shows_up_in_kpi_with_the_right_clearance_time(client, world, kouan, tmp_path, trader):
    entry = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)
    vessel_events(client, world, entry)
    number = client.post("/api/v1/declarations", json=draft(modes=["two_step"]), headers=trader).json()["number"]
    # the consignee (trader A) must be rated general or better for two-step
    from kouan.db.session import transaction
    from kouan.declarations.models import DeclarationRecord
    from kouan.partners.domain import system

    with transaction(kouan.sessions, actor=system("tests")) as s:
        s.scalars(select(DeclarationRecord)).one().consignee_credit = "general"
    client.cookies.clear()
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    r = client.post(f"/api/v1/declarations/{number}/actions/lodge_summary", headers=trader)
    assert r.json()["receipt"] == "SpL", r.text
    assert r.json()["deadline"]["late_days"] == 0
    h = officer(client, world)
    client.post(f"/api/v1/declarations/{number}/actions/accept", headers=h)
    goods = client.post(f"/api/v1/declarations/{number}/actions/release_goods", headers=h).json()
    assert goods["receipt"] == "SpK"
    with kouan.sessions() as s:
        emitted = s.scalars(select(Event).where(Event.source == "kouan").order_by(Event.id)).all()
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "declaration",
                                                     AuditEntry.action == "declaration.update")
                            .order_by(AuditEntry.id)).all()
    assert [e.milestone for e in emitted] == [
        "DECLARATION_LODGED", "DECLARATION_ACCEPTED", "CUSTOMS_RELEASED"]
    # every transition audited with the status before and after
    assert [(a.before["status"], a.after["status"]) for a in audited if "status" in a.after] == [
        ("draft", "summary_lodged"), ("summary_lodged", "summary_accepted"),
        ("summary_accepted", "goods_released")]
    run_jobs(kouan)  # the workflow events' case refresh, as the worker runs it
    result = kpi.run(kouan.sessions, kpi.KpiQuery(by=("direction",)),
                     database_url=kouan.settings.effective_database_url, export_dir=tmp_path, now=utcnow())
    (row,) = result.rows
    released = emitted[-1].occurred_at
    hours = (released - entry).total_seconds() / 3600
    assert row.n == 1 and row.mean_h == pytest.approx(hours, abs=1e-6)
    # The complete declaration and the formal release follow; the clock keeps the goods' release (SpK).
    client.cookies.clear()
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    done = client.post(f"/api/v1/declarations/{number}/actions/lodge_complete", headers=trader).json()
    assert done["status"] == "lodged" and done["deadline"]["late_days"] == 0
    h = officer(client, world)
    client.post(f"/api/v1/declarations/{number}/actions/accept", headers=h)
    assert client.post(f"/api/v1/declarations/{number}/actions/release", headers=h).json()["receipt"] == "P"
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    cli = subprocess.run([sys.executable, "-m", "kouan.cli", "kpi", "--by", "direction", "--json"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    (imports,) = [r for r in json.loads(cli.stdout)["rows"] if r["direction"] == "I"]
    assert imports["n"] == 1 and imports["mean_h"] == round(hours, 2)  # two decimals at the edge (kit.edge)
