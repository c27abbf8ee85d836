"""Visibility from facts no partner can forge (``consignments.visibility``), issue 12 findings 2, 9
and 11: a forged stake shows its sender only its own events; customs see their district's; a reused
container's events for another declaration stay off my timeline; an explicit share opens it whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.events.helpers import jsonl
from tests.factories import _org, bearer, login, other_district_officer, run_jobs, valid_uscc

from kouan.audit.models import AuditEntry
from kouan.consignments import visibility
from kouan.db.session import transaction
from kouan.partners.domain import OrgKind, Principal, Role, system

NDJSON = {"Content-Type": "application/x-ndjson"}
CALL = "9321483/2211N/CNDAL"
BL, BOX = "COSU6300000077", "CSQU3054383"
B_DECL = "090020261000000555"


def post(client, key: str, *events: dict) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/events", headers={**bearer(key), **NDJSON}, content=jsonl(*events))
    assert r.status_code == 200 and r.json()["stored"] == len(events), r.text
    run_jobs(client.app.state.kouan)  # the batch's follow-ups, as the server's worker runs them


def ev(event_id: str, milestone: str, at: datetime, **refs: str) -> dict:
    return {"event_id": event_id, "milestone": milestone, "port": "CNDAL", "occurred_at": at.isoformat(),
            "refs": refs}


@pytest.fixture
def shipment(client, world, kouan):  # type: ignore[no-untyped-def]
    """Trader A lodges in Kouan (B/L, box, call); the carrier files the manifest, the terminal
    moves the box; then trader B forges: one event naming A's B/L, and a lodging of its own
    declaration that names A's B/L too (which joins the two into one consignment)."""
    with transaction(kouan.sessions, actor=system("tests")) as s:
        line = world.carrier  # the world's shipping line (COSCO)
        insurer = _org(s, "INS", "保险公司", "insurer", uscc=valid_uscc(11))
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    post(client, line.key, ev("m1", "MANIFEST_FILED", at, bill_of_lading=BL, container=BOX, transport_call=CALL))
    post(client, world.terminal.key, ev("g1", "DISCHARGED", at + timedelta(hours=5), container=BOX,
                                        transport_call=CALL))
    h = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    draft = {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司",
             "port": "CNDAL", "transport_call": CALL, "bill_of_lading": BL, "containers": [BOX],
             "items": [{"hs_code": "2601111000", "description": "铁矿砂", "quantity": "1000",
                        "unit": "TNE", "value": "1000000", "origin": "AU"}]}
    created = client.post("/api/v1/declarations", json=draft, headers=h)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=h).status_code == 200
    client.cookies.clear()
    post(client, world.trader_b.key,
         ev("b-mention", "OTHER", at + timedelta(hours=6), bill_of_lading=BL),
         ev("b-lodged", "DECLARATION_LODGED", at + timedelta(hours=7), declaration=B_DECL,
            bill_of_lading=BL, container=BOX))
    return {"number": number, "line": line, "insurer": insurer}


def as_key(client, key: str, ref: str):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/consignments/{ref}", headers=bearer(key))


