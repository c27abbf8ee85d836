"""Authority over facts (issue 12, findings 1 and 10): only a sender entitled to state a fact moves a
workflow or a clock; another's is stored and shown as a claim, and counted on the docking view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.declarations.test_api import officer
from tests.declarations.test_arrival_match import advance, status
from tests.declarations.test_cli import push
from tests.events.helpers import DECL, by_sender, ev, jsonl, shipment
from tests.factories import bearer, login, run_jobs, valid_uscc

from kouan.clearance import service as clearance_service
from kouan.clearance.models import ClearanceCase
from kouan.db.session import transaction
from kouan.declarations import jobs
from kouan.events import service as events_service
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system

NDJSON = {"Content-Type": "application/x-ndjson"}
NOW = datetime.now(UTC).replace(microsecond=0)
ACTOR = system("tests")


def arrival(event_id: str, call: str, classifier: str = "ACT") -> dict:
    return {"event_id": event_id, "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL", "classifier": classifier,
            "occurred_at": (NOW - timedelta(hours=1)).isoformat(), "refs": {"transport_call": call}}


def post(client, key: str, *events: dict) -> dict:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/events", content=jsonl(*events), headers={**bearer(key), **NDJSON})
    assert r.status_code == 200, r.text
    run_jobs(client.app.state.kouan)  # the batch's follow-ups, as the server's worker runs them
    return r.json()


def authority_of(kouan, event_id: str) -> str:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return s.scalar(select(Event.authority).where(Event.event_id == event_id))


def test_another_declarants_arrival_for_my_call_is_a_claim_and_releases_nothing(client, world, kouan):
    number = advance(client, world, "9321483/F1/CNDAL", "BLF", "CSQU3054383")
    forged = post(client, world.trader_b.key, arrival("forged", "9321483/F1/CNDAL"))
    assert (forged["stored"], forged["claims"]) == (1, 1)
    assert authority_of(kouan, "forged") == "claim"
    assert status(kouan, number) == "accepted"  # the after-ingest match ran and found no arrival
    assert jobs.run_arrival_match(kouan.sessions) == []  # nor does the CLI's sweep
    # The call's terminal states it: released.
    assert post(client, world.terminal.key, arrival("real", "9321483/F1/CNDAL"))["claims"] == 0
    assert status(kouan, number) == "released"


def test_a_terminal_at_another_port_and_customs_of_another_district_state_only_claims(client, world, kouan):
    number = advance(client, world, "9321483/G1/CNDAL", "BLG", "CSQU3054383")
    with transaction(kouan.sessions, actor=ACTOR) as s:
        for code, kind, port, district in (("YKCT", "terminal", "CNYIK", None), ("SHCUS", "customs", None, "2200")):
            org = partners_service.create_org(s, actor=ACTOR, now=utcnow(), fields=partners_service.OrgFields(
                code=code, name=code, kind=kind, home_port=port, customs_district=district,
                uscc=valid_uscc(7) if kind == "terminal" else None))
            report = events_service.ingest(s, source=org.code, org_id=org.id, channel="test", now=utcnow(),
                                           actor="tests", data=jsonl(
                                               arrival(f"{code}-arr", "9321483/G1/CNDAL"),
                                               ev(f"{code}-rel", "CUSTOMS_RELEASED", declaration=number)))
            assert report.claims == 2
    assert jobs.run_arrival_match(kouan.sessions) == []
    assert status(kouan, number) == "accepted"


def test_an_insurers_goods_arrival_releases_no_export_declaration(client, world, kouan):
    number = advance(client, world, "9321483/E2/CNDAL", "BLE2", "MSKU9070323", direction="E")
    with transaction(kouan.sessions, actor=ACTOR) as s:
        org = partners_service.create_org(s, actor=ACTOR, now=utcnow(), fields=partners_service.OrgFields(
            code="SINOSURE", name="中国信保", kind="insurer", uscc=valid_uscc(8)))
        # An insurer's person may upload a file: what it says is still only a claim.
        report = events_service.ingest(s, source=org.code, org_id=org.id, channel="http", now=utcnow(),
                                       actor="tests", data=jsonl({
                                           "event_id": "in-forged", "milestone": "GOODS_ARRIVED_AT_PORT",
                                           "port": "CNDAL", "occurred_at": NOW.isoformat(),
                                           "refs": {"container": "MSKU9070323"}}))
    assert report.claims == 1
    assert jobs.run_arrival_match(kouan.sessions, [report.batch_id]) == []
    assert status(kouan, number) == "accepted"
    push(client, world, {"event_id": "in-real", "milestone": "GOODS_ARRIVED_AT_PORT", "port": "CNDAL",
                         "occurred_at": NOW.isoformat(), "refs": {"container": "MSKU9070323"}})
    assert status(kouan, number) == "released"  # the terminal's 运抵


def _ingest_entitled(kouan, world, events) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=ACTOR) as s:
        for who, mine in by_sender(events).items():
            org = getattr(world, who)
            report = events_service.ingest(s, source=org.code, org_id=org.id, channel="test", now=utcnow(),
                                           actor="tests", data=jsonl(*mine))
            assert report.claims == 0, who


def _cases(kouan) -> dict:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return {(c.declaration, c.clock): (c.status, c.start_at, c.end_at, c.hours, c.seg_1)
                for c in s.scalars(select(ClearanceCase))}


def test_a_claim_changes_no_clearance_case_on_either_recompute_path(client, world, kouan):
    _ingest_entitled(kouan, world, shipment())
    with transaction(kouan.sessions, actor=ACTOR) as s:
        clearance_service.refresh(s, now=utcnow())
    before = _cases(kouan)
    assert before[(DECL, "gac")][0] == "closed" and before[(DECL, "gac")][3] == 22.0
    forged = [ev("f-entry", "TRANSPORT_ENTRY_DECLARED", -40, transport_call="9321483/2103N/CNDAL", port="CNDAL"),
              ev("f-rel", "CUSTOMS_RELEASED", 1, declaration=DECL),
              arrival("f-arr", "9321483/2103N/CNDAL")]
    assert post(client, world.trader_b.key, *forged)["claims"] == 3
    assert post(client, world.terminal.key, forged[1])["claims"] == 1  # a terminal no release
    with transaction(kouan.sessions, actor=ACTOR) as s:
        clearance_service.refresh(s, now=utcnow())
    after_refresh = _cases(kouan)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        clearance_service.recompute_all_set_based(s, now=utcnow())
    assert _cases(kouan)[(DECL, "gac")] == after_refresh[(DECL, "gac")]
    for key in ((DECL, "gac"), (DECL, "trs"), (DECL, "trs_exit")):
        assert after_refresh[key] == before[key]


def test_the_docking_view_counts_each_feeds_claims_and_the_timeline_marks_them(client, world, kouan):
    _ingest_entitled(kouan, world, shipment())
    post(client, world.trader_b.key, ev("g2", "GATE_OUT", container="CSQU3054383", port="CNDAL"),
         ev("g3", "DISCHARGED", container="CSQU3054383", port="CNDAL"))
    login(client, world.port_office.admin)
    rows = {r["source"]: r for r in client.get("/api/v1/docking").json()}
    assert (rows["TRADERB"]["claims"], rows["TRADERB"]["claim_share"]) == (2, 1.0)
    assert rows["DCT"]["claims"] == 0
    page = client.get("/docking").text
    assert 'data-testid="claims">2' in page
    timeline = client.get(f"/api/v1/consignments/{DECL}").json()
    marks = {e["event_id"]: e["authority"] for e in timeline["events"]}
    assert {k for k, v in marks.items() if v == "claim"} == {"g2", "g3"} and len(marks) == 10
    assert 'data-testid="claim"' in client.get(f"/consignments/{DECL}").text


def test_an_estimated_arrival_releases_nothing_and_offers_no_release(client, world, kouan):
    number = advance(client, world, "9321483/H1/CNDAL", "BLH", "CSQU3054383")
    push(client, world, arrival("eta", "9321483/H1/CNDAL", classifier="EST"))  # the terminal's estimate
    assert status(kouan, number) == "accepted"
    headers = officer(client, world)
    got = client.get(f"/api/v1/declarations/{number}").json()["allowed_actions"]
    assert "match_arrival" not in got and "release" not in got and "order_inspection" in got
    refused = client.post(f"/api/v1/declarations/{number}/actions/release", headers=headers)
    assert refused.status_code == 409 and refused.json()["code"] == "release_not_arrived"
    assert "release" not in refused.json()["allowed_actions"]
    push(client, world, arrival("ata", "9321483/H1/CNDAL"))
    assert status(kouan, number) == "released"


def test_keys_carry_the_least_scope_of_their_kind_and_never_more_than_it_may_have(kouan, world):
    import pytest

    from kouan.kit.errors import InvalidInput

    with transaction(kouan.sessions, actor=ACTOR) as s:
        org = partners_service.create_org(s, actor=ACTOR, now=utcnow(), fields=partners_service.OrgFields(
            code="SINOSURE", name="中国信保", kind="insurer", uscc=valid_uscc(9)))
        with pytest.raises(InvalidInput):  # an insurer's key has no scope unless asked for
            partners_service.create_api_key(s, actor=ACTOR, org_id=org.id, name="k", now=utcnow())
        with pytest.raises(InvalidInput):  # and may never write events
            partners_service.create_api_key(s, actor=ACTOR, org_id=org.id, name="k", scopes=["events:write"],
                                            now=utcnow())
        assert partners_service.create_api_key(s, actor=ACTOR, org_id=org.id, name="k", scopes=["read"],
                                               now=utcnow()).key.scopes == ["read"]
        terminal = partners_service.create_api_key(s, actor=ACTOR, org_id=world.terminal.id, name="t", now=utcnow())
        trader = partners_service.create_api_key(s, actor=ACTOR, org_id=world.trader_a.id, name="t", now=utcnow())
        assert (terminal.key.scopes, trader.key.scopes) == (["events:write", "read"], ["read"])


def test_a_newer_version_that_is_a_claim_no_longer_moves_the_clock_it_moved(client, world, kouan):
    _ingest_entitled(kouan, world, shipment())
    with transaction(kouan.sessions, actor=ACTOR) as s:
        clearance_service.refresh(s, now=utcnow())
    assert _cases(kouan)[(DECL, "trs_exit")][0] == "closed"  # ended by the terminal's gate-out
    # The terminal restates its gate-out as at another port, where it is not the terminal.
    moved = ev("gto-1", "GATE_OUT", 26, container="CSQU3054383", port="CNYIK", version=NOW.isoformat())
    assert post(client, world.terminal.key, moved)["claims"] == 1
    with transaction(kouan.sessions, actor=ACTOR) as s:
        clearance_service.refresh(s, now=utcnow())
    assert _cases(kouan)[(DECL, "trs_exit")][0] == "open"


def test_only_the_port_office_sets_a_shipping_lines_fleet(client, world, kouan):
    token = login(client, world.carrier.admin)
    mine = client.patch(f"/api/v1/organisations/{world.carrier.id}", json={"fleet": ["9321483", "9999999"]},
                        headers={"X-CSRF-Token": token})
    assert mine.status_code == 403
    client.cookies.clear()
    token = login(client, world.port_office.admin)
    done = client.patch(f"/api/v1/organisations/{world.carrier.id}", json={"fleet": ["9321483", "9999999"]},
                        headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["fleet"] == ["9321483", "9999999"]
    bad = client.patch(f"/api/v1/organisations/{world.carrier.id}", json={"fleet": ["93214"]},
                       headers={"X-CSRF-Token": token})
    assert bad.status_code == 422
