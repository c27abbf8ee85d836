"""Translate between API/page shapes and the service (shared by api.py and pages.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kouan.consignments import timeline as consignment_timeline
from kouan.declarations import domain, service
from kouan.declarations.domain import Mode
from kouan.declarations.models import DeclarationRecord
from kouan.declarations.schemas import Deadline, DeclarationCreate, DeclarationRead, ItemRead, ObligationRead
from kouan.events import repository as events_repo
from kouan.events.domain import RefKind
from kouan.events.models import Event
from kouan.kit.errors import NotFound


def draft_fields(body: DeclarationCreate) -> service.DraftFields:
    return service.DraftFields(
        direction=body.direction, consignee_uscc=body.consignee_uscc, consignee_name=body.consignee_name,
        port=body.port, modes=body.modes, transport_call=body.transport_call,
        bill_of_lading=body.bill_of_lading, containers=body.containers,
        documents=[(d.kind, d.number) for d in body.documents], warehouse=body.warehouse,
        bonded_zone=body.bonded_zone, appointment_ref=body.appointment_ref,
        items=[service.ItemFields(**i.model_dump()) for i in body.items])


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


def read(session: Session, rec: DeclarationRecord, *, now: datetime) -> DeclarationRead:
    state = service.state_of(session, rec)
    return DeclarationRead(
        number=rec.number, direction=rec.direction, status=rec.status, receipt=state.receipt,
        modes=rec.modes, allowed_actions=[a.value for a in domain.allowed_actions(state)],
        declarant_org_id=rec.declarant_org_id, consignee_uscc=rec.consignee_uscc,
        consignee_name=rec.consignee_name, port=rec.port, customs_district=rec.customs_district,
        transport_call=rec.transport_call, bill_of_lading=rec.bill_of_lading, containers=rec.containers,
        dutiable_value=rec.dutiable_value,
        items=[ItemRead.model_validate(i) for i in service.items(session, rec)],
        obligations=[ObligationRead.model_validate(o) for o in service.obligations(session, rec)],
        deadline=deadline(session, rec, now), created_at=rec.created_at, updated_at=rec.updated_at,
        released_at=rec.released_at)


def timeline(session: Session, rec: DeclarationRecord) -> list[Event]:
    """What happened to the declaration's consignment, from every partner and from Kouan, oldest
    first; only the events naming the declaration while no consignment links it yet. The caller
    has already been allowed to see the declaration (``service.get``)."""
    try:
        cid, _others = consignment_timeline.resolve(session, rec.number)
    except NotFound:
        return events_repo.events_by_refs(session, [(RefKind.DECLARATION.value, rec.number)])
    return consignment_timeline.build(session, cid).events
