"""Publish slots, book, move, cancel, use them; mark no-shows; the off-hours report.

Bookings are rows of ``appointment`` (``kind`` = the slot's service, ``terminal_org_id`` = the
serving side, ``slot_id`` = the slot). A booking of a pick-up slot for a declaration lodged for
ship-side pick-up / direct loading *is* that declaration's ship-side appointment: it is made by
``declarations.appointment_service.book`` (planned event, release on arrival) and linked to the
slot. Capacity is taken and given back by ``capacity`` (one conditional UPDATE), so concurrent
bookings never overfill a slot; a full slot answers 409 with the next free slots.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kouan import jobs
from kouan.appointments import capacity
from kouan.appointments import domain as rules
from kouan.appointments.models import Slot, SlotPattern
from kouan.audit import service as audit_service
from kouan.db.sqlfn import beijing_month
from kouan.declarations import appointment_service as ship_side
from kouan.declarations import service as declarations
from kouan.declarations.domain import Mode
from kouan.declarations.models import Appointment, DeclarationRecord
from kouan.events import record as events_record
from kouan.events.domain import CanonicalEvent, Classifier, Direction, Milestone, Ref, RefKind
from kouan.kit.clock import CHINA_TZ
from kouan.kit.errors import N_, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, Scope, has_scope, sees_all_organisations
from kouan.partners.models import Organisation
from kouan.ports.models import Port

PUBLISHERS = frozenset({OrgKind.CUSTOMS, OrgKind.TERMINAL, OrgKind.BORDER_INSPECTION})
BOOKERS = frozenset({OrgKind.TRADER, OrgKind.BROKER})
SHIP_SIDE_KINDS = ("ship_side_pickup", "direct_loading")
NO_SHOW_JOB = "appointments.no_show"


class SlotFull(Conflict):
    type = "/problems/slot-full"
    title = "Slot full"


class BookingRefused(Conflict):
    type = "/problems/booking-refused"
    title = "Booking refused"


def _invalid(pointer: str, why: str, value: object = None) -> InvalidInput:
    return InvalidInput(N_("the slot is not valid"), errors=[FieldError(pointer, why, value)])


def _is_worker(actor: Principal) -> bool:
    return actor.kind == "system" or (actor.is_person and actor.role in (Role.ADMIN, Role.STAFF)) or (
        actor.kind == "apikey" and has_scope(actor, Scope.APPOINTMENTS_WRITE))


# --- publishing -----------------------------------------------------------------------------------

def _publisher(session: Session, actor: Principal, org_code: str | None, port: str) -> Organisation:
    """The organisation publishing: the caller's own (a system actor names it)."""
    if actor.kind == "system":
        org = partners_repo.get_org_by_code(session, (org_code or "").strip().upper())
        if org is None:
            raise _invalid("/org", N_("no such organisation"), org_code)
    else:
        org = partners_repo.get_org(session, actor.org_id) if actor.org_id else None
        if org is None or (org_code and org_code.strip().upper() != org.code):
            raise Forbidden(N_("slots are published by the unit or terminal itself"))
        if not _is_worker(actor):
            raise Forbidden(N_("a viewer cannot do this"))
    if org.kind not in PUBLISHERS:
        raise Forbidden(N_("slots are published by customs units, border inspection and terminals"))
    where = session.get(Port, port)
    if where is None:
        raise _invalid("/port", N_("unknown port"), port)
    if org.kind == OrgKind.CUSTOMS and where.customs_district != org.customs_district:
        raise _invalid("/port", N_("the port is not in the unit's customs district"), port)
    if org.kind != OrgKind.CUSTOMS and org.home_port and org.home_port != port:
        raise _invalid("/port", N_("the organisation does not operate at this port"), port)
    return org


def _service(value: str) -> rules.Service:
    try:
        return rules.Service(value)
    except ValueError:
        raise _invalid("/service", N_("unknown service"), value) from None


def _hours(value: str | None, start: datetime, end: datetime) -> rules.Hours:
    if value:
        try:
            return rules.Hours(value)
        except ValueError:
            raise _invalid("/hours", N_("unknown hours"), value) from None
    return rules.Hours.EXTENDED if rules.off_hours(start, end) else rules.Hours.REGULAR


def _new_slot(org: Organisation, port: str, service: rules.Service, start: datetime, end: datetime,
              capacity_: int, hours: rules.Hours, now: datetime, pattern_id: int | None = None) -> Slot:
    return Slot(org_id=org.id, port=port, service=service.value, starts_at=start.astimezone(UTC),
                ends_at=end.astimezone(UTC), capacity=capacity_, booked=0, hours=hours.value,
                off_hours=rules.off_hours(start, end), status="open", pattern_id=pattern_id,
                created_at=now)


