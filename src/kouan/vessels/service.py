"""Open a vessel's entry clearance, record each agency's check, clear the call when all are done.
Every step is an event (source ``kouan``) on the transport call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.events import record as events_record
from kouan.events.domain import CanonicalEvent, Direction, Milestone, Ref, RefKind
from kouan.events.models import Event, EventRef
from kouan.kit import ids
from kouan.kit.errors import N_, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, sees_all_organisations
from kouan.ports.models import Port
from kouan.vessels import domain
from kouan.vessels.models import VesselCheck, VesselClearance
from kouan.vessels.refusals import field_error, problem

OPENERS = frozenset({OrgKind.SHIPPING_LINE, OrgKind.PORT_OFFICE, OrgKind.OPERATOR})
_OVERSEERS = frozenset({OrgKind.PORT_OFFICE, OrgKind.OPERATOR})


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


def reported_call(session: Session, source: str, transport_call: str) -> bool:
    """Has ``source`` itself sent an event naming the call? A line's own feed (its schedule, its
    manifest, its arrival notice) is the fact that makes it the call's carrier: no other sender can
    write under its source, and naming a call in one's own events grants nothing over another's."""
    stmt = (select(EventRef.event_pk).join(Event, Event.id == EventRef.event_pk)
            .where(EventRef.kind == RefKind.TRANSPORT_CALL.value, EventRef.key == transport_call,
                   Event.source == source).limit(1))
    return session.scalar(stmt) is not None


def _check_opener(session: Session, actor: Principal, call: str) -> None:
    if actor.kind == "system" or (actor.is_person and actor.org_kind in _OVERSEERS):
        return
    if actor.org_kind != OrgKind.SHIPPING_LINE:
        raise Forbidden(N_("a shipping line (or its agent) declares the vessel's entry"))
    # Its home port is set by the port office (partners.governance), so no line grants itself a
    # port; its own feed naming the call says which of that port's calls are its own.
    org = partners_repo.get_org(session, actor.org_id) if actor.org_id else None
    at_port = org is not None and org.home_port == call.rsplit("/", 1)[-1]
    if not at_port or not actor.org_code or not reported_call(session, actor.org_code, call):
        detail, extra = problem("not_the_carrier", transport_call=call)
        raise Forbidden(detail, extra=extra)


def open_clearance(
    session: Session, *, actor: Principal, transport_call: str, port: str, now: datetime
) -> VesselClearance:
    """The vessel's entry declaration (运输工具申报进境): all three agencies start checking. Declared
    by the call's carrier (a line of the call's port whose own feed names the call) or by the port
    office."""
    if actor.kind != "system" and actor.org_kind not in OPENERS:
        raise Forbidden(N_("a shipping line (or its agent) declares the vessel's entry"))
    call, port = transport_call.strip().upper(), port.strip().upper()
    if errors := _validate_call(session, call, port):
        raise InvalidInput(N_("the entry declaration is not valid"), errors=errors)
    _check_opener(session, actor, call)
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


def _reach(session: Session, actor: Principal) -> tuple[str | None, str | None]:
    """The district (customs) or the port (border inspection, maritime) an agency's people work."""
    org = partners_repo.get_org(session, actor.org_id) if actor.org_id else None
    if org is None:
        return None, None
    return org.customs_district, org.home_port


def _in_reach(session: Session, actor: Principal, c: VesselClearance) -> bool:
    """Customs check the calls of their district's ports; border inspection and the maritime
    authority those of their own port (an agency without one checks none)."""
    district, home_port = _reach(session, actor)
    if actor.org_kind == OrgKind.CUSTOMS:
        port = session.get(Port, c.port)
        return district is not None and port is not None and port.customs_district == district
    return home_port is not None and home_port == c.port


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
    if not _in_reach(session, actor, c):
        # Another district's or port's call is not theirs to see either: "not found", not "forbidden".
        raise NotFound(N_("no vessel clearance %(clearance_id)s"), params={"clearance_id": clearance_id})
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
    """The declarant's own; an agency's within its district or port (as it checks them); all for the
    port office."""
    stmt = select(VesselClearance).order_by(VesselClearance.id.desc()).limit(limit)
    if sees_all_organisations(actor):
        return list(session.scalars(stmt))
    district, home_port = _reach(session, actor)
    if actor.org_kind == OrgKind.CUSTOMS:
        ports = select(Port.locode).where(Port.customs_district == district)
        stmt = stmt.where(VesselClearance.port.in_(ports))
    elif actor.org_kind in domain.AGENCY_OF_ORG:
        stmt = stmt.where(VesselClearance.port == home_port)
    else:
        stmt = stmt.where(VesselClearance.declarant_org_id == actor.org_id)
    return list(session.scalars(stmt))
