"""The allowed next steps (the pages' buttons, the API's ``allowed_actions``) leave out what the
declaration itself rules out: a step its modes, direction, contents or history always refuse.
A listed step may still be refused, but only for the facts of the moment (not arrived yet, no seal)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kouan.declarations.domain import (
    Action,
    Declaration,
    Facts,
    IllegalTransition,
    InspectionCause,
    Mode,
    allowed_actions,
    transition,
)

NOW = datetime.fromisoformat("2022-03-10T10:00:00+08:00")
A = Action
DEPARTED = NOW - timedelta(days=2)
# Before the vessel's arrival (an advance declaration can be lodged) and after it (matched).
CAUSE = InspectionCause(rule_hits=("DL-ORE-01@1",))  # 无因不查: an order cites its cause
BEFORE = Facts(now=NOW, transport_departed_loading_at=DEPARTED, consignee_credit="general", seal="CN0900123",
               lab_passed=True, verifier="officer.wang", inspection_cause=CAUSE)
AFTER = Facts(now=NOW + timedelta(hours=3), transport_departed_loading_at=DEPARTED,
              transport_arrived_at=NOW + timedelta(hours=1), goods_arrived_at=NOW + timedelta(hours=1),
              consignee_credit="general", seal="CN0900123", appointment_booked=True, lab_passed=True,
              verifier="officer.wang", inspection_cause=CAUSE)
# The refusals that depend on the facts of the moment, not on the declaration: the only ones a
# listed step may meet.
FACT_REFUSALS = {"inspection_without_cause", "second_declaration", "advance_not_departed", "advance_arrived", "advance_goods_arrived",
                 "advance_export_too_early", "two_step_credit", "conditional_removal_dishonest",
                 "movement_needs_seal", "match_not_arrived", "release_not_arrived", "ship_side_needs_appointment", "lab_failed"}


def decl(*modes: Mode, direction: str = "I", **kw) -> Declaration:  # type: ignore[no-untyped-def]
    return Declaration("090020221000000001", direction, frozenset(modes), **kw)


def run(d: Declaration, *actions: Action, f: Facts = BEFORE) -> Declaration:
    for action in actions:
        d, _ = transition(d, action, f)
    return d


STARTS = [
    decl(), decl(direction="E"), decl(Mode.ADVANCE), decl(Mode.ADVANCE, direction="E"),
    decl(Mode.ADVANCE, Mode.SHIP_SIDE_PICKUP), decl(Mode.TWO_STEP), decl(Mode.TWO_STEP, direction="E"),
    decl(Mode.TWO_STAGE), decl(Mode.RELEASE_BEFORE_INSPECTION, hs_codes=("2601111000",)),
    decl(Mode.RELEASE_BEFORE_INSPECTION, hs_codes=("8471300000",)),
    decl(Mode.CONDITIONAL_REMOVAL, warehouse="DL-W-0008"), decl(Mode.CONDITIONAL_REMOVAL),
    decl(Mode.ZONE_PORT_DIRECT, containers=("CSQU3054383",), bonded_zone="CNDAL-DYW", port="CNDAL"),
    decl(Mode.RELEASE_THEN_AMEND, Mode.DECLARE_THEN_VERIFY),
]


def _key(d: Declaration) -> tuple:  # type: ignore[type-arg]
    return (d.direction, d.modes, d.hs_codes, d.warehouse, d.status, d.held_from, d.inspection_ordered,
            d.summary_at is None, d.completed_at is None, d.released_at is None, d.warehouse_approved,
            d.movement_started_at is None, d.movement_arrived_at is None, len(d.open_obligations))


def reachable() -> list[Declaration]:
    """Every state these declarations reach by any sequence of steps (facts before and after arrival)."""
    seen: dict[tuple, Declaration] = {}  # type: ignore[type-arg]
    todo = list(STARTS)
    while todo:
        d = todo.pop()
        if _key(d) in seen:
            continue
        seen[_key(d)] = d
        for action in Action:
            for f in (BEFORE, AFTER):
                try:
                    todo.append(transition(d, action, f)[0])
                except IllegalTransition:
                    pass
    return list(seen.values())


def test_the_walk_reaches_every_kind_of_state():
    statuses = {d.status.value for d in reachable()}
    assert {"draft", "accepted", "inspection", "in_transit", "port_released", "summary_accepted",
            "goods_released", "released", "closed", "held"} <= statuses


def test_a_listed_step_is_refused_only_for_the_facts_and_a_left_out_one_always():
    wrong = []
    for d in reachable():
        listed = allowed_actions(d)
        for action in Action:
            for f in (BEFORE, AFTER):
                try:
                    transition(d, action, f)
                except IllegalTransition as exc:
                    assert exc.allowed == allowed_actions(d, f)  # less what waits for the arrival
                    if action in listed and exc.refusal.code not in FACT_REFUSALS:
                        wrong.append((d.direction, sorted(d.modes), d.status.value, action.value, exc.refusal.code))
                else:
                    if action not in listed:
                        wrong.append((d.direction, sorted(d.modes), d.status.value, action.value, "passed"))
    assert wrong == []


def test_an_accepted_advance_declaration_offers_the_arrival_match_but_no_other_modes_steps():
    d = run(decl(Mode.ADVANCE), A.LODGE, A.ACCEPT)
    assert allowed_actions(d) == [A.ORDER_INSPECTION, A.RELEASE, A.MATCH_ARRIVAL, A.HOLD]
    with pytest.raises(IllegalTransition) as exc:
        transition(d, A.APPROVE_STORE, BEFORE)
    assert exc.value.refusal.code == "store_needs_conditional_removal"
    assert A.APPROVE_STORE not in exc.value.allowed and A.START_MOVEMENT not in exc.value.allowed
    inspected = run(d, A.ORDER_INSPECTION, A.COMPLETE_INSPECTION)
    assert allowed_actions(inspected) == [A.ORDER_INSPECTION, A.RELEASE, A.HOLD]  # no match after inspection


def test_the_steps_follow_what_was_done_to_the_declaration():
    assert allowed_actions(decl()) == [A.LODGE]
    assert allowed_actions(decl(Mode.TWO_STEP)) == [A.LODGE_SUMMARY]
    store = run(decl(Mode.CONDITIONAL_REMOVAL, warehouse="DL-W-0008"), A.LODGE, A.ACCEPT)
    assert allowed_actions(store) == [A.ORDER_INSPECTION, A.RELEASE, A.HOLD, A.APPROVE_STORE]
    approved = run(store, A.APPROVE_STORE)
    assert allowed_actions(approved) == [A.ORDER_INSPECTION, A.RELEASE, A.PORT_RELEASE, A.HOLD]
    zone = run(decl(Mode.ZONE_PORT_DIRECT, containers=("CSQU3054383",), bonded_zone="CNDAL-DYW", port="CNDAL"),
               A.LODGE, A.ACCEPT)
    assert allowed_actions(zone) == [A.ORDER_INSPECTION, A.HOLD, A.START_MOVEMENT]
    arrived = run(zone, A.START_MOVEMENT, A.ARRIVE_MOVEMENT)
    assert allowed_actions(arrived) == [A.ORDER_INSPECTION, A.RELEASE, A.HOLD]
    amend = run(decl(Mode.RELEASE_THEN_AMEND), A.LODGE, A.ACCEPT, A.RELEASE)
    assert allowed_actions(amend) == [A.FULFIL_OBLIGATION]  # closing waits for the amendment
    assert allowed_actions(run(amend, A.FULFIL_OBLIGATION)) == [A.CLOSE]
