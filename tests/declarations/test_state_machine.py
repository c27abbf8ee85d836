"""Random command sequences through the declaration service, on the real database.

A hypothesis state machine drafts a few declarations with random modes, lets vessels arrive and
time pass, and sends commands — legal, illegal, by the wrong party or by a stranger — through
``service.act`` exactly as the API and the pages do. After every step the stored history must
still tell a lawful story: nothing released before it was lodged, a two-step declaration completed
only after its summary, the 14-day deadline overdue exactly when it is past, zone-port direct goods
released only after their sealed movement arrived, ship-side goods released on arrival only with a
booked slot, and one audit row and one ``kouan`` event per successful transition, none for a
refused one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from tests.conftest import _wipe
from tests.events.helpers import jsonl
from tests.factories import Org, build_world, valid_uscc

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.declarations import appointment_service, domain, service, validation, views
from kouan.declarations.domain import Action, Mode
from kouan.declarations.models import Appointment, DeclarationMovement, DeclarationRecord
from kouan.events import service as events_service
from kouan.events.models import Event
from kouan.kit.clock import CHINA_TZ
from kouan.kit.errors import Forbidden, InvalidInput, NotFound
from kouan.partners.domain import OrgKind, Principal, Role, system

START = datetime(2022, 3, 1, tzinfo=UTC)
# Weighted by repetition: advance, ship-side and zone-port direct have the most steps to reach.
MODES = [Mode.ADVANCE, Mode.ADVANCE, Mode.SHIP_SIDE_PICKUP, Mode.SHIP_SIDE_PICKUP, Mode.ZONE_PORT_DIRECT,
         Mode.ZONE_PORT_DIRECT, Mode.TWO_STEP, Mode.TWO_STAGE, Mode.RELEASE_THEN_AMEND, Mode.DECLARE_THEN_VERIFY,
         Mode.RELEASE_BEFORE_INSPECTION, Mode.CONDITIONAL_REMOVAL]
BOXES = ["TGHU1000002", "OOLU1000002", "CMAU1000000"]  # one per draft: different goods
SEALS = [None, "CN0900123", "CN0900123", "no seal!"]
CREDITS = [None, "general", "general", "advanced", "dishonest"]  # of the consignee (two-step needs general+)
WHO = ["proper", "proper", "proper", "wrong", "stranger"]  # mostly the party whose step it is
REFUSALS = (service.IllegalTransitionError, Forbidden, NotFound)
BOOKING_REFUSALS = (appointment_service.AppointmentRefused, *REFUSALS)
SIDE_STEPS = frozenset({Action.RETURN, Action.HOLD})  # lawful, but they lead away from release


@dataclass
class Tracked:
    number: str
    call: str
    modes: frozenset[str]
    born: int = 0  # the step it was drafted at
    entry_at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    status: str
    steps: int
    audit_rows: int
    events: int
    allowed: tuple[Action, ...]


def _person(org: Org, kind: OrgKind) -> Principal:
    return Principal(kind="person", id=org.admin_id, org_id=org.id, org_kind=kind, role=Role.ADMIN,
                     name=org.admin, org_code=org.code)


def _record(s, number: str) -> DeclarationRecord:  # type: ignore[no-untyped-def]
    return s.scalars(select(DeclarationRecord).where(DeclarationRecord.number == number)).one()


def _audit_rows(s, rec: DeclarationRecord):  # type: ignore[no-untyped-def]
    return select(AuditEntry).where(AuditEntry.entity == "declaration", AuditEntry.entity_id == str(rec.id),
                                    AuditEntry.action == "declaration.update")


def _kouan_events(s, number: str) -> list[Event]:  # type: ignore[no-untyped-def]
    """The declaration's own events, in step order (their ids are ``decl/{number}/{step}``)."""
    found = s.scalars(select(Event).where(Event.source == "kouan", Event.event_id.like(f"decl/{number}/%")))
    return sorted(found, key=lambda e: int(e.event_id.rsplit("/", 1)[1]))