def reporters(kouan, codes: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
    """The Gantt table names who reported in the page's language (zh-CN): the organisation's name,
    and the platform's own events as 口岸平台."""
    from sqlalchemy import select

    from kouan.partners.models import Organisation

    with kouan.sessions() as s:
        found = dict(s.execute(select(Organisation.code, Organisation.name)
                               .where(Organisation.code.in_(codes))).tuples().all())
    return {found.get(code, "口岸平台") for code in codes}


def test_a_forged_stake_shows_its_sender_only_its_own_events(client, world, shipment, kouan):
    number = shipment["number"]
    for ref in (BL, BOX, B_DECL):
        mine = as_key(client, world.trader_b.key, ref)
        assert mine.status_code == 200, ref
        body = mine.json()
        assert {e["source"] for e in body["events"]} == {"TRADERB"}, ref
        assert {e["event_id"] for e in body["events"]} == {"b-mention", "b-lodged"}
        assert number not in mine.text and "COSCO" not in mine.text and CALL not in mine.text
        gantt = client.get("/api/v1/dashboard/gantt", params={"ref": ref}, headers=bearer(world.trader_b.key))
        assert gantt.status_code == 200 and number not in gantt.text and "COSCO" not in gantt.text
        assert {row[3] for row in gantt.json()["table"]["rows"]} == reporters(kouan, {"TRADERB"})
    assert as_key(client, world.trader_b.key, number).status_code == 404


def test_the_declarant_the_carrier_the_terminal_and_the_port_office_still_see_it_whole(
        client, world, shipment, kouan):
    every = {"kouan", "COSCO", "DCT", "TRADERB"}
    for key in (world.trader_a.key, shipment["line"].key, world.terminal.key):
        body = as_key(client, key, BL).json()
        assert {e["source"] for e in body["events"]} == every
        assert shipment["number"] in {o["key"] for o in body["objects"]}
    login(client, world.port_office.admin)
    assert {e["source"] for e in client.get(f"/api/v1/consignments/{BOX}").json()["events"]} == every
    gantt = client.get("/api/v1/dashboard/gantt", params={"ref": shipment["number"]}).json()
    assert {row[3] for row in gantt["table"]["rows"]} == reporters(kouan, every)


def test_the_drill_down_lists_the_declarants_declaration_never_the_forgers(kouan, world, shipment):
    def listed(org, kind: OrgKind) -> set[str]:  # type: ignore[no-untyped-def]
        actor = Principal(kind="person", id=1, org_id=org.id, org_kind=kind, role=Role.ADMIN, org_code=org.code)
        with kouan.sessions() as s:
            return visibility.listed_declarations(s, actor)

    assert shipment["number"] in listed(world.trader_a, OrgKind.TRADER)
    assert listed(world.trader_b, OrgKind.TRADER) == {B_DECL}  # its own lodging, not A's
    assert shipment["number"] in listed(shipment["line"], OrgKind.SHIPPING_LINE)
    assert shipment["number"] in listed(world.terminal, OrgKind.TERMINAL)


def test_customs_open_their_districts_consignments_and_another_district_gets_404(
        client, world, kouan, shipment):
    login(client, world.customs.admin)
    assert client.get(f"/api/v1/consignments/{BL}").status_code == 200
    client.cookies.clear()
    login(client, other_district_officer(kouan))
    for ref in (BL, BOX, shipment["number"]):
        assert client.get(f"/api/v1/consignments/{ref}").status_code == 404, ref
        assert client.get("/api/v1/dashboard/gantt", params={"ref": ref}).status_code == 404
        assert client.get(f"/consignments/{ref}").status_code == 404


def test_an_explicit_share_opens_the_consignment_whole_and_is_audited(client, world, kouan, shipment):
    insurer = shipment["insurer"]
    assert as_key(client, insurer.key, BL).status_code == 404
    h = {"X-CSRF-Token": login(client, world.trader_b.admin)}  # the forger holds nothing to share
    r = client.post("/api/v1/consignment-shares", json={"ref": BL, "org_code": "INS"}, headers=h)
    assert r.status_code == 404
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    r = client.post("/api/v1/consignment-shares", json={"ref": shipment["number"], "org_code": "INS"},
                    headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["key"] == shipment["number"] and r.json()["org_code"] == "INS"
    client.cookies.clear()
    body = as_key(client, insurer.key, BL).json()
    assert {e["source"] for e in body["events"]} == {"kouan", "COSCO", "DCT", "TRADERB"}
    with kouan.sessions() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "consignment_share.create"))
    assert entry.actor_org_id == world.trader_a.id and entry.after["org_id"] == insurer.id
    h = {"X-CSRF-Token": login(client, insurer.admin)}  # a share is not passed on
    r = client.post("/api/v1/consignment-shares", json={"ref": BL, "org_code": "TRADERB"}, headers=h)
    assert r.status_code == 404


