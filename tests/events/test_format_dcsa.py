"""DCSA Track & Trace 2.2 adapter: the published example, the mapping, rejections, signatures."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kouan.events.domain import Classifier, Direction, Milestone, RefKind
from kouan.events.formats import dcsa

EXAMPLE = Path(__file__).parent.parent / "data" / "dcsa" / "tnt-v2.2.0-get-events-response.json"
EXAMPLE_IDS = [f"3cecb101-7a1a-43a4-9d62-e88a131651e{n}" for n in range(2, 9)]


def example_bytes() -> bytes:
    return EXAMPLE.read_bytes()


def example_events() -> list[dict]:
    return json.loads(example_bytes())


def by_id(result, suffix: str):
    return next(e for e in result.events if e.event_id.endswith(suffix))


def equipment(code: str, **extra) -> dict:
    """The example's first EQUIPMENT event (index 2) with another event type code."""
    event = copy.deepcopy(example_events()[2])
    event.update({"eventID": f"test-{code}", "equipmentEventTypeCode": code, **extra})
    return event


def shipment(code: str, document_type: str, **extra) -> dict:
    event = copy.deepcopy(example_events()[6])  # SHIPMENT DRFT of a TRD
    event.update(
        {
            "eventID": f"test-{code}-{document_type}",
            "shipmentEventTypeCode": code,
            "documentTypeCode": document_type,
            **extra,
        }
    )
    return event


def parse(*events: dict):
    return dcsa.parse_events(json.dumps(list(events)).encode())


# --- the published 2.2 example --------------------------------------------------------------


def test_it_maps_every_event_in_the_dcsa_2_2_example_and_drops_none():
    result = dcsa.parse_events(example_bytes())
    assert result.rejections == []
    assert [e.event_id for e in result.events] == EXAMPLE_IDS
    assert [e.original_code for e in result.events] == [
        "TRANSPORT/ARRI", "SHIPMENT/DRFT/SHI", "EQUIPMENT/LOAD", "TRANSPORT/ARRI",
        "SHIPMENT/DRFT/BKG", "EQUIPMENT/LOAD", "SHIPMENT/DRFT/TRD",
    ]  # fmt: skip
    assert [e.milestone for e in result.events] == [
        Milestone.TRANSPORT_ARRIVED, Milestone.OTHER, Milestone.LOADED, Milestone.TRANSPORT_ARRIVED,
        Milestone.OTHER, Milestone.LOADED, Milestone.OTHER,
    ]  # fmt: skip
    assert [e.location for e in result.events] == [f"/{i}" for i in range(7)]


def test_it_reads_the_vessel_arrival_of_the_example_with_both_voyage_keys():
    arrival = by_id(dcsa.parse_events(example_bytes()), "e2")
    assert arrival.classifier == Classifier.ACT
    assert arrival.occurred_at == datetime(2021, 1, 9, 13, 12, 56, tzinfo=UTC)
    assert arrival.occurred_at.utcoffset() == timedelta(hours=1)  # the sender's offset is kept
    assert arrival.recorded_at == datetime(2021, 1, 23, 12, 34, 56, tzinfo=UTC)
    assert arrival.port == "FRPAR"
    assert arrival.direction is None
    assert arrival.keys(RefKind.TRANSPORT_CALL) == ("9321483/2103N/FRPAR", "9321483/2103S/FRPAR")
    assert arrival.keys(RefKind.BOOKING) == ("ABC123123123",)
    assert arrival.keys(RefKind.BILL_OF_LADING) == ("RESERVED-HHL123",)
    assert arrival.keys(RefKind.CONTAINER) == ("APZU4812090",)
    assert arrival.attrs["transportCallID"] == "123e4567-e89b-12d3-a456-426614174000"
    assert arrival.attrs["vesselName"] == "King of the Seas"
    assert arrival.attrs["modeOfTransport"] == "VESSEL"
    assert arrival.attrs["facilityTypeCode"] == "POTE"
    assert arrival.attrs["delayReasonCode"] == "WEA"
    assert arrival.attrs["changeRemark"] == "Bad weather"
    assert arrival.attrs["references"] == {"FF": ["string"]}
    assert "flags" not in arrival.attrs


def test_it_reads_an_estimated_load_as_an_export_at_that_port():
    load = by_id(dcsa.parse_events(example_bytes()), "e4")
    assert (load.milestone, load.classifier, load.direction) == (
        Milestone.LOADED, Classifier.EST, Direction.EXPORT,
    )  # fmt: skip
    assert load.occurred_at == datetime(2019, 11, 12, 7, 41, tzinfo=timezone(timedelta(hours=8.5)))
    assert load.port == "FRPAR"
    assert load.attrs["emptyIndicatorCode"] == "EMPTY"
    assert load.attrs["ISOEquipmentCode"] == "22GP"
    assert load.attrs["locationName"] == "Eiffel Tower"
    assert load.attrs["seals"] == [{"sealNumber": "string", "sealSource": "CUS", "sealType": "WIR"}]


