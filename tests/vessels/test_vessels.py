"""A vessel's entry checked by three agencies in parallel; cleared when all are done."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from tests.factories import PASSWORD, login
from tests.vessels.conftest import report_call

from kouan.db.session import transaction
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system
from kouan.vessels import domain

CALL = "9321483/2301N/CNDAL"


def test_overlap_compares_elapsed_time_with_the_checks_in_sequence():
    t0 = datetime.fromisoformat("2022-03-01T08:00:00+08:00")
    done = {domain.Agency.CUSTOMS: t0 + timedelta(hours=2), domain.Agency.BORDER_INSPECTION: t0 + timedelta(hours=1),
            domain.Agency.MARITIME: t0 + timedelta(hours=3)}
    ov = domain.overlap(t0, done)
    assert (ov.elapsed_h, ov.serial_h, ov.saved_h) == (3.0, 6.0, 3.0)
    assert domain.overlap(t0, {domain.Agency.CUSTOMS: t0}) is None
    with pytest.raises(domain.AlreadyDone):
        domain.complete(done, domain.Agency.CUSTOMS, t0)


@pytest.fixture
def agencies(kouan, world):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for code, kind in (("DLBJ", "border_inspection"), ("DLMSA", "maritime"), ("SITC", "shipping_line")):
            port = "CNDAL"  # the station's port (what it checks); the line's (the calls it declares)
            org = partners_service.create_org(s, actor=system("tests"), now=utcnow(), fields=partners_service.OrgFields(
                code=code, name=code, kind=kind, home_port=port))
            partners_service.create_person(s, actor=system("tests"), org_id=org.id, username=f"{code.lower()}.officer",
                                           display_name=code, password=PASSWORD, role="staff", now=utcnow())
    report_call(kouan, "SITC", CALL)  # SITC's own feed names the call: it is the carrier
    return {"customs": world.customs.staff, "border_inspection": "dlbj.officer", "maritime": "dlmsa.officer"}


def test_three_checks_in_parallel_clear_the_call_and_each_is_an_event(client, kouan, agencies):
    csrf = login(client, "sitc.officer")
    r = client.post("/api/v1/vessel-clearances", json={"transport_call": CALL, "port": "CNDAL"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["pending"] == ["customs", "border_inspection", "maritime"]
    for agency, user in agencies.items():
        client.cookies.clear()
        csrf = login(client, user)
        r = client.post(f"/api/v1/vessel-clearances/{cid}/checks", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and agency in r.json()["checks"]
    body = r.json()
    assert body["cleared_at"] is not None and body["pending"] == []
    assert body["serial_h"] >= body["elapsed_h"] >= 0
    again = client.post(f"/api/v1/vessel-clearances/{cid}/checks", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409 and again.json()["code"] == "check_done"
    with kouan.sessions() as s:
        milestones = s.scalars(select(Event.milestone).where(Event.source == "kouan").order_by(Event.id)).all()
    assert milestones == ["TRANSPORT_ENTRY_DECLARED", "TRANSPORT_CHECK_DONE", "TRANSPORT_CHECK_DONE",
                          "TRANSPORT_CHECK_DONE", "TRANSPORT_CLEARED"]


def test_only_a_shipping_line_declares_entry_and_only_agencies_check(client, world, agencies):
    csrf = login(client, world.trader_a.admin)
    r = client.post("/api/v1/vessel-clearances", json={"transport_call": CALL, "port": "CNDAL"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    client.cookies.clear()
    csrf = login(client, "sitc.officer")
    bad = client.post("/api/v1/vessel-clearances", json={"transport_call": "1234568/X/CNDAL", "port": "CNDAL"},
                      headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/transport_call"
    cid = client.post("/api/v1/vessel-clearances", json={"transport_call": CALL, "port": "CNDAL"},
                      headers={"X-CSRF-Token": csrf}).json()["id"]
    assert client.post(f"/api/v1/vessel-clearances/{cid}/checks", headers={"X-CSRF-Token": csrf}).status_code == 403
