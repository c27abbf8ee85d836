"""Declaration workflows as data: statuses, actions, one transition table, and the rules (guards)
that the facilitation modes add. Pure: no web, no database (STYLE §7.3.3).

Sources: shared/reference/business-rules.md §1 ([S] cited, [K] domain knowledge to confirm).
Receipts are the China Single Window codes where they exist: L 海关已接收, G 已审结, C 查验通知,
P 海关已放行, R 已结关, E 退单, H 挂起; two-step summary receipts SpL 入库, SpJ 审结, SpC 查验,
SpK 提货放行.

Release events: a two-step import's goods leave at SpK (提货放行) and are formally released (P)
after the complete declaration; a two-stage admission's goods leave at the port release (提离) and
may be sold after the market release. Each leaving is emitted as ``CUSTOMS_RELEASED`` with
``attrs.release_kind`` = ``goods`` / ``port`` / ``formal``; clocks take the first actual one, i.e.
when the goods could leave the port.

Zone-port direct (区港直通, [K]): one declaration covers the goods' sealed movement between a bonded
zone and the port (``start_movement`` → ``in_transit`` → ``arrive_movement``); nothing releases them
before the movement arrived, a movement happens once, and another declaration of the same goods
is refused while this one is active (``Facts.covered_by``). Ship-side pick-up / direct loading
(船边直提 / 抵港直装, [S]): an advance declaration released on the arrival match only once a slot is
booked (``declarations.appointments``). Refusals are ``refusals.Refusal`` codes with parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from kouan.declarations.refusals import Refusal
from kouan.events.domain import Milestone
from kouan.kit import workdays
from kouan.kit.clock import CHINA_TZ


class Status(StrEnum):
    DRAFT = "draft"
    LODGED = "lodged"  # L
    RETURNED = "returned"  # E
    ACCEPTED = "accepted"  # G
    INSPECTION = "inspection"  # C
    HELD = "held"  # H
    PORT_RELEASED = "port_released"  # 两段准入 stage 1 / 先放后检 / 附条件提离: goods left, not yet for sale
    RELEASED = "released"  # P
    CLOSED = "closed"  # R
    SUMMARY_LODGED = "summary_lodged"  # SpL
    SUMMARY_ACCEPTED = "summary_accepted"  # SpJ
    SUMMARY_INSPECTION = "summary_inspection"  # SpC
    GOODS_RELEASED = "goods_released"  # SpK: removal before the complete declaration
    IN_TRANSIT = "in_transit"  # 区港直通: moving under seal between the bonded zone and the port


class Action(StrEnum):
    LODGE = "lodge"
    LODGE_SUMMARY = "lodge_summary"
    LODGE_COMPLETE = "lodge_complete"
    ACCEPT = "accept"
    RETURN = "return"
    ORDER_INSPECTION = "order_inspection"
    COMPLETE_INSPECTION = "complete_inspection"
    RELEASE = "release"
    MATCH_ARRIVAL = "match_arrival"  # advance declaration: released when the arrival data matches
    RELEASE_GOODS = "release_goods"  # two-step SpK
    PORT_RELEASE = "port_release"
    MARKET_RELEASE = "market_release"
    HOLD = "hold"
    UNHOLD = "unhold"
    FULFIL_OBLIGATION = "fulfil_obligation"
    CLOSE = "close"
    START_MOVEMENT = "start_movement"  # 区港直通: the goods leave under seal
    ARRIVE_MOVEMENT = "arrive_movement"  # 区港直通: arrived, seal checked
    APPROVE_STORE = "approve_store"  # 附条件提离: customs has assessed the destination store


class Mode(StrEnum):
    ADVANCE = "advance"  # 提前申报
    TWO_STEP = "two_step"  # 两步申报
    TWO_STAGE = "two_stage_admission"  # 两段准入
    RELEASE_THEN_AMEND = "release_then_amend"  # 先放行后改单
    DECLARE_THEN_VERIFY = "declare_then_verify"  # 先声明后验证
    RELEASE_BEFORE_INSPECTION = "release_before_inspection"  # 先放后检
    SHIP_SIDE_PICKUP = "ship_side_pickup"  # 船边直提 (import) / 抵港直装 (export)
    CONDITIONAL_REMOVAL = "conditional_removal"  # 附条件提离
    ZONE_PORT_DIRECT = "zone_port_direct"  # 区港直通


RECEIPTS: dict[Status, str] = {
    Status.LODGED: "L", Status.RETURNED: "E", Status.ACCEPTED: "G", Status.INSPECTION: "C",
    Status.HELD: "H", Status.RELEASED: "P", Status.CLOSED: "R", Status.SUMMARY_LODGED: "SpL",
    Status.SUMMARY_ACCEPTED: "SpJ", Status.SUMMARY_INSPECTION: "SpC", Status.GOODS_RELEASED: "SpK",
}

S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.DRAFT, A.LODGE): S.LODGED,
    (S.DRAFT, A.LODGE_SUMMARY): S.SUMMARY_LODGED,
    (S.RETURNED, A.LODGE): S.LODGED,
    (S.LODGED, A.ACCEPT): S.ACCEPTED,
    (S.LODGED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.ORDER_INSPECTION): S.INSPECTION,
    (S.INSPECTION, A.COMPLETE_INSPECTION): S.ACCEPTED,
    (S.ACCEPTED, A.RELEASE): S.RELEASED,
    (S.ACCEPTED, A.MATCH_ARRIVAL): S.RELEASED,
    (S.ACCEPTED, A.PORT_RELEASE): S.PORT_RELEASED,
    (S.INSPECTION, A.PORT_RELEASE): S.PORT_RELEASED,
    (S.PORT_RELEASED, A.MARKET_RELEASE): S.RELEASED,
    (S.RELEASED, A.FULFIL_OBLIGATION): S.RELEASED,
    (S.RELEASED, A.CLOSE): S.CLOSED,
    (S.SUMMARY_LODGED, A.ACCEPT): S.SUMMARY_ACCEPTED,
    (S.SUMMARY_LODGED, A.RETURN): S.RETURNED,
    (S.SUMMARY_ACCEPTED, A.ORDER_INSPECTION): S.SUMMARY_INSPECTION,
    (S.SUMMARY_INSPECTION, A.COMPLETE_INSPECTION): S.SUMMARY_ACCEPTED,
    (S.SUMMARY_ACCEPTED, A.RELEASE_GOODS): S.GOODS_RELEASED,
    (S.SUMMARY_ACCEPTED, A.LODGE_COMPLETE): S.LODGED,
    (S.GOODS_RELEASED, A.LODGE_COMPLETE): S.LODGED,
    (S.ACCEPTED, A.START_MOVEMENT): S.IN_TRANSIT,
    (S.IN_TRANSIT, A.ARRIVE_MOVEMENT): S.ACCEPTED,
    (S.ACCEPTED, A.APPROVE_STORE): S.ACCEPTED,
    (S.INSPECTION, A.APPROVE_STORE): S.INSPECTION,
}
HOLDABLE = frozenset({S.LODGED, S.ACCEPTED, S.INSPECTION, S.PORT_RELEASED, S.SUMMARY_LODGED,
                      S.SUMMARY_ACCEPTED, S.SUMMARY_INSPECTION, S.GOODS_RELEASED, S.IN_TRANSIT})

MILESTONES: dict[Action, Milestone] = {
    A.LODGE: Milestone.DECLARATION_LODGED, A.LODGE_SUMMARY: Milestone.DECLARATION_LODGED,
    A.LODGE_COMPLETE: Milestone.DECLARATION_COMPLETED, A.ACCEPT: Milestone.DECLARATION_ACCEPTED,
    A.RETURN: Milestone.DECLARATION_RETURNED, A.ORDER_INSPECTION: Milestone.INSPECTION_ORDERED,
    A.COMPLETE_INSPECTION: Milestone.INSPECTION_DONE, A.RELEASE: Milestone.CUSTOMS_RELEASED,
    A.MATCH_ARRIVAL: Milestone.CUSTOMS_RELEASED, A.RELEASE_GOODS: Milestone.CUSTOMS_RELEASED,
    A.PORT_RELEASE: Milestone.CUSTOMS_RELEASED, A.MARKET_RELEASE: Milestone.MARKET_RELEASED,
    A.HOLD: Milestone.CUSTOMS_HOLD, A.UNHOLD: Milestone.OTHER, A.FULFIL_OBLIGATION: Milestone.OTHER,
    A.CLOSE: Milestone.DECLARATION_CLOSED,
    A.START_MOVEMENT: Milestone.OTHER, A.ARRIVE_MOVEMENT: Milestone.OTHER, A.APPROVE_STORE: Milestone.OTHER,
}
# Zone-port direct reuses the port's own milestones where they mean the same thing: an import
# leaving the port for the zone is the port's gate-out (提离); an export reaching the port from the
# zone is its 运抵. The other two ends (leaving the zone, reaching the zone) have no milestone.
MOVEMENT_MILESTONES: dict[tuple[Action, str], Milestone] = {
    (A.START_MOVEMENT, "I"): Milestone.GATE_OUT,
    (A.ARRIVE_MOVEMENT, "E"): Milestone.GOODS_ARRIVED_AT_PORT,
}

TWO_STEP_DAYS = 14  # complete declaration within 14 days of the transport's entry declaration [S]
LATE_FEE_RATE = Decimal("0.0005")  # 滞报金 0.5‰ of the dutiable value per day [K]
LATE_FEE_MINIMUM = Decimal("50")  # CNY [K]
ADVANCE_EXPORT_DAYS = 3  # export: within 3 days before the goods arrive [S]
OBLIGATION_DAYS = 30  # default time to amend or verify after release [K]
CREDIT_RATINGS = ("advanced", "general", "dishonest")  # 高级认证 / 一般信用 / 失信
RBI_HS_PREFIXES = ("2601", "2602", "2610", "2607", "2608", "2709")  # ores and concentrates, crude oil


class IllegalTransition(Exception):
    """The action is not allowed now: the current status, the allowed next actions, and why (a
    stable code with parameters, rendered in English as ``reason``)."""

    def __init__(self, status: Status, action: Action, allowed: list[Action], refusal: Refusal) -> None:
        super().__init__(refusal.english)
        self.status, self.action, self.allowed, self.refusal = status, action, allowed, refusal
        self.reason = refusal.english


@dataclass(frozen=True)
class Zone:
    """A bonded zone that zone-port direct (区港直通) connects to its port. Codes are Kouan's
    (port UN/LOCODE + zone); the list is [K]: confirm with the port office before relying on it."""

    code: str
    name: str
    name_en: str
    kind: str  # comprehensive_bonded_zone 综合保税区 | bonded_zone 保税区
    port: str


BONDED_ZONES: dict[str, Zone] = {z.code: z for z in (
    Zone("CNDAL-DYW", "大连大窑湾综合保税区", "Dalian Dayaowan Comprehensive Bonded Zone",
         "comprehensive_bonded_zone", "CNDAL"),
    Zone("CNDAL-WLZ", "大连湾里综合保税区", "Dalian Wanli Comprehensive Bonded Zone",
         "comprehensive_bonded_zone", "CNDAL"),
    Zone("CNDAL-BSQ", "大连保税区", "Dalian Bonded Zone", "bonded_zone", "CNDAL"),
    Zone("CNYIK-ZBQ", "营口综合保税区", "Yingkou Comprehensive Bonded Zone", "comprehensive_bonded_zone",
         "CNYIK"),
)}


def zones_at(port: str) -> list[Zone]:
    return [z for z in BONDED_ZONES.values() if z.port == port]


def movement_ends(direction: str, zone: str, port: str) -> tuple[str, str]:
    """Import: from the port to the zone; export: from the zone to the port."""
    return (port, zone) if direction == "I" else (zone, port)


@dataclass(frozen=True)
class Obligation:
    kind: str  # "amend" (先放行后改单) | "verify" (先声明后验证) | "lab" (先放后检)
    due: date
    fulfilled_at: datetime | None = None
    verifier: str | None = None


@dataclass(frozen=True)
class InspectionCause:
    """Why an inspection is ordered (无因不查, no inspection without cause): the targeting rules that
    hit the declaration, the random draw recorded with it, an officer's written reason. An order
    citing none of them is refused (``_check``), whatever path creates it."""

    rule_hits: tuple[str, ...] = ()  # targeting rule references (code@version)
    draw: str | None = None  # the recorded random draw that selected it ("seed:value<rate")
    officer_reason: str = ""

    MIN_REASON = 10  # characters of a written reason: "see file" is no reason

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, present in (("rule", bool(self.rule_hits)), ("draw", bool(self.draw)),
                                          ("officer", len(self.officer_reason.strip()) >= self.MIN_REASON))
                     if present)

    @property
    def stated(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class Facts:
    """What the rules need to know besides the declaration's own state, at the moment of an action."""

    now: datetime
    transport_departed_loading_at: datetime | None = None  # the inbound vessel left its loading port
    transport_arrived_at: datetime | None = None
    transport_entry_at: datetime | None = None  # 运输工具申报进境
    goods_arrived_at: datetime | None = None  # export 运抵
    goods_expected_at: datetime | None = None  # export: expected 运抵
    consignee_credit: str | None = None  # of the consignee/consignor
    lab_passed: bool | None = None  # release before inspection / two-stage: the lab result
    verifier: str | None = None
    seal: str | None = None  # zone-port direct: the seal put on for the movement
    appointment_booked: bool = False  # ship-side pick-up / direct loading: a slot is booked
    covered_by: str | None = None  # an active zone-port direct declaration of the same goods
    inspection_cause: InspectionCause | None = None  # order_inspection: why (无因不查)


