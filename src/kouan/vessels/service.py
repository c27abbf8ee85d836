"""Open a vessel's entry clearance, record each agency's check, clear the call when all are done.
Every step is an event (source ``kouan``) on the transport call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.events import record as events_record
from kouan.events.domain import CanonicalEvent, Direction, Milestone, Ref, RefKind
from kouan.kit import ids
from kouan.kit.errors import N_, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners.domain import OrgKind, Principal, Role, sees_all_organisations
from kouan.ports.models import Port
from kouan.vessels import domain
from kouan.vessels.models import VesselCheck, VesselClearance
from kouan.vessels.refusals import field_error, problem

OPENERS = frozenset({OrgKind.SHIPPING_LINE, OrgKind.PORT_OFFICE, OrgKind.OPERATOR})


def _event(
    c: VesselClearance, milestone: Milestone, at: datetime, suffix: str, **attrs: object
) -> CanonicalEvent:
    return CanonicalEvent(
        event_id=f"vessel/{c.transport_call}/{suffix}",
        milestone=milestone,
        occurred_at=at,
        recorded_at=at,
        port=c.port,
        direction=Direction.IMPORT,
        refs=(Ref(RefKind.TRANSPORT_CALL, c.transport_call),),
        attrs=dict(attrs),
        original_code=f"kouan/vessel/{suffix}",
    )


def _validate_call(session: Session, transport_call: str, port: str) -> list[FieldError]:
    errors: list[FieldError] = []
    parts = transport_call.split("/")
    if len(parts) != 3 or ids.check_imo(parts[0]) or not parts[1]:
        errors.append(field_error("/transport_call", "transport_call_invalid", transport_call))
    elif parts[2] != port:
        errors.append(field_error("/transport_call", "transport_call_port", transport_call,
                                  call_port=parts[2], port=port))
    if session.get(Port, port) is None:
        errors.append(field_error("/port", "port_unknown", port))
    return errors


def open_clearance(
    session: Session, *, actor: Principal, transport_call: str, port: str, now: datetime
) -> VesselClearance:
    """The vessel's entry declaration (运输工具申报进境): all three agencies start checking."""
    if actor.kind != "system" and actor.org_kind not in OPENERS:
        raise Forbidden(N_("a shipping line (or its agent) declares the vessel's entry"))
    call, port = transport_call.strip().upper(), port.strip().upper()
    if errors := _validate_call(session, call, port):
        raise InvalidInput(N_("the entry declaration is not valid"), errors=errors)
    if session.scalar(select(VesselClearance).where(VesselClearance.transport_call == call)):
        detail, extra = problem("entry_declared", transport_call=call)
        raise Conflict(detail, extra=extra)
    c = VesselClearance(transport_call=call, port=port, declarant_org_id=actor.org_id, opened_at=now)
    session.add(c)
    session.flush()
    events_record.record(
        session,
        [
            _event(
                c, Milestone.TRANSPORT_ENTRY_DECLARED, now, "entry", agencies=[a.value for a in domain.Agency]
            )
        ],
        actor=actor.label,
        now=now,
    )
    return c


def get(session: Session, clearance_id: int) -> VesselClearance:
    c = session.get(VesselClearance, clearance_id)
    if c is None:
        raise NotFound(N_("no vessel clearance %(clearance_id)s"), params={"clearance_id": clearance_id})
    return c


def checks(session: Session, c: VesselClearance) -> dict[domain.Agency, datetime]:
    rows = session.scalars(select(VesselCheck).where(VesselCheck.clearance_id == c.id))
    return {domain.Agency(r.agency): r.done_at for r in rows}


def _agency_of(actor: Principal) -> domain.Agency:
    if actor.kind == "system":
        raise Forbidden(N_("an agency's officer records its own check"))
    agency = domain.AGENCY_OF_ORG.get(actor.org_kind) if actor.org_kind else None
    if agency is None or not actor.is_person or actor.role == Role.VIEWER:
        raise Forbidden(N_("only customs, border inspection or maritime officers record a check"))
    return agency


def complete_check(
    session: Session, *, actor: Principal, clearance_id: int, now: datetime
) -> VesselClearance:
    """The acting officer's agency has finished its check; the call clears when all three have."""
    agency = _agency_of(actor)
    c = get(session, clearance_id)
    try:
        done, cleared = domain.complete(checks(session, c), agency, now)
    except domain.AlreadyDone as exc:
        detail, extra = problem("check_done", agency=agency.value, done_at=exc.done_at.isoformat())
        raise Conflict(detail, extra=extra) from None
    session.add(VesselCheck(clearance_id=c.id, agency=agency.value, done_at=now, done_by=actor.label))
    events = [_event(c, Milestone.TRANSPORT_CHECK_DONE, now, agency.value, agency=agency.value)]
    if cleared:
        c.cleared_at = now
        ov = domain.overlap(c.opened_at, done)
        events.append(
            _event(
                c,
                Milestone.TRANSPORT_CLEARED,
                now,
                "cleared",
                elapsed_h=round(ov.elapsed_h, 4),
                serial_h=round(ov.serial_h, 4),
            )
        )
    session.flush()
    events_record.record(session, events, actor=actor.label, now=now)
    return c


def list_clearances(session: Session, *, actor: Principal, limit: int = 100) -> list[VesselClearance]:
    stmt = select(VesselClearance).order_by(VesselClearance.id.desc()).limit(limit)
    if not (sees_all_organisations(actor) or actor.org_kind in domain.AGENCY_OF_ORG):
        stmt = stmt.where(VesselClearance.declarant_org_id == actor.org_id)
    return list(session.scalars(stmt))
