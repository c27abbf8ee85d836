"""Ingestion into the event store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from tests.events.helpers import CALL, DECL, ev, jsonl, shipment

from kouan.consignments import timeline
from kouan.db.session import transaction
from kouan.events import service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event, EventRef, IngestBatch, QuarantinedMessage
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

ACTOR = system("tests")


def ingest(kouan, data: bytes, *, source: str = "DCT", fmt: str = "auto"):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        return service.ingest(s, source=source, org_id=None, sender=KOUAN, data=data, fmt=fmt, channel="test",
                              now=utcnow(), actor=ACTOR.label)


def count(kouan, model) -> int:
    with kouan.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_batch_is_stored_and_a_resend_changes_nothing(kouan):
    data = jsonl(*shipment())
    first = ingest(kouan, data)
    assert (first.received, first.stored, first.duplicates, first.quarantined) == (8, 8, 0, 0)
    again = ingest(kouan, data)
    assert (again.received, again.stored, again.duplicates, again.updated) == (8, 0, 8, 0)
    assert count(kouan, Event) == 8


def test_the_same_id_from_another_source_is_another_event(kouan):
    ingest(kouan, jsonl(ev("x1", "GATE_OUT", container="CSQU3054383")), source="DCT")
    ingest(kouan, jsonl(ev("x1", "GATE_OUT", container="CSQU3054383")), source="YKCT")
    assert count(kouan, Event) == 2


def test_a_newer_version_replaces_the_old_and_counts_as_updated(kouan):
    old = ev("v1", "TRANSPORT_ARRIVED", 0, classifier="EST", transport_call=CALL,
             version="2022-03-01T00:00:00+08:00")
    new = ev("v1", "TRANSPORT_ARRIVED", 2, classifier="ACT", transport_call=CALL,
             version="2022-03-01T10:00:00+08:00")
    ingest(kouan, jsonl(old))
    report = ingest(kouan, jsonl(new))
    assert (report.stored, report.updated, report.duplicates) == (0, 1, 0)
    stale = ingest(kouan, jsonl(old))  # an older version arriving late changes nothing
    assert (stale.updated, stale.duplicates) == (0, 1)
    with kouan.sessions() as s:
        e = s.scalars(select(Event)).one()
    assert e.classifier == "ACT" and e.revision == 2


def test_times_are_kept_as_instants_and_received_at_is_recorded(kouan):
    ingest(kouan, jsonl(ev("t1", "GATE_OUT", 0, container="CSQU3054383")))
    with kouan.sessions() as s:
        e = s.scalars(select(Event)).one()
    assert e.occurred_at.isoformat() == "2022-03-01T00:00:00+00:00"  # 08:00 Beijing
    assert e.received_at is not None and e.recorded_at is None


def test_a_resend_in_another_time_zone_is_still_a_duplicate(kouan):
    a = ev("tz1", "GATE_OUT", container="CSQU3054383", occurred_at="2022-03-01T08:00:00+08:00")
    b = ev("tz1", "GATE_OUT", container="CSQU3054383", occurred_at="2022-03-01T00:00:00Z")
    ingest(kouan, jsonl(a))
    assert ingest(kouan, jsonl(b)).duplicates == 1


def test_unknown_codes_are_kept_as_other(kouan):
    ingest(kouan, jsonl(ev("o1", "FUMIGATED", container="CSQU3054383")))
    with kouan.sessions() as s:
        e = s.scalars(select(Event)).one()
    assert (e.milestone, e.original_code) == ("OTHER", "FUMIGATED")


def test_bad_lines_are_quarantined_and_good_lines_beside_them_stored(kouan):
    data = jsonl(ev("g1", "GATE_OUT", container="CSQU3054383"), "{not json",
                 ev("g2", "GATE_OUT", container="MSKU9070323"))
    report = ingest(kouan, data)
    assert (report.received, report.stored, report.quarantined) == (3, 2, 1)
    assert report.errors == [{"where": "line 2", "reason": report.errors[0]["reason"]}]
    with kouan.sessions() as s:
        q = s.scalars(select(QuarantinedMessage)).one()
    assert (q.raw, q.location, q.status, q.source) == ("{not json", "line 2", "open", "DCT")
    assert "JSON" in q.reason


def test_an_unparseable_message_is_quarantined_whole(kouan):
    report = ingest(kouan, b"\xff\xfe garbage", fmt="jsonl")
    assert report.stored == 0 and report.quarantined == 1
    assert count(kouan, QuarantinedMessage) == 1


def test_every_batch_is_audited_with_its_counts(kouan):
    from kouan.audit.models import AuditEntry

    report = ingest(kouan, jsonl(*shipment()))
    with kouan.sessions() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "ingest_batch.create")).one()
        batch = s.get(IngestBatch, report.batch_id)
    assert row.after["stored"] == 8 and row.entity_id == str(report.batch_id)
    assert batch.stored == 8 and batch.containers_checked == 5 and batch.containers_invalid == 0


def test_a_bad_container_check_digit_is_stored_and_counted(kouan):
    report = ingest(kouan, jsonl(ev("c1", "GATE_OUT", container="CSQU3054384", port="CNDAL")))
    assert report.stored == 1
    with kouan.sessions() as s:
        batch = s.get(IngestBatch, report.batch_id)
    assert (batch.containers_checked, batch.containers_invalid) == (1, 1)


def test_refs_are_indexed_for_lookups(kouan):
    ingest(kouan, jsonl(*shipment()))
    with kouan.sessions() as s:
        n = s.scalar(select(func.count()).select_from(EventRef).where(EventRef.key == "CSQU3054383"))
    assert n == 3  # manifest, discharge, gate-out


def test_the_timeline_links_a_declaration_bill_of_lading_containers_and_call(kouan):
    ingest(kouan, jsonl(*shipment()))
    with kouan.sessions() as s:
        t = timeline.for_ref(s, actor=system("tests"), ref=DECL)
        by_container = timeline.for_ref(s, actor=system("tests"), ref="MSKU9070323")
    assert by_container.consignment_id == t.consignment_id
    kinds = {(o.kind, o.key) for o in t.objects}
    assert kinds == {("declaration", DECL), ("bill_of_lading", "COSU6300000001"),
                     ("container", "CSQU3054383"), ("container", "MSKU9070323"),
                     ("transport_call", CALL)}
    ids = [e.event_id for e in t.events]
    assert ids == ["mf-1", "call-entry", "call-arri", "disc-1", "disc-2", "decl-1", "rel-1", "gto-1"]
    container = next(o for o in t.objects if o.key == "CSQU3054383")
    assert [e.event_id for e in t.events if e.id in container.event_pks] == ["mf-1", "disc-1", "gto-1"]


def test_linking_does_not_depend_on_arrival_order(kouan):
    for e in reversed(shipment()):
        ingest(kouan, jsonl(e))
    with kouan.sessions() as s:
        t = timeline.for_ref(s, actor=system("tests"), ref="COSU6300000001")
    assert len(t.events) == 8 and len(t.objects) == 5


def test_a_vessel_call_does_not_merge_the_consignments_it_carries(kouan):
    ingest(kouan, jsonl(
        ev("m1", "MANIFEST_FILED", bill_of_lading="BL1", transport_call=CALL, container="CSQU3054383"),
        ev("m2", "MANIFEST_FILED", bill_of_lading="BL2", transport_call=CALL, container="MSKU9070323"),
    ))
    with kouan.sessions() as s:
        one = timeline.for_ref(s, actor=system("tests"), ref="BL1")
        two = timeline.for_ref(s, actor=system("tests"), ref="BL2")
    assert one.consignment_id != two.consignment_id


def test_a_reused_container_belongs_to_its_latest_trip(kouan):
    ingest(kouan, jsonl(
        ev("t1", "MANIFEST_FILED", 0, bill_of_lading="BLJAN", container="CSQU3054383"),
        ev("t1g", "GATE_OUT", 50, container="CSQU3054383"),
        ev("t2", "MANIFEST_FILED", 24 * 120, bill_of_lading="BLJUN", container="CSQU3054383"),
        ev("t2g", "GATE_OUT", 24 * 120 + 40, container="CSQU3054383"),
    ))
    with kouan.sessions() as s:
        jan = timeline.for_ref(s, actor=system("tests"), ref="BLJAN")
        latest = timeline.for_ref(s, actor=system("tests"), ref="CSQU3054383")
    assert [e.event_id for e in jan.events] == ["t1", "t1g"]
    assert [e.event_id for e in latest.events] == ["t2", "t2g"]
    assert latest.other_consignments == [jan.consignment_id]


def test_two_consignments_merge_when_an_event_names_both(kouan):
    ingest(kouan, jsonl(ev("a", "DECLARATION_LODGED", declaration=DECL),
                        ev("b", "MANIFEST_FILED", bill_of_lading="BLX", container="CSQU3054383")))
    with kouan.sessions() as s:
        assert timeline.for_ref(s, actor=ACTOR, ref=DECL).consignment_id != \
            timeline.for_ref(s, actor=ACTOR, ref="BLX").consignment_id
    ingest(kouan, jsonl(ev("c", "DECLARATION_COMPLETED", declaration=DECL, bill_of_lading="BLX")))
    with kouan.sessions() as s:
        t = timeline.for_ref(s, actor=ACTOR, ref="CSQU3054383")
    assert {e.event_id for e in t.events} == {"a", "b", "c"}


def test_dcsa_transport_call_aliases_meet(kouan):
    alias_a, alias_b = "9321483/2103S/CNDAL", "9321483/2104N/CNDAL"
    ingest(kouan, jsonl(ev("arr", "TRANSPORT_ARRIVED", transport_call=[alias_a, alias_b]),
                        ev("m", "MANIFEST_FILED", bill_of_lading="BLA", transport_call=alias_b)))
    with kouan.sessions() as s:
        t = timeline.for_ref(s, actor=ACTOR, ref="BLA")
    assert "arr" in [e.event_id for e in t.events]


def test_retry_stores_what_now_parses(kouan):
    ingest(kouan, jsonl(ev("ok", "GATE_OUT", container="CSQU3054383"), '{"event_id": "late"'))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        q = s.scalars(select(QuarantinedMessage)).one()
        q.raw = json.dumps(ev("late", "GATE_OUT", container="MSKU9070323"))  # a "mapping fix"
    with transaction(kouan.sessions, actor=ACTOR) as s:
        msgs = list(s.scalars(select(QuarantinedMessage)))
        report = service.retry_quarantined(s, msgs, actor="t", now=utcnow())
    assert (report.resolved, report.stored) == (1, 1)
    with kouan.sessions() as s:
        assert s.scalars(select(QuarantinedMessage)).one().status == "resolved"
        assert s.scalar(select(func.count()).select_from(Event)) == 2


def test_retry_keeps_what_still_fails_with_the_newest_reason(kouan):
    ingest(kouan, jsonl("{broken"))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        msgs = list(s.scalars(select(QuarantinedMessage)))
        report = service.retry_quarantined(s, msgs, actor="t", now=utcnow())
    assert (report.retried, report.still_quarantined) == (1, 1)
    with kouan.sessions() as s:
        q = s.scalars(select(QuarantinedMessage)).one()
    assert q.status == "open" and q.retries == 1 and "JSON" in q.reason
