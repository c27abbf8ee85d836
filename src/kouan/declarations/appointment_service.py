"""Book, use and cancel appointments for ship-side pick-up / direct loading on arrival.

The declarant books a slot at a terminal of the declaration's port for some or all of its
containers; the booking is a planned gate-out (import) or loading (export) event. Customs releases
the advance declaration on the arrival match only once a slot is booked (``domain`` guard). The
terminal records the use: the actual gate-out / loading straight from shipside, never before the
release. Every change is audited (the ``appointment`` table) and emitted as a ``kouan`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.declarations import appointments as rules
from kouan.declarations import repository as repo
from kouan.declarations import service
from kouan.declarations.domain import Mode
from kouan.declarations.models import Appointment, DeclarationRecord
from kouan.declarations.refusals import Refusal, field_error
from kouan.events import record as events_record
from kouan.events.domain import CanonicalEvent, Classifier, Direction, Milestone, Ref, RefKind, container_key
from kouan.kit.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, sees_all_organisations
from kouan.ports.models import Port


class AppointmentRefused(Conflict):
    type = "/problems/appointment-refused"
    title = "Appointment refused"

    @classmethod
    def of(cls, why: Refusal, **extra: object) -> AppointmentRefused:
        return cls(why.english, extra={"code": why.code, "params": why.params, **extra})

    @property
    def refusal(self) -> Refusal:
        return Refusal(self.extra["code"], self.extra.get("params", {}))

    def say(self, translate: Callable[[str], str]) -> str:
        return self.refusal.render(translate)


def _event(
    a: Appointment,
    rec: DeclarationRecord,
    suffix: str,
    milestone: Milestone,
    at: datetime,
    classifier: Classifier = Classifier.ACT,
    **attrs: object,
) -> CanonicalEvent:
    refs = [Ref(RefKind.DECLARATION, rec.number), *(Ref(RefKind.CONTAINER, c) for c in a.containers)]
    if rec.bill_of_lading:
        refs.append(Ref(RefKind.BILL_OF_LADING, rec.bill_of_lading))
    if rec.transport_call:
        refs.append(Ref(RefKind.TRANSPORT_CALL, rec.transport_call))
    return CanonicalEvent(
        event_id=f"apt/{a.reference}/{suffix}",
        milestone=milestone,
        occurred_at=at,
        classifier=classifier,
        recorded_at=at,
        port=a.port,
        direction=Direction(rec.direction),
        refs=tuple(refs),
        attrs={
            "appointment": a.reference,
            "direct": a.kind,
            "slot_start": a.slot_start.isoformat(),
            "slot_end": a.slot_end.isoformat(),
            **attrs,
        },
        original_code=f"kouan/appointment/{suffix}",
    )


def _terminal(session: Session, code: str, port: str) -> int:
    org = partners_repo.get_org_by_code(session, code.strip().upper()) if code.strip() else None
    if org is None or org.kind != OrgKind.TERMINAL.value:
        raise InvalidInput(
            "the appointment is not valid", errors=[field_error("/terminal", "terminal_unknown", code)]
        )
    if org.home_port and org.home_port != port:
        raise InvalidInput(
            "the appointment is not valid",
            errors=[field_error("/terminal", "terminal_elsewhere", code, port=port)],
        )
    return org.id


def _containers(rec: DeclarationRecord, wanted: list[str] | None) -> list[str]:
    boxes = [container_key(c) for c in wanted] if wanted else list(rec.containers)
    errors = [
        field_error(f"/containers/{i}", "container_not_declared", c, container=c)
        for i, c in enumerate(boxes)
        if c not in rec.containers
    ]
    if errors or not boxes:
        raise InvalidInput(
            "the appointment is not valid",
            errors=errors or [field_error("/containers", "movement_needs_containers")],
        )
    return sorted(set(boxes))


def book(
    session: Session,
    *,
    actor: Principal,
    number: str,
    terminal: str,
    slot_start: datetime,
    slot_end: datetime,
    containers: list[str] | None = None,
    now: datetime,
    slot_id: int | None = None,
) -> Appointment:
    """The declarant books a ship-side pick-up (import) or direct-loading (export) slot. With
    ``slot_id`` it is the booking of a published pick-up slot (``kouan.appointments``, which took
    the slot's place before calling)."""
    rec = service.get(session, actor=actor, number=number)
    service.check_lodging_actor(actor, rec)
    if Mode.SHIP_SIDE_PICKUP.value not in rec.modes:
        raise AppointmentRefused.of(Refusal("appointment_needs_ship_side"))
    mine = repo.appointments_of(session, rec.id)
    if booked := [a for a in mine if a.status == rules.Status.BOOKED.value]:
        raise AppointmentRefused.of(Refusal("appointment_exists", {"reference": booked[0].reference}))
    if why := rules.Slot(slot_start, slot_end).problem(now):
        raise InvalidInput(
            "the appointment is not valid",
            errors=[
                field_error("/slot_end" if why.code != "slot_past" else "/slot_start", why.code, **why.params)
            ],
        )
    kind = rules.kind_for(rec.direction)
    a = Appointment(
        reference=f"APT{rec.number}-{len(mine) + 1}",
        kind=kind.value,
        status=rules.Status.BOOKED.value,
        port=rec.port,
        terminal_org_id=_terminal(session, terminal, rec.port),
        booked_by_org_id=rec.declarant_org_id,
        declaration_id=rec.id,
        slot_start=slot_start,
        slot_end=slot_end,
        containers=_containers(rec, containers),
        created_at=now,
        updated_at=now,
        service="pickup",
        slot_id=slot_id,
    )
    session.add(a)
    session.flush()
    planned = _event(a, rec, "booked", rules.MILESTONE[kind], slot_start, Classifier.PLN)
    events_record.record(session, [planned], actor=actor.label, now=now)
    service.match_one(session, rec, now=now)  # already arrived and accepted: released now
    return a


def _district(session: Session, actor: Principal) -> str | None:
    org = partners_repo.get_org(session, actor.org_id) if actor.org_id else None
    return org.customs_district if org else None


def _visible(session: Session, actor: Principal):  # type: ignore[no-untyped-def]
    stmt = select(Appointment)
    if sees_all_organisations(actor):
        return stmt
    if actor.org_kind == OrgKind.CUSTOMS:
        ports = select(Port.locode).where(Port.customs_district == _district(session, actor))
        return stmt.where(Appointment.port.in_(ports))
    return stmt.where(
        (Appointment.booked_by_org_id == actor.org_id) | (Appointment.terminal_org_id == actor.org_id)
    )


def list_visible(session: Session, *, actor: Principal, limit: int = 100) -> list[Appointment]:
    """The booker's, the terminal's, the district customs' (by port); all for the port office."""
    return list(
        session.scalars(_visible(session, actor).order_by(Appointment.slot_start.desc()).limit(limit))
    )


def get(session: Session, *, actor: Principal, reference: str) -> Appointment:
    a = session.scalar(_visible(session, actor).where(Appointment.reference == reference))
    if a is None:
        raise NotFound(N_("no appointment %(reference)s"), params={"reference": reference})
    return a


def _declaration(session: Session, a: Appointment) -> DeclarationRecord:
    rec = session.get(DeclarationRecord, a.declaration_id)
    assert rec is not None
    return rec


def act(session: Session, *, actor: Principal, reference: str, step: str, now: datetime) -> Appointment:
    """``use`` (the terminal lifted or loaded the boxes: after release only) or ``cancel`` (the booker)."""
    a = get(session, actor=actor, reference=reference)
    if a.declaration_id is None or a.kind not in {k.value for k in rules.Kind}:
        raise Conflict(N_("a 7×24 clearance booking is moved, cancelled and used at /api/v1/bookings"))
    try:
        what = rules.Step(step)
    except ValueError:
        raise InvalidInput(
            f"unknown step {step!r}",
            errors=[field_error("step", "mode_invalid", step, choices="use, cancel")],
        ) from None
    if what == rules.Step.USE and actor.org_id != a.terminal_org_id:
        raise Forbidden(Refusal("appointment_not_terminal").english)
    if what == rules.Step.CANCEL and (actor.org_id != a.booked_by_org_id or actor.role == Role.VIEWER):
        raise Forbidden(N_("only the booker cancels the appointment"))
    rec = _declaration(session, a)
    new = rules.step(rules.Status(a.status), what, released=rec.released_at is not None)
    if isinstance(new, Refusal):
        raise AppointmentRefused.of(new, current_status=a.status)
    a.status, a.updated_at = new.value, now
    if what == rules.Step.USE:
        a.used_at = now
        event = _event(a, rec, "used", rules.MILESTONE[rules.Kind(a.kind)], now)
    else:
        if a.slot_id is not None:  # the published slot's place is free again
            from kouan.appointments import capacity

            capacity.give(session, a.slot_id)
        event = _event(a, rec, "cancelled", Milestone.OTHER, now)
    session.flush()
    events_record.record(session, [event], actor=actor.label, now=now)
    return a