@dataclass(frozen=True)
class Declaration:
    """The workflow state of one declaration."""

    number: str
    direction: str  # "I" | "E"
    modes: frozenset[Mode] = frozenset()
    hs_codes: tuple[str, ...] = ()
    dutiable_value: Decimal = Decimal("0")  # CNY, for the late fee
    status: Status = Status.DRAFT
    held_from: Status | None = None
    inspection_ordered: bool = False
    summary_at: datetime | None = None
    completed_at: datetime | None = None
    released_at: datetime | None = None
    containers: tuple[str, ...] = ()
    bonded_zone: str | None = None
    warehouse: str | None = None  # 附条件提离: the destination store named in the declaration
    warehouse_approved: bool = False  # … and customs has assessed it
    port: str = ""
    movement_started_at: datetime | None = None
    movement_arrived_at: datetime | None = None
    obligations: tuple[Obligation, ...] = ()
    history: tuple[tuple[Action, datetime], ...] = ()

    @property
    def receipt(self) -> str | None:
        return RECEIPTS.get(self.status)

    @property
    def open_obligations(self) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if o.fulfilled_at is None)


@dataclass(frozen=True)
class Emitted:
    """An event the transition produces (source ``kouan``)."""

    milestone: Milestone
    occurred_at: datetime
    attrs: dict[str, object] = field(default_factory=dict)
    original_code: str = ""