def _existing(session: Session, org_id: int, port: str, service: str) -> set[tuple[datetime, datetime]]:
    rows = session.execute(select(Slot.starts_at, Slot.ends_at).where(
        Slot.org_id == org_id, Slot.port == port, Slot.service == service)).all()
    return {(s, e) for s, e in rows}


def publish(session: Session, *, actor: Principal, port: str, service: str, start: datetime,
            end: datetime, capacity: int, hours: str | None = None, org_code: str | None = None,
            now: datetime) -> Slot:
    """One slot. The same window published twice is a 409."""
    port = port.strip().upper()
    org = _publisher(session, actor, org_code, port)
    svc = _service(service)
    if why := rules.slot_problem(start, end, capacity, now):
        raise _invalid(*why)
    if (start.astimezone(UTC), end.astimezone(UTC)) in _existing(session, org.id, port, svc.value):
        raise Conflict(N_("this slot is already published"))
    slot = _new_slot(org, port, svc, start, end, capacity, _hours(hours, start, end), now)
    session.add(slot)
    session.flush()
    return slot


def _clock(value: str, pointer: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise _invalid(pointer, N_("a time of day is HH:MM"), value) from None


def publish_pattern(session: Session, *, actor: Principal, port: str, service: str, days: str,
                    daily_from: str, daily_to: str, first_day: date, last_day: date, capacity: int,
                    hours: str, slot_minutes: int = 0, org_code: str | None = None,
                    now: datetime) -> tuple[SlotPattern, list[Slot]]:
    """A recurring window: its slots are published now, leaving out those already there and
    those already over."""
    port = port.strip().upper()
    org = _publisher(session, actor, org_code, port)
    svc = _service(service)
    try:
        chosen = rules.Days(days)
    except ValueError:
        raise _invalid("/days", N_("unknown days"), days) from None
    try:
        kind = rules.Hours(hours)
    except ValueError:
        raise _invalid("/hours", N_("unknown hours"), hours) from None
    pattern = rules.Pattern(chosen, _clock(daily_from, "/daily_from"), _clock(daily_to, "/daily_to"),
                            first_day, last_day, slot_minutes)
    if why := pattern.problem():
        raise _invalid("/last_day", why)
    if not 1 <= capacity <= rules.MAX_CAPACITY:
        raise _invalid("/capacity", N_("capacity must be between 1 and 1000"), capacity)
    windows = [(s, e) for s, e in pattern.windows() if e > now]
    if len(windows) > rules.MAX_PATTERN_SLOTS:
        raise _invalid("/slot_minutes", N_("a pattern publishes at most 3000 slots"), len(windows))
    row = SlotPattern(org_id=org.id, port=port, service=svc.value, days=chosen.value,
                      daily_from=pattern.daily_from.strftime("%H:%M"),
                      daily_to=pattern.daily_to.strftime("%H:%M"), slot_minutes=slot_minutes,
                      capacity=capacity, hours=kind.value, first_day=first_day, last_day=last_day,
                      slots=0, created_at=now)
    session.add(row)
    session.flush()
    there = _existing(session, org.id, port, svc.value)
    slots = [_new_slot(org, port, svc, s, e, capacity, kind, now, pattern_id=row.id)
             for s, e in windows if (s, e) not in there]
    session.add_all(slots)
    row.slots = len(slots)
    session.flush()
    return row, slots


# --- reading slots -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlotView:
    id: int
    org: str
    port: str
    service: str
    start: datetime
    end: datetime
    capacity: int
    booked: int
    free: int
    hours: str
    off_hours: bool
    status: str


def view(session: Session, slot: Slot) -> SlotView:
    session.refresh(slot, ["booked"])
    org = partners_repo.get_org(session, slot.org_id)
    return SlotView(id=slot.id, org=org.code if org else "", port=slot.port, service=slot.service,
                    start=slot.starts_at, end=slot.ends_at, capacity=slot.capacity, booked=slot.booked,
                    free=max(0, slot.capacity - slot.booked), hours=slot.hours, off_hours=slot.off_hours,
                    status=slot.status)


def _views(session: Session, slots: list[Slot]) -> list[SlotView]:
    codes = dict(session.execute(select(Organisation.id, Organisation.code).where(
        Organisation.id.in_({s.org_id for s in slots}))).all()) if slots else {}
    return [SlotView(id=s.id, org=codes.get(s.org_id, ""), port=s.port, service=s.service,
                     start=s.starts_at, end=s.ends_at, capacity=s.capacity, booked=s.booked,
                     free=max(0, s.capacity - s.booked), hours=s.hours, off_hours=s.off_hours,
                     status=s.status) for s in slots]


def list_slots(session: Session, *, now: datetime, port: str | None = None, service: str | None = None,
               start: datetime | None = None, until: datetime | None = None, free_only: bool = False,
               org_id: int | None = None, limit: int = 200) -> list[SlotView]:
    """Published slots (public to every logged-in party: they are an offer), soonest first; by
    default those not yet over."""
    q = select(Slot).where(Slot.status == "open", Slot.ends_at > (start or now))
    if port:
        q = q.where(Slot.port == port.upper())
    if service:
        q = q.where(Slot.service == service)
    if until:
        q = q.where(Slot.starts_at < until)
    if free_only:
        q = q.where(Slot.booked < Slot.capacity)
    if org_id:
        q = q.where(Slot.org_id == org_id)
    return _views(session, list(session.scalars(q.order_by(Slot.starts_at, Slot.id).limit(limit))))


def get_slot(session: Session, slot_id: int) -> Slot:
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound(N_("no slot %(slot_id)s"), params={"slot_id": slot_id})
    return slot


def next_free(session: Session, slot: Slot, *, now: datetime) -> list[SlotView]:
    """The next slots of the same port and service with a place left."""
    q = (select(Slot).where(Slot.port == slot.port, Slot.service == slot.service, Slot.status == "open",
                            Slot.id != slot.id, Slot.booked < Slot.capacity,
                            Slot.starts_at >= slot.starts_at,
                            Slot.ends_at > now)
         .order_by(Slot.starts_at, Slot.id).limit(rules.NEXT_FREE))
    return _views(session, list(session.scalars(q)))


def _full(session: Session, slot: Slot, now: datetime) -> SlotFull:
    proposals = next_free(session, slot, now=now)
    return SlotFull(N_("slot %(slot_id)s is full"), params={"slot_id": slot.id}, extra={
        "code": "slot_full", "slot_id": slot.id,
        "next_free": [{"id": v.id, "org": v.org, "port": v.port, "service": v.service,
                       "start": v.start.isoformat(), "end": v.end.isoformat(), "free": v.free}
                      for v in proposals]})


# --- bookings -----------------------------------------------------------------------------------------

def _check_booker(actor: Principal) -> None:
    if actor.kind == "system":
        return
    if actor.org_kind not in BOOKERS:
        raise Forbidden(N_("slots are booked by a trader or a customs broker"))
    if actor.kind == "apikey" and not has_scope(actor, Scope.APPOINTMENTS_WRITE):
        raise Forbidden("this API key lacks the 'appointments:write' scope")
    if actor.is_person and actor.role == Role.VIEWER:
        raise Forbidden(N_("a viewer cannot do this"))


# What a booking for a declaration puts in the event store: the service planned at the slot's start
# (PLN: clocks read only actual events), and what became of it (OTHER, with its own code).
PLANNED: dict[str, Milestone] = {
    rules.Service.INSPECTION: Milestone.INSPECTION_DONE, rules.Service.RELEASE: Milestone.CUSTOMS_RELEASED,
    rules.Service.DOCUMENT_REVIEW: Milestone.OTHER, rules.Service.PICKUP: Milestone.GATE_OUT,
}


def _record(session: Session, a: Appointment, actor: Principal, suffix: str, now: datetime) -> None:
    """The booking's event on its declaration's timeline (none without a declaration)."""
    rec = session.get(DeclarationRecord, a.declaration_id) if a.declaration_id else None
    if rec is None:
        return
    planned = suffix in ("booked", f"moved-{a.slot_id}")
    refs = [Ref(RefKind.DECLARATION, rec.number)]
    if rec.bill_of_lading:
        refs.append(Ref(RefKind.BILL_OF_LADING, rec.bill_of_lading))
    event = CanonicalEvent(
        event_id=f"bk/{a.reference}/{suffix}",
        milestone=PLANNED.get(a.service or "", Milestone.OTHER) if planned else Milestone.OTHER,
        occurred_at=a.slot_start if planned else now, recorded_at=now,
        classifier=Classifier.PLN if planned else Classifier.ACT, port=a.port,
        direction=Direction(rec.direction), refs=tuple(refs),
        attrs={"booking": a.reference, "service": a.service, "slot_id": a.slot_id,
               "slot_start": a.slot_start.isoformat(), "slot_end": a.slot_end.isoformat(), "step": suffix},
        original_code=f"kouan/booking/{a.service}/{suffix.split('-')[0]}")
    events_record.record(session, [event], actor=actor.label, now=now)


def _enqueue_no_show(session: Session, a: Appointment, now: datetime) -> None:
    due = a.slot_end + rules.NO_SHOW_GRACE
    jobs.enqueue(session, NO_SHOW_JOB, {"booking_id": a.id, "slot_end": a.slot_end.isoformat()},
                 handler=NO_SHOW_JOB, run_after=max(due, now), now=now,
                 dedupe_key=f"{NO_SHOW_JOB}:{a.id}:{a.slot_end.isoformat()}")


def book(session: Session, *, actor: Principal, slot_id: int, declaration: str | None = None,
         containers: list[str] | None = None, now: datetime) -> Appointment:
    """Book a place of a slot, for a declaration where there is one. A full slot is a 409 whose
    ``next_free`` lists the next slots of the same port and service with a place."""
    _check_booker(actor)
    slot = get_slot(session, slot_id)
    if slot.status != "open" or slot.ends_at <= now:
        raise BookingRefused(N_("slot %(slot_id)s is no longer open"), params={"slot_id": slot.id},
                             extra={"code": "slot_closed"})
    rec: DeclarationRecord | None = None
    if declaration:
        rec = declarations.get(session, actor=actor, number=declaration.strip())
        declarations.check_lodging_actor(actor, rec)
        if rec.port != slot.port:
            raise InvalidInput(N_("the booking is not valid"), errors=[FieldError(
                "/declaration", N_("the declaration is for another port"), declaration)])
    if not capacity.take(session, slot.id):
        raise _full(session, slot, now)
    server = partners_repo.get_org(session, slot.org_id)
    assert server is not None
    if rec is not None and slot.service == rules.Service.PICKUP and Mode.SHIP_SIDE_PICKUP.value in rec.modes:
        # The declaration's ship-side appointment, in this slot (planned event, release on arrival).
        a = ship_side.book(session, actor=actor, number=rec.number, terminal=server.code,
                           slot_start=slot.starts_at, slot_end=slot.ends_at, containers=containers,
                           now=now, slot_id=slot.id)
    else:
        booker = actor.org_id if actor.org_id else (rec.declarant_org_id if rec else None)
        if booker is None:
            raise Forbidden(N_("slots are booked by a trader or a customs broker"))
        local = slot.starts_at.astimezone(CHINA_TZ)
        a = Appointment(
            reference=f"BK{local:%y%m%d}{secrets.token_hex(4).upper()}", kind=slot.service,
            status=rules.Status.BOOKED.value, port=slot.port, terminal_org_id=slot.org_id,
            booked_by_org_id=booker, declaration_id=rec.id if rec else None,
            slot_start=slot.starts_at, slot_end=slot.ends_at,
            containers=sorted(set(containers or (rec.containers if rec else []))),
            created_at=now, updated_at=now, service=slot.service, slot_id=slot.id)
        session.add(a)
        session.flush()
        _record(session, a, actor, "booked", now)
    _enqueue_no_show(session, a, now)
    return a


def _district(session: Session, actor: Principal) -> str | None:
    org = partners_repo.get_org(session, actor.org_id) if actor.org_id else None
    return org.customs_district if org else None


def _visible(session: Session, actor: Principal):  # type: ignore[no-untyped-def]
    """The booker's and the serving side's bookings; customs also its district's ports'; all for
    the port office and the operator."""
    stmt = select(Appointment)
    if sees_all_organisations(actor):
        return stmt
    mine = (Appointment.booked_by_org_id == actor.org_id) | (Appointment.terminal_org_id == actor.org_id)
    if actor.org_kind == OrgKind.CUSTOMS and actor.is_person:
        ports = select(Port.locode).where(Port.customs_district == _district(session, actor))
        return stmt.where(mine | Appointment.port.in_(ports))
    return stmt.where(mine)


def get_booking(session: Session, *, actor: Principal, reference: str) -> Appointment:
    a = session.scalar(_visible(session, actor).where(Appointment.reference == reference))
    if a is None:
        raise NotFound(N_("no booking %(reference)s"), params={"reference": reference})
    return a


def local_day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), CHINA_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def list_bookings(session: Session, *, actor: Principal, day: date | None = None,
                  serving: bool = False, status: str | None = None, limit: int = 200) -> list[Appointment]:
    """Bookings the caller may see, soonest first; ``day`` (Beijing) those whose slot starts that
    day; ``serving`` only those the caller's organisation serves (the unit's or terminal's day)."""
    q = _visible(session, actor)
    if day is not None:
        lo, hi = local_day(day)
        q = q.where(Appointment.slot_start >= lo, Appointment.slot_start < hi)
    if serving:
        q = q.where(Appointment.terminal_org_id == actor.org_id)
    if status:
        q = q.where(Appointment.status == status)
    return list(session.scalars(q.order_by(Appointment.slot_start, Appointment.id).limit(limit)))


