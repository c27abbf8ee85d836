"""Cases maintained from ingested events, on SQLite and PostgreSQL."""

from sqlalchemy import select
from tests.events.helpers import CALL, DECL, ev, jsonl, shipment

from kouan.clearance import service
from kouan.clearance.models import ClearanceCase, DirtyConsignment
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

ACTOR = system("tests")


def ingest(kouan, *events, source="DCT"):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        events_service.ingest(s, source=source, org_id=None, sender=KOUAN, data=jsonl(*events), fmt="jsonl",
                              channel="test", now=utcnow(), actor=ACTOR.label)


def refresh(kouan):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        return service.refresh(s, now=utcnow())


def case(kouan, clock="gac"):
    with kouan.sessions() as s:
        return s.get(ClearanceCase, (DECL, clock))


def test_ingesting_a_shipment_gives_its_gac_case(kouan):
    ingest(kouan, *shipment())
    report = refresh(kouan)
    assert report.consignments == 1 and report.cases == 3  # one declaration × three clocks
    c = case(kouan)
    # entry declared at -2 h, release at +20 h (helpers.shipment)
    assert (c.status, c.direction, c.hours, c.month) == ("closed", "I", 22.0, "2022-03")
    assert (c.seg_1, c.seg_2) == (7.0, 15.0)
    assert (c.port, c.province, c.customs_district) == ("CNDAL", "CN-LN", "0900")  # via the call
    with kouan.sessions() as s:
        assert s.scalars(select(DirtyConsignment)).all() == []


def test_a_vessel_event_arriving_last_updates_the_case(kouan):
    events = [e for e in shipment() if e["event_id"] not in ("call-entry", "call-arri")]
    ingest(kouan, *events)
    refresh(kouan)
    assert case(kouan).status == "incomplete"
    ingest(kouan, ev("call-entry", "TRANSPORT_ENTRY_DECLARED", -2, transport_call=CALL, port="CNDAL"))
    assert refresh(kouan).consignments == 1
    assert case(kouan).hours == 22.0


def test_refresh_is_idempotent(kouan):
    ingest(kouan, *shipment())
    refresh(kouan)
    first = case(kouan).hours
    assert refresh(kouan).consignments == 0
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.recompute_all(s, now=utcnow())
    assert case(kouan).hours == first


def test_an_open_case_becomes_closed_when_released(kouan):
    ingest(kouan, *[e for e in shipment() if e["event_id"] != "rel-1"])
    refresh(kouan)
    assert case(kouan).status == "open"
    ingest(kouan, ev("rel-1", "CUSTOMS_RELEASED", 20, declaration=DECL, port="CNDAL"))
    refresh(kouan)
    c = case(kouan)
    assert c.status == "closed" and c.port == "CNDAL" and c.province == "CN-LN"