def test_it_links_shipment_events_by_their_document_id():
    result = dcsa.parse_events(example_bytes())
    assert by_id(result, "e8").keys(RefKind.BILL_OF_LADING) == ("RESERVED-HHL123",)
    assert by_id(result, "e6").keys(RefKind.BOOKING) == ("ABC123123123",)
    # a shipping instruction's id is not a bill of lading
    assert by_id(result, "e3").keys(RefKind.BILL_OF_LADING) == ()
    assert by_id(result, "e3").attrs["documentID"] == "reserved-HHL123"
    assert by_id(result, "e3").port is None


def test_it_uses_the_creation_time_as_version_because_2_2_has_no_update_time():
    result = dcsa.parse_events(example_bytes())
    assert by_id(result, "e5").version == datetime(2021, 1, 9, 14, 12, 56, tzinfo=UTC)
    assert all(e.version == e.recorded_at for e in result.events)


def test_it_takes_the_update_time_as_version_when_a_publisher_sends_one():
    event = equipment("DISC", eventUpdatedDateTime="2021-02-01T00:00:00Z")
    assert parse(event).events[0].version == datetime(2021, 2, 1, tzinfo=UTC)


# --- mapping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "milestone", "direction"),
    [
        ("DISC", Milestone.DISCHARGED, Direction.IMPORT),
        ("LOAD", Milestone.LOADED, Direction.EXPORT),
        ("GTIN", Milestone.GOODS_ARRIVED_AT_PORT, None),
        ("GTOT", Milestone.GATE_OUT, None),
        ("CUSS", Milestone.INSPECTION_ORDERED, None),  # Customs Selected for Scan
        ("CUSI", Milestone.INSPECTION_ORDERED, None),  # Customs Selected for Inspection
        ("CUSR", Milestone.CUSTOMS_RELEASED, None),
    ],
)
def test_it_maps_laden_equipment_codes_as_the_code_list_defines_them(code, milestone, direction):
    event = parse(equipment(code, emptyIndicatorCode="LADEN")).events[0]
    assert (event.milestone, event.direction, event.original_code) == (
        milestone, direction, f"EQUIPMENT/{code}",
    )  # fmt: skip


def test_it_says_which_kind_of_inspection_customs_selected():
    result = parse(equipment("CUSS"), equipment("CUSI"))
    assert [e.attrs["inspection"] for e in result.events] == ["scan", "physical"]


def test_it_maps_a_departure():
    departure = copy.deepcopy(example_events()[0]) | {"transportEventTypeCode": "DEPA"}
    assert parse(departure).events[0].milestone == Milestone.TRANSPORT_DEPARTED


@pytest.mark.parametrize("code", ["STUF", "STRP", "INSP", "AVPU", "WAYP", "ZZZZ"])
def test_it_keeps_unmapped_equipment_codes_as_other(code):
    event = parse(equipment(code)).events[0]
    assert (event.milestone, event.original_code) == (Milestone.OTHER, f"EQUIPMENT/{code}")


def test_it_does_not_count_an_empty_container_gate_move_as_goods_movement():
    result = parse(equipment("GTIN", emptyIndicatorCode="EMPTY"),
                   equipment("GTOT", emptyIndicatorCode="EMPTY"))  # fmt: skip
    assert [(e.milestone, e.original_code) for e in result.events] == [
        (Milestone.OTHER, "EQUIPMENT/GTIN/EMPTY"), (Milestone.OTHER, "EQUIPMENT/GTOT/EMPTY"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "document", "milestone"),
    [
        ("HOLD", "CUS", Milestone.CUSTOMS_HOLD),
        ("RELS", "CUS", Milestone.CUSTOMS_RELEASED),
        ("RELS", "CUC", Milestone.CUSTOMS_RELEASED),
        ("RELS", "BKG", Milestone.OTHER),  # a carrier releasing a booking is not customs
        ("HOLD", "TRD", Milestone.OTHER),
        ("CONF", "BKG", Milestone.OTHER),
        ("ISSU", "TRD", Milestone.OTHER),  # issuing a B/L is not filing the manifest
    ],
)
def test_it_counts_shipment_holds_and_releases_as_customs_only_for_customs_documents(
    code, document, milestone
):
    event = parse(shipment(code, document)).events[0]
    assert (event.milestone, event.original_code) == (milestone, f"SHIPMENT/{code}/{document}")


