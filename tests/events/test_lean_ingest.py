"""The lean ingest path (clean-record parsing, driver-level row writes, set-based dirty marking)
gives exactly what the full validation and the ORM give."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.events.helpers import CALL, DECL, ev, jsonl

from kouan.clearance.models import DirtyConsignment
from kouan.consignments import dirty
from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember
from kouan.db.session import transaction
from kouan.events import service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.formats.canonical import FieldError, build_event, clean_event, parse_jsonl
from kouan.events.models import Event, EventRef
from kouan.kit.clock import CHINA_TZ
from kouan.kit.jsonutil import jsonable
from kouan.partners.domain import system

ACTOR = system("tests")

# Each field is usually in its stored form and sometimes a near miss (case, spaces, dashes, naive
# times, bad check digits) or plainly wrong, so records are clean, slightly off or broken.


def field(clean: list, messy: list) -> st.SearchStrategy:
    return st.integers(0, 9).flatmap(lambda i: st.sampled_from(messy if i == 0 else clean))


TIMES = ["2022-03-01T08:30:00+08:00", "2022-03-01T00:30:00Z", "2022-03-01T08:30:00.25+08:00"]
BAD_TIMES = ["2022-03-01T08:30:00", "2022-03-01", " 2022-03-01T08:30:00+08:00", "2022-13-01T08:30:00+08:00",
             "0001-01-01T00:30:00+08:00", "2022-03-01T08:30:00+08:00\x00x", "２０２２-03-01T08:30:00+08:00", 5]
refs = st.fixed_dictionaries({}, optional={
    "container": field(["CSQU3054383", "CSQU3054384", ["CSQU3054383", "MSKU9070323", "CSQU3054383"]],
                       ["csqu3054383", "CSQU 305438-3", "CSQU-3054383", "", None, 7, ["MSKU9070323", None]]),
    "bill_of_lading": field(["COSU6300000001", "BL/1-A.2", ["BL1", "BL2"]], ["cosu 630", "", None, {"a": 1}]),
    "booking": field(["BK9"], ["bk9", ["BK9", 1]]),
    "transport_call": field([CALL], ["9321483/2103N/XX", "9321483//CNDAL", CALL.lower(), "A/B/CNDAL/D",
                                     "X" * 76 + "/B/CNDAL"]),
    "declaration": field([DECL], ["090020222000012345", "0900202210000123", " " + DECL, "０" * 18]),
})
fields = st.fixed_dictionaries(
    {"milestone": field(["GATE_OUT", "OTHER", "DISCHARGED"], ["gate_out", " GATE_OUT", "BERTHED", "", None, 3]),
     "occurred_at": field(TIMES, BAD_TIMES + [None]),
     "event_id": field(["E-1", "事件/1"], [" E-1", "", "x" * 161, 12, None])},
    optional={
        "classifier": field(["ACT", "EST"], ["est", "XYZ", "", None, ["ACT"]]),
        "recorded_at": field(TIMES, BAD_TIMES), "version": field(TIMES, BAD_TIMES + [None]),
        "port": field(["CNDAL"], ["cndal", "CNDA1", "", None, 1]),
        "direction": field(["I", "E"], ["i", "X", "", None, {}]),
        "refs": field([{}], [None, [], "x", {"vessel": "V1"}]) | refs,
        "attrs": st.dictionaries(st.sampled_from(["hs_code", "flags", "备注"]),
                                 st.sampled_from(["8471300000", "上海", ["x"], 1.5, None, 2 ** 64 + 1, -(2 ** 70) - 3])) | st.sampled_from([None, []]),
    })  # fmt: skip
record = st.tuples(fields, st.integers(0, 9)).map(  # now and then a misspelt field
    lambda p: {**p[0], "occured_at": "2022-03-01T08:30:00+08:00"} if p[1] == 0 else p[0])


def _full(rec: dict) -> object:
    try:
        return build_event(rec, tz=CHINA_TZ, id_prefix="json", location="line 1")
    except FieldError as exc:
        return exc


@settings(max_examples=600, deadline=None)
@given(record)
def test_the_clean_record_path_gives_exactly_what_full_validation_gives_or_steps_aside(rec) -> None:
    fast = clean_event(json.loads(json.dumps(rec)), "line 1", {})
    full = _full(rec)
    if fast is not None:
        assert not isinstance(full, FieldError), f"the clean path took a record the full one rejects: {full}"
        assert fast == full
        assert (fast.location, fast.attrs, fast.refs) == (full.location, full.attrs, full.refs)


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=8))
def test_a_jsonl_message_parses_to_what_line_by_line_validation_gives(recs) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in recs] + ['{"event_id": "broken"', '"\\ud800"']
    result = parse_jsonl("\n".join(lines).encode())
    expected_events, expected_rejections = [], []
    for number, line in enumerate(lines, start=1):
        try:
            outcome = build_event(json.loads(line), tz=CHINA_TZ, id_prefix="json", location=f"line {number}")
            expected_events.append(outcome)
        except (FieldError, ValueError) as exc:
            expected_rejections.append(f"line {number}")
            assert isinstance(exc, FieldError | json.JSONDecodeError)
    assert result.events == expected_events
    assert [e.location for e in result.events] == [e.location for e in expected_events]
    assert [r.where for r in result.rejections] == expected_rejections


def _ingest(kouan, data: bytes, now: datetime):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        return service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=data, fmt="jsonl", channel="test",
                              now=now, actor=ACTOR.label)


def test_rows_written_by_the_driver_read_back_through_the_orm_as_parsed(kouan) -> None:
    lines = [
        ev("m-1", "MANIFEST_FILED", -30, bill_of_lading="COSU6300000001", transport_call=CALL,
           container=["CSQU3054383", "CSQU3054384"], port="CNDAL", direction="I",
           recorded_at="2022-03-01T00:00:00.123456Z", attrs={"备注": "上海 \"港\"", "n": 2 ** 70}),
        ev("d-1", "DECLARATION_LODGED", 5, declaration=DECL, bill_of_lading="cosu 6300000001",
           version="2022-03-02T08:00:00+08:00", attrs={"hs_code": "8471300000", "modes": ["two_step"]}),
        ev("x-1", "DISCHARGED", 3, container="CSQU3054383", transport_call=CALL, classifier="EST"),
        ev("o-1", "BERTHED_SOMEWHERE", 1, transport_call=CALL, occurred_at="2022-03-01T09:00:00"),
    ]
    now = datetime(2026, 11, 27, 9, 0, 0, 654321, tzinfo=UTC)
    data = jsonl(*lines)
    report = _ingest(kouan, data, now)
    assert (report.stored, report.quarantined) == (4, 0)
    parsed = {e.event_id: e for e in parse_jsonl(data).events}
    with kouan.sessions() as s:
        rows = {e.event_id: e for e in s.scalars(select(Event))}
        refs = {(r.event_pk, r.kind, r.key) for r in s.scalars(select(EventRef))}
        hubs = {(h.kind, h.key): h.linked_at for h in s.scalars(select(ConsignmentHub))}
        members = {(m.kind, m.key) for m in s.scalars(select(ConsignmentMember))}
        consignment = s.scalars(select(Consignment)).one()
    assert rows.keys() == parsed.keys()
    for eid, e in parsed.items():
        row = rows[eid]
        pairs = sorted({(r.kind.value, r.key) for r in e.refs})
        assert (row.source, row.milestone, row.original_code, row.classifier, row.port, row.direction) == (
            "DCT", e.milestone.value, e.original_code, e.classifier.value, e.port,
            e.direction.value if e.direction else None)
        assert (row.occurred_at, row.recorded_at, row.version, row.received_at) == (
            e.occurred_at, e.recorded_at, e.version, now)
        assert row.occurred_at.tzinfo is not None and row.received_at.microsecond == 654321
        assert row.refs == [list(p) for p in pairs]
        assert row.attrs == jsonable(e.attrs)
        assert (row.content_hash, row.revision) == (service.content_hash(e), 1)
        assert {(k, key) for pk, k, key in refs if pk == row.id} == set(pairs)
    assert rows["m-1"].attrs["备注"] == "上海 \"港\"" and rows["m-1"].attrs["n"] == 2 ** 70
    assert rows["m-1"].attrs["flags"] == [
        "container 'CSQU3054384' has check digit 4, ISO 6346 gives 3"]
    assert rows["o-1"].attrs["assumed_timezone"] == "Asia/Shanghai"
    assert members == {("bill_of_lading", "COSU6300000001"), ("declaration", DECL)}
    assert hubs[("container", "CSQU3054383")] == parsed["m-1"].occurred_at
    assert hubs[("transport_call", CALL)] == parsed["m-1"].occurred_at
    assert consignment.created_at == consignment.updated_at == now
    assert _ingest(kouan, data, now).duplicates == 4  # the stored hashes match what is computed


def test_marking_dirty_keeps_one_mark_per_consignment(kouan) -> None:
    _ingest(kouan, jsonl(ev("d-1", "DECLARATION_LODGED", 0, declaration=DECL, bill_of_lading="BL1"),
                         ev("d-2", "DECLARATION_LODGED", 0, declaration="090020221000012346")),
            datetime.now(UTC))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        ids = list(s.scalars(select(Consignment.id)))
        assert sorted(s.scalars(select(DirtyConsignment.consignment_id))) == sorted(ids)
        dirty.mark_dirty(s, [*ids, *ids])
        dirty.mark_dirty(s, [])
    with kouan.sessions() as s:
        assert sorted(s.scalars(select(DirtyConsignment.consignment_id))) == sorted(ids)
