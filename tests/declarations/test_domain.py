"""Declaration workflows without a database: the transition table and the facilitation rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from kouan.declarations.domain import (
    Action,
    Declaration,
    Facts,
    IllegalTransition,
    InspectionCause,
    Mode,
    Status,
    completion_deadline,
    late_days,
    late_fee,
    transition,
)
from kouan.events.domain import Milestone

NOW = datetime.fromisoformat("2022-03-10T10:00:00+08:00")
A = Action


CAUSE = InspectionCause(officer_reason="manifest weight differs from the B/L by 8 %")


def facts(hours: float = 0, **kw) -> Facts:
    """The facts of a moment; an inspection ordered then cites a written reason (无因不查)."""
    kw.setdefault("inspection_cause", CAUSE)
    return Facts(now=NOW + timedelta(hours=hours), **kw)


def run(d: Declaration, *steps: tuple[Action, Facts]) -> Declaration:
    for action, f in steps:
        d, _ = transition(d, action, f)
    return d


def imp(*modes: Mode, **kw) -> Declaration:
    return Declaration("090020221000000001", "I", frozenset(modes), **kw)


def test_a_one_time_declaration_runs_lodge_accept_release_close_with_receipts():
    d = imp()
    receipts = []
    for action in (A.LODGE, A.ACCEPT, A.RELEASE, A.CLOSE):
        d, event = transition(d, action, facts())
        receipts.append(d.receipt)
    assert receipts == ["L", "G", "P", "R"] and d.status == Status.CLOSED
    assert event.milestone == Milestone.DECLARATION_CLOSED


def test_release_without_a_lodged_declaration_is_refused_with_the_allowed_steps():
    with pytest.raises(IllegalTransition) as exc:
        transition(imp(), A.RELEASE, facts())
    assert exc.value.status == Status.DRAFT
    assert exc.value.allowed == [A.LODGE]  # a summary declaration is for two-step ones only


def test_an_inspection_must_be_completed_before_release():
    d = run(imp(), (A.LODGE, facts()), (A.ACCEPT, facts()), (A.ORDER_INSPECTION, facts()))
    assert d.receipt == "C"
    with pytest.raises(IllegalTransition):
        transition(d, A.RELEASE, facts())
    d = run(d, (A.COMPLETE_INSPECTION, facts()), (A.RELEASE, facts()))
    assert d.status == Status.RELEASED


def test_advance_import_needs_the_vessel_to_have_left_and_not_yet_arrived():
    d = imp(Mode.ADVANCE)
    with pytest.raises(IllegalTransition, match="left its loading port"):
        transition(d, A.LODGE, facts())
    ok = facts(transport_departed_loading_at=NOW - timedelta(days=2))
    assert transition(d, A.LODGE, ok)[0].status == Status.LODGED
    late = facts(transport_departed_loading_at=NOW - timedelta(days=2),
                 transport_arrived_at=NOW - timedelta(hours=1))
    with pytest.raises(IllegalTransition, match="has arrived"):
        transition(d, A.LODGE, late)


def test_advance_export_is_at_most_three_days_before_the_goods_arrive():
    d = Declaration("090020220000000001", "E", frozenset({Mode.ADVANCE}))
    with pytest.raises(IllegalTransition, match="3 days"):
        transition(d, A.LODGE, facts(goods_expected_at=NOW + timedelta(days=4)))
    assert transition(d, A.LODGE, facts(goods_expected_at=NOW + timedelta(days=2)))[0].receipt == "L"


def test_an_advance_declaration_is_released_on_the_arrival_match_unless_inspected():
    before = facts(transport_departed_loading_at=NOW - timedelta(days=1))
    arrived = facts(5, transport_arrived_at=NOW + timedelta(hours=5))
    d = run(imp(Mode.ADVANCE), (A.LODGE, before), (A.ACCEPT, before))
    released, event = transition(d, A.MATCH_ARRIVAL, arrived)
    assert released.status == Status.RELEASED and event.attrs["release_kind"] == "formal"
    inspected = run(d, (A.ORDER_INSPECTION, before), (A.COMPLETE_INSPECTION, before))
    with pytest.raises(IllegalTransition, match="inspection was ordered"):
        transition(inspected, A.MATCH_ARRIVAL, arrived)


def test_two_step_needs_an_import_and_a_consignee_rated_general_or_better():
    with pytest.raises(IllegalTransition, match="一般信用"):
        transition(imp(Mode.TWO_STEP), A.LODGE_SUMMARY, facts(consignee_credit="dishonest"))
    exp = Declaration("090020220000000001", "E", frozenset({Mode.TWO_STEP}))
    with pytest.raises(IllegalTransition, match="imports only"):
        transition(exp, A.LODGE_SUMMARY, facts(consignee_credit="advanced"))
    with pytest.raises(IllegalTransition, match="starts with its summary"):
        transition(imp(Mode.TWO_STEP), A.LODGE, facts())


def test_two_step_goods_leave_at_spk_and_the_complete_declaration_follows():
    g = facts(consignee_credit="general")
    d = run(imp(Mode.TWO_STEP), (A.LODGE_SUMMARY, g), (A.ACCEPT, g))
    assert d.receipt == "SpJ"
    d, event = transition(d, A.RELEASE_GOODS, g)
    assert d.receipt == "SpK" and event.milestone == Milestone.CUSTOMS_RELEASED
    assert event.attrs["release_kind"] == "goods"
    with pytest.raises(IllegalTransition):
        transition(d, A.RELEASE, g)
    d = run(d, (A.LODGE_COMPLETE, facts(transport_entry_at=NOW)), (A.ACCEPT, g), (A.RELEASE, g))
    assert d.status == Status.RELEASED and d.completed_at is not None


def test_the_complete_declaration_deadline_is_14_days_rolled_to_a_working_day():
    assert completion_deadline(datetime.fromisoformat("2022-03-01T09:00:00+08:00")) == date(2022, 3, 15)
    # 2022-09-20 + 14 = 2022-10-04, inside the National Day holiday: runs to Saturday 2022-10-08,
    # an adjusted working day.
    assert completion_deadline(datetime.fromisoformat("2022-09-20T09:00:00+08:00")) == date(2022, 10, 8)


def test_overdue_exactly_when_past_the_deadline_and_the_late_fee_accrues():
    entry = datetime.fromisoformat("2022-03-01T09:00:00+08:00")
    on_time = datetime.fromisoformat("2022-03-15T23:59:00+08:00")
    assert late_days(entry, on_time) == 0
    assert late_days(entry, on_time + timedelta(minutes=1)) == 1
    assert late_fee(Decimal("1000000"), 3) == Decimal("1500.00")
    assert late_fee(Decimal("1000"), 1) == Decimal("50")
    g = facts(consignee_credit="general")
    d = run(Declaration("090020221000000001", "I", frozenset({Mode.TWO_STEP}),
                        dutiable_value=Decimal("1000000")), (A.LODGE_SUMMARY, g), (A.ACCEPT, g))
    _, event = transition(d, A.LODGE_COMPLETE, Facts(
        now=datetime.fromisoformat("2022-03-17T10:00:00+08:00"), transport_entry_at=entry))
    assert event.attrs["late_days"] == 2 and event.attrs["late_fee"] == "1000.00"


def test_two_stage_admission_separates_port_and_market_release():
    d = run(imp(Mode.TWO_STAGE), (A.LODGE, facts()), (A.ACCEPT, facts()))
    d, port = transition(d, A.PORT_RELEASE, facts(1))
    assert d.status == Status.PORT_RELEASED and port.attrs["release_kind"] == "port"
    with pytest.raises(IllegalTransition, match="failed"):
        transition(d, A.MARKET_RELEASE, facts(2, lab_passed=False))
    d, market = transition(d, A.MARKET_RELEASE, facts(48, lab_passed=True))
    assert market.milestone == Milestone.MARKET_RELEASED and d.status == Status.RELEASED


def test_conditional_removal_needs_an_honest_firm_and_a_store_customs_approved():
    d = run(imp(Mode.CONDITIONAL_REMOVAL, warehouse="DL-W-0008"), (A.LODGE, facts()), (A.ACCEPT, facts()),
            (A.ORDER_INSPECTION, facts()))
    with pytest.raises(IllegalTransition, match="approved"):
        transition(d, A.PORT_RELEASE, facts(consignee_credit="general"))
    d, approval = transition(d, A.APPROVE_STORE, facts(consignee_credit="general"))
    assert d.status == Status.INSPECTION and d.warehouse_approved and approval.attrs["store"] == "DL-W-0008"
    with pytest.raises(IllegalTransition, match="already approved"):
        transition(d, A.APPROVE_STORE, facts())
    with pytest.raises(IllegalTransition, match="失信"):
        transition(d, A.PORT_RELEASE, facts(consignee_credit="dishonest"))
    assert transition(d, A.PORT_RELEASE, facts(consignee_credit="general"))[0].status == Status.PORT_RELEASED


def test_a_store_is_approved_only_for_conditional_removal_and_only_when_named():
    plain = run(imp(), (A.LODGE, facts()), (A.ACCEPT, facts()))
    with pytest.raises(IllegalTransition, match="only for conditional removal"):
        transition(plain, A.APPROVE_STORE, facts())
    unnamed = run(imp(Mode.CONDITIONAL_REMOVAL), (A.LODGE, facts()), (A.ACCEPT, facts()))
    with pytest.raises(IllegalTransition, match="names no destination store"):
        transition(unnamed, A.APPROVE_STORE, facts())


def test_release_before_inspection_is_for_ores_and_crude_and_the_lab_closes_it():
    ore = imp(Mode.RELEASE_BEFORE_INSPECTION, hs_codes=("2601111000",))
    d = run(ore, (A.LODGE, facts()), (A.ACCEPT, facts()), (A.PORT_RELEASE, facts()))
    assert [o.kind for o in d.open_obligations] == ["lab"]
    d = run(d, (A.MARKET_RELEASE, facts(72, lab_passed=True, verifier="officer.wang")))
    assert d.open_obligations == () and run(d, (A.CLOSE, facts(73))).status == Status.CLOSED
    shoes = imp(Mode.RELEASE_BEFORE_INSPECTION, hs_codes=("6403990000",))
    d = run(shoes, (A.LODGE, facts()), (A.ACCEPT, facts()))
    with pytest.raises(IllegalTransition, match="ores"):
        transition(d, A.PORT_RELEASE, facts())


def test_release_then_amend_and_declare_then_verify_leave_obligations_that_block_closing():
    d = run(imp(Mode.RELEASE_THEN_AMEND, Mode.DECLARE_THEN_VERIFY), (A.LODGE, facts()),
            (A.ACCEPT, facts()), (A.RELEASE, facts()))
    assert [o.kind for o in d.open_obligations] == ["amend", "verify"]
    assert d.open_obligations[0].due == date(2022, 4, 9)
    with pytest.raises(IllegalTransition, match="amend, verify"):
        transition(d, A.CLOSE, facts())
    d = run(d, (A.FULFIL_OBLIGATION, facts(verifier="officer.wang")),
            (A.FULFIL_OBLIGATION, facts(verifier="officer.wang")), (A.CLOSE, facts()))
    assert d.status == Status.CLOSED and all(o.verifier == "officer.wang" for o in d.obligations)


def test_a_hold_returns_to_where_it_was():
    d = run(imp(), (A.LODGE, facts()), (A.ACCEPT, facts()), (A.HOLD, facts()))
    assert d.status == Status.HELD and d.receipt == "H"
    assert run(d, (A.UNHOLD, facts())).status == Status.ACCEPTED
    with pytest.raises(IllegalTransition):
        transition(run(imp(), (A.LODGE, facts()), (A.ACCEPT, facts()), (A.RELEASE, facts())), A.HOLD, facts())
