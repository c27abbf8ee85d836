"""Zone-port direct (区港直通) over HTTP and on the pages: one declaration, one sealed movement."""

from __future__ import annotations

from sqlalchemy import select
from tests.declarations.test_api import draft, officer
from tests.declarations.test_pages import buttons, press, refused_on_the_page
from tests.factories import login

from kouan.audit.models import AuditEntry
from kouan.events.models import Event

ZONE = {"modes": ["zone_port_direct"], "bonded_zone": "CNDAL-DYW"}


def lodged_and_accepted(client, world) -> str:  # type: ignore[no-untyped-def]
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    r = client.post("/api/v1/declarations", json=draft(**ZONE), headers=trader)
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader).status_code == 200
    assert client.post(f"/api/v1/declarations/{number}/actions/accept",
                       headers=officer(client, world)).status_code == 200
    return number


def test_a_zone_port_draft_names_a_known_zone_of_its_port_and_its_containers(client, world):
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    r = client.post("/api/v1/declarations", headers=trader,
                    json=draft(modes=["zone_port_direct"], bonded_zone="CNYIK-ZBQ", containers=[]))
    assert r.status_code == 422
    errors = {e["pointer"]: e for e in r.json()["errors"]}
    assert errors["/bonded_zone"]["code"] == "zone_unknown"
    assert "CNDAL-DYW" in errors["/bonded_zone"]["params"]["choices"]  # the zones at Dalian are offered
    assert errors["/containers"]["code"] == "zone_port_needs_containers"
    zones = client.get("/api/v1/bonded-zones?port=CNDAL").json()
    assert "CNDAL-DYW" in [z["code"] for z in zones] and "CNYIK-ZBQ" not in [z["code"] for z in zones]


def test_one_declaration_moves_the_goods_under_seal_and_is_released_after_arrival(client, world, kouan):
    number = lodged_and_accepted(client, world)
    h = officer(client, world)
    early = client.post(f"/api/v1/declarations/{number}/actions/release", headers=h)
    assert early.status_code == 409
    body = early.json()
    assert body["code"] == "movement_not_arrived" and body["params"] == {"to_place": "CNDAL-DYW"}
    assert body["current_status"] == "accepted" and "start_movement" in body["allowed_actions"]
    no_seal = client.post(f"/api/v1/declarations/{number}/actions/start_movement", headers=h, json={})
    assert no_seal.status_code == 409 and no_seal.json()["code"] == "movement_needs_seal"
    started = client.post(f"/api/v1/declarations/{number}/actions/start_movement", headers=h,
                          json={"seal": "cn0900-123"}).json()
    assert started["status"] == "in_transit"
    assert started["movement"]["from_place"] == "CNDAL" and started["movement"]["to_place"] == "CNDAL-DYW"
    assert started["movement"]["seal"] == "CN0900-123" and started["movement"]["arrived_at"] is None
    arrived = client.post(f"/api/v1/declarations/{number}/actions/arrive_movement", headers=h).json()
    assert arrived["status"] == "accepted" and arrived["movement"]["arrived_at"] is not None
    released = client.post(f"/api/v1/declarations/{number}/actions/release", headers=h).json()
    assert released["receipt"] == "P"
    with kouan.sessions() as s:
        events = s.scalars(select(Event).where(Event.source == "kouan").order_by(Event.id)).all()
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "declaration_movement")
                            .order_by(AuditEntry.id)).all()
    assert [(e.milestone, e.original_code) for e in events][-3:] == [
        ("GATE_OUT", "kouan/start_movement"), ("OTHER", "kouan/arrive_movement"),
        ("CUSTOMS_RELEASED", "kouan/release")]
    assert events[-3].attrs["seal"] == "CN0900-123" and events[-2].attrs["movement_to"] == "CNDAL-DYW"
    assert [a.action for a in audited] == ["declaration_movement.create", "declaration_movement.update"]


def test_a_second_declaration_of_the_same_goods_is_neither_needed_nor_accepted(client, world):
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    early = client.post("/api/v1/declarations", json=draft(), headers=trader).json()["number"]  # before
    number = lodged_and_accepted(client, world)
    client.cookies.clear()
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    again = client.post("/api/v1/declarations", json=draft(), headers=trader)
    assert again.status_code == 422
    (err,) = again.json()["errors"]
    assert (err["pointer"], err["code"], err["params"]["number"]) == ("/bill_of_lading", "second_declaration",
                                                                      number)
    lodge = client.post(f"/api/v1/declarations/{early}/actions/lodge", headers=trader)
    assert lodge.status_code == 409 and lodge.json()["code"] == "second_declaration"
    other_box = client.post("/api/v1/declarations", headers=trader,
                            json=draft(bill_of_lading="COSU6300000099", containers=["MSKU9070323"]))
    assert other_box.status_code == 201  # other goods are declared as usual


def test_the_officer_starts_the_movement_with_a_seal_on_the_page_in_chinese(client, world):
    number = lodged_and_accepted(client, world)
    page = client.get(f"/declarations/{number}").text
    assert "start_movement" in buttons(page, number) and 'name="seal"' in page
    assert "大连大窑湾综合保税区" in page and "区港直通监管运输" in page
    assert "release" not in buttons(page, number)  # not before the goods arrived
    assert "区港直通货物须在运抵 CNDAL-DYW 后方可放行" in refused_on_the_page(client, number, "release")
    assert press(client, number, "start_movement", seal="SEAL42").status_code == 303
    moving = client.get(f"/declarations/{number}").text
    assert "监管运输中" in moving and "SEAL42" in moving and buttons(moving, number) == ["hold", "arrive_movement"]
    english = client.get(f"/declarations/{number}?lang=en").text
    assert "Dalian Dayaowan Comprehensive Bonded Zone" in english and "In transit" in english
