"""Ship-side pick-up (船边直提): an advance declaration plus a booked slot; released on arrival,
lifted straight from shipside by the terminal, never before the release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.declarations.test_api import CALL, draft, officer
from tests.declarations.test_cli import push
from tests.declarations.test_pages import as_user
from tests.factories import _csrf_from, bearer, login, other_district_officer

from kouan.audit.models import AuditEntry
from kouan.events.models import Event

NOW = datetime.now(UTC).replace(microsecond=0)
BOX = "CSQU3054383"


def slot(hours: float = 2) -> dict[str, str]:
    return {"terminal": "DCT", "slot_start": (NOW + timedelta(hours=hours)).isoformat(),
            "slot_end": (NOW + timedelta(hours=hours + 4)).isoformat()}


def accepted_ship_side(client, world) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    push(client, world, {"event_id": "dep", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                         "occurred_at": (NOW - timedelta(days=5)).isoformat(),
                         "refs": {"transport_call": "9321483/2211N/AUPHE"}})
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    body = draft(modes=["advance", "ship_side_pickup"])
    number = client.post("/api/v1/declarations", json=body, headers=trader).json()["number"]
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader).status_code == 200
    assert client.post(f"/api/v1/declarations/{number}/actions/accept",
                       headers=officer(client, world)).status_code == 200
    client.cookies.clear()
    return number, {"X-CSRF-Token": login(client, world.trader_a.admin)}


def arrival(client, world) -> None:  # type: ignore[no-untyped-def]
    push(client, world,
         {"event_id": "arri", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
          "occurred_at": (NOW - timedelta(minutes=30)).isoformat(), "refs": {"transport_call": CALL}},
         {"event_id": "disc", "milestone": "DISCHARGED", "port": "CNDAL",
          "occurred_at": (NOW - timedelta(minutes=20)).isoformat(),
          "refs": {"transport_call": CALL, "container": BOX, "bill_of_lading": "COSU6300000077"}})


def test_without_a_slot_the_arrival_does_not_release_and_booking_then_releases(client, world, kouan):
    number, trader = accepted_ship_side(client, world)
    arrival(client, world)
    waiting = client.get(f"/api/v1/declarations/{number}", headers=trader).json()
    assert waiting["status"] == "accepted" and waiting["appointments"] == []
    r = client.post(f"/api/v1/declarations/{number}/appointments", json=slot(), headers=trader)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["kind"] == "ship_side_pickup" and a["status"] == "booked" and a["containers"] == [BOX]
    released = client.get(f"/api/v1/declarations/{number}", headers=trader).json()
    assert released["receipt"] == "P" and released["appointments"][0]["reference"] == a["reference"]
    with kouan.sessions() as s:
        planned = s.scalars(select(Event).where(Event.event_id == f"apt/{a['reference']}/booked")).one()
        release = s.scalars(select(Event).where(Event.source == "kouan", Event.milestone == "CUSTOMS_RELEASED")).one()
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "appointment")).all()
    assert (planned.milestone, planned.classifier) == ("GATE_OUT", "PLN")
    assert release.attrs["direct"] == "ship_side_pickup"
    assert [x.action for x in audited] == ["appointment.create"]
    again = client.post(f"/api/v1/declarations/{number}/appointments", json=slot(), headers=trader)
    assert again.status_code == 409 and again.json()["code"] == "appointment_exists"


def test_the_terminal_lifts_the_boxes_straight_from_shipside_only_after_release(client, world, kouan):
    number, trader = accepted_ship_side(client, world)
    ref = client.post(f"/api/v1/declarations/{number}/appointments", json=slot(), headers=trader).json()["reference"]
    terminal = bearer(world.terminal.key)
    early = client.post(f"/api/v1/appointments/{ref}/actions/use", headers=terminal)
    assert early.status_code == 409 and early.json()["code"] == "appointment_before_release"
    assert client.post(f"/api/v1/appointments/{ref}/actions/use", headers=trader).status_code == 403
    arrival(client, world)  # released by the arrival match, the slot being booked
    used = client.post(f"/api/v1/appointments/{ref}/actions/use", headers=terminal)
    assert used.status_code == 200 and used.json()["status"] == "used"
    d = client.get(f"/api/v1/declarations/{number}", headers=trader).json()
    assert d["direct_minutes"] is not None and 15 < d["direct_minutes"] < 60  # discharge → gate-out
    page = client.get(f"/declarations/{number}").text
    timeline = page.split('data-testid="timeline"', 1)[1]
    assert timeline.index("卸船") < timeline.index("海关放行") < timeline.rindex("提离")
    assert "船边直提" in timeline and 'data-testid="direct-minutes"' in page
    with kouan.sessions() as s:
        gate_out = s.scalars(select(Event).where(Event.event_id == f"apt/{ref}/used")).one()
    assert (gate_out.milestone, gate_out.classifier, gate_out.attrs["direct"]) == ("GATE_OUT", "ACT",
                                                                                  "ship_side_pickup")


def test_slots_are_checked_and_only_ship_side_declarations_book_them(client, world):
    number, trader = accepted_ship_side(client, world)
    bad = client.post(f"/api/v1/declarations/{number}/appointments", headers=trader,
                      json={**slot(), "slot_end": (NOW + timedelta(hours=1)).isoformat()})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "slot_order"
    wrong = client.post(f"/api/v1/declarations/{number}/appointments", headers=trader,
                        json={**slot(), "terminal": "TRADERB", "containers": ["MSKU9070323"]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "terminal_unknown"
    plain = client.post("/api/v1/declarations", json=draft(bill_of_lading="X1"), headers=trader).json()["number"]
    r = client.post(f"/api/v1/declarations/{plain}/appointments", json=slot(), headers=trader)
    assert r.status_code == 409 and r.json()["code"] == "appointment_needs_ship_side"


def test_appointments_are_seen_by_the_booker_the_terminal_and_the_districts_customs_only(client, world, kouan):
    number, trader = accepted_ship_side(client, world)
    ref = client.post(f"/api/v1/declarations/{number}/appointments", json=slot(), headers=trader).json()["reference"]
    assert [a["reference"] for a in client.get("/api/v1/appointments", headers=trader).json()] == [ref]
    assert client.get(f"/api/v1/appointments/{ref}", headers=bearer(world.terminal.key)).status_code == 200
    assert client.get("/api/v1/appointments", headers=bearer(world.trader_b.key)).json() == []
    assert client.get(f"/api/v1/appointments/{ref}", headers=bearer(world.trader_b.key)).status_code == 404
    officer(client, world)
    assert [a["reference"] for a in client.get("/api/v1/appointments").json()] == [ref]
    as_user(client, world.trader_b.admin)
    assert ref not in client.get("/appointments").text
    other = {"X-CSRF-Token": _csrf_from(client.get("/").text)}
    assert client.post(f"/api/v1/declarations/{number}/appointments", json=slot(), headers=other).status_code == 404
    other_district_officer(kouan)
    as_user(client, "sy.officer")
    assert client.get("/api/v1/appointments").json() == []
    assert client.get(f"/api/v1/appointments/{ref}").status_code == 404


def test_the_trader_books_on_the_page_and_the_terminal_records_the_pick_up(client, world):
    number, _ = accepted_ship_side(client, world)
    page = client.get(f"/declarations/{number}").text
    assert "船边直提 / 抵港直装" in page and "尚未预约" in page
    fmt = "%Y-%m-%dT%H:%M"
    beijing = NOW + timedelta(hours=8)
    r = client.post(f"/declarations/{number}/appointments", follow_redirects=False, data={
        "csrf_token": _csrf_from(page), "terminal": "DCT",
        "slot_start": (beijing + timedelta(hours=2)).strftime(fmt), "slot_end": beijing.strftime(fmt)})
    assert r.status_code == 422 and "预约时段的结束时间须晚于开始时间" in r.text
    r = client.post(f"/declarations/{number}/appointments", follow_redirects=False, data={
        "csrf_token": _csrf_from(page), "terminal": "DCT",
        "slot_start": (beijing + timedelta(hours=1)).strftime(fmt),
        "slot_end": (beijing + timedelta(hours=3)).strftime(fmt)})
    assert r.status_code == 303
    assert "已预约" in client.get(f"/declarations/{number}").text
    as_user(client, world.terminal.admin)
    slots = client.get("/appointments").text
    assert number in slots and "/actions/use" in slots
    token = _csrf_from(slots)
    ref = slots.split("/appointments/", 1)[1].split("/actions/use", 1)[0]
    refused = client.post(f"/appointments/{ref}/actions/use", data={"csrf_token": token})
    assert refused.status_code == 409 and "货物尚未放行，放行前不得提离或装船" in refused.text


def test_the_terminal_and_the_declarant_find_appointments_in_the_navigation_and_customs_does_not(client, world):
    as_user(client, world.terminal.admin)
    assert 'href="/appointments"' in client.get("/").text
    as_user(client, world.trader_b.admin)  # books its ship-side slots and follows them there
    assert 'href="/appointments"' in client.get("/").text
    as_user(client, world.customs.admin)  # reaches a declaration's slots from the declaration
    assert 'href="/appointments"' not in client.get("/").text
