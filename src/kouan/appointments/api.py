"""/api/v1/slots, /api/v1/slot-patterns, /api/v1/bookings, /api/v1/off-hours-use: 7×24
appointment clearance (预约通关). Thin: the same service functions as the pages and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from kouan.appointments import service
from kouan.appointments.domain import off_hours
from kouan.declarations.models import Appointment, DeclarationRecord
from kouan.kit.clock import as_utc, utcnow
from kouan.partners import repository as partners_repo
from kouan.web.deps import CurrentPrincipal, DbSession
from kouan.web.inputs import Id, Input

router = APIRouter(prefix="/api/v1", tags=["appointments"])


class SlotCreate(Input):
    port: str = Field(examples=["CNDAL"], max_length=5)
    service: str = Field(examples=["inspection"], description="inspection, release, document_review, pickup")
    start: datetime = Field(description="a time without offset is Beijing time")
    end: datetime
    capacity: int = Field(ge=1, le=1000)
    hours: str | None = Field(None, description="regular, extended, staggered or night; "
                                                "default: extended when off office hours")


class PatternCreate(Input):
    port: str = Field(examples=["CNDAL"], max_length=5)
    service: str
    days: str = Field(examples=["rest_days"],
                      description="all, workdays, rest_days, weekends, holidays, makeup_days "
                                  "(Chinese calendar)")
    daily_from: str = Field(examples=["22:00"],
                            description="Beijing time; past midnight when daily_to is earlier")
    daily_to: str = Field(examples=["08:00"])
    first_day: date
    last_day: date
    capacity: int = Field(ge=1, le=1000)
    hours: str = Field(examples=["night"], description="regular, extended (延时), staggered (错时), night")
    slot_minutes: int = Field(0, ge=0, le=1440,
                              description="cut the window into slots of this length; 0: one slot")


class SlotRead(BaseModel):
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


class PatternRead(BaseModel):
    id: int
    published: int
    slots: list[SlotRead]


class BookingCreate(Input):
    declaration: str | None = Field(None, max_length=18, description="the declaration it serves, if any")
    containers: list[str] | None = Field(None, max_length=200)


class StepIn(Input):
    slot_id: int | None = Field(None, ge=1, le=2**31 - 1, description="move: the slot to move to")


class BookingRead(BaseModel):
    reference: str
    kind: str
    service: str | None
    status: str
    port: str
    serving: str
    booker: str
    declaration: str | None
    slot_id: int | None
    slot_start: datetime
    slot_end: datetime
    off_hours: bool
    containers: list[str]
    used_at: datetime | None
    no_show_at: datetime | None
    cancelled_at: datetime | None


class OffHoursRead(BaseModel):
    port: str
    month: str
    bookings: int
    off_hours: int
    used: int
    no_show: int
    off_hours_share: float | None


def booking_read(session: DbSession, a: Appointment) -> BookingRead:
    serving = partners_repo.get_org(session, a.terminal_org_id)
    booker = partners_repo.get_org(session, a.booked_by_org_id)
    rec = session.get(DeclarationRecord, a.declaration_id) if a.declaration_id else None
    return BookingRead(
        reference=a.reference, kind=a.kind, service=a.service, status=a.status, port=a.port,
        serving=serving.code if serving else "", booker=booker.code if booker else "",
        declaration=rec.number if rec else None, slot_id=a.slot_id, slot_start=a.slot_start,
        slot_end=a.slot_end, off_hours=off_hours(a.slot_start, a.slot_end), containers=a.containers,
        used_at=a.used_at, no_show_at=a.no_show_at, cancelled_at=a.cancelled_at)


def slot_read(v: service.SlotView) -> SlotRead:
    return SlotRead(**v.__dict__)


@router.post("/slots", response_model=SlotRead, status_code=status.HTTP_201_CREATED)
def publish_slot(body: SlotCreate, session: DbSession, principal: CurrentPrincipal):
    """A customs unit, border inspection or a terminal publishes a slot at a port it serves."""
    slot = service.publish(session, actor=principal, port=body.port, service=body.service,
                           start=as_utc(body.start), end=as_utc(body.end), capacity=body.capacity,
                           hours=body.hours, now=utcnow())
    return slot_read(service.view(session, slot))


@router.post("/slot-patterns", response_model=PatternRead, status_code=status.HTTP_201_CREATED)
def publish_pattern(body: PatternCreate, session: DbSession, principal: CurrentPrincipal):
    """A recurring window over the chosen days of the Chinese calendar: nights, weekends, public
    holidays, make-up working days; extended (延时) or staggered (错时) hours. Publishes its slots."""
    pattern, slots = service.publish_pattern(
        session, actor=principal, port=body.port, service=body.service, days=body.days,
        daily_from=body.daily_from, daily_to=body.daily_to, first_day=body.first_day,
        last_day=body.last_day, capacity=body.capacity, hours=body.hours,
        slot_minutes=body.slot_minutes, now=utcnow())
    views = service._views(session, slots[:50])
    return PatternRead(id=pattern.id, published=len(slots), slots=[slot_read(v) for v in views])


@router.get("/slots", response_model=list[SlotRead])
def list_slots(
    session: DbSession, principal: CurrentPrincipal, port: Annotated[str | None, Query(max_length=5)] = None,
    service_: Annotated[str | None, Query(alias="service", max_length=24)] = None,
    start: datetime | None = Query(None, alias="from"), until: datetime | None = Query(None, alias="to"),
    free: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 200,
):
    """Published slots not yet over, soonest first (an offer: every logged-in party sees them)."""
    return [slot_read(v) for v in service.list_slots(
        session, now=utcnow(), port=port, service=service_, start=as_utc(start) if start else None,
        until=as_utc(until) if until else None, free_only=free, limit=limit)]


@router.get("/slots/{slot_id}", response_model=SlotRead)
def get_slot(slot_id: Id, session: DbSession, principal: CurrentPrincipal):
    return slot_read(service.view(session, service.get_slot(session, slot_id)))


@router.post("/slots/{slot_id}/bookings", response_model=BookingRead, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "the slot is full: `next_free` lists the next free slots"}})
def book(slot_id: Id, body: BookingCreate, session: DbSession, principal: CurrentPrincipal):
    """A trader or broker (a person, or a key with `appointments:write`) books a place, for a
    declaration where there is one. A full slot is 409 `slot_full` with `next_free`."""
    a = service.book(session, actor=principal, slot_id=slot_id, declaration=body.declaration,
                     containers=body.containers, now=utcnow())
    return booking_read(session, a)


@router.get("/bookings", response_model=list[BookingRead])
def list_bookings(session: DbSession, principal: CurrentPrincipal, day: date | None = None,
                  serving: bool = False,
                  status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 200):
    """The caller's bookings and those it serves; `day` (Beijing) and `serving=true` give a
    unit's or terminal's day."""
    return [booking_read(session, a) for a in service.list_bookings(
        session, actor=principal, day=day, serving=serving, status=status_, limit=limit)]


@router.get("/bookings/{reference}", response_model=BookingRead)
def get_booking(reference: str, session: DbSession, principal: CurrentPrincipal):
    return booking_read(session, service.get_booking(session, actor=principal, reference=reference))


@router.post("/bookings/{reference}/actions/{step}", response_model=BookingRead)
def booking_step(reference: str, step: str, session: DbSession, principal: CurrentPrincipal,
                 body: StepIn | None = None):
    """`move` (with `slot_id`) or `cancel` by the booker; `use` or `no_show` by the serving side."""
    a = service.act(session, actor=principal, reference=reference, step=step, now=utcnow(),
                    slot_id=body.slot_id if body else None)
    return booking_read(session, a)


@router.get("/off-hours-use", response_model=list[OffHoursRead])
def off_hours_use(session: DbSession, principal: CurrentPrincipal, first: date = Query(alias="from"),
                  last: date = Query(alias="to"), port: Annotated[str | None, Query(max_length=5)] = None):
    """Bookings by port and month, how many off office hours, used and not shown."""
    rows = service.off_hours_report(session, first=first, last=last, port=port)
    return [OffHoursRead(**r.__dict__) for r in rows]