def test_it_reads_the_deprecated_event_type_code_field():
    event = equipment("DISC")
    event["eventTypeCode"] = event.pop("equipmentEventTypeCode")
    assert parse(event).events[0].milestone == Milestone.DISCHARGED


# --- references -----------------------------------------------------------------------------


def test_it_keeps_a_container_with_a_wrong_check_digit_and_flags_it():
    event = equipment("DISC", equipmentReference="apzu 4812091", references=[])
    parsed = parse(event).events[0]
    assert parsed.keys(RefKind.CONTAINER) == ("APZU4812091",)
    assert parsed.attrs["flags"] == ["container 'APZU4812091' has check digit 1, ISO 6346 gives 0"]


def test_it_writes_one_call_key_when_import_and_export_voyages_agree():
    event = equipment("DISC")
    event["transportCall"]["exportVoyageNumber"] = "2103N"
    assert parse(event).events[0].keys(RefKind.TRANSPORT_CALL) == ("9321483/2103N/FRPAR",)


def test_it_falls_back_to_the_carrier_voyage_number():
    event = equipment("DISC")
    call = event["transportCall"]
    del call["exportVoyageNumber"], call["importVoyageNumber"]
    call["carrierVoyageNumber"] = "0007W"
    assert parse(event).events[0].keys(RefKind.TRANSPORT_CALL) == ("9321483/0007W/FRPAR",)


def test_it_names_the_call_by_vessel_name_when_there_is_no_imo_number():
    event = equipment("DISC")
    del event["transportCall"]["vessel"]["vesselIMONumber"]
    assert parse(event).events[0].keys(RefKind.TRANSPORT_CALL) == (
        "KINGOFTHESEAS/2103N/FRPAR", "KINGOFTHESEAS/2103S/FRPAR",
    )  # fmt: skip


def test_it_names_the_call_by_its_transport_call_id_without_vessel_or_voyage():
    event = equipment("GTOT")
    call = event["transportCall"]
    del call["vessel"], call["exportVoyageNumber"], call["importVoyageNumber"]
    call["modeOfTransport"] = "TRUCK"
    assert parse(event).events[0].keys(RefKind.TRANSPORT_CALL) == (
        "DCSA-TC/123e4567-e89b-12d3-a456-426614174000",
    )  # fmt: skip


def test_it_flags_an_imo_number_with_a_wrong_check_digit_but_keeps_the_call():
    event = equipment("DISC")
    event["transportCall"]["vessel"]["vesselIMONumber"] = "9321484"
    parsed = parse(event).events[0]
    assert parsed.keys(RefKind.TRANSPORT_CALL)[0] == "9321484/2103N/FRPAR"
    assert any("IMO number '9321484'" in flag for flag in parsed.attrs["flags"])


def test_it_takes_the_port_from_the_event_location_before_the_transport_call():
    event = equipment("GTIN", emptyIndicatorCode="LADEN")
    event["eventLocation"]["UNLocationCode"] = "CNDAL"
    parsed = parse(event).events[0]
    assert parsed.port == "CNDAL"
    assert parsed.keys(RefKind.TRANSPORT_CALL)[0].endswith("/FRPAR")


# --- rejections -----------------------------------------------------------------------------


def test_it_rejects_bad_events_with_a_json_pointer_and_keeps_the_good_ones():
    good = example_events()
    bad = {
        1: good[1] | {"eventDateTime": "2019-11-12T07:41:00"},  # no UTC offset
        3: {k: v for k, v in good[3].items() if k != "eventID"},
        4: good[4] | {"eventType": "OPERATIONS"},
        5: good[5] | {"eventClassifierCode": "REQ"},
        6: {k: v for k, v in good[6].items() if k != "shipmentEventTypeCode"},
    }
    events = [bad.get(i, event) for i, event in enumerate(good)]
    events.append({k: v for k, v in good[0].items() if k != "transportCall"})
    events.append(good[2] | {"eventLocation": {"UNLocationCode": "Paris 7e"}})
    body = json.dumps(events, indent=2).encode()
    result = dcsa.parse_events(body)
    assert [e.event_id for e in result.events] == [EXAMPLE_IDS[0], EXAMPLE_IDS[2]]
    assert [r.where for r in result.rejections] == [
        "/1/eventDateTime", "/3/eventID", "/4/eventType", "/5/eventClassifierCode",
        "/6/shipmentEventTypeCode", "/7/transportCall", "/8/eventLocation/UNLocationCode",
    ]  # fmt: skip
    assert "no UTC offset" in result.rejections[0].reason
    assert result.rejections[0].reason.startswith("eventDateTime: ")
    # raw is the event's own JSON text, as sent
    assert [json.loads(r.raw) for r in result.rejections] == [events[i] for i in (1, 3, 4, 5, 6, 7, 8)]
    assert result.rejections[0].raw in body.decode()


