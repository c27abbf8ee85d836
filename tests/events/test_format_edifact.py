"""UN/EDIFACT adapter: the public samples, the message mappings, real-file quirks, rejections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kouan.events.domain import Classifier, Direction, Milestone, ParseResult, RefKind
from kouan.events.formats import edifact

DATA = Path(__file__).parent.parent / "data" / "edifact"
SAMPLES = sorted(DATA.glob("*.edi"))
CST = timezone(timedelta(hours=8))


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def parse_text(text: str, **kwargs) -> ParseResult:
    return edifact.parse(text.encode("utf-8"), **kwargs)


def ids(result: ParseResult) -> list[str]:
    return [e.event_id for e in result.events]


def codeco() -> str:
    return sample("codeco_d95b_smdg16_eshuv.edi")


def coarri() -> str:
    return sample("coarri_d95b_itg13_itgoa.edi")


# --- the samples ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_parses_into_events_or_explained_rejections(path: Path) -> None:
    result = edifact.parse(path.read_bytes())
    assert result.events or result.rejections
    for event in result.events:
        assert event.occurred_at.tzinfo is not None
        assert event.original_code and event.location
    for rejection in result.rejections:
        assert rejection.reason and rejection.where and rejection.raw
        assert "internal error" not in rejection.reason


def test_it_maps_codeco_gate_in_of_full_export_container() -> None:
    result = parse_text(codeco())
    assert result.rejections == []
    (event,) = result.events
    assert event.milestone == Milestone.GOODS_ARRIVED_AT_PORT
    assert event.occurred_at == datetime(2023, 8, 11, 14, 47, tzinfo=CST)  # DTM+7, local time
    assert event.recorded_at == datetime(2023, 8, 11, 14, 50, tzinfo=CST)  # UNB 230811:1450
    assert event.classifier == Classifier.ACT
    assert event.port == "ESHUV"  # LOC+165, the terminal's place
    assert event.direction == Direction.EXPORT  # EQD 8249 = 2
    assert event.keys(RefKind.CONTAINER) == ("TESI1120274",)
    assert event.keys(RefKind.BOOKING) == ("FUE110823",)
    assert event.keys(RefKind.TRANSPORT_CALL) == ("1111111/110823110823CCHRIB/ESHUV",)
    assert event.original_code == "CODECO/34"
    assert event.location == "interchange 1 message 1 segment 7 (EQD)"
    assert event.attrs["full_empty"] == "full"
    assert event.attrs["iso_size_type"] == "4EG1"
    assert event.attrs["seals"] == ["88200"]
    assert event.attrs["vessel_name"] == "CHRISTIAN"
    assert event.attrs["inland_transport"] == "993NGR"
    assert event.attrs["interchange_ref"] == "174749339"
    # TESI is not an ISO 6346 owner code and 1111111 fails the IMO check: kept, flagged
    assert any("ISO 6346" in f for f in event.attrs["flags"])
    assert any("IMO number '1111111'" in f for f in event.attrs["flags"])


def test_it_maps_coarri_discharge_to_import_and_load_to_export() -> None:
    result = parse_text(coarri())
    assert result.rejections == []
    discharged = [e for e in result.events if e.milestone == Milestone.DISCHARGED]
    loaded = [e for e in result.events if e.milestone == Milestone.LOADED]
    assert (len(discharged), len(loaded)) == (2, 19)
    first = discharged[0]
    assert first.occurred_at == datetime(2016, 2, 3, 9, 13, tzinfo=CST)  # DTM+203
    assert first.port == "ITGOA" and first.direction == Direction.IMPORT
    assert first.keys(RefKind.CONTAINER) == ("FCIU9908030",)
    assert first.keys(RefKind.TRANSPORT_CALL) == ("3ERX3/031W/ITGOA",)  # call sign (103)
    assert first.original_code == "COARRI/44"
    assert first.attrs["vessel_eta"] == "2016-02-02T00:00:00+08:00"
    load = loaded[0]
    assert load.occurred_at == datetime(2016, 2, 4, 14, 38, tzinfo=CST)
    assert load.direction == Direction.EXPORT and load.original_code == "COARRI/46"
    assert load.keys(RefKind.CONTAINER) == ("CBHU6192031",)
    assert load.keys(RefKind.BOOKING) == ("9000157890",)
    assert load.keys(RefKind.TRANSPORT_CALL) == ("3ERX3/032E/ITGOA",)
    assert load.attrs["seals"] == ["H53175"]
    assert load.location == "interchange 1 message 2 segment 8 (EQD)"
    assert "flags" not in load.attrs


def test_it_links_cuscar_bill_of_lading_to_vessel_call() -> None:
    result = parse_text(sample("cuscar_d95b_msc_egedk.edi"))
    assert result.rejections == []
    assert [e.milestone for e in result.events] == [Milestone.MANIFEST_FILED] * 3
    last = result.events[-1]
    assert set(last.keys(RefKind.BILL_OF_LADING)) == {"MSCUEK569969"}
    assert last.keys(RefKind.CONTAINER) == ("FCIU2469131",)
    assert last.keys(RefKind.TRANSPORT_CALL) == ("D5LQ7/AB652A/EGEDK",)
    assert last.port == "EGEDK" and last.direction == Direction.IMPORT  # LOC+60 arrival
    # DTM+137 is date-only; the UNB of the same day gives the time
    assert last.occurred_at == datetime(2017, 1, 19, 10, 10, tzinfo=CST)
    assert last.attrs["port_of_loading"] == "SGSIN"
    assert last.attrs["vessel_eta"] == "2017-01-29T00:00:00+08:00"  # DTM+132 format 201
    second = result.events[1]
    assert set(second.keys(RefKind.BILL_OF_LADING)) == {"MSCUDF421004", "MSCUXP080935"}
    assert second.keys(RefKind.CONTAINER) == ("TGCU0235724",)
    flags = " ".join(last.attrs["flags"])
    assert "read as CUSCAR" in flags  # the UNH lacks the message type
    assert "UNT says 53 segments, the message has 52" in flags  # off by one: kept, flagged


def test_it_reads_iftsta_container_status_messages() -> None:
    result = parse_text(sample("iftsta_d96a_container_carrier.edi"))
    assert result.rejections == []
    assert len(result.events) == 10  # one per STS, five messages
    first = result.events[0]
    assert first.milestone == Milestone.TRANSPORT_ARRIVED  # STS+1+1: arrived
    assert first.classifier == Classifier.ACT  # DTM+334 status change
    assert first.occurred_at == datetime(2015, 1, 13, 12, 12, tzinfo=CST)
    assert first.recorded_at == datetime(2015, 1, 13, 5, 1, tzinfo=CST)  # DTM+137
    assert first.port == "HKHKG"
    assert first.keys(RefKind.BILL_OF_LADING) == ("XXXXXXX161162937",)
    assert first.keys(RefKind.TRANSPORT_CALL) == ("9251999/310W/HKHKG",)  # valid IMO
    assert first.original_code == "IFTSTA/STS+1+1"
    assert first.location == "interchange 1 message 1 segment 6 (STS)"
    flags = [f for e in result.events for f in e.attrs.get("flags", [])]
    assert any("'201DA1131212' is not a date/time" in f for f in flags)
    assert any("IMO number '3134141'" in f for f in flags)


def test_it_keeps_the_road_iftsta_whose_unt_count_is_wrong_and_flags_it() -> None:
    # The published sample's UNT says 18 where the message has 39 segments: a counting bug in a
    # complete message, not a loss, so its event is kept and the count is flagged.
    result = parse_text(sample("iftsta_d10b_road_edifunct.edi"))
    assert result.rejections == []
    (event,) = result.events
    assert any("UNT says 18 segments, the message has 39" in f for f in event.attrs["flags"])


def test_it_keeps_unmapped_iftsta_status_codes_as_other() -> None:
    text = sample("iftsta_d10b_road_edifunct.edi").replace("UNT+18+", "UNT+39+")
    (event,) = parse_text(text).events
    assert event.milestone == Milestone.OTHER
    assert event.original_code == "IFTSTA/STS++Z1"
    assert event.occurred_at == datetime(2015, 8, 20, 10, 20, tzinfo=CST)
    assert event.port == "SELAA"
    assert event.keys(RefKind.BOOKING) == ("123456",)
    assert event.attrs["status_reasons"] == ["5", "8", "38", "108"]


def baplie() -> str:
    return sample("baplie_d95b_smdg20_uslgb.edi")


def test_it_maps_the_baplie_bay_plan_to_one_on_board_event_per_container() -> None:
    result = parse_text(baplie())
    assert result.rejections == []
    assert [e.keys(RefKind.CONTAINER) for e in result.events] == \
        [("OOLU4293959",), ("MOEU0710945",), ("OOLU8757889",)]
    for event in result.events:
        assert (event.milestone, event.original_code) == (Milestone.OTHER, "BAPLIE/ON_BOARD")
        assert event.classifier == Classifier.ACT and event.direction is None
        assert event.occurred_at == datetime(2016, 4, 14, 0, 0, tzinfo=CST)  # DTM+178, no 136
        assert event.attrs["dtm_qualifier"] == "178"
        assert event.port == "USLGB"  # LOC+5, the port the vessel leaves
        assert event.keys(RefKind.TRANSPORT_CALL) == ("VRIB3/042/USLGB",)  # call sign (103)
        assert event.keys(RefKind.BILL_OF_LADING) == ()  # RFF+BM:1 is SMDG's dummy
        assert event.attrs["vessel_name"] == "OOCL BEIJING"
        assert event.attrs["vessel_etd"] == "2016-04-01T11:35:00+08:00"
        assert event.recorded_at == datetime(2016, 4, 14, 3, 7, tzinfo=CST)  # DTM+137 is empty: UNB
    first, second, third = (e.attrs for e in result.events)
    assert {k: first[k] for k in ("stowage_cell", "port_of_loading", "port_of_discharge",
                                  "full_empty", "iso_size_type", "weight_kg",
                                  "container_operator")} == {
        "stowage_cell": "0780690", "port_of_loading": "USLGB", "port_of_discharge": "CNYTN",
        "full_empty": "empty", "iso_size_type": "4200", "weight_kg": 3833,
        "container_operator": "OOL"}
    assert (second["stowage_cell"], second["iso_size_type"], second["port_of_discharge"],
            second["weight_kg"], second["container_operator"]) == \
        ("0060886", "L5G1", "CNXMN", 3983, "MOL")
    assert (third["stowage_cell"], third["full_empty"], third["port_of_discharge"],
            third["weight_kg"]) == ("0100114", "full", "TWKHH", 26000)
    assert result.events[0].location == "interchange 1 message 1 segment 14 (EQD)"
    assert any("(DTM+137): '' is not a date/time" in f for f in first["flags"])


def test_baplie_prefers_the_actual_departure_and_never_uses_an_estimate() -> None:
    departed = parse_text(baplie().replace("DTM+178:201604140000", "DTM+136:201604150630"))
    assert {(e.occurred_at, e.attrs["dtm_qualifier"]) for e in departed.events} == \
        {(datetime(2016, 4, 15, 6, 30, tzinfo=CST), "136")}
    estimated = parse_text(baplie().replace("DTM+178:201604140000", "DTM+132:201604140000"))
    # only estimates and an empty DTM+137: the plan's time is the UNB time
    assert {(e.occurred_at, e.classifier, e.attrs["dtm_qualifier"]) for e in estimated.events} \
        == {(datetime(2016, 4, 14, 3, 7, tzinfo=CST), Classifier.ACT, "UNB")}
    dated = parse_text(baplie().replace("DTM+178:201604140000:203'\n", "")
                       .replace("DTM+137::201", "DTM+137:1604131200:201"))
    assert {(e.occurred_at, e.attrs["dtm_qualifier"]) for e in dated.events} == \
        {(datetime(2016, 4, 13, 12, 0, tzinfo=CST), "137")}


def test_baplie_reads_weights_in_other_units_and_dangerous_goods() -> None:
    text = baplie().replace("MEA+WT++KGM:26000'", "MEA+WT++TNE:26.5'\nMEA+VGM++LBR:1000'")
    text = text.replace("NAD+CA+OOL:172:20'\nUNT", "NAD+CA+OOL:172:20'\nDGS+IMD+3+1993'\nUNT")
    third = parse_text(text).events[2].attrs
    assert (third["weight_kg"], third["vgm_kg"]) == (26500, 453.6)
    assert third["dangerous_goods"] == ["class 3 UN1993"]
    odd = parse_text(baplie().replace("KGM:3833", "XXX:3833")).events[0].attrs
    assert "weight_kg" not in odd and any("unit 'XXX'" in f for f in odd["flags"])


def test_baplie_rejects_equipment_that_is_not_a_container_and_keeps_the_rest() -> None:
    result = parse_text(baplie().replace("EQD+CN+MOEU0710945", "EQD+BB+MOEU0710945"))
    assert len(result.events) == 2
    (rejection,) = result.rejections
    assert "'MOEU0710945' of type 'BB' in stowage cell '0060886'" in rejection.reason
    assert rejection.where == "interchange 1 message 1 segment 21 (EQD) element 1"
    assert rejection.raw.startswith("LOC+147+0060886") and rejection.raw.endswith("NAD+CA+MOL:172:20'")


def test_baplie_without_a_container_is_rejected() -> None:
    text = baplie()
    body = text[text.index("LOC+147"): text.index("UNT+")]
    (rejection,) = parse_text(text.replace(body, "")).rejections
    assert "names no container (EQD) in any stowage cell" in rejection.reason


def test_an_unknown_message_type_is_still_rejected_as_unsupported() -> None:
    result = parse_text(codeco().replace("UNH+92218+CODECO:", "UNH+92218+ZZZZZZ:"))
    assert result.events == []
    (rejection,) = result.rejections
    assert "message type ZZZZZZ is not supported" in rejection.reason
    assert "BAPLIE" in rejection.reason  # the list of supported types names it now
    assert rejection.where == "interchange 1 message 1 segment 1 (UNH)"
    assert rejection.raw.startswith("UNH+92218+ZZZZZZ")


def test_it_maps_cusres_release_inspection_and_hold() -> None:
    result = parse_text(sample("cusres_d00b_d95b_kouan.edi"))
    assert result.rejections == []
    release, inspection, hold = result.events
    assert release.milestone == Milestone.CUSTOMS_RELEASED
    assert release.occurred_at == datetime(2022, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    assert release.direction == Direction.IMPORT  # GIS+23
    assert release.keys(RefKind.DECLARATION) == ("090020221000012345",)
    assert release.keys(RefKind.BILL_OF_LADING) == ("COSU6123456780",)
    assert release.keys(RefKind.CONTAINER) == ("FCIU9908030",)
    assert release.keys(RefKind.TRANSPORT_CALL) == ("9321483/2203E/CNDAL",)
    assert release.port == "CNDAL" and release.original_code == "CUSRES/GIS+4"
    assert inspection.milestone == Milestone.INSPECTION_ORDERED
    assert inspection.keys(RefKind.CONTAINER) == ("MAGU5591240",)
    assert hold.milestone == Milestone.CUSTOMS_HOLD  # D.95B structure, GIS+7
    assert hold.direction == Direction.EXPORT  # 9th digit of the declaration number is 0
    assert hold.occurred_at == datetime(2022, 3, 2, 15, 30, tzinfo=CST)


def test_it_maps_berman_notice_to_entry_declared_and_estimated_times() -> None:
    result = parse_text(sample("berman_d00b_kouan.edi"))
    assert result.rejections == []
    got = [(e.milestone, e.classifier, e.occurred_at) for e in result.events]
    assert got == [
        (Milestone.TRANSPORT_ENTRY_DECLARED, Classifier.ACT, datetime(2022, 2, 28, 9, 30, tzinfo=CST)),
        (Milestone.TRANSPORT_ARRIVED, Classifier.EST, datetime(2022, 3, 1, 12, 0, tzinfo=CST)),
        (Milestone.TRANSPORT_DEPARTED, Classifier.EST, datetime(2022, 3, 2, 18, 0, tzinfo=CST)),
        # the replacement message: actual arrival, the same ETD again (the same event id)
        (Milestone.TRANSPORT_ARRIVED, Classifier.ACT, datetime(2022, 3, 1, 11, 50, tzinfo=CST)),
        (Milestone.TRANSPORT_DEPARTED, Classifier.EST, datetime(2022, 3, 2, 18, 0, tzinfo=CST)),
    ]
    assert {e.keys(RefKind.TRANSPORT_CALL) for e in result.events} == {("9321483/2203E/CNDAL",)}
    assert result.events[2].event_id == result.events[4].event_id
    assert result.events[0].original_code == "BERMAN/96"


# --- real-file quirks -----------------------------------------------------------------------


def test_indented_segments_give_the_same_events() -> None:
    indented = "\n".join("  \t" + line for line in codeco().splitlines())
    assert ids(parse_text(indented)) == ids(parse_text(codeco()))


def test_newline_terminated_segments_give_the_same_events() -> None:
    bare = "\n".join(line.rstrip("'") for line in coarri().splitlines()) + "\n"
    result = parse_text(bare)
    assert result.rejections == []
    assert ids(result) == ids(parse_text(coarri()))


def test_crlf_line_endings_give_the_same_events() -> None:
    assert ids(parse_text(coarri().replace("\n", "\r\n"))) == ids(parse_text(coarri()))


def test_una_with_other_separators_is_honoured() -> None:
    other = codeco().translate(str.maketrans({":": "!", "+": "*", "'": "~"}))
    result = parse_text("UNA!*.# ~\n" + other)
    assert result.rejections == []
    assert ids(result) == ids(parse_text(codeco()))


def test_the_release_character_escapes_separators() -> None:
    text = codeco().replace("RFF+ACA:FUE110823'", "RFF+ACA:FUE?'11?+08?:23'")
    (event,) = parse_text(text).events
    assert event.attrs["references"] == ["ACA:FUE'11+08:23"]


def test_two_concatenated_interchanges_are_both_read() -> None:
    result = parse_text(codeco() + coarri())
    assert len(result.events) == 22 and result.rejections == []
    assert result.events[-1].location.startswith("interchange 2 message 2 ")


def test_functional_groups_are_read() -> None:
    lines = coarri().splitlines()
    grouped = "\n".join([lines[0], "UNG+COARRI+ITGOAVTE+COSCO+160204:1728+G1+UN+D:95B'",
                         *lines[1:-1], "UNE+2+G1'", "UNZ+1+1452515554132'"])
    result = parse_text(grouped)
    assert len(result.events) == 21 and result.rejections == []
    assert result.events[0].attrs["group_ref"] == "G1"
    assert "flags" not in result.events[0].attrs  # UNZ counts the group, UNE the messages


def test_a_truncated_message_is_rejected_and_the_complete_one_kept() -> None:
    text = coarri()
    cut = text.index("EQD+CN+CBHU8671943") + 12
    result = parse_text(text[:cut])
    assert [e.milestone for e in result.events] == [Milestone.DISCHARGED] * 2
    (rejection,) = result.rejections
    lines = text[:cut].splitlines()
    unh = next(i for i, line in enumerate(lines) if line.startswith("UNH+1452515553819"))
    assert rejection.where == f"interchange 1 message 2 segment {len(lines) - unh} (EQD)"
    assert "without a UNT trailer" in rejection.reason and "cut off" in rejection.reason
    assert rejection.raw == text[text.index("UNH+1452515553819"): cut]


def test_a_wrong_unt_count_keeps_the_events_and_flags_them() -> None:
    result = parse_text(coarri().replace("UNT+33+", "UNT+40+"))
    assert len(result.events) == 21 and result.rejections == []
    flagged = [e for e in result.events if any("UNT says 40" in f for f in e.attrs.get("flags", []))]
    assert len(flagged) == 2  # the discharge report's events only


def test_a_unt_reference_that_is_not_the_unh_reference_rejects_that_message() -> None:
    text = coarri().replace("UNT+33+", "UNT+33+X", 1)
    result = parse_text(text)
    assert len(result.events) == 19
    (rejection,) = result.rejections
    assert "does not match the UNH reference" in rejection.reason
    assert rejection.where == "interchange 1 message 1 segment 33 (UNT) element 2"


def test_a_missing_unz_is_flagged_not_rejected() -> None:
    text = coarri().rsplit("UNZ", 1)[0]
    result = parse_text(text)
    assert len(result.events) == 21 and result.rejections == []
    assert any("no UNZ trailer" in f for f in result.events[0].attrs["flags"])


def test_a_trailing_garbage_line_is_a_rejection_beside_the_events() -> None:
    result = parse_text(codeco() + "-- end of transmission --\n\x1a")
    assert len(result.events) == 1
    (rejection,) = result.rejections
    assert "after interchange 1" in rejection.reason
    assert rejection.raw == "-- end of transmission --"
    assert rejection.where == "line 25"


def test_an_unreadable_segment_rejects_its_message() -> None:
    result = parse_text(codeco().replace("MEA+AAE+VGM", "mea+AAE+VGM"))
    (rejection,) = result.rejections
    assert rejection.where == "interchange 1 message 1 segment 15 (?)"
    assert "segment 15 cannot be read" in rejection.reason


def test_an_invalid_una_is_rejected_with_its_line() -> None:
    result = parse_text("UNA::::::\n" + codeco())
    assert len(result.events) == 1
    assert "uses one character twice" in result.rejections[0].reason


# --- mapping rules --------------------------------------------------------------------------


def test_naive_times_are_port_local_time() -> None:
    text = sample("cusres_d00b_d95b_kouan.edi")
    release = parse_text(text).events[0]
    assert release.occurred_at.astimezone(UTC) == datetime(2022, 3, 1, 4, 0, tzinfo=UTC)
    madrid = parse_text(codeco(), tz=ZoneInfo("Europe/Madrid")).events[0]
    assert madrid.occurred_at.astimezone(UTC) == datetime(2023, 8, 11, 12, 47, tzinfo=UTC)


def test_a_time_with_a_zone_keeps_its_zone() -> None:
    text = codeco().replace("DTM+7:202308111447:203", "DTM+7:202308111447UTC:303")
    event = parse_text(text).events[0]
    assert event.occurred_at == datetime(2023, 8, 11, 14, 47, tzinfo=UTC)


def iftsta(status: str, qualifier: str) -> str:
    return "".join(f"{s}'\n" for s in [
        "UNB+UNOA:2+CARRIER+KOUAN+220301:0800+77",
        "UNH+1+IFTSTA:D:96A:UN", "BGM+77+ST1+9", "DTM+137:202203010800:203", "CNI+1",
        f"STS+1+{status}", "RFF+BM:COSU6123456780", "LOC+175+CNDAL:139:6",
        f"DTM+{qualifier}:202203011200:203", "TDT+20+2203E+1+++++9321483:146::COSCO DALIAN",
        "EQD+CN+FCIU9908030+45G1+++5", "UNT+12+1", "UNZ+1+77"])


@pytest.mark.parametrize(("status", "qualifier", "milestone", "classifier"), [
    ("1", "178", Milestone.TRANSPORT_ARRIVED, Classifier.ACT),
    ("1", "132", Milestone.TRANSPORT_ARRIVED, Classifier.EST),
    ("1", "232", Milestone.TRANSPORT_ARRIVED, Classifier.PLN),
    ("24", "186", Milestone.TRANSPORT_DEPARTED, Classifier.ACT),
    ("24", "133", Milestone.TRANSPORT_DEPARTED, Classifier.EST),
    ("29", "334", Milestone.DISCHARGED, Classifier.ACT),
    ("48", "334", Milestone.LOADED, Classifier.ACT),
    ("12", "334", Milestone.CUSTOMS_RELEASED, Classifier.ACT),
    ("OA", "334", Milestone.GATE_OUT, Classifier.ACT),
    ("I", "334", Milestone.GOODS_ARRIVED_AT_PORT, Classifier.ACT),
    ("99", "334", Milestone.OTHER, Classifier.ACT),
])
def test_iftsta_status_and_date_qualifier_decide_milestone_and_classifier(
        status: str, qualifier: str, milestone: Milestone, classifier: Classifier) -> None:
    (event,) = parse_text(iftsta(status, qualifier)).events
    assert (event.milestone, event.classifier) == (milestone, classifier)
    assert event.occurred_at == datetime(2022, 3, 1, 4, 0, tzinfo=UTC)
    assert event.original_code == f"IFTSTA/STS+1+{status}"
    assert event.keys(RefKind.TRANSPORT_CALL) == ("9321483/2203E/CNDAL",)


def test_content_ids_survive_a_resend_under_new_references() -> None:
    resent = coarri().replace("1452515554132", "99999").replace("1452515553811", "1")
    assert ids(parse_text(resent)) == ids(parse_text(coarri()))
    moved = coarri().replace("DTM+203:201602030913", "DTM+203:201602030914")
    assert ids(parse_text(moved))[0] != ids(parse_text(coarri()))[0]
    assert ids(parse_text(moved))[1:] == ids(parse_text(coarri()))[1:]


def test_a_bad_container_check_digit_is_flagged_not_rejected() -> None:
    result = parse_text(coarri().replace("FCIU9908030", "FCIU9908031"))
    assert len(result.events) == 21 and result.rejections == []
    event = result.events[0]
    assert event.keys(RefKind.CONTAINER) == ("FCIU9908031",)
    assert "container 'FCIU9908031' has check digit 1, ISO 6346 gives 0" in event.attrs["flags"]


def test_an_empty_container_without_a_date_is_a_rejection_that_says_why() -> None:
    text = codeco().replace("++2+5'", "++2+4'")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("DTM"))
    text = text.replace("UNT+000022+", "UNT+20+")
    result = parse_text(text)
    assert result.events == []
    (rejection,) = result.rejections
    assert "empty container 'TESI1120274' has no date/time" in rejection.reason
    assert rejection.where == "interchange 1 message 1 segment 7 (EQD)"
    assert rejection.raw.startswith("EQD+CN+TESI1120274") and "CNT+16:1" in rejection.raw


def test_an_empty_container_gate_in_is_kept_as_other() -> None:
    (event,) = parse_text(codeco().replace("++2+5'", "++2+4'")).events
    assert event.milestone == Milestone.OTHER and event.original_code == "CODECO/34"
    assert event.attrs["full_empty"] == "empty"


def test_gate_out_of_a_full_import_container() -> None:
    text = codeco().replace("BGM+34", "BGM+36").replace("++2+5'", "++3+5'")
    (event,) = parse_text(text).events
    assert event.milestone == Milestone.GATE_OUT and event.direction == Direction.IMPORT


def test_default_port_places_events_whose_message_names_none() -> None:
    text = "\n".join(line for line in codeco().splitlines() if not line.startswith("LOC"))
    text = text.replace("UNT+000022+", "UNT+18+")
    (event,) = parse_text(text, default_port="CNDAL").events
    assert event.port == "CNDAL"
    assert event.keys(RefKind.TRANSPORT_CALL) == ("1111111/110823110823CCHRIB/CNDAL",)
    with pytest.raises(ValueError):
        edifact.parse(b"", default_port="Dalian")


def test_a_cancellation_is_rejected_not_applied() -> None:
    (rejection,) = parse_text(codeco().replace("BGM+34++9", "BGM+34++1")).rejections
    assert "cancels an earlier one" in rejection.reason


def test_a_message_without_a_type_is_rejected() -> None:
    text = codeco().replace("CODECO:D:95B", ":D:95B").replace("BGM+34", "BGM+999")
    (rejection,) = parse_text(text).rejections
    assert "names no message type" in rejection.reason
    assert rejection.where == "interchange 1 message 1 segment 1 (UNH) element 2"


# --- never raises ---------------------------------------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400))
def test_parse_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    result = edifact.parse(data)
    assert all("internal error" not in r.reason for r in result.rejections)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_parse_never_raises_on_truncated_or_spliced_samples(path: Path, data) -> None:
    raw = path.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    noise = data.draw(st.binary(max_size=20))
    for variant in (raw[:cut], raw[:cut] + noise + raw[cut:]):
        result = edifact.parse(variant)
        assert all("internal error" not in r.reason for r in result.rejections)
        for event in result.events:
            assert event.occurred_at.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="UNBHTZAGE+:'?\n 0123456789CODECOARRI", max_size=300))
def test_parse_never_raises_on_envelope_like_text(text: str) -> None:
    result = parse_text(text)
    assert all("internal error" not in r.reason for r in result.rejections)


def test_lines_wrapped_at_a_fixed_width_are_joined() -> None:
    flat = coarri().replace("\n", "")
    wrapped = "\n".join(flat[i: i + 80] for i in range(0, len(flat), 80))
    result = parse_text(wrapped)
    assert result.rejections == []
    assert ids(result) == ids(parse_text(coarri()))


def test_a_message_without_an_interchange_header_is_read_and_flagged() -> None:
    bare = "\n".join(codeco().splitlines()[1:-1])
    (event,) = parse_text(bare).events
    assert "the message is not inside an interchange (no UNB header)" in event.attrs["flags"]


def test_text_is_decoded_as_utf8_or_else_latin1() -> None:
    road = parse_text(sample("iftsta_d10b_road_edifunct.edi").replace("UNT+18+", "UNT+18+X"))
    assert "GEJLHAVEGÅRD" in road.rejections[0].raw  # UTF-8 letters kept verbatim
    latin1 = codeco().replace("CHRISTIAN", "CRISTÓBAL").encode("latin-1")
    (event,) = edifact.parse(latin1).events
    assert event.attrs["vessel_name"] == "CRISTÓBAL"
