"""Pages of 7×24 appointment clearance: the week's slots (book, publish), the caller's bookings and
the serving side's day, the off-hours report. Thin: the service's functions, like ``api.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kouan.appointments import domain, service
from kouan.appointments.api import booking_read
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import FieldError, InvalidInput, KouanError
from kouan.partners.domain import Role
from kouan.web import csrf
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.inputs import Id
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)
WEEK = 7


def _beijing(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=CHINA_TZ)
    except ValueError:
        return None


def _today() -> date:
    return utcnow().astimezone(CHINA_TZ).date()


def _page(request: Request, session: DbSession, principal: PagePrincipal, *, day: date | None = None,
          port: str = "", service_: str = "", errors: list[FieldError] | None = None,
          refused: KouanError | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    day = day or _today()
    lo, _ = service.local_day(day)
    hi = lo + timedelta(days=WEEK)
    now = utcnow()
    worker = principal.role in (Role.ADMIN, Role.STAFF)
    context: dict[str, Any] = {
        "day": day, "port": port, "service": service_,
        "slots": service.list_slots(session, now=now, port=port or None, service=service_ or None,
                                    start=max(lo, now), until=hi),
        "mine": [booking_read(session, a) for a in service.list_bookings(session, actor=principal, limit=100)
                 if a.slot_end >= now - timedelta(days=2)],
        "serving": [booking_read(session, a) for a in service.list_bookings(
            session, actor=principal, day=day, serving=True)],
        "services": [s.value for s in domain.Service], "hours": [h.value for h in domain.Hours],
        "days": [d.value for d in domain.Days],
        "may_publish": worker and principal.org_kind in service.PUBLISHERS,
        "may_book": worker and principal.org_kind in service.BOOKERS,
        "errors": errors or [], "refused": refused,
        "next_free": (refused.extra.get("next_free", []) if refused else []),
    }
    return render(request, "appointments/slots.html", context, status=status)


def _refusal(request: Request, session: DbSession, principal: PagePrincipal,
             call: Callable[[], object]) -> Response | None:
    """Run one service call of a form; ``None`` when it went through (the route redirects), else
    the slots page with the refusal, the transaction rolled back: an invalid input is 422 with its
    field errors, a refusal (full slot, closed slot, already published) 409 with its message and
    the next free slots. Any other error goes on to the error handlers."""
    try:
        call()
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.errors, status=422)
    except KouanError as exc:
        if exc.status != 409:
            raise
        session.rollback()
        return _page(request, session, principal, refused=exc, status=409)
    return None


@router.get("/slots")
def slots(request: Request, session: DbSession, principal: PagePrincipal,
          day: Annotated[date | None, Query()] = None, port: Annotated[str, Query(max_length=5)] = "",
          service_: Annotated[str, Query(alias="service", max_length=24)] = ""):
    return _page(request, session, principal, day=day, port=port.upper(), service_=service_)


@router.post("/slots")
def publish(request: Request, session: DbSession, principal: PagePrincipal,
            csrf_token: Annotated[str, Form()] = "", port: Annotated[str, Form(max_length=5)] = "",
            service_: Annotated[str, Form(alias="service", max_length=24)] = "",
            start: Annotated[str, Form(max_length=32)] = "", end: Annotated[str, Form(max_length=32)] = "",
            capacity: Annotated[int, Form(ge=1, le=1000)] = 1,
            hours: Annotated[str, Form(max_length=16)] = ""):
    csrf.verify(request, csrf_token)
    begins, ends = _beijing(start), _beijing(end)

    def call() -> None:
        if begins is None or ends is None:
            raise InvalidInput("the slot is not valid", errors=[FieldError(
                "/start" if begins is None else "/end", "2026-12-05T22:00")])
        service.publish(session, actor=principal, port=port, service=service_, start=begins, end=ends,
                        capacity=capacity, hours=hours or None, now=utcnow())

    if refused := _refusal(request, session, principal, call):
        return refused
    assert begins is not None
    return RedirectResponse(f"/slots?day={begins.date().isoformat()}", status_code=303)


@router.post("/slots/patterns")
def publish_pattern(request: Request, session: DbSession, principal: PagePrincipal,
                    csrf_token: Annotated[str, Form()] = "", port: Annotated[str, Form(max_length=5)] = "",
                    service_: Annotated[str, Form(alias="service", max_length=24)] = "",
                    days: Annotated[str, Form(max_length=16)] = "",
                    daily_from: Annotated[str, Form(max_length=5)] = "",
                    daily_to: Annotated[str, Form(max_length=5)] = "",
                    first_day: Annotated[str, Form(max_length=10)] = "",
                    last_day: Annotated[str, Form(max_length=10)] = "",
                    capacity: Annotated[int, Form(ge=1, le=1000)] = 1,
                    hours: Annotated[str, Form(max_length=16)] = "extended",
                    slot_minutes: Annotated[int, Form(ge=0, le=1440)] = 0):
    """A recurring window (nights, weekends, holidays, make-up working days) from the page."""
    csrf.verify(request, csrf_token)
    try:
        try:
            first, last = date.fromisoformat(first_day), date.fromisoformat(last_day)
        except ValueError:
            raise InvalidInput("the slot is not valid",
                               errors=[FieldError("/first_day", "2026-12-01")]) from None
        service.publish_pattern(session, actor=principal, port=port, service=service_, days=days,
                                daily_from=daily_from, daily_to=daily_to, first_day=first, last_day=last,
                                capacity=capacity, hours=hours, slot_minutes=slot_minutes, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.errors, status=422)
    return RedirectResponse(f"/slots?day={first.isoformat()}", status_code=303)


@router.post("/slots/{slot_id}/bookings")
def book(slot_id: Id, request: Request, session: DbSession, principal: PagePrincipal,
         csrf_token: Annotated[str, Form()] = "", declaration: Annotated[str, Form(max_length=18)] = ""):
    csrf.verify(request, csrf_token)
    number = declaration.strip() or None
    if refused := _refusal(request, session, principal, lambda: service.book(
            session, actor=principal, slot_id=slot_id, declaration=number, now=utcnow())):
        return refused
    return RedirectResponse("/slots", status_code=303)


@router.post("/bookings/{reference}/actions/{step}")
def booking_step(reference: str, step: str, request: Request, session: DbSession, principal: PagePrincipal,
                 csrf_token: Annotated[str, Form()] = "", slot_id: Annotated[str, Form(max_length=12)] = ""):
    csrf.verify(request, csrf_token)
    target = int(slot_id) if slot_id.strip().isdigit() else None
    if refused := _refusal(request, session, principal, lambda: service.act(
            session, actor=principal, reference=reference, step=step, now=utcnow(), slot_id=target)):
        return refused
    return RedirectResponse("/slots", status_code=303)


@router.get("/slots/report")
def report(request: Request, session: DbSession, principal: PagePrincipal,
           first: Annotated[date | None, Query(alias="from")] = None,
           last: Annotated[date | None, Query(alias="to")] = None,
           port: Annotated[str, Query(max_length=5)] = ""):
    today = _today()
    last = last or today
    first = first or date(last.year, 1, 1)
    rows = service.off_hours_report(session, first=first, last=last, port=port or None)
    return render(request, "appointments/report.html", {"rows": rows, "first": first, "last": last,
                                                        "port": port.upper()})
