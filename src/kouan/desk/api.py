"""/api/v1/desk: the 24-hour quick-response desk (通关快速反应). Thin: the service's functions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from kouan.desk import domain, service
from kouan.desk.models import DeskTicket
from kouan.kit.clock import utcnow
from kouan.kit.errors import N_, Forbidden
from kouan.partners import repository as partners_repo
from kouan.partners.domain import sees_all_organisations
from kouan.web.deps import CurrentPrincipal, DbSession
from kouan.web.inputs import Id, Input, Offset

router = APIRouter(prefix="/api/v1/desk", tags=["desk"])


class TicketCreate(Input):
    category: str = Field(examples=["delay"], description="delay, inspection, fees, systems, other")
    subject: str = Field(max_length=200)
    body: str = Field(max_length=5000)
    refs: list[str] = Field(default_factory=list, max_length=20,
                            description="shipment references: declaration, B/L, booking, container")
    port: str | None = Field(None, max_length=5)


class ActionIn(Input):
    unit: str | None = Field(None, max_length=32, description="dispatch: the unit's organisation code")
    note: str | None = Field(None, max_length=5000, description="resolve: the answer; any step: a note")


class StepRead(BaseModel):
    at: datetime
    action: str
    actor: str
    level: int
    unit: str | None
    note: str | None


class TicketRead(BaseModel):
    id: int
    reference: str
    enterprise: str
    category: str
    subject: str
    body: str
    refs: list[str]
    port: str | None
    status: str
    unit: str | None
    level: int
    response_hours: int
    resolution_hours: int
    response_due: datetime
    resolution_due: datetime
    response_breached_at: datetime | None
    resolution_breached_at: datetime | None
    created_at: datetime
    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    reopen_count: int
    answer: str | None
    steps: list[StepRead] = []


class SlaIn(Input):
    response_hours: int = Field(ge=1, le=720)
    resolution_hours: int = Field(ge=1, le=2160)


class SlaRead(BaseModel):
    category: str
    response_hours: int
    resolution_hours: int


class SlaReportRow(BaseModel):
    unit: str
    category: str
    tickets: int
    responded: int
    resolved: int
    response_median_h: float | None
    response_p90_h: float | None
    resolution_median_h: float | None
    resolution_p90_h: float | None
    response_breaches: int
    resolution_breaches: int


def ticket_read(session: DbSession, t: DeskTicket, *, with_steps: bool = False) -> TicketRead:
    def code(org_id: int | None) -> str | None:
        org = partners_repo.get_org(session, org_id) if org_id else None
        return org.code if org else None

    steps = [StepRead(at=s.at, action=s.action, actor=s.actor, level=s.level, unit=code(s.unit_org_id),
                      note=s.note) for s in service.steps(session, t.id)] if with_steps else []
    return TicketRead(
        id=t.id, reference=t.reference, enterprise=code(t.org_id) or "", category=t.category,
        subject=t.subject, body=t.body, refs=list(t.refs or []), port=t.port, status=t.status,
        unit=code(t.unit_org_id), level=t.level, response_hours=t.response_hours,
        resolution_hours=t.resolution_hours, response_due=t.response_due, resolution_due=t.resolution_due,
        response_breached_at=t.response_breached_at, resolution_breached_at=t.resolution_breached_at,
        created_at=t.created_at, dispatched_at=t.dispatched_at, acknowledged_at=t.acknowledged_at,
        resolved_at=t.resolved_at, reopen_count=t.reopen_count, answer=t.answer, steps=steps)


@router.post("/tickets", response_model=TicketRead, status_code=status.HTTP_201_CREATED)
def create_ticket(body: TicketCreate, session: DbSession, principal: CurrentPrincipal):
    """An enterprise logs a problem with the shipments it concerns; the response and resolution
    clocks (24 h unless the port office set the category's) start now."""
    t = service.create(session, actor=principal, category=body.category, subject=body.subject,
                       body=body.body, refs=body.refs, port=body.port, now=utcnow())
    return ticket_read(session, t, with_steps=True)


@router.get("/tickets", response_model=list[TicketRead])
def list_tickets(session: DbSession, principal: CurrentPrincipal,
                 status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
                 category: Annotated[str | None, Query(max_length=16)] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 200, offset: Offset = 0):
    """An enterprise's own tickets, a unit's dispatched ones, every ticket for the desk."""
    return [ticket_read(session, t) for t in service.list_visible(
        session, actor=principal, status=status_, category=category, limit=limit, offset=offset)]


@router.get("/tickets/{ticket_id}", response_model=TicketRead)
def get_ticket(ticket_id: Id, session: DbSession, principal: CurrentPrincipal):
    return ticket_read(session, service.get(session, actor=principal, ticket_id=ticket_id), with_steps=True)


@router.post("/tickets/{ticket_id}/actions/{action}", response_model=TicketRead)
def ticket_step(ticket_id: Id, action: str, session: DbSession, principal: CurrentPrincipal,
                body: ActionIn | None = None):
    """`dispatch` (the desk, with `unit`), `acknowledge` and `resolve` (the unit; `note` is the
    answer), `reopen` and `close` (the enterprise). A step not allowed now is 409."""
    t = service.act(session, actor=principal, ticket_id=ticket_id, action=action, now=utcnow(),
                    unit=body.unit if body else None, note=body.note if body else None)
    return ticket_read(session, t, with_steps=True)


@router.get("/sla", response_model=list[SlaRead])
def sla(session: DbSession, principal: CurrentPrincipal):
    """Each category's response and resolution clock, in wall-clock hours."""
    return [SlaRead(category=c, response_hours=a, resolution_hours=b)
            for c, (a, b) in service.sla_table(session).items()]


@router.put("/sla/{category}", response_model=SlaRead)
def set_sla(category: str, body: SlaIn, session: DbSession, principal: CurrentPrincipal):
    """The port office's administrators set a category's clocks (tickets logged later use them)."""
    row = service.set_sla(session, actor=principal, category=category, response_hours=body.response_hours,
                          resolution_hours=body.resolution_hours, now=utcnow())
    return SlaRead(category=row.category, response_hours=row.response_hours,
                   resolution_hours=row.resolution_hours)


@router.get("/sla-report", response_model=list[SlaReportRow])
def sla_report(session: DbSession, principal: CurrentPrincipal, first: date = Query(alias="from"),
               last: date = Query(alias="to")):
    """The port office's SLA report: tickets logged in the period by unit and category."""
    if not sees_all_organisations(principal):  # the route guard refuses them first (policy.ROUTES)
        raise Forbidden(N_("the SLA report is the port office's"))
    return [SlaReportRow(**r.__dict__) for r in service.sla_report(session, first=first, last=last)]


CATEGORIES = [c.value for c in domain.Category]