# Refusals that say "not yet: waiting for the arrival": with the facts known, a step they refuse is
# no next step (finding 10: "抵港比对放行" was refused yet listed). Other fact refusals stay listed:
# the actor can act on them (give the seal, the lab result) and is told why.
WAITING = frozenset({"match_not_arrived", "release_not_arrived"})


def allowed_actions(d: Declaration, f: Facts | None = None) -> list[Action]:
    """The next steps open to this declaration: those the transition table allows from its status
    that the declaration itself (its modes, direction, contents and what was done to it) does not
    rule out, and, given the facts of the moment, that do not wait for an arrival not yet known. A
    listed step may still be refused for other facts: no seal was given, the lab result failed."""
    actions = [a for (s, a) in TRANSITIONS if s == d.status]
    if d.status in HOLDABLE:
        actions.append(A.HOLD)
    if d.status == S.HELD:
        actions.append(A.UNHOLD)
    listed = {a for a in actions if _check(d, a, None) is None}
    if f is not None:
        listed = {a for a in listed if (why := _check(d, a, f)) is None or why.code not in WAITING}
    return sorted(listed, key=list(Action).index)


# --- the 14-day complete-declaration limit --------------------------------------------------


def completion_deadline(entry_at: datetime) -> date:
    """Last day for the complete declaration: 14 days from the entry declaration's date (Beijing
    time), run on to the next working day when it falls on a holiday or rest day."""
    return workdays.roll_forward(entry_at.astimezone(CHINA_TZ).date() + timedelta(days=TWO_STEP_DAYS))