def act(session: Session, *, actor: Principal, reference: str, step: str, now: datetime,
        slot_id: int | None = None) -> Appointment:
    """``move`` (to ``slot_id``) or ``cancel`` by the booker; ``use`` or ``no_show`` by the serving
    side. A ship-side appointment is used and cancelled at /api/v1/appointments (its release rules)."""
    a = get_booking(session, actor=actor, reference=reference)
    try:
        what = rules.Step(step)
    except ValueError:
        raise InvalidInput(N_("unknown step"), errors=[FieldError(
            "step", N_("one of move, cancel, use, no_show"), step)]) from None
    if a.kind in SHIP_SIDE_KINDS and what != rules.Step.MOVE:
        return ship_side.act(session, actor=actor, reference=reference, step=step, now=now)
    if actor.kind != "system":
        if what in rules.BOOKER_STEPS and actor.org_id != a.booked_by_org_id:
            raise Forbidden(N_("only the booker moves or cancels the booking"))
        if what in rules.SERVER_STEPS and actor.org_id != a.terminal_org_id:
            raise Forbidden(N_("only the serving unit or terminal records use or no-show"))
        if actor.is_person and actor.role == Role.VIEWER:
            raise Forbidden(N_("a viewer cannot do this"))
    new = rules.next_step(a.status, what)
    if new is None:
        raise BookingRefused(N_("the booking is %(status)s"), params={"status": a.status},
                             extra={"code": "booking_not_booked", "current_status": a.status})
    # Every attribute is set before the next statement, so the booking's change is one flush (one
    # audit row): a Core statement (capacity, the no-show job) flushes what is pending.
    if what == rules.Step.MOVE:
        _move(session, a, slot_id, now)
    elif what == rules.Step.CANCEL:
        a.status, a.updated_at, a.cancelled_at = new.value, now, now
        if a.slot_id:
            capacity.give(session, a.slot_id)
    elif what == rules.Step.USE:
        if now < a.slot_start - timedelta(hours=1):
            raise BookingRefused(N_("the slot has not begun"), extra={"code": "slot_not_begun"})
        a.used_at = now
    else:
        if now < a.slot_end:
            raise BookingRefused(N_("the slot is not over yet"), extra={"code": "slot_not_over"})
        a.no_show_at = now
    a.status, a.updated_at = new.value, now
    session.flush()
    _record(session, a, actor, f"moved-{a.slot_id}" if what == rules.Step.MOVE else what.value, now)
    return a