def test_a_reused_containers_events_for_another_declaration_stay_off_my_timeline(client, world):
    """Finding 9: D2 names a box D1 used on another call ten days earlier; D1's release and
    discharge name D1 or D1's call, so only D2's own and the box's plain moves are D2's."""
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)
    d1, d2 = "090020261000000001", "090020261000000002"
    call1, call2 = "9321483/0001N/CNDAL", "9321483/0002N/CNDAL"
    post(client, world.trader_a.key, ev("l1", "DECLARATION_LODGED", t0, declaration=d1, container=BOX,
                                        transport_call=call1))
    post(client, world.customs.key, ev("r1", "CUSTOMS_RELEASED", t0 + timedelta(days=1), declaration=d1,
                                       container=BOX))
    post(client, world.terminal.key,
         ev("dis1", "DISCHARGED", t0 + timedelta(days=1), container=BOX, transport_call=call1),
         ev("gate2", "GATE_OUT", t0 + timedelta(days=12), container=BOX))
    post(client, world.trader_b.key, ev("l2", "DECLARATION_LODGED", t0 + timedelta(days=10), declaration=d2,
                                        container=BOX, transport_call=call2))
    login(client, world.port_office.admin)
    second = {e["event_id"] for e in client.get(f"/api/v1/consignments/{d2}").json()["events"]}
    first = {e["event_id"] for e in client.get(f"/api/v1/consignments/{d1}").json()["events"]}
    assert second == {"l2", "gate2"}
    assert first == {"l1", "r1", "dis1"}


def test_a_declaration_lodged_in_kouan_naming_anothers_bill_does_not_hold_the_joined_consignment(
        client, world, shipment):
    """Trader B lodges in Kouan a declaration naming A's bill of lading and box (joining the two):
    A's declaration came first and holds it; B sees Kouan's events on its own declaration only."""
    h = {"X-CSRF-Token": login(client, world.trader_b.admin)}
    draft = {"direction": "I", "consignee_uscc": valid_uscc(2), "consignee_name": "乙贸易公司",
             "port": "CNDAL", "transport_call": CALL, "bill_of_lading": BL, "containers": [BOX],
             "items": [{"hs_code": "2601111000", "description": "铁矿砂", "quantity": "1",
                        "unit": "TNE", "value": "1000", "origin": "AU"}]}
    created = client.post("/api/v1/declarations", json=draft, headers=h)
    assert created.status_code == 201, created.text
    theirs = created.json()["number"]
    assert client.post(f"/api/v1/declarations/{theirs}/actions/lodge", headers=h).status_code == 200
    body = client.get(f"/api/v1/consignments/{theirs}").json()
    assert {e["source"] for e in body["events"]} == {"kouan", "TRADERB"}
    assert all(["declaration", shipment["number"]] not in e["refs"] for e in body["events"])
    assert shipment["number"] not in {o["key"] for o in body["objects"]}
    page = client.get(f"/declarations/{theirs}")
    assert page.status_code == 200 and shipment["number"] not in page.text and "COSCO" not in page.text
    client.cookies.clear()
    mine = as_key(client, world.trader_a.key, BL).json()
    assert theirs in {o["key"] for o in mine["objects"]} and "COSCO" in {e["source"] for e in mine["events"]}


def test_the_policy_names_every_organisation_kind_and_keeps_overseeing_to_people():
    assert set(visibility.POLICY) == set(OrgKind)
    person = Principal(kind="person", id=1, org_id=1, org_kind=OrgKind.PORT_OFFICE, role=Role.VIEWER)
    key = Principal(kind="apikey", id=1, org_id=1, org_kind=OrgKind.PORT_OFFICE, scopes=frozenset({"read"}))
    officer_key = Principal(kind="apikey", id=2, org_id=2, org_kind=OrgKind.CUSTOMS, scopes=frozenset({"read"}))
    assert visibility.sees_everything(person) and not visibility.sees_everything(key)
    assert visibility.bases(officer_key) == frozenset()
    insurer = Principal(kind="person", id=3, org_id=3, org_kind=OrgKind.INSURER, role=Role.ADMIN)
    assert visibility.bases(insurer) == {visibility.Basis.SHARED}
    assert not visibility.bases(insurer) & visibility.MAY_SHARE  # a share is not passed on
