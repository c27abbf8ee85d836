"""Translate between API/page shapes and the service (shared by api.py and pages.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kouan.consignments import timeline as consignment_timeline
from kouan.consignments import visibility
from kouan.declarations import domain, service, validation
from kouan.declarations import repository as repo
from kouan.declarations.domain import Mode
from kouan.declarations.models import Appointment, DeclarationRecord
from kouan.declarations.schemas import (
    AppointmentRead,
    Deadline,
    DeclarationCreate,
    DeclarationRead,
    ItemRead,
    MovementRead,
    ObligationRead,
)
from kouan.events import repository as events_repo
from kouan.events.domain import RefKind
from kouan.events.models import Event
from kouan.kit.errors import NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import Principal

# Ship-side pick-up: the goods leave the ship (import discharge, export 运抵) and go straight on.
DIRECT_ENDS = {"I": ("DISCHARGED", "GATE_OUT"), "E": ("GOODS_ARRIVED_AT_PORT", "LOADED")}


def draft_fields(body: DeclarationCreate) -> validation.DraftFields:
    return validation.DraftFields(
        direction=body.direction, consignee_uscc=body.consignee_uscc, consignee_name=body.consignee_name,
        port=body.port, modes=body.modes, transport_call=body.transport_call,
        bill_of_lading=body.bill_of_lading, containers=body.containers,
        documents=[(d.kind, d.number) for d in body.documents], warehouse=body.warehouse,
        bonded_zone=body.bonded_zone,
        items=[validation.ItemFields(**i.model_dump()) for i in body.items])


def deadline(session: Session, rec: DeclarationRecord, now: datetime) -> Deadline | None:
    """The two-step complete-declaration limit, once the transport's entry is known."""
    if Mode.TWO_STEP.value not in rec.modes:
        return None
    entry = service.facts(session, rec, now=now).transport_entry_at
    if entry is None:
        return None
    at = rec.completed_at or now
    days = domain.late_days(entry, at)
    return Deadline(complete_by=domain.completion_deadline(entry), late_days=days,
                    late_fee=domain.late_fee(rec.dutiable_value, days))


def appointment(session: Session, a: Appointment) -> AppointmentRead:
    terminal = partners_repo.get_org(session, a.terminal_org_id)
    rec = session.get(DeclarationRecord, a.declaration_id) if a.declaration_id else None
    number = rec.number if rec else None
    return AppointmentRead(
        reference=a.reference, kind=a.kind, status=a.status, port=a.port,
        terminal=terminal.code if terminal else "",
        declaration=number, slot_start=a.slot_start, slot_end=a.slot_end, containers=a.containers,
        used_at=a.used_at)


def direct_minutes(session: Session, rec: DeclarationRecord) -> float | None:
    """Ship-side pick-up / direct loading: minutes from the last box off the ship (import) or in
    (export) to the last box out of the gate (or on board), from the actual events of every source."""
    if Mode.SHIP_SIDE_PICKUP.value not in rec.modes or not rec.containers:
        return None
    first, last = DIRECT_ENDS[rec.direction]
    found = events_repo.events_by_refs(session, [(RefKind.CONTAINER.value, c) for c in rec.containers])
    acts = [e for e in found if e.classifier == "ACT" and e.authority == "entitled"]
    start = [e.occurred_at for e in acts if e.milestone == first]
    end = [e.occurred_at for e in acts if e.milestone == last and start and e.occurred_at >= min(start)]
    if not start or not end:
        return None
    return round((max(end) - max(start)).total_seconds() / 60, 1)


def read(session: Session, rec: DeclarationRecord, *, now: datetime) -> DeclarationRead:
    state = service.state_of(session, rec)
    movement = repo.movement_of(session, rec.id)
    return DeclarationRead(
        number=rec.number, direction=rec.direction, status=rec.status, receipt=state.receipt,
        modes=rec.modes, allowed_actions=[a.value for a in domain.allowed_actions(
            state, service.facts(session, rec, now=now))],
        declarant_org_id=rec.declarant_org_id, consignee_uscc=rec.consignee_uscc,
        consignee_name=rec.consignee_name, port=rec.port, customs_district=rec.customs_district,
        transport_call=rec.transport_call, bill_of_lading=rec.bill_of_lading, containers=rec.containers,
        dutiable_value=rec.dutiable_value,
        items=[ItemRead.model_validate(i) for i in service.items(session, rec)],
        obligations=[ObligationRead.model_validate(o) for o in service.obligations(session, rec)],
        deadline=deadline(session, rec, now), bonded_zone=rec.bonded_zone,
        movement=MovementRead.model_validate(movement) if movement else None,
        appointments=[appointment(session, a) for a in repo.appointments_of(session, rec.id)],
        direct_minutes=direct_minutes(session, rec), created_at=rec.created_at, updated_at=rec.updated_at,
        released_at=rec.released_at, lane=rec.lane, green_channel=rec.green_channel)


def timeline(session: Session, rec: DeclarationRecord, *, actor: Principal) -> list[Event]:
    """What happened to the declaration's consignment, from every partner and from Kouan, oldest
    first; only the events naming the declaration while no consignment links it yet. The caller
    has already been allowed to see the declaration (``service.get``); of a consignment it does not
    see whole (``consignments.visibility``: another declaration holds it), only its own events and
    those naming this declaration."""
    try:
        cid, _others = consignment_timeline.resolve(session, rec.number)
    except NotFound:
        return events_repo.events_by_refs(session, [(RefKind.DECLARATION.value, rec.number)])
    whole = consignment_timeline.build(session, cid)
    if cid in visibility.whole(session, actor, [cid]):
        return whole.events
    own = {e.id for e in consignment_timeline.restrict(session, actor, whole).events}
    return [e for e in whole.events
            if e.id in own or [RefKind.DECLARATION.value, rec.number] in [list(r) for r in e.refs]]