def _move(session: Session, a: Appointment, slot_id: int | None, now: datetime) -> None:
    if slot_id is None:
        raise InvalidInput(N_("the booking is not valid"), errors=[FieldError(
            "/slot_id", N_("name the slot to move to"))])
    target = get_slot(session, slot_id)
    if (target.port, target.service) != (a.port, a.service or "") or target.id == a.slot_id:
        raise InvalidInput(N_("the booking is not valid"), errors=[FieldError(
            "/slot_id", N_("move to another slot of the same port and service"), slot_id)])
    if target.status != "open" or target.ends_at <= now:
        raise BookingRefused(N_("slot %(slot_id)s is no longer open"), params={"slot_id": target.id},
                             extra={"code": "slot_closed"})
    if not capacity.take(session, target.id):
        raise _full(session, target, now)
    if a.slot_id:
        capacity.give(session, a.slot_id)
    a.slot_id, a.terminal_org_id = target.id, target.org_id
    a.slot_start, a.slot_end, a.updated_at = target.starts_at, target.ends_at, now
    _enqueue_no_show(session, a, now)


# --- no-shows ---------------------------------------------------------------------------------------

def no_show_one(session: Session, *, booking_id: int, slot_end: str, now: datetime) -> bool:
    """The job run once a slot is over (plus the grace): a booking still ``booked`` for that slot
    becomes a no-show. Idempotent: a used, cancelled, moved or already marked booking is left."""
    q = select(Appointment).where(Appointment.id == booking_id)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    a = session.scalar(q)
    if a is None or a.status != rules.Status.BOOKED.value or a.slot_end.isoformat() != slot_end:
        return False
    if now < a.slot_end + rules.NO_SHOW_GRACE:
        return False
    a.status, a.no_show_at, a.updated_at = rules.Status.NO_SHOW.value, now, now
    session.flush()
    if a.kind not in SHIP_SIDE_KINDS:
        _record(session, a, session.info["actor"], rules.Step.NO_SHOW.value, now)
    return True


