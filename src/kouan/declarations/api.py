"""/api/v1/declarations: enterprises lodge, customs decide. Illegal steps answer 409 with the
current status and the allowed next actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from kouan.declarations import appointment_service, domain, service, views
from kouan.declarations.schemas import (
    ActionIn,
    AppointmentCreate,
    AppointmentRead,
    DeclarationCreate,
    DeclarationRead,
)
from kouan.kit.clock import utcnow
from kouan.kit.errors import Forbidden
from kouan.partners.domain import OrgKind, sees_all_organisations
from kouan.web.deps import CurrentPrincipal, DbSession
from kouan.web.inputs import Offset

router = APIRouter(prefix="/api/v1", tags=["declarations"])


@router.post("/declarations", response_model=DeclarationRead, status_code=status.HTTP_201_CREATED)
def create_declaration(body: DeclarationCreate, session: DbSession, principal: CurrentPrincipal):
    """A draft declaration of the caller's organisation (a trader or broker), numbered by Kouan."""
    fields = views.draft_fields(body)
    rec = service.create(session, actor=principal, fields=fields, now=utcnow())
    return views.read(session, rec, now=utcnow())


@router.get("/declarations", response_model=list[DeclarationRead])
def list_declarations(
    session: DbSession, principal: CurrentPrincipal, status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Offset = 0,
):
    """An enterprise's own declarations; a customs officer's district queue; all for the port office."""
    now = utcnow()
    found = service.list_visible(session, actor=principal, status=status, limit=limit, offset=offset)
    return [views.read(session, r, now=now) for r in found]


@router.get("/declarations/{number}", response_model=DeclarationRead)
def get_declaration(number: str, session: DbSession, principal: CurrentPrincipal):
    return views.read(session, service.get(session, actor=principal, number=number), now=utcnow())


@router.post("/declarations/{number}/actions/{action}", response_model=DeclarationRead)
def act(number: str, action: str, session: DbSession, principal: CurrentPrincipal,
        body: ActionIn | None = None):
    """One workflow step: lodge, lodge_summary, lodge_complete (declarant); accept, return,
    order_inspection, complete_inspection, release, release_goods, port_release, market_release,
    hold, unhold, fulfil_obligation, close, start_movement (with `seal`), arrive_movement (customs).
    `order_inspection` needs a cause (无因不查): a targeting rule hit or random draw recorded at
    lodging, or a written `reason`; else 409 `inspection_without_cause`.
    A refusal is 409 with `code`, `params`, `current_status` and `allowed_actions`."""
    now = utcnow()
    rec = service.act(session, actor=principal, number=number, action=action, now=now,
                      lab_passed=body.lab_passed if body else None, seal=body.seal if body else None,
                      reason=body.reason if body else None, method=body.method if body else None)
    return views.read(session, rec, now=now)


@router.post("/declarations/match-arrivals", response_model=list[str])
def match_arrivals(session: DbSession, principal: CurrentPrincipal):
    """Release accepted advance declarations whose arrival is now known (customs or port office)."""
    if not (sees_all_organisations(principal) or principal.org_kind == OrgKind.CUSTOMS):
        raise Forbidden("only customs or the port office run the arrival match")
    return service.match_arrivals(session, now=utcnow())


@router.post("/declarations/{number}/appointments", response_model=AppointmentRead,
             status_code=status.HTTP_201_CREATED, tags=["appointments"])
def book_appointment(number: str, body: AppointmentCreate, session: DbSession, principal: CurrentPrincipal):
    """The declarant books a ship-side pick-up (import) or direct-loading (export) slot at a
    terminal of the declaration's port."""
    a = appointment_service.book(session, actor=principal, number=number, terminal=body.terminal,
                                 slot_start=body.slot_start, slot_end=body.slot_end,
                                 containers=body.containers, now=utcnow())
    return views.appointment(session, a)


@router.get("/appointments", response_model=list[AppointmentRead], tags=["appointments"])
def list_appointments(session: DbSession, principal: CurrentPrincipal):
    """The booker's and the terminal's appointments; the district's for customs; all for the port office."""
    return [views.appointment(session, a) for a in appointment_service.list_visible(session, actor=principal)]


@router.get("/appointments/{reference}", response_model=AppointmentRead, tags=["appointments"])
def get_appointment(reference: str, session: DbSession, principal: CurrentPrincipal):
    return views.appointment(session, appointment_service.get(session, actor=principal, reference=reference))


@router.post("/appointments/{reference}/actions/{step}", response_model=AppointmentRead,
             tags=["appointments"])
def appointment_step(reference: str, step: str, session: DbSession, principal: CurrentPrincipal):
    """`use` (the terminal: the boxes left from shipside / were loaded; only after release) or
    `cancel` (the booker)."""
    a = appointment_service.act(session, actor=principal, reference=reference, step=step, now=utcnow())
    return views.appointment(session, a)


@router.get("/bonded-zones", tags=["declarations"])
def bonded_zones(port: str | None = None) -> list[dict[str, str]]:
    """Bonded zones that zone-port direct (区港直通) connects to a port."""
    zones = domain.zones_at(port.upper()) if port else list(domain.BONDED_ZONES.values())
    return [{"code": z.code, "name": z.name, "name_en": z.name_en, "kind": z.kind, "port": z.port}
            for z in zones]