def test_it_points_at_a_bad_document_reference_inside_the_list():
    event = equipment("DISC", documentReferences=[{"documentReferenceType": "TRD"}])
    rejection = parse(event).rejections[0]
    assert rejection.where == "/0/documentReferences/0/documentReferenceValue"


def test_it_accepts_a_single_event_object_and_points_from_its_root():
    single = example_events()[0]
    assert dcsa.parse_events(json.dumps(single).encode()).events[0].event_id == EXAMPLE_IDS[0]
    broken = single | {"eventCreatedDateTime": "yesterday"}
    result = dcsa.parse_events(json.dumps(broken).encode())
    assert [r.where for r in result.rejections] == ["/eventCreatedDateTime"]


@pytest.mark.parametrize(
    ("body", "where"),
    [(b"", "document"), (b'{"eventType": ', "line 1 column 15"), (b"42", "document"),
     (b"\xff[]", "byte 0")],
)  # fmt: skip
def test_it_rejects_an_unusable_body_as_a_whole(body, where):
    result = dcsa.parse_events(body)
    assert result.events == [] and [r.where for r in result.rejections] == [where]


def test_a_non_object_in_the_list_is_rejected_alone():
    result = dcsa.parse_events(b"[42, " + json.dumps(example_events()[0]).encode() + b"]")
    assert len(result.events) == 1
    assert (result.rejections[0].where, result.rejections[0].raw) == ("/0", "42")


# --- push notifications ---------------------------------------------------------------------

SECRET = b"12345678901234567890123456789012"


def test_a_notification_body_parses_like_the_event_list():
    assert dcsa.parse_notification(example_bytes()) == dcsa.parse_events(example_bytes())


def test_it_accepts_the_signature_the_publisher_computed_over_the_raw_body():
    body = example_bytes()
    header = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert dcsa.verify_signature(body, header, SECRET)
    assert dcsa.sign(body, SECRET) == header


def test_it_accepts_upper_case_hex_an_upper_case_type_and_surrounding_spaces():
    body = b"[]"
    digest = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert dcsa.verify_signature(body, f"  SHA256={digest.upper()}  ", SECRET)


def test_it_refuses_a_signature_over_a_different_body():
    header = dcsa.sign(example_bytes(), SECRET)
    reformatted = json.dumps(example_events()).encode()  # same events, other whitespace
    assert not dcsa.verify_signature(reformatted, header, SECRET)


def test_it_refuses_a_signature_made_with_another_secret():
    assert not dcsa.verify_signature(b"[]", dcsa.sign(b"[]", b"another secret"), SECRET)


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha256", "=abc"])
def test_it_refuses_a_missing_or_empty_signature(header):
    assert not dcsa.verify_signature(b"[]", header, SECRET)


@pytest.mark.parametrize("prefix", ["sha1", "sha512", "hmac-sha256", "md5"])
def test_it_refuses_a_signature_type_other_than_sha256(prefix):
    digest = hmac.new(SECRET, b"[]", hashlib.sha256).hexdigest()
    assert not dcsa.verify_signature(b"[]", f"{prefix}={digest}", SECRET)


def test_it_refuses_everything_when_the_secret_is_empty():
    assert not dcsa.verify_signature(b"[]", dcsa.sign(b"[]", b""), b"")


def test_it_decodes_the_base64_subscription_secret_from_the_spec_example():
    spec_secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDM2NTc4NjIzODk3NDY5MDgyNzM0OTg3MTIzNzg2NA=="
    key = dcsa.decode_secret(spec_secret)
    assert key.startswith(b"1234567890") and len(key) == 64


# --- robustness -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.binary(max_size=400))
@settings(max_examples=300)
def test_it_never_raises_on_arbitrary_bytes(data):
    result = dcsa.parse_events(data)
    assert len(result.events) + len(result.rejections) >= 0


@given(st.dictionaries(st.sampled_from(sorted(example_events()[2])), JSON_VALUES, max_size=8))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_it_never_raises_on_events_with_wrong_shapes(overrides):
    event = example_events()[2] | overrides
    result = dcsa.parse_events(json.dumps([event]).encode())
    assert len(result.events) + len(result.rejections) == 1


@given(
    st.dictionaries(st.sampled_from(sorted(example_events()[2]["transportCall"])), JSON_VALUES, max_size=6)
)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_it_never_raises_on_transport_calls_with_wrong_shapes(overrides):
    event = copy.deepcopy(example_events()[2])
    event["transportCall"].update(overrides)
    result = dcsa.parse_events(json.dumps([event]).encode())
    assert len(result.events) + len(result.rejections) == 1
