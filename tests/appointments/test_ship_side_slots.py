"""The ship-side pick-up appointment is a booking of a published pick-up slot: booking the slot for
a ship-side declaration makes the declaration's appointment (planned event, release on arrival),
taking a place; cancelling it gives the place back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from tests.declarations.test_ship_side import NOW, accepted_ship_side, arrival

from kouan.appointments import service
from kouan.db.session import transaction
from kouan.events.models import Event
from kouan.partners.domain import system


def test_booking_a_pickup_slot_for_a_ship_side_declaration_is_its_appointment(client, world, kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        slot_id = service.publish(s, actor=system("tests"), org_code="DCT", port="CNDAL", service="pickup",
                                  start=NOW + timedelta(hours=2), end=NOW + timedelta(hours=6), capacity=1,
                                  now=NOW).id
    number, trader = accepted_ship_side(client, world)
    r = client.post(f"/api/v1/slots/{slot_id}/bookings", json={"declaration": number}, headers=trader)
    assert r.status_code == 201, r.text
    b = r.json()
    assert (b["kind"], b["service"], b["slot_id"], b["declaration"], b["serving"]) == (
        "ship_side_pickup", "pickup", slot_id, number, "DCT")
    d = client.get(f"/api/v1/declarations/{number}", headers=trader).json()
    assert d["appointments"][0]["reference"] == b["reference"]
    with kouan.sessions() as s:
        planned = s.scalars(select(Event).where(Event.event_id == f"apt/{b['reference']}/booked")).one()
    assert planned.classifier == "PLN"
    arrival(client, world)
    assert client.get(f"/api/v1/declarations/{number}", headers=trader).json()["receipt"] == "P"
    assert client.get(f"/api/v1/slots/{slot_id}", headers=trader).json()["free"] == 0
    cancelled = client.post(f"/api/v1/bookings/{b['reference']}/actions/cancel", headers=trader)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert client.get(f"/api/v1/slots/{slot_id}", headers=trader).json()["free"] == 1
