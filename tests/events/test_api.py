"""Partners push events over HTTP; the source is the key's organisation and cannot be spoofed."""

from __future__ import annotations

from sqlalchemy import select
from tests.events.helpers import DECL, by_sender, ev, jsonl, shipment
from tests.factories import bearer, login

from kouan.events.models import Event

NDJSON = {"Content-Type": "application/x-ndjson"}


def push(client, key: str, *events):
    return client.post("/api/v1/events", content=jsonl(*events), headers={**bearer(key), **NDJSON})


def test_a_partner_posts_json_lines_and_gets_a_summary(client, world, kouan):
    r = client.post("/api/v1/events", content=jsonl(*shipment()),
                    headers={**bearer(world.terminal.key), **NDJSON})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {k: body[k] for k in ("received", "stored", "duplicates", "updated", "quarantined")} == \
        {"received": 8, "stored": 8, "duplicates": 0, "updated": 0, "quarantined": 0}
    again = client.post("/api/v1/events", content=jsonl(*shipment()),
                        headers={**bearer(world.terminal.key), **NDJSON}).json()
    assert (again["stored"], again["duplicates"]) == (0, 8)


def test_a_json_array_is_accepted(client, world):
    import json

    r = client.post("/api/v1/events", content=json.dumps(shipment()[:2]),
                    headers={**bearer(world.terminal.key), "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["stored"] == 2


def test_the_source_is_the_keys_organisation_whatever_the_body_says(client, world, kouan):
    spoof = ev("s1", "CUSTOMS_RELEASED", declaration=DECL, source="DLCUS")
    plain = ev("s2", "DECLARATION_LODGED", declaration=DECL)
    r = client.post("/api/v1/events", content=jsonl(spoof, plain),
                    headers={**bearer(world.trader_a.key), **NDJSON})
    assert r.status_code == 200
    assert (r.json()["stored"], r.json()["quarantined"]) == (1, 1)
    assert "source" in r.json()["errors"][0]["reason"]
    with kouan.sessions() as s:
        assert s.scalars(select(Event.source)).all() == ["TRADERA"]


def test_bad_lines_are_reported_with_where_and_why(client, world):
    r = client.post("/api/v1/events", content=jsonl(ev("a", "GATE_OUT", container="CSQU3054383"), "{oops"),
                    headers={**bearer(world.terminal.key), **NDJSON})
    body = r.json()
    assert (body["stored"], body["quarantined"]) == (1, 1)
    assert body["errors"][0]["where"] == "line 2" and body["errors"][0]["reason"]


def test_a_key_without_events_write_cannot_post(client, world):
    csrf = login(client, world.terminal.admin)
    key = client.post(f"/api/v1/organisations/{world.terminal.id}/api-keys",
                      json={"name": "reader", "scopes": ["read"]}, headers={"X-CSRF-Token": csrf}).json()
    client.cookies.clear()
    r = client.post("/api/v1/events", content=jsonl(*shipment()), headers={**bearer(key["secret"]), **NDJSON})
    assert r.status_code == 403


def test_posting_without_credentials_is_401(client):
    assert client.post("/api/v1/events", content=b"[]").status_code == 401


def test_edifact_and_dcsa_endpoints_store_what_they_parse(client, world):
    dcsa = [{
        "eventID": "5e51e72c-d872-11ea-811c-0f8f10a32ea1", "eventType": "EQUIPMENT",
        "eventClassifierCode": "ACT", "eventDateTime": "2022-03-01T10:00:00+08:00",
        "eventCreatedDateTime": "2022-03-01T10:05:00+08:00", "equipmentEventTypeCode": "GTOT",
        "equipmentReference": "CSQU3054383", "emptyIndicatorCode": "LADEN",
    }]
    import json

    r = client.post("/api/v1/events/dcsa", content=json.dumps(dcsa), headers=bearer(world.terminal.key))
    assert r.status_code == 200, r.text
    assert r.json()["received"] == 1
    r = client.post("/api/v1/events/edifact", content=b"UNB+UNOA:2+X+Y+220301:1000+1'garbage",
                    headers=bearer(world.terminal.key))
    assert r.status_code == 200 and r.json()["quarantined"] >= 1


def test_quarantine_is_visible_to_its_partner_and_the_port_office_only(client, world):
    client.post("/api/v1/events", content=jsonl("{oops"), headers={**bearer(world.terminal.key), **NDJSON})
    mine = client.get("/api/v1/quarantine", headers=bearer(world.terminal.key)).json()
    assert len(mine) == 1 and mine[0]["location"] == "line 1"
    assert client.get("/api/v1/quarantine", headers=bearer(world.trader_a.key)).json() == []
    qid = mine[0]["id"]
    assert client.get(f"/api/v1/quarantine/{qid}", headers=bearer(world.trader_a.key)).status_code == 404
    detail = client.get(f"/api/v1/quarantine/{qid}", headers=bearer(world.terminal.key)).json()
    assert detail["raw"] == "{oops"
    login(client, world.port_office.admin)
    assert [q["id"] for q in client.get("/api/v1/quarantine").json()] == [qid]


def push_entitled(client, world, events) -> None:  # type: ignore[no-untyped-def]
    for who, mine in by_sender(events).items():
        assert push(client, getattr(world, who).key, *mine).json()["claims"] == 0


def test_the_consignment_api_finds_any_reference(client, world):
    push_entitled(client, world, shipment())
    r = client.get("/api/v1/consignments/9321483/2103N/CNDAL", headers=bearer(world.terminal.key))
    assert r.status_code == 200
    by_decl = client.get(f"/api/v1/consignments/{DECL}", headers=bearer(world.terminal.key)).json()
    kinds = sorted(o["kind"] for o in by_decl["objects"])
    assert kinds == ["bill_of_lading", "container", "container", "declaration", "transport_call"]
    assert len(by_decl["events"]) == 8
    # A partner that reported nothing on it cannot see it.
    assert client.get(f"/api/v1/consignments/{DECL}", headers=bearer(world.trader_b.key)).status_code == 404


def test_the_consignment_page_shows_the_timeline_by_object(client, world):
    push_entitled(client, world, shipment())
    login(client, world.customs.admin)
    page = client.get(f"/consignments/{DECL}")
    assert page.status_code == 200
    assert "COSU6300000001" in page.text and "海关放行" in page.text
    assert client.get("/consignments/NOPE").status_code == 404


def test_docking_status_reports_each_partner(client, world):
    client.post("/api/v1/events", content=jsonl(*shipment(), "{bad"),
                headers={**bearer(world.terminal.key), **NDJSON})
    push(client, world.terminal.key, *shipment())
    login(client, world.port_office.admin)
    rows = {r["source"]: r for r in client.get("/api/v1/docking").json()}
    dct = rows["DCT"]
    assert dct["events"] == 8 and dct["batches"] == 2 and dct["received"] == 17
    assert dct["duplicate_rate"] == round(8 / 17, 4) and dct["quarantine_rate"] == round(1 / 17, 4)
    assert dct["actual_share"] == 1.0 and dct["container_validity"] == 1.0
    assert dct["median_latency_hours"] > 24 * 365  # the fixture's events are from 2022
    assert dct["formats"] == ["jsonl"]
    page = client.get("/docking")
    assert page.status_code == 200 and "DCT" in page.text
    client.cookies.clear()
    theirs = client.get("/api/v1/docking", headers=bearer(world.trader_a.key)).json()
    assert [r["source"] for r in theirs] == []