def late_days(entry_at: datetime | None, at: datetime) -> int:
    """Whole days past the deadline at ``at`` (0 while on time): overdue exactly when past 14 days."""
    if entry_at is None:
        return 0
    return max(0, (at.astimezone(CHINA_TZ).date() - completion_deadline(entry_at)).days)


def late_fee(dutiable_value: Decimal, days: int) -> Decimal:
    """滞报金: 0.5‰ of the dutiable value per late day, at least CNY 50 when any is due [K]."""
    if days <= 0:
        return Decimal("0")
    fee = (dutiable_value * LATE_FEE_RATE * days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return max(fee, LATE_FEE_MINIMUM)


# --- guards: each returns why the action is refused, or None ----------------------------------
# Without facts (``f`` is None) a guard judges on the declaration alone and skips every check of
# the facts: what it still refuses, no facts could let pass (``allowed_actions`` leaves it out).

Why = Refusal | None
SEAL = re.compile(r"[A-Z0-9-]{1,32}")


def _check_advance(d: Declaration, f: Facts) -> Why:
    if d.direction == "I":
        if f.transport_departed_loading_at is None or f.transport_departed_loading_at > f.now:
            return Refusal("advance_not_departed")
        if f.transport_arrived_at is not None and f.transport_arrived_at <= f.now:
            return Refusal("advance_arrived")
        return None
    if f.goods_arrived_at is not None and f.goods_arrived_at <= f.now:
        return Refusal("advance_goods_arrived")
    if f.goods_expected_at is not None and f.goods_expected_at - f.now > timedelta(days=ADVANCE_EXPORT_DAYS):
        return Refusal("advance_export_too_early", {"days": ADVANCE_EXPORT_DAYS})
    return None


def _check_lodge(d: Declaration, action: Action, f: Facts | None) -> Why:
    if f is not None and f.covered_by:
        return Refusal("second_declaration", {"number": f.covered_by})
    if f is not None and Mode.ADVANCE in d.modes and (problem := _check_advance(d, f)):
        return problem
    if action == A.LODGE_SUMMARY:
        if d.direction != "I":
            return Refusal("two_step_imports_only")
        if Mode.TWO_STEP not in d.modes:
            return Refusal("summary_needs_two_step")
        if f is not None and f.consignee_credit not in ("advanced", "general"):
            return Refusal("two_step_credit")
    if action == A.LODGE and Mode.TWO_STEP in d.modes and d.status == S.DRAFT:
        return Refusal("two_step_starts_with_summary")
    return None


def _check_port_release(d: Declaration, f: Facts | None) -> Why:
    if Mode.CONDITIONAL_REMOVAL in d.modes:
        if f is not None and f.consignee_credit == "dishonest":
            return Refusal("conditional_removal_dishonest")
        if not d.warehouse_approved:
            return Refusal("conditional_removal_store")
        return None
    if Mode.RELEASE_BEFORE_INSPECTION in d.modes:
        if not any(h.startswith(RBI_HS_PREFIXES) for h in d.hs_codes):
            return Refusal("release_before_inspection_goods")
        return None
    if Mode.TWO_STAGE in d.modes:
        return Refusal("port_inspection_not_done") if d.status == S.INSPECTION else None
    return Refusal("port_release_mode")


def _check_movement(d: Declaration, action: Action, f: Facts | None) -> Why:
    if Mode.ZONE_PORT_DIRECT not in d.modes:
        return Refusal("movement_needs_zone_port")
    if action == A.START_MOVEMENT:
        if d.movement_started_at is not None:
            return Refusal("movement_done")
        if not d.containers:
            return Refusal("movement_needs_containers")
        if f is not None and (f.seal is None or not SEAL.fullmatch(f.seal)):
            return Refusal("movement_needs_seal")
    return None


def _check_release(d: Declaration, action: Action, f: Facts | None) -> Why:
    """What every release (officer's, automatic, port) must respect, whatever the mode."""
    if Mode.ZONE_PORT_DIRECT in d.modes and d.movement_arrived_at is None:
        _, to = movement_ends(d.direction, d.bonded_zone or "", d.port)
        return Refusal("movement_not_arrived", {"to_place": to})
    if action == A.MATCH_ARRIVAL:
        if Mode.ADVANCE not in d.modes:
            return Refusal("match_not_advance")
        if d.inspection_ordered:
            return Refusal("match_inspected")
        if f is not None and f.transport_arrived_at is None and f.goods_arrived_at is None:
            return Refusal("match_not_arrived")
        if f is not None and Mode.SHIP_SIDE_PICKUP in d.modes and not f.appointment_booked:
            return Refusal("ship_side_needs_appointment")
    if (action == A.RELEASE and Mode.ADVANCE in d.modes and f is not None
            and f.transport_arrived_at is None and f.goods_arrived_at is None):
        # Finding 10: an estimate (EST/PLN) or a claim is no arrival (declarations.service.facts).
        return Refusal("release_not_arrived")
    if action == A.RELEASE and Mode.TWO_STEP in d.modes and d.completed_at is None:
        return Refusal("complete_not_lodged")
    if action == A.PORT_RELEASE:
        return _check_port_release(d, f)
    return None


def _check(d: Declaration, action: Action, f: Facts | None) -> Why:
    if action in (A.LODGE, A.LODGE_SUMMARY):
        return _check_lodge(d, action, f)
    if action in (A.START_MOVEMENT, A.ARRIVE_MOVEMENT):
        return _check_movement(d, action, f)
    if action in (A.RELEASE, A.MATCH_ARRIVAL, A.PORT_RELEASE):
        return _check_release(d, action, f)
    if action == A.APPROVE_STORE:
        if Mode.CONDITIONAL_REMOVAL not in d.modes:
            return Refusal("store_needs_conditional_removal")
        if not d.warehouse:
            return Refusal("store_missing")
        if d.warehouse_approved:
            return Refusal("store_approved", {"store": d.warehouse})
    if action == A.ORDER_INSPECTION and f is not None and (f.inspection_cause is None
                                                            or not f.inspection_cause.stated):
        return Refusal("inspection_without_cause", {"chars": InspectionCause.MIN_REASON})
    if action == A.MARKET_RELEASE and f is not None and f.lab_passed is False:
        return Refusal("lab_failed")
    if action == A.FULFIL_OBLIGATION and not d.open_obligations:
        return Refusal("no_open_obligation")
    if action == A.CLOSE and d.open_obligations:
        return Refusal("obligations_open", {"kinds": [o.kind for o in d.open_obligations]})
    return None


# --- transition ------------------------------------------------------------------------------


def _next_status(d: Declaration, action: Action) -> Status | None:
    if action == A.HOLD:
        return S.HELD if d.status in HOLDABLE else None
    if action == A.UNHOLD:
        return d.held_from if d.status == S.HELD else None
    return TRANSITIONS.get((d.status, action))


def _after_release(d: Declaration, f: Facts) -> tuple[Obligation, ...]:
    due = (f.now.astimezone(CHINA_TZ) + timedelta(days=OBLIGATION_DAYS)).date()
    extra = []
    if Mode.RELEASE_THEN_AMEND in d.modes:
        extra.append(Obligation("amend", due))
    if Mode.DECLARE_THEN_VERIFY in d.modes:
        extra.append(Obligation("verify", due))
    return d.obligations + tuple(extra)


def _apply(d: Declaration, action: Action, new: Status, f: Facts) -> Declaration:
    changes: dict[str, object] = {"status": new, "history": (*d.history, (action, f.now))}
    if action == A.HOLD:
        changes["held_from"] = d.status
    if action == A.UNHOLD:
        changes["held_from"] = None
    if action == A.ORDER_INSPECTION:
        changes["inspection_ordered"] = True
    if action == A.APPROVE_STORE:
        changes["warehouse_approved"] = True
    if action == A.LODGE_SUMMARY:
        changes["summary_at"] = f.now
    if action == A.LODGE_COMPLETE:
        changes["completed_at"] = f.now
    if action == A.START_MOVEMENT:
        changes["movement_started_at"] = f.now
    if action == A.ARRIVE_MOVEMENT:
        changes["movement_arrived_at"] = f.now
    if new == S.RELEASED and d.released_at is None:
        changes["released_at"] = f.now
        changes["obligations"] = _after_release(d, f)
    if action == A.PORT_RELEASE and Mode.RELEASE_BEFORE_INSPECTION in d.modes:
        due = (f.now.astimezone(CHINA_TZ) + timedelta(days=OBLIGATION_DAYS)).date()
        changes["obligations"] = (*d.obligations, Obligation("lab", due))
    if action == A.MARKET_RELEASE:
        changes["obligations"] = tuple(replace(o, fulfilled_at=f.now, verifier=f.verifier) if o.kind == "lab"
                                       and o.fulfilled_at is None else o for o in d.obligations)
    if action == A.FULFIL_OBLIGATION:
        first = d.open_obligations[0]
        changes["obligations"] = tuple(replace(o, fulfilled_at=f.now, verifier=f.verifier) if o is first
                                       else o for o in d.obligations)
    return replace(d, **changes)  # type: ignore[arg-type]


def _emitted(before: Declaration, after: Declaration, action: Action, f: Facts) -> Emitted:
    attrs: dict[str, object] = {"action": action.value, "status": after.status.value,
                                "modes": sorted(m.value for m in after.modes)}
    if after.receipt:
        attrs["receipt"] = after.receipt
    kind = {A.RELEASE_GOODS: "goods", A.PORT_RELEASE: "port", A.MATCH_ARRIVAL: "formal",
            A.RELEASE: "formal"}.get(action)
    if kind:
        attrs["release_kind"] = kind
    if action == A.LODGE_COMPLETE:
        days = late_days(f.transport_entry_at, f.now)
        attrs.update(late_days=days, late_fee=str(late_fee(before.dutiable_value, days)))
    if action == A.APPROVE_STORE:
        attrs["store"] = after.warehouse or ""
    if action == A.ORDER_INSPECTION and f.inspection_cause is not None:
        attrs["cause"] = list(f.inspection_cause.kinds)
        attrs["rule_hits"] = list(f.inspection_cause.rule_hits)
    if action in (A.START_MOVEMENT, A.ARRIVE_MOVEMENT):
        start, to = movement_ends(after.direction, after.bonded_zone or "", after.port)
        attrs.update(movement_from=start, movement_to=to, containers=list(after.containers))
        if f.seal:
            attrs["seal"] = f.seal
    if Mode.SHIP_SIDE_PICKUP in after.modes and kind:
        attrs["direct"] = "ship_side_pickup" if after.direction == "I" else "direct_loading"
    milestone = MOVEMENT_MILESTONES.get((action, after.direction), MILESTONES[action])
    return Emitted(milestone, f.now, attrs, original_code=f"kouan/{action.value}")


def transition(d: Declaration, action: Action, facts: Facts) -> tuple[Declaration, Emitted]:
    """Apply ``action``: the new state and the event it emits, or ``IllegalTransition``."""
    new = _next_status(d, action)
    if new is None:
        why = Refusal("not_allowed", {"action": action.value, "status": d.status.value})
        raise IllegalTransition(d.status, action, allowed_actions(d, facts), why)
    if why := _check(d, action, facts):
        raise IllegalTransition(d.status, action, allowed_actions(d, facts), why)
    after = _apply(d, action, new, facts)
    return after, _emitted(d, after, action, facts)
