"""Zone-port direct and ship-side pick-up in the pure transition table, and refusal codes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kouan.declarations import refusals
from kouan.declarations.domain import (
    Action,
    Declaration,
    Facts,
    IllegalTransition,
    Mode,
    Status,
    allowed_actions,
    transition,
)
from kouan.events.domain import Milestone

NOW = datetime.fromisoformat("2022-03-10T10:00:00+08:00")
A = Action
BOX = ("CSQU3054383",)


def facts(hours: float = 0, **kw) -> Facts:  # type: ignore[no-untyped-def]
    return Facts(now=NOW + timedelta(hours=hours), **kw)


def zone_port(direction: str = "I", *modes: Mode) -> Declaration:
    d = Declaration("090020221000000001", direction, frozenset({Mode.ZONE_PORT_DIRECT, *modes}),
                    containers=BOX, bonded_zone="CNDAL-DYW", port="CNDAL")
    for action in (A.LODGE, A.ACCEPT):
        d, _ = transition(d, action, facts(transport_departed_loading_at=NOW - timedelta(days=2)))
    return d


def refusal(d: Declaration, action: Action, f: Facts) -> refusals.Refusal:
    with pytest.raises(IllegalTransition) as exc:
        transition(d, action, f)
    return exc.value.refusal


def test_a_zone_port_import_moves_from_the_port_to_the_zone_and_is_released_after_arrival():
    d = zone_port("I")
    why = refusal(d, A.RELEASE, facts())
    assert (why.code, why.params) == ("movement_not_arrived", {"to_place": "CNDAL-DYW"})
    assert A.START_MOVEMENT in allowed_actions(d)
    assert refusal(d, A.START_MOVEMENT, facts()).code == "movement_needs_seal"
    d, started = transition(d, A.START_MOVEMENT, facts(1, seal="CN0900123"))
    assert d.status == Status.IN_TRANSIT and d.movement_started_at == NOW + timedelta(hours=1)
    assert started.milestone == Milestone.GATE_OUT  # leaving the port is the port's gate-out
    assert started.attrs["movement_from"] == "CNDAL" and started.attrs["movement_to"] == "CNDAL-DYW"
    assert started.attrs["seal"] == "CN0900123" and started.attrs["containers"] == list(BOX)
    assert allowed_actions(d) == [A.HOLD, A.ARRIVE_MOVEMENT]
    d, arrived = transition(d, A.ARRIVE_MOVEMENT, facts(2))
    assert arrived.milestone == Milestone.OTHER and arrived.original_code == "kouan/arrive_movement"
    assert d.status == Status.ACCEPTED and d.movement_arrived_at is not None
    assert refusal(d, A.START_MOVEMENT, facts(2, seal="S2")).code == "movement_done"  # one movement only
    d, released = transition(d, A.RELEASE, facts(3))
    assert d.status == Status.RELEASED and released.milestone == Milestone.CUSTOMS_RELEASED


def test_a_zone_port_export_reaching_the_port_is_its_arrival_at_port():
    d = zone_port("E")
    d, started = transition(d, A.START_MOVEMENT, facts(seal="SEAL-1"))
    assert started.milestone == Milestone.OTHER and started.attrs["movement_from"] == "CNDAL-DYW"
    d, arrived = transition(d, A.ARRIVE_MOVEMENT, facts(1))
    assert arrived.milestone == Milestone.GOODS_ARRIVED_AT_PORT and arrived.attrs["movement_to"] == "CNDAL"


def test_no_release_of_any_kind_before_the_zone_port_movement_arrives():
    d = zone_port("I", Mode.ADVANCE, Mode.TWO_STAGE)
    arrived = facts(transport_arrived_at=NOW)
    for action in (A.RELEASE, A.MATCH_ARRIVAL, A.PORT_RELEASE):
        assert refusal(d, action, arrived).code == "movement_not_arrived"
    d, _ = transition(d, A.START_MOVEMENT, facts(seal="S1"))
    d, _ = transition(d, A.HOLD, facts())
    d, _ = transition(d, A.UNHOLD, facts())
    assert d.status == Status.IN_TRANSIT  # a hold in transit comes back to the movement


def test_a_movement_belongs_to_zone_port_direct_only():
    d = Declaration("090020221000000001", "I", containers=BOX)
    for action in (A.LODGE, A.ACCEPT):
        d, _ = transition(d, action, facts())
    assert refusal(d, A.START_MOVEMENT, facts(seal="S1")).code == "movement_needs_zone_port"


def test_a_second_declaration_of_goods_moving_under_zone_port_direct_is_refused_at_lodging():
    d = Declaration("090020221000000002", "I", containers=BOX)
    why = refusal(d, A.LODGE, facts(covered_by="090020221000000001"))
    assert (why.code, why.params) == ("second_declaration", {"number": "090020221000000001"})
    assert "no second declaration" in why.english


def test_ship_side_pick_up_is_released_on_arrival_only_with_a_booked_appointment():
    d = Declaration("090020221000000001", "I", frozenset({Mode.ADVANCE, Mode.SHIP_SIDE_PICKUP}),
                    containers=BOX, port="CNDAL")
    departed = NOW - timedelta(days=3)
    d, _ = transition(d, A.LODGE, facts(transport_departed_loading_at=departed))
    d, _ = transition(d, A.ACCEPT, facts())
    arrived = {"transport_departed_loading_at": departed, "transport_arrived_at": NOW + timedelta(hours=5)}
    assert refusal(d, A.MATCH_ARRIVAL, facts(6, **arrived)).code == "ship_side_needs_appointment"
    d, event = transition(d, A.MATCH_ARRIVAL, facts(6, appointment_booked=True, **arrived))
    assert d.status == Status.RELEASED and event.attrs["direct"] == "ship_side_pickup"
    assert event.attrs["release_kind"] == "formal"


def test_every_refusal_code_renders_in_english_and_through_a_translator():
    params = {"action": "release", "status": "lodged", "days": 3, "kinds": ["amend", "lab"], "to_place": "X",
              "number": "1", "problem": "p", "value": "v", "choices": "a, b", "reference": "R", "hours": 12,
              "port": "CNDAL", "container": "C", "store": "S", "limit": 15, "chars": 10}
    for code in refusals.MESSAGES:
        assert "%(" not in refusals.Refusal(code, params).english
    zh = {"obligations still open: %(kinds)s": "仍有未完成的后续义务：%(kinds)s", "amend": "改单", "lab": "检测"}
    kinds = refusals.Refusal("obligations_open", {"kinds": ["amend", "lab"]})
    assert kinds.render(lambda m: zh.get(m, m), sep="、") == "仍有未完成的后续义务：改单、检测"
    assert kinds.english == "obligations still open: amend, lab"