def mark_no_shows(session: Session, *, now: datetime) -> list[str]:
    """Every booking still ``booked`` whose slot ended more than the grace ago (``kouan slots
    no-shows``; the jobs do the same one by one)."""
    q = select(Appointment).where(Appointment.status == rules.Status.BOOKED.value,
                                  Appointment.slot_end <= now - rules.NO_SHOW_GRACE)
    done = []
    for a in session.scalars(q.order_by(Appointment.id)):
        a.status, a.no_show_at, a.updated_at = rules.Status.NO_SHOW.value, now, now
        done.append(a.reference)
    session.flush()
    if done:
        audit_service.record(session, action="appointment.no_show_sweep", entity="appointment",
                             after={"references": done})
    return done


# --- the off-hours report -------------------------------------------------------------------------

@dataclass(frozen=True)
class OffHoursRow:
    port: str
    month: str
    bookings: int
    off_hours: int
    used: int
    no_show: int
    off_hours_share: float | None


def off_hours_report(session: Session, *, first: date, last: date,
                     port: str | None = None) -> list[OffHoursRow]:
    """Bookings (not cancelled) by port and month of their slot (Beijing time), how many were
    off-hours, used and not shown: the use of 7×24 clearance.

    One statement, grouped in SQL by port and Beijing month (``db.sqlfn.beijing_month``): a booking
    of a published slot is off-hours when its slot is (``slot.off_hours``, set by
    ``rules.off_hours`` when the slot is made). A ship-side appointment booked at the terminal
    without a slot (``slot_id`` empty) has no such flag: those are grouped in the same statement by
    their window as well, and each distinct window is decided by ``rules.off_hours`` here (the
    Chinese working-day calendar is not in the database)."""
    lo, _ = local_day(first)
    _, hi = local_day(last)
    slotless = Appointment.slot_id.is_(None)
    one = {"else_": 0}
    rows = select(
        Appointment.port.label("port"),
        beijing_month(Appointment.slot_start).label("month"),
        case((slotless, Appointment.slot_start), else_=None).label("w_start"),
        case((slotless, Appointment.slot_end), else_=None).label("w_end"),
        case((Slot.off_hours.is_(True), 1), **one).label("off"),
        case((Appointment.status == rules.Status.USED.value, 1), **one).label("used"),
        case((Appointment.status == rules.Status.NO_SHOW.value, 1), **one).label("no_show"),
    ).outerjoin(Slot, Slot.id == Appointment.slot_id).where(
        Appointment.slot_start >= lo, Appointment.slot_start < hi,
        Appointment.status != rules.Status.CANCELLED.value)
    if port:
        rows = rows.where(Appointment.port == port.upper())
    b = rows.subquery("b")
    q = select(b.c.port, b.c.month, b.c.w_start, b.c.w_end, func.count(), func.sum(b.c.off),
               func.sum(b.c.used), func.sum(b.c.no_show)).group_by(
        b.c.port, b.c.month, b.c.w_start, b.c.w_end)
    groups: dict[tuple[str, str], list[int]] = {}
    for p, month, w_start, w_end, n, off, used, no_show in session.execute(q):
        if w_start is not None:  # slot-less appointments of one window: off-hours all or none
            off = n if rules.off_hours(_aware(w_start), _aware(w_end)) else 0
        g = groups.setdefault((p, month), [0, 0, 0, 0])
        for i, value in enumerate((n, off, used, no_show)):
            g[i] += int(value or 0)
    return [OffHoursRow(p, m, n, off, used, ns, round(off / n, 4) if n else None)
            for (p, m), (n, off, used, ns) in sorted(groups.items())]


def _aware(value: datetime) -> datetime:
    """A window bound read through a CASE: SQLite gives the stored naive UTC text back as is."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