class DeclarationMachine(RuleBasedStateMachine):
    def __init__(self, kouan) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        _wipe(kouan)
        self.kouan, self.world = kouan, build_world(kouan)
        self.now = START
        self.ticks = 0  # steps run so far
        self.tracked: list[Tracked] = []
        self.trader = _person(self.world.trader_a, OrgKind.TRADER)
        self.officer = _person(self.world.customs, OrgKind.CUSTOMS)
        self.stranger = _person(self.world.trader_b, OrgKind.TRADER)

    # --- helpers -------------------------------------------------------------------------------

    def _partner_events(self, *events: dict) -> int:
        with transaction(self.kouan.sessions, actor=system("tests")) as s:
            report = events_service.ingest(s, source=self.world.terminal.code, org_id=self.world.terminal.id,
                                           data=jsonl(*events), fmt="jsonl", channel="test", now=self.now,
                                           actor="tests")
        assert report.stored == len(events)
        return report.batch_id

    def _snapshot(self, t: Tracked) -> Snapshot:
        with self.kouan.sessions() as s:
            rec = _record(s, t.number)
            rows = s.scalar(select(func.count()).select_from(_audit_rows(s, rec).subquery()))
            return Snapshot(rec.status, rec.steps, rows, len(_kouan_events(s, t.number)),
                            tuple(domain.allowed_actions(service.state_of(s, rec))))

    def _actor(self, action: Action, who: str) -> Principal:
        enterprise = action in service.ENTERPRISE_ACTIONS
        if who == "stranger":
            return self.stranger
        if who == "wrong":
            return self.officer if enterprise else self.trader
        return self.trader if enterprise else self.officer

    def _act(self, t: Tracked, action: Action, who: str, lab: bool | None, seal: str | None = None) -> None:
        before = self._snapshot(t)
        actor = self._actor(action, who)
        refused: Exception | None = None
        # Commit even after a refusal: a refused command must have written nothing at all.
        with transaction(self.kouan.sessions, actor=actor) as s:
            try:
                service.act(s, actor=actor, number=t.number, action=action.value, now=self.now, lab_passed=lab,
                            seal=seal)
            except REFUSALS as exc:
                refused = exc
        after = self._snapshot(t)
        if who == "stranger":
            assert isinstance(refused, NotFound)
        elif who == "wrong":
            assert isinstance(refused, Forbidden)
        elif action not in before.allowed:
            assert isinstance(refused, service.IllegalTransitionError)
        if refused is not None:
            assert after == before
            return
        # Accepting an advance declaration whose arrival is already known also releases it: two steps.
        steps = after.steps - before.steps
        released_at_once = action == Action.ACCEPT and steps == 2
        assert steps == 1 or (released_at_once and Mode.ADVANCE.value in t.modes and t.entry_at is not None)
        assert (after.audit_rows, after.events) == (before.audit_rows + steps, before.events + steps)
        if released_at_once:
            assert after.status == "released"
        self._check_last_step(t, "accepted" if released_at_once else before.status, after.status)

    def _check_last_step(self, t: Tracked, old: str, new: str) -> None:
        with self.kouan.sessions() as s:
            rec = _record(s, t.number)
            row = s.scalars(_audit_rows(s, rec).order_by(AuditEntry.id.desc()).limit(1)).one()
            last = _kouan_events(s, t.number)[-1]
        assert row.after["steps"] == rec.steps
        if old != new:
            assert (row.before["status"], row.after["status"]) == (old, new)
        else:
            assert "status" not in row.after
        assert last.event_id == f"decl/{t.number}/{rec.steps}" and last.attrs["status"] == new

    # --- rules ---------------------------------------------------------------------------------

    @initialize(direction=st.sampled_from("IE"), modes=st.sets(st.sampled_from(MODES), max_size=2),
                credit=st.sampled_from(CREDITS))
    def first_draft(self, direction: str, modes: set[Mode], credit: str | None) -> None:
        self.draft(direction, modes, credit)

    @precondition(lambda self: len(self.tracked) < 3)
    @rule(direction=st.sampled_from("IE"), modes=st.sets(st.sampled_from(MODES), max_size=2),
          credit=st.sampled_from(CREDITS))
    def draft(self, direction: str, modes: set[Mode], credit: str | None) -> None:
        voyage = f"9321483/{len(self.tracked) + 1:03d}{direction}"
        if Mode.SHIP_SIDE_PICKUP in modes:
            modes = modes | {Mode.ADVANCE}  # ship-side pick-up is an advance declaration
        self._partner_events({"event_id": f"{voyage}-dep", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                              "occurred_at": (self.now - timedelta(days=5)).isoformat(),
                              "refs": {"transport_call": f"{voyage}/AUPHE"}})
        fields = validation.DraftFields(
            direction=direction, consignee_uscc=valid_uscc(1), consignee_name="甲贸易公司", port="CNDAL",
            modes=[m.value for m in modes], transport_call=f"{voyage}/CNDAL", warehouse="大连保税仓",
            bonded_zone="CNDAL-DYW", containers=[BOXES[len(self.tracked)]],
            bill_of_lading=f"BL{len(self.tracked)}",
            items=[validation.ItemFields(hs_code="2601111000", description="铁矿砂", quantity="1000",
                                      unit="TNE", value="1000000", origin="AU")])
        with transaction(self.kouan.sessions, actor=self.trader) as s:
            rec = service.create(s, actor=self.trader, fields=fields, now=self.now)
            rec.consignee_credit = credit
            self.tracked.append(Tracked(rec.number, f"{voyage}/CNDAL", frozenset(rec.modes), self.ticks))

    @rule(hours=st.integers(1, 24 * 9))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    def _waiting(self) -> list[Tracked]:
        """Vessels arrive a few steps after the draft, so that advance declarations get lodged."""
        return [t for t in self.tracked if t.entry_at is None and self.ticks - t.born >= 4]

    @precondition(lambda self: self._waiting())
    @rule(data=st.data())
    def vessel_arrives(self, data: st.DataObject) -> None:
        """The vessel (import) or the boxes (export, 运抵) arrive; the batch is matched."""
        t = data.draw(st.sampled_from(self._waiting()))
        at = self.now.isoformat()
        with self.kouan.sessions() as s:
            box = _record(s, t.number).containers[0]
        batch = self._partner_events(
            {"event_id": f"{t.call}-entry", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": "CNDAL",
             "occurred_at": at, "refs": {"transport_call": t.call}},
            {"event_id": f"{t.call}-arri", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
             "occurred_at": at, "refs": {"transport_call": t.call}},
            {"event_id": f"{t.call}-gtin", "milestone": "GOODS_ARRIVED_AT_PORT", "port": "CNDAL",
             "occurred_at": at, "refs": {"container": box}})
        t.entry_at = self.now
        # As after any partner batch: the arrival match tries the declarations the batch names.
        with transaction(self.kouan.sessions, actor=system("tests")) as s:
            released = service.match_arrivals(s, now=self.now, batch_ids=[batch])
        assert set(released) <= {t.number}

    @precondition(lambda self: self.tracked)
    @rule(data=st.data(), action=st.sampled_from(list(Action)), who=st.sampled_from(WHO),
          lab=st.sampled_from([None, True, False]), seal=st.sampled_from(SEALS))
    def any_command(self, data: st.DataObject, action: Action, who: str, lab: bool | None,
                    seal: str | None) -> None:
        self._act(data.draw(st.sampled_from(self.tracked)), action, who, lab, seal)

    @precondition(lambda self: any(Mode.SHIP_SIDE_PICKUP.value in t.modes for t in self.tracked))
    @rule(data=st.data(), hours=st.integers(-2, 6))
    def book_slot(self, data: st.DataObject, hours: int) -> None:
        """The declarant books a ship-side slot (a past one is refused); on an arrived, accepted
        declaration the booking releases it at once."""
        t = data.draw(st.sampled_from([t for t in self.tracked if Mode.SHIP_SIDE_PICKUP.value in t.modes]))
        before = self._snapshot(t)
        start = self.now + timedelta(hours=hours)
        with transaction(self.kouan.sessions, actor=self.trader) as s:
            try:
                appointment_service.book(s, actor=self.trader, number=t.number, terminal="DCT", slot_start=start,
                                         slot_end=start + timedelta(hours=2), now=self.now)
            except (InvalidInput, *BOOKING_REFUSALS):
                s.rollback()
                assert self._snapshot(t) == before
                return
        after = self._snapshot(t)
        assert after.steps - before.steps in (0, 1)
        assert (after.audit_rows - before.audit_rows, after.events - before.events) == (
            after.steps - before.steps,) * 2

    @precondition(lambda self: self.tracked)
    @rule(data=st.data(), lab=st.sampled_from([None, True, True, False]))
    def next_step(self, data: st.DataObject, lab: bool | None) -> None:
        """A step the table allows (its guard may still refuse), mostly a forward one, so that
        sequences reach release, completion and closing often."""
        t = data.draw(st.sampled_from(self.tracked))
        allowed = self._snapshot(t).allowed
        forward = [a for a in allowed if a not in SIDE_STEPS]
        choices = forward if forward and data.draw(st.integers(0, 4)) else allowed
        if choices:
            self._act(t, data.draw(st.sampled_from(choices)), "proper", lab, data.draw(st.sampled_from(SEALS)))

    @precondition(lambda self: self.tracked)
    @rule(data=st.data(), lab=st.sampled_from([None, True, True, False]))
    def another_next_step(self, data: st.DataObject, lab: bool | None) -> None:
        self.next_step(data, lab)

    @rule()
    def arrival_match(self) -> None:
        with transaction(self.kouan.sessions, actor=system("tests")) as s:
            service.match_arrivals(s, now=self.now)

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def count_the_steps(self) -> None:
        self.ticks += 1

    @invariant()
    def the_stored_history_is_lawful(self) -> None:
        with self.kouan.sessions() as s:
            for t in self.tracked:
                rec = _record(s, t.number)
                events = _kouan_events(s, t.number)
                assert [e.event_id for e in events] == [f"decl/{t.number}/{i}" for i in range(1, rec.steps + 1)]
                stepped = [r.after["steps"] for r in s.scalars(_audit_rows(s, rec).order_by(AuditEntry.id))
                           if "steps" in r.after]
                assert sorted(stepped) == list(range(1, rec.steps + 1))  # one audit row per transition
                _released_only_after_lodging(rec, events)
                _completed_only_after_summary(rec, events)
                _zone_port_released_only_after_the_movement_arrived(s, rec, events)
                _ship_side_released_on_arrival_only_with_a_slot(s, rec, events)
                self._deadline_is_right(s, t, rec)

    def _deadline_is_right(self, s, t: Tracked, rec: DeclarationRecord) -> None:  # type: ignore[no-untyped-def]
        deadline = views.deadline(s, rec, self.now)
        if Mode.TWO_STEP.value not in t.modes or t.entry_at is None:
            assert deadline is None
            return
        complete_by = domain.completion_deadline(t.entry_at)
        at = rec.completed_at or self.now
        assert deadline is not None and deadline.complete_by == complete_by
        assert (deadline.late_days > 0) == (at.astimezone(CHINA_TZ).date() > complete_by)
        assert (deadline.late_fee > 0) == (deadline.late_days > 0)


