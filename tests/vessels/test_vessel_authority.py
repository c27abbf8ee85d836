"""Who may open a vessel's entry clearance and who may complete its checks (issue #12, finding 5):
only the call's carrier — the line whose own feed names the call — or the port office opens it;
customs of the call port's district, and border inspection and the maritime authority of its port,
complete their checks; others do not even see it."""

from __future__ import annotations

import pytest
from tests.factories import PASSWORD, bearer, login, other_district_officer
from tests.vessels.conftest import report_call

from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system

CALL = "9321483/2301N/CNDAL"


@pytest.fixture
def lines(kouan, world):  # type: ignore[no-untyped-def]
    """SITC (the call's carrier: its feed names the call), MSC (another line), a Shanghai border
    station; keys of SITC with each scope."""
    keys = {}
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for code, kind, port in (("SITC", "shipping_line", "CNDAL"), ("MSC", "shipping_line", "CNDAL"),
                                 ("SHLINE", "shipping_line", "CNSHA"),
                                 ("SHBJ", "border_inspection", "CNSHA"), ("DLBJ", "border_inspection", "CNDAL")):
            org = partners_service.create_org(s, actor=system("tests"), now=utcnow(), fields=partners_service.OrgFields(
                code=code, name=code, kind=kind, home_port=port))
            partners_service.create_person(s, actor=system("tests"), org_id=org.id, username=f"{code.lower()}.staff",
                                           display_name=code, password=PASSWORD, role="staff", now=utcnow())
            if code == "SITC":
                for scope in ("read", "declarations:write"):
                    keys[scope] = partners_service.create_api_key(
                        s, actor=system("tests"), org_id=org.id, name=scope, scopes=[scope], now=utcnow()).secret
    report_call(kouan, "SITC", CALL)
    report_call(kouan, "MSC", "9321483/2301N/CNSHA")  # MSC's own call elsewhere grants nothing here
    report_call(kouan, "SHLINE", CALL)  # naming a call of a port not its own grants nothing either
    return keys


def _open(client, headers):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/vessel-clearances", json={"transport_call": CALL, "port": "CNDAL"}, headers=headers)


def test_a_line_whose_feed_never_named_the_call_or_of_another_port_cannot_declare_its_entry(client, lines):
    for user in ("msc.staff", "shline.staff"):
        client.cookies.clear()
        csrf = login(client, user)
        r = _open(client, {"X-CSRF-Token": csrf})
        assert r.status_code == 403 and r.json()["code"] == "not_the_carrier", user
    client.cookies.clear()
    csrf = login(client, "sitc.staff")
    assert _open(client, {"X-CSRF-Token": csrf}).status_code == 201


def test_the_port_office_declares_any_calls_entry(client, world, lines):
    csrf = login(client, world.port_office.admin)
    assert _open(client, {"X-CSRF-Token": csrf}).status_code == 201


def test_a_read_only_key_cannot_declare_entry_and_a_declarations_key_can(client, lines):
    refused = _open(client, bearer(lines["read"]))
    assert refused.status_code == 403 and refused.json()["code"] == "route_policy"
    assert _open(client, bearer(lines["declarations:write"])).status_code == 201
    assert client.get("/api/v1/vessel-clearances", headers=bearer(lines["read"])).json()[0]["transport_call"] == CALL


def test_only_the_call_ports_district_and_station_complete_their_checks(client, kouan, world, lines):
    cid = _open(client, bearer(lines["declarations:write"])).json()["id"]
    for user in (other_district_officer(kouan), "shbj.staff", "msc.staff"):
        client.cookies.clear()
        csrf = login(client, user)
        r = client.post(f"/api/v1/vessel-clearances/{cid}/checks", headers={"X-CSRF-Token": csrf})
        assert r.status_code in (403, 404), (user, r.text)
        assert client.get("/api/v1/vessel-clearances").json() == [], user
    for user, agency in ((world.customs.staff, "customs"), ("dlbj.staff", "border_inspection")):
        client.cookies.clear()
        csrf = login(client, user)
        assert [c["id"] for c in client.get("/api/v1/vessel-clearances").json()] == [cid]
        r = client.post(f"/api/v1/vessel-clearances/{cid}/checks", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and agency in r.json()["checks"], r.text
