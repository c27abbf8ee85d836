"""Clocks over events, without a database."""

from datetime import datetime, timedelta

import pytest

from kouan.clearance import clocks
from kouan.clearance.domain import Obs, commodity_group, compute, scope_events

T0 = datetime.fromisoformat("2022-03-01T08:00:00+08:00")
CALL = ("transport_call", "9321483/2103N/CNDAL")
IMPORT_DECL = "090020221000012345"
EXPORT_DECL = "090020220000012345"


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def o(milestone, h, *refs, classifier="ACT", port="CNDAL", **attrs):
    return Obs(milestone, classifier, at(h), port, frozenset(refs), attrs)


def imp(*extra):
    d = ("declaration", IMPORT_DECL)
    return [o("TRANSPORT_ENTRY_DECLARED", 0, CALL), o("TRANSPORT_ARRIVED", 3, CALL),
            o("DECLARATION_LODGED", 10, d, ("bill_of_lading", "BL1"), hs_code="2601110000"),
            o("CUSTOMS_RELEASED", 40, d), *extra]


def test_gac_import_runs_from_entry_declaration_to_release():
    case = compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, imp()))
    assert (case.status, case.direction, case.hours) == ("closed", "I", 40.0)
    assert case.segments == (10.0, 30.0, None, None)  # preparation, customs
    assert case.month == "2022-03" and case.customs_district == "0900"
    assert case.commodity_group == "mineral" and case.facilitation_mode == "standard"


def test_gac_import_falls_back_to_arrival_without_an_entry_declaration():
    events = [e for e in imp() if e.milestone != "TRANSPORT_ENTRY_DECLARED"]
    assert compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, events)).hours == 37.0


def test_estimated_events_do_not_count():
    events = imp(o("CUSTOMS_RELEASED", 20, ("declaration", IMPORT_DECL), classifier="EST"))
    assert compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, events)).hours == 40.0


def test_an_unreleased_declaration_is_open():
    events = [e for e in imp() if e.milestone != "CUSTOMS_RELEASED"]
    case = compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, events))
    assert (case.status, case.hours, case.month) == ("open", None, None)


def test_an_advance_declaration_has_no_negative_segment():
    d = ("declaration", IMPORT_DECL)
    events = [o("DECLARATION_LODGED", -30, d, facilitation_modes=["advance"]),
              o("TRANSPORT_ENTRY_DECLARED", 0, CALL), o("CUSTOMS_RELEASED", 2, d)]
    case = compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, events))
    assert case.hours == 2.0 and case.segments[:2] == (0.0, 2.0)
    assert case.facilitation_mode == "advance"


def test_gac_export_starts_at_the_later_of_all_goods_arrived_and_lodged():
    d = ("declaration", EXPORT_DECL)
    events = [o("DECLARATION_LODGED", 0, d), o("GOODS_ARRIVED_AT_PORT", 1, ("container", "C1")),
              o("GOODS_ARRIVED_AT_PORT", 3, ("container", "C2")), o("CUSTOMS_RELEASED", 3.5, d)]
    case = compute(clocks.GAC, EXPORT_DECL, scope_events(EXPORT_DECL, events))
    assert (case.direction, case.hours) == ("E", 0.5)
    late_declaration = [*events[1:3], o("DECLARATION_LODGED", 5, d), o("CUSTOMS_RELEASED", 5.25, d)]
    assert compute(clocks.GAC, EXPORT_DECL, scope_events(EXPORT_DECL, late_declaration)).hours == 0.25


def test_the_month_is_the_beijing_month_of_the_release():
    d = ("declaration", IMPORT_DECL)
    events = [o("TRANSPORT_ENTRY_DECLARED", 0, CALL),
              Obs("CUSTOMS_RELEASED", "ACT", datetime.fromisoformat("2022-03-31T16:30:00+00:00"),
                  "CNDAL", frozenset({d}))]
    assert compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, events)).month == "2022-04"


def test_the_call_at_the_declarations_port_is_the_one_that_counts():
    other_port = ("transport_call", "9321483/2103N/KRPUS")
    events = [o("TRANSPORT_ENTRY_DECLARED", -100, other_port, port="KRPUS"), *imp()]
    assert compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, events)).hours == 40.0


def test_trs_exit_ends_at_gate_out_with_segments_adding_up():
    events = imp(o("GATE_OUT", 52, ("container", "C1")))
    case = compute(clocks.TRS_EXIT, IMPORT_DECL, scope_events(IMPORT_DECL, events))
    assert case.hours == 49.0  # arrival 3 → gate-out 52
    assert case.segments == (7.0, 30.0, 12.0, None)
    assert sum(s for s in case.segments if s is not None) == case.hours


def test_released_without_any_start_is_incomplete_not_open():
    d = ("declaration", IMPORT_DECL)
    case = compute(clocks.GAC, IMPORT_DECL, scope_events(IMPORT_DECL, [o("CUSTOMS_RELEASED", 1, d)]))
    assert case.status == "incomplete" and case.hours is None


@pytest.mark.parametrize(("hs", "group"), [("0303890000", "animal"), ("2709000000", "mineral"),
                                          ("8471300000", "machinery"), ("97", "art"), (None, None)])
def test_commodity_groups_follow_hs_sections(hs, group):
    assert commodity_group(hs) == group


def test_a_user_defined_clock_round_trips_through_json():
    import json

    clock = clocks.from_dict(json.loads(clocks.TRS_EXIT.to_json()) | {"name": "my_clock"})
    assert clock.imports == clocks.TRS_EXIT.imports and clock.name == "my_clock"
    with pytest.raises(ValueError):
        clocks.from_dict(json.loads(clocks.GAC.to_json()) | {"name": "Bad Name"})
