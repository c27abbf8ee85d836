"""The arrival match looks only at the declarations that a batch's arrival events name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.declarations.test_api import draft, officer
from tests.declarations.test_cli import push
from tests.events.helpers import jsonl
from tests.factories import login

from kouan.db.session import transaction
from kouan.declarations import jobs, service
from kouan.declarations import repository as repo
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

NOW = datetime.now(UTC).replace(microsecond=0)


def advance(client, world, call: str, bl: str, box: str, direction: str = "I") -> str:  # type: ignore[no-untyped-def]
    voyage = "/".join(call.split("/")[:2])
    push(client, world, {"event_id": f"dep-{voyage}", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                         "occurred_at": (NOW - timedelta(days=5)).isoformat(),
                         "refs": {"transport_call": f"{voyage}/AUPHE"}})
    client.cookies.clear()
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    body = draft(modes=["advance"], direction=direction, transport_call=call, bill_of_lading=bl, containers=[box])
    number = client.post("/api/v1/declarations", json=body, headers=trader).json()["number"]
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader).status_code == 200
    assert client.post(f"/api/v1/declarations/{number}/actions/accept",
                       headers=officer(client, world)).status_code == 200
    return number


def stored_without_match(kouan, *events: dict) -> int:  # type: ignore[no-untyped-def]
    """Store partner events the way a batch is stored, without the after-ingest hook."""
    with transaction(kouan.sessions, actor=system("tests")) as s:
        report = events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, channel="test", now=utcnow(), actor="tests",
                                       data=jsonl(*events))
    return report.batch_id


def status(kouan, number: str) -> str:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return service.get(s, actor=system("tests"), number=number).status


def test_a_batch_releases_only_the_declarations_its_arrival_events_name(client, world, kouan):
    a = advance(client, world, "9321483/A1/CNDAL", "BLA", "CSQU3054383")
    b = advance(client, world, "9321483/B1/CNDAL", "BLB", "MSKU9070323")
    # B's vessel arrived in an earlier batch that was never matched.
    stored_without_match(kouan, {"event_id": "arri-b", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                                 "occurred_at": NOW.isoformat(), "refs": {"transport_call": "9321483/B1/CNDAL"}})
    batch = stored_without_match(kouan, {"event_id": "arri-a", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                                         "occurred_at": NOW.isoformat(),
                                         "refs": {"transport_call": "9321483/A1/CNDAL"}})
    assert jobs.run_arrival_match(kouan.sessions, [batch]) == [a]
    assert (status(kouan, a), status(kouan, b)) == ("released", "accepted")
    assert jobs.run_arrival_match(kouan.sessions) == [b]  # the CLI's sweep still finds the rest


def test_an_export_is_found_by_the_container_of_its_arrival_at_port(client, world, kouan):
    number = advance(client, world, "9321483/E1/CNDAL", "BLE", "CSQU3054383", direction="E")
    other = stored_without_match(kouan, {"event_id": "gtin-x", "milestone": "GOODS_ARRIVED_AT_PORT",
                                         "port": "CNDAL", "occurred_at": NOW.isoformat(),
                                         "refs": {"container": "MSKU9070323"}})
    assert jobs.run_arrival_match(kouan.sessions, [other]) == []
    batch = stored_without_match(kouan, {"event_id": "gtin", "milestone": "GOODS_ARRIVED_AT_PORT", "port": "CNDAL",
                                         "occurred_at": NOW.isoformat(), "refs": {"container": "CSQU3054383"}})
    assert jobs.run_arrival_match(kouan.sessions, [batch]) == [number]


def test_a_batch_without_arrivals_tries_no_declaration(client, world, kouan):
    advance(client, world, "9321483/C1/CNDAL", "BLC", "CSQU3054383")
    batch = stored_without_match(kouan, {"event_id": "manifest", "milestone": "MANIFEST_FILED", "port": "CNDAL",
                                         "occurred_at": NOW.isoformat(),
                                         "refs": {"transport_call": "9321483/C1/CNDAL"}})
    with kouan.sessions() as s:
        keys = repo.arrival_keys(s, [batch])
    assert keys == {"transport_call": set(), "bill_of_lading": set(), "container": set()}



def test_without_a_vessel_arrival_the_tally_of_the_bills_discharge_is_the_arrival(client, world, kouan):
    number = advance(client, world, "9321483/D1/CNDAL", "BLD", "CSQU3054383")
    batch = stored_without_match(kouan, {"event_id": "disc", "milestone": "DISCHARGED", "port": "CNDAL",
                                         "occurred_at": NOW.isoformat(), "refs": {"bill_of_lading": "BLD"}})
    assert jobs.run_arrival_match(kouan.sessions, [batch]) == [number]


def test_an_advance_declaration_accepted_after_the_arrival_is_released_at_acceptance(client, world, kouan):
    voyage, call = "9321483/F1", "9321483/F1/CNDAL"
    push(client, world, {"event_id": "dep-f1", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                         "occurred_at": (NOW - timedelta(days=5)).isoformat(),
                         "refs": {"transport_call": f"{voyage}/AUPHE"}})
    client.cookies.clear()
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    body = draft(modes=["advance"], transport_call=call, bill_of_lading="BLF", containers=["CSQU3054383"])
    number = client.post("/api/v1/declarations", json=body, headers=trader).json()["number"]
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader).status_code == 200
    # Lodged in advance; the vessel arrives before customs accepts, and that batch matched nothing.
    batch = stored_without_match(kouan, {"event_id": "arri-f1", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                                         "occurred_at": NOW.isoformat(), "refs": {"transport_call": call}})
    assert jobs.run_arrival_match(kouan.sessions, [batch]) == [] and status(kouan, number) == "lodged"
    accepted = client.post(f"/api/v1/declarations/{number}/actions/accept", headers=officer(client, world))
    assert accepted.status_code == 200 and accepted.json()["status"] == "released"
    with kouan.sessions() as s:
        milestones = [e.milestone for e in s.scalars(select(Event).where(Event.source == "kouan")
                                                      .order_by(Event.id))]
    assert milestones[-2:] == ["DECLARATION_ACCEPTED", "CUSTOMS_RELEASED"]
    assert jobs.run_arrival_match(kouan.sessions) == []  # nothing left for the sweep


def test_an_advance_declaration_accepted_before_the_arrival_waits_for_it(client, world, kouan):
    number = advance(client, world, "9321483/G1/CNDAL", "BLG", "CSQU3054383")
    assert status(kouan, number) == "accepted"
