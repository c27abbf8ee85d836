"""Kouan's own formats: JSON array, JSON Lines and CSV, and format sniffing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kouan.events.domain import Classifier, Direction, Milestone, Ref, RefKind
from kouan.events.formats import canonical

CST = timezone(timedelta(hours=8))
DCSA_EXAMPLE = Path(__file__).parent.parent / "data" / "dcsa" / "tnt-v2.2.0-get-events-response.json"

FULL = {
    "event_id": "DLT-2024-000123",
    "milestone": "GATE_OUT",
    "classifier": "ACT",
    "occurred_at": "2024-03-01T08:30:00+08:00",
    "recorded_at": "2024-03-01T08:31:10+08:00",
    "port": "CNDAL",
    "direction": "I",
    "refs": {
        "declaration": "090020241000012345",
        "bill_of_lading": ["COSU 6123456780"],
        "container": ["APZU4812090", "msku 123456-5"],
        "transport_call": "9321483/2103N/CNDAL",
        "booking": "BK1",
    },
    "attrs": {"hs_code": "8471300000", "inspection_method": "machine"},
    "version": "2024-03-01T08:31:10+08:00",
}


def encode(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


# --- JSON -----------------------------------------------------------------------------------


def test_it_reads_every_field_of_a_canonical_json_record():
    result = canonical.parse_json(encode([FULL]))
    assert result.rejections == []
    (event,) = result.events
    assert event.event_id == "DLT-2024-000123"
    assert (event.milestone, event.classifier, event.direction) == (
        Milestone.GATE_OUT, Classifier.ACT, Direction.IMPORT,
    )  # fmt: skip
    assert event.occurred_at == datetime(2024, 3, 1, 8, 30, tzinfo=CST)
    assert event.recorded_at == event.version == datetime(2024, 3, 1, 8, 31, 10, tzinfo=CST)
    assert event.port == "CNDAL"
    assert event.refs == (
        Ref(RefKind.DECLARATION, "090020241000012345"),
        Ref(RefKind.BILL_OF_LADING, "COSU6123456780"),
        Ref(RefKind.CONTAINER, "APZU4812090"),
        Ref(RefKind.CONTAINER, "MSKU1234565"),
        Ref(RefKind.TRANSPORT_CALL, "9321483/2103N/CNDAL"),
        Ref(RefKind.BOOKING, "BK1"),
    )
    assert event.attrs == {"hs_code": "8471300000", "inspection_method": "machine"}
    assert event.original_code is None
    assert event.location == "/0"


def test_it_accepts_a_single_json_object_and_defaults_the_classifier_to_actual():
    record = {"event_id": "x", "milestone": "loaded", "occurred_at": "2024-03-01T08:30:00Z"}
    (event,) = canonical.parse_json(encode(record)).events
    assert (event.milestone, event.classifier) == (Milestone.LOADED, Classifier.ACT)
    assert event.occurred_at == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def test_it_keeps_unknown_milestones_as_other_with_the_original_value():
    record = {"milestone": "QUARANTINE_SAMPLED", "occurred_at": "2024-03-01T08:30:00Z"}
    (event,) = canonical.parse_json(encode([record])).events
    assert (event.milestone, event.original_code) == (Milestone.OTHER, "QUARANTINE_SAMPLED")


def test_it_assumes_port_local_time_for_a_naive_time_and_says_so():
    record = {"event_id": "n", "milestone": "DISCHARGED", "occurred_at": "2024-03-01T08:30:00"}
    (event,) = canonical.parse_json(encode([record])).events
    assert event.occurred_at == datetime(2024, 3, 1, 0, 30, tzinfo=UTC)
    assert event.attrs["assumed_timezone"] == "Asia/Shanghai"


def test_it_assumes_the_timezone_it_is_given():
    record = {"event_id": "n", "milestone": "DISCHARGED", "occurred_at": "2024-03-01 08:30"}
    (event,) = canonical.parse_json(encode(record), tz=ZoneInfo("UTC")).events
    assert event.occurred_at == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    assert event.attrs["assumed_timezone"] == "UTC"


def test_it_does_not_note_an_assumed_timezone_when_times_carry_offsets():
    (event,) = canonical.parse_json(encode([FULL])).events
    assert "assumed_timezone" not in event.attrs


def test_it_derives_a_stable_event_id_from_the_content_when_none_is_sent():
    record = {k: v for k, v in FULL.items() if k != "event_id"}
    first = canonical.parse_json(encode([record])).events[0].event_id
    resent = canonical.parse_json(encode([record | {"recorded_at": "2024-03-02T00:00:00Z"}]))
    other = canonical.parse_json(encode([record | {"occurred_at": "2024-03-01T08:31:00+08:00"}]))
    assert first.startswith("json:")
    assert resent.events[0].event_id == first  # a re-export with a fresh recorded_at is a duplicate
    assert other.events[0].event_id != first


def test_it_keeps_a_container_with_a_wrong_check_digit_and_flags_it():
    record = FULL | {"refs": {"container": "APZU4812091"}}
    (event,) = canonical.parse_json(encode([record])).events
    assert event.keys(RefKind.CONTAINER) == ("APZU4812091",)
    assert event.attrs["flags"] == ["container 'APZU4812091' has check digit 1, ISO 6346 gives 0"]


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"refs": {"declaration": "0900202410000123"}}, "/1/refs/declaration", "18-digit"),
        ({"refs": {"declaration": ["090020245000012345"]}}, "/1/refs/declaration/0", "position 9"),
        ({"port": "DALIAN"}, "/1/port", "UN/LOCODE"),
        ({"direction": "X"}, "/1/direction", "I (import) or E (export)"),
        ({"classifier": "REQ"}, "/1/classifier", "ACT, EST or PLN"),
        ({"occurred_at": "2024-03-01"}, "/1/occurred_at", "time of day"),
        ({"occurred_at": "soon"}, "/1/occurred_at", "ISO 8601"),
        ({"occurred_at": "2024-03-01T08:30:00Z\u0000junk"}, "/1/occurred_at", "ISO 8601"),
        ({"occurred_at": None}, "/1/occurred_at", "required"),
        ({"refs": {"vessel": "X"}}, "/1/refs/vessel", "unknown reference kind"),
        ({"refs": {"transport_call": "9321483/2103N"}}, "/1/refs/transport_call", "IMO/VOYAGE/LOCODE"),
        ({"attrs": ["a"]}, "/1/attrs", "expected an object"),
        ({"occured_at": "2024-03-01T08:30:00Z"}, "/1/occured_at", "unknown field"),
        ({"event_id": "x" * 161}, "/1/event_id", "160"),
    ],
)
def test_it_rejects_an_invalid_field_with_a_pointer_and_keeps_the_records_beside_it(change, where, words):
    records = [FULL | {"event_id": "a"}, FULL | {"event_id": "b"} | change, FULL | {"event_id": "c"}]
    text = json.dumps(records, indent=1)
    result = canonical.parse_json(text.encode())
    assert [e.event_id for e in result.events] == ["a", "c"]
    (rejection,) = result.rejections
    assert rejection.where == where
    assert words in rejection.reason
    assert rejection.reason.startswith(where.split("/")[2])  # the reason names the field
    assert json.loads(rejection.raw) == records[1] and rejection.raw in text


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (b"", "document", "empty"),
        (b" \n ", "document", "empty"),
        (b'"an event"', "document", "JSON array"),
        (b"[1, 2", "line 1 column 6", "not valid JSON"),
        ("时间".encode("gbk"), "byte 2", "UTF-8"),  # CA B1 happens to be valid UTF-8
    ],
)
def test_it_rejects_unusable_json_input_once_and_clearly(data, where, words):
    result = canonical.parse_json(data)
    assert result.events == []
    (rejection,) = result.rejections
    assert (rejection.where, words in rejection.reason) == (where, True)


def test_it_rejects_a_non_object_element_alone():
    result = canonical.parse_json(encode([42, FULL]))
    assert len(result.events) == 1
    assert (result.rejections[0].where, result.rejections[0].raw) == ("/0", "42")


def test_an_empty_array_is_no_events_and_no_rejections():
    assert canonical.parse_json(b"[]") == canonical.ParseResult()


# --- JSON Lines -----------------------------------------------------------------------------


def test_it_quarantines_a_bad_json_line_and_keeps_the_lines_beside_it():
    lines = [
        json.dumps({"event_id": "1", "milestone": "LOADED", "occurred_at": "2024-03-01T08:30:00Z"}),
        '{"event_id": "2", "milestone": "LOADED", "occurred_at": ',
        json.dumps({"event_id": "3", "milestone": "DISCHARGED", "occurred_at": "2024-03-02T08:30:00Z"}),
    ]
    result = canonical.parse_jsonl("\n".join(lines).encode())
    assert [(e.event_id, e.location) for e in result.events] == [("1", "line 1"), ("3", "line 3")]
    (rejection,) = result.rejections
    assert (rejection.where, rejection.raw) == ("line 2", lines[1])
    assert "not valid JSON" in rejection.reason


def test_it_counts_blank_lines_and_names_the_field_of_a_bad_line():
    data = (
        b'{"event_id":"1","milestone":"LOADED","occurred_at":"2024-03-01T08:30:00Z"}\r\n'
        b"\r\n"
        b'{"event_id":"2","milestone":"LOADED","occurred_at":"2024-03-01T08:30:00Z","port":"cn"}\r\n'
    )
    result = canonical.parse_jsonl(data)
    assert [e.event_id for e in result.events] == ["1"]
    (rejection,) = result.rejections
    assert rejection.where == "line 3" and rejection.reason.startswith("port: ")
    assert not rejection.raw.endswith("\r")


def test_it_reads_json_lines_naive_times_in_port_local_time():
    data = b'{"event_id":"1","milestone":"GATE_OUT","occurred_at":"2024-03-01T08:30:00"}\n'
    (event,) = canonical.parse_jsonl(data).events
    assert event.occurred_at == datetime(2024, 3, 1, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


# --- CSV ------------------------------------------------------------------------------------

CSV = (
    "event_id,milestone,classifier,occurred_at,port,direction,ref_declaration,ref_bill_of_lading,"
    "ref_container,ref_transport_call,attr_hs_code,attr_inspection_method\n"
    "C1,GOODS_ARRIVED_AT_PORT,ACT,2024-03-01T08:30:00+08:00,CNDAL,E,090020240000012345,COSU61234,"
    "APZU4812090;MSKU1234565|TGHU7654320,,8471300000,\n"
    "C2,LOADED,,2024-03-01 09:30,CNDAL,E,,,APZU4812090,9321483/2103S/CNDAL,,\n"
)


def test_it_reads_csv_with_several_containers_in_one_cell():
    result = canonical.parse_csv(CSV.encode())
    assert result.rejections == []
    first, second = result.events
    assert first.keys(RefKind.CONTAINER) == ("APZU4812090", "MSKU1234565", "TGHU7654320")
    assert first.keys(RefKind.DECLARATION) == ("090020240000012345",)
    assert first.keys(RefKind.BILL_OF_LADING) == ("COSU61234",)
    assert (first.milestone, first.direction, first.port) == (
        Milestone.GOODS_ARRIVED_AT_PORT, Direction.EXPORT, "CNDAL",
    )  # fmt: skip
    assert first.attrs == {"hs_code": "8471300000"}
    assert first.location == "line 2"
    assert second.keys(RefKind.TRANSPORT_CALL) == ("9321483/2103S/CNDAL",)
    assert second.classifier == Classifier.ACT
    assert second.attrs["assumed_timezone"] == "Asia/Shanghai"


def test_it_names_the_csv_column_and_line_of_a_bad_row_and_keeps_the_others():
    bad_row = "C3,LOADED,,2024-03-01T09:30:00Z,CNDAL,E,123,,,,,"
    data = (CSV.replace("\nC2", "\n" + bad_row + "\nC2")).encode()
    result = canonical.parse_csv(data)
    assert [(e.event_id, e.location) for e in result.events] == [("C1", "line 2"), ("C2", "line 4")]
    (rejection,) = result.rejections
    assert (rejection.where, rejection.raw) == ("line 3", bad_row)
    assert rejection.reason.startswith("ref_declaration value 1: ")


def test_it_derives_csv_event_ids_from_the_content():
    data = b"milestone,occurred_at,ref_container\nGATE_OUT,2024-03-01T08:30:00Z,APZU4812090\n"
    (event,) = canonical.parse_csv(data).events
    assert event.event_id.startswith("csv:")
    assert canonical.parse_csv(data).events[0].event_id == event.event_id


def test_it_keeps_the_verbatim_text_of_a_quoted_multi_line_row():
    data = (
        b"event_id,milestone,occurred_at,attr_note\n"
        b'Q1,LOADED,2024-03-01T08:30:00Z,"two\nlines"\n'
        b"Q2,LOADED,never,x\n"
    )
    result = canonical.parse_csv(data)
    assert result.events[0].attrs == {"note": "two\nlines"}
    assert (result.rejections[0].where, result.rejections[0].raw) == ("line 4", "Q2,LOADED,never,x")


def test_it_rejects_a_csv_header_with_an_unknown_column_once():
    result = canonical.parse_csv(b"milestone,occured_at\nLOADED,2024-03-01T08:30:00Z\n")
    assert result.events == []
    (rejection,) = result.rejections
    assert rejection.where == "line 1" and "unknown column 'occured_at'" in rejection.reason


def test_it_rejects_a_csv_header_without_the_required_columns():
    (rejection,) = canonical.parse_csv(b"event_id,milestone\n1,LOADED\n").rejections
    assert "occurred_at" in rejection.reason


def test_it_rejects_a_csv_row_with_more_values_than_columns():
    data = b"milestone,occurred_at\nLOADED,2024-03-01T08:30:00Z,extra\n"
    (rejection,) = canonical.parse_csv(data).rejections
    assert (rejection.where, rejection.reason) == ("line 2", "row: 3 values for 2 columns")


def test_it_reads_a_csv_saved_with_a_byte_order_mark():
    data = "\ufeffmilestone,occurred_at\nLOADED,2024-03-01T08:30:00Z\n".encode()
    assert len(canonical.parse_csv(data).events) == 1


def test_it_rejects_a_gbk_encoded_csv_with_one_clear_reason():
    (rejection,) = canonical.parse_csv("milestone,occurred_at\n装船,2024\n".encode("gbk")).rejections
    assert "UTF-8" in rejection.reason and rejection.where.startswith("byte ")


# --- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (json.dumps([FULL]).encode(), "json"),
        (json.dumps(FULL).encode(), "json"),
        (b"  \n[]", "json"),
        (b'{"milestone":"LOADED"}\n{"milestone":"DISCHARGED"}\n', "jsonl"),
        (CSV.encode(), "csv"),
        (DCSA_EXAMPLE.read_bytes(), "dcsa"),
        (b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+240301:0830+1'", "edifact"),
        (b"\xef\xbb\xbf\r\nUNB+UNOA:2+X+Y+240301:0830+1'", "edifact"),
        (b"[1, 2", "json"),
    ],
)
def test_it_sniffs_each_format(data, fmt):
    assert canonical.sniff(data) == fmt


# --- robustness -----------------------------------------------------------------------------

TEXTISH = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.lists(st.text(alphabet=',;|"\n\r{}[]:a1-T', max_size=30), max_size=8).map(
        lambda rows: ("milestone,occurred_at,ref_container,attr_x\n" + "\n".join(rows)).encode()
    ),
)


@given(TEXTISH)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_parse_jsonl_never_raises(data):
    canonical.parse_jsonl(data)


@given(TEXTISH)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_parse_csv_never_raises(data):
    canonical.parse_csv(data)


@given(TEXTISH)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_parse_json_and_sniff_never_raise(data):
    canonical.parse_json(data)
    assert canonical.sniff(data) in ("json", "jsonl", "csv", "dcsa", "edifact")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from(sorted(FULL)), JSON_VALUES, max_size=6))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_every_record_becomes_an_event_or_a_rejection(overrides):
    result = canonical.parse_json(encode([FULL | overrides]))
    assert len(result.events) + len(result.rejections) == 1
