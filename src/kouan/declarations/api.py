"""/api/v1/declarations: enterprises lodge, customs decide. Illegal steps answer 409 with the
current status and the allowed next actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from kouan.declarations import service, views
from kouan.declarations.schemas import ActionIn, DeclarationCreate, DeclarationRead
from kouan.kit.clock import utcnow
from kouan.kit.errors import Forbidden
from kouan.partners.domain import OrgKind, sees_all_organisations
from kouan.web.deps import CurrentPrincipal, DbSession

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
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
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
    hold, unhold, fulfil_obligation, close (customs)."""
    now = utcnow()
    rec = service.act(session, actor=principal, number=number, action=action, now=now,
                      lab_passed=body.lab_passed if body else None)
    return views.read(session, rec, now=now)


@router.post("/declarations/match-arrivals", response_model=list[str])
def match_arrivals(session: DbSession, principal: CurrentPrincipal):
    """Release accepted advance declarations whose arrival is now known (customs or port office)."""
    if not (sees_all_organisations(principal) or principal.org_kind == OrgKind.CUSTOMS):
        raise Forbidden("only customs or the port office run the arrival match")
    return service.match_arrivals(session, now=utcnow())
