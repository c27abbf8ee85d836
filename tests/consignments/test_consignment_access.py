"""Who opens a consignment (``timeline.can_view``): a trader its own declaration's, lodged through
Kouan (events of source ``kouan``), by any reference; never another trader's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.events.helpers import jsonl
from tests.factories import bearer, login, valid_uscc

NDJSON = {"Content-Type": "application/x-ndjson"}
CALL = "9321483/2211N/CNDAL"
BL, BOX = "COSU6300000077", "CSQU3054383"


def draft() -> dict:
    return {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司",
            "port": "CNDAL", "transport_call": CALL, "bill_of_lading": BL, "containers": [BOX],
            "items": [{"hs_code": "2601111000", "description": "铁矿砂", "quantity": "1000", "unit": "TNE",
                       "value": "1000000", "origin": "AU"}]}


@pytest.fixture
def number(client, world) -> str:
    """Trader A's declaration, lodged through Kouan's portal; the terminal reports the vessel."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    r = client.post("/api/v1/events", headers={**bearer(world.terminal.key), **NDJSON}, content=jsonl(
        {"event_id": "entry", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": "CNDAL",
         "occurred_at": at.isoformat(), "refs": {"transport_call": CALL}}))
    assert r.json()["stored"] == 1
    h = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    created = client.post("/api/v1/declarations", json=draft(), headers=h)
    assert created.status_code == 201, created.text
    n = created.json()["number"]
    assert client.post(f"/api/v1/declarations/{n}/actions/lodge", headers=h).status_code == 200
    client.cookies.clear()
    return n


def refs(number: str) -> list[str]:
    return [number, BL, BOX]


def test_a_trader_opens_its_own_declarations_consignment_by_any_reference(client, world, number):
    for ref in refs(number):
        api = client.get(f"/api/v1/consignments/{ref}", headers=bearer(world.trader_a.key))
        assert api.status_code == 200, ref
        objects = {(o["kind"], o["key"]) for o in api.json()["objects"]}
        assert {("declaration", number), ("bill_of_lading", BL), ("container", BOX)} <= objects
        sources = {e["source"] for e in api.json()["events"]}
        assert "kouan" in sources and "TRADERA" not in sources  # only Kouan's portal speaks for it
    login(client, world.trader_a.admin)
    for ref in refs(number):
        page = client.get(f"/consignments/{ref}")
        assert page.status_code == 200 and number in page.text, ref
    search = client.get("/consignments", params={"ref": f" {BL} "}, follow_redirects=True)
    assert search.status_code == 200 and number in search.text


def test_another_trader_gets_404_for_it(client, world, number):
    for ref in refs(number):
        api = client.get(f"/api/v1/consignments/{ref}", headers=bearer(world.trader_b.key))
        assert api.status_code == 404, ref
        assert not any(other in api.text for other in refs(number) if other != ref)
    login(client, world.trader_b.admin)
    for ref in refs(number):
        page = client.get(f"/consignments/{ref}")
        assert page.status_code == 404, ref
        assert not any(other in page.text for other in refs(number) if other != ref)
    search = client.get("/consignments", params={"ref": number}, follow_redirects=True)
    assert search.status_code == 404


def test_a_reused_container_opens_each_traders_own_trip(client, world, number):
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=40)
    r = client.post("/api/v1/events", headers={**bearer(world.trader_b.key), **NDJSON}, content=jsonl(
        {"event_id": "b-lodged", "milestone": "DECLARATION_LODGED", "port": "CNDAL",
         "occurred_at": later.isoformat(),
         "refs": {"declaration": "090020261000000999", "booking": "BKB1", "container": BOX}}))
    assert r.json()["stored"] == 1
    mine = client.get(f"/api/v1/consignments/{BOX}", headers=bearer(world.trader_a.key)).json()
    theirs = client.get(f"/api/v1/consignments/{BOX}", headers=bearer(world.trader_b.key)).json()
    assert ("declaration", number) in {(o["kind"], o["key"]) for o in mine["objects"]}
    assert ("declaration", "090020261000000999") in {(o["kind"], o["key"]) for o in theirs["objects"]}
    assert mine["id"] != theirs["id"]
    assert mine["other_consignments"] == [] and theirs["other_consignments"] == []
    login(client, world.port_office.admin)
    overseen = client.get(f"/api/v1/consignments/{BOX}").json()
    assert overseen["id"] == theirs["id"] and overseen["other_consignments"] == [mine["id"]]
