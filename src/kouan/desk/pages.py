"""Pages of the quick-response desk: tickets (log, follow, act), the SLA report. Thin."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from kouan.desk import domain, service
from kouan.desk.api import ticket_read
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import FieldError, InvalidInput, KouanError
from kouan.partners.domain import Role, sees_all_organisations
from kouan.partners.models import Organisation
from kouan.web import csrf
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.inputs import Id
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


def _list(request: Request, session: DbSession, principal: PagePrincipal, *,
          errors: list[FieldError] | None = None, status: int = 200, form: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    worker = principal.role in (Role.ADMIN, Role.STAFF)
    rows = [ticket_read(session, t) for t in service.list_visible(session, actor=principal)]
    return render(request, "desk/list.html", {
        "rows": rows, "categories": [c.value for c in domain.Category], "errors": errors or [],
        "may_log": worker and principal.org_kind in service.CREATORS, "form": form or {},
        "sla": service.sla_table(session), "now": utcnow()}, status=status)


@router.get("/desk")
def desk(request: Request, session: DbSession, principal: PagePrincipal):
    return _list(request, session, principal)


@router.post("/desk")
def log_ticket(request: Request, session: DbSession, principal: PagePrincipal,
               csrf_token: Annotated[str, Form()] = "", category: Annotated[str, Form(max_length=16)] = "",
               subject: Annotated[str, Form(max_length=200)] = "",
               body: Annotated[str, Form(max_length=5000)] = "",
               refs: Annotated[str, Form(max_length=2000)] = "",
               port: Annotated[str, Form(max_length=5)] = ""):
    csrf.verify(request, csrf_token)
    try:
        t = service.create(session, actor=principal, category=category, subject=subject, body=body,
                           refs=refs.replace(",", " ").split(), port=port or None, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _list(request, session, principal, errors=exc.errors, status=422, form={
            "category": category, "subject": subject, "body": body, "refs": refs, "port": port})
    return RedirectResponse(f"/desk/{t.id}", status_code=303)


@router.get("/desk/report")
def report(request: Request, session: DbSession, principal: PagePrincipal,
           first: Annotated[date | None, Query(alias="from")] = None,
           last: Annotated[date | None, Query(alias="to")] = None):
    today = utcnow().astimezone(CHINA_TZ).date()
    last = last or today
    first = first or last.replace(day=1)
    return render(request, "desk/report.html", {
        "rows": service.sla_report(session, first=first, last=last), "first": first, "last": last})


def _detail(request: Request, session: DbSession, principal: PagePrincipal, ticket_id: int, *,
            refused: KouanError | None = None, errors: list[FieldError] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    t = service.get(session, actor=principal, ticket_id=ticket_id)
    worker = principal.role in (Role.ADMIN, Role.STAFF)
    context: dict[str, Any] = {
        "t": ticket_read(session, t, with_steps=True), "refused": refused, "errors": errors or [],
        "may_dispatch": worker and sees_all_organisations(principal),
        "may_answer": worker and principal.org_id == t.unit_org_id,
        "may_follow": worker and principal.org_id == t.org_id, "levels": domain.LEVELS,
        "units": [] if not sees_all_organisations(principal) else list(session.execute(
            select(Organisation.code, Organisation.name).where(
                Organisation.kind.in_([k.value for k in service.UNITS]), Organisation.active)
            .order_by(Organisation.code)).all()),
    }
    return render(request, "desk/detail.html", context, status=status)


@router.get("/desk/{ticket_id}")
def ticket(ticket_id: Id, request: Request, session: DbSession, principal: PagePrincipal):
    return _detail(request, session, principal, ticket_id)


@router.post("/desk/{ticket_id}/actions/{action}")
def ticket_step(ticket_id: Id, action: str, request: Request, session: DbSession, principal: PagePrincipal,
                csrf_token: Annotated[str, Form()] = "", unit: Annotated[str, Form(max_length=32)] = "",
                note: Annotated[str, Form(max_length=5000)] = ""):
    csrf.verify(request, csrf_token)
    try:
        service.act(session, actor=principal, ticket_id=ticket_id, action=action, now=utcnow(),
                    unit=unit or None, note=note or None)
    except InvalidInput as exc:
        session.rollback()
        return _detail(request, session, principal, ticket_id, errors=exc.errors, status=422)
    except service.TicketRefused as exc:
        session.rollback()
        return _detail(request, session, principal, ticket_id, refused=exc, status=409)
    return RedirectResponse(f"/desk/{ticket_id}", status_code=303)