def _released_only_after_lodging(rec: DeclarationRecord, events: list[Event]) -> None:
    milestones = [e.milestone for e in events]
    if rec.status in ("released", "closed") or "CUSTOMS_RELEASED" in milestones:
        first = milestones.index("CUSTOMS_RELEASED") if "CUSTOMS_RELEASED" in milestones else len(events)
        assert "DECLARATION_LODGED" in milestones[:first], milestones
    if events:
        assert events[-1].attrs["status"] == rec.status
        times = [e.occurred_at for e in events]
        assert times == sorted(times)


def _zone_port_released_only_after_the_movement_arrived(s, rec: DeclarationRecord,  # type: ignore[no-untyped-def]
                                                       events: list[Event]) -> None:
    actions = [e.attrs["action"] for e in events]
    movement = s.scalars(select(DeclarationMovement).where(DeclarationMovement.declaration_id == rec.id)).one_or_none()
    if "start_movement" in actions:
        assert Mode.ZONE_PORT_DIRECT.value in rec.modes and movement is not None
        assert movement.containers == rec.containers and movement.seal == "CN0900123"
        assert (movement.arrived_at is None) == ("arrive_movement" not in actions)
    else:
        assert movement is None
    if rec.status == "in_transit":
        assert movement is not None and movement.arrived_at is None
    if Mode.ZONE_PORT_DIRECT.value in rec.modes and "CUSTOMS_RELEASED" in [e.milestone for e in events]:
        first = [e.milestone for e in events].index("CUSTOMS_RELEASED")
        assert "arrive_movement" in actions[:first], actions


def _ship_side_released_on_arrival_only_with_a_slot(s, rec: DeclarationRecord,  # type: ignore[no-untyped-def]
                                                    events: list[Event]) -> None:
    matched = [e for e in events if e.attrs["action"] == "match_arrival"]
    if Mode.SHIP_SIDE_PICKUP.value in rec.modes and matched:
        booked = s.scalars(select(Appointment.created_at).where(Appointment.declaration_id == rec.id)).all()
        assert booked and min(booked) <= matched[0].occurred_at
        assert matched[0].attrs["direct"] == "ship_side_pickup" if rec.direction == "I" else "direct_loading"


def _completed_only_after_summary(rec: DeclarationRecord, events: list[Event]) -> None:
    actions = [e.attrs["action"] for e in events]
    if "lodge_complete" in actions:
        assert "lodge_summary" in actions[:actions.index("lodge_complete")], actions
        assert rec.summary_at is not None and rec.completed_at is not None
        assert rec.summary_at <= rec.completed_at


def test_random_command_sequences_keep_the_declaration_history_lawful(kouan):
    run_state_machine_as_test(lambda: DeclarationMachine(kouan), settings=settings(
        max_examples=15, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
