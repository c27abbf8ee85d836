"""Declaration pages: the enterprise portal (draft, lodge, follow) and the customs queue.

Thin like ``api.py``: the same service functions, so a page and the JSON API refuse the same steps
for the same reasons (README rule 4). Another organisation's declaration answers 404; only traders
and customs brokers get the draft form (``service.lodging_refused``).

A refused button is post/redirect/get like an accepted one: the refusal (its reason, the status and
the allowed next steps) is kept in the session and shown once by the detail page the browser is
sent back to, so reloading that page does not press the button again.
"""

from __future__ import annotations

from datetime import datetime
from itertools import zip_longest
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from kouan.declarations import appointment_service, domain, service, validation, views
from kouan.declarations.domain import Mode, Status
from kouan.declarations.refusals import CodedFieldError, Refusal
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import FieldError, InvalidInput
from kouan.web import csrf, i18n
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.inputs import Input
from kouan.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)

ITEM_FIELDS = ("hs_code", "description", "quantity", "unit", "value", "origin")
BLANK_ROWS = 2  # empty item rows offered below the filled ones (no JavaScript needed)
LAB_RESULTS = {"passed": True, "failed": False}
REFUSED = "declaration_refused"  # the session key of the refusal the detail page shows next


class DraftForm(Input):
    """The draft form as posted: item columns arrive as parallel lists, one entry per row."""

    direction: str = "I"
    consignee_uscc: str = ""
    consignee_name: str = ""
    port: str = ""
    transport_call: str = ""
    bill_of_lading: str = ""
    containers: str = ""
    bonded_zone: str = ""
    warehouse: str = ""
    modes: list[str] = []
    hs_code: list[str] = []
    description: list[str] = []
    quantity: list[str] = []
    unit: list[str] = []
    value: list[str] = []
    origin: list[str] = []
    csrf_token: str = ""

    def rows(self) -> list[dict[str, str]]:
        """Item rows in order, leaving out rows with nothing typed in (so /items/N is row N)."""
        columns = [getattr(self, f) for f in ITEM_FIELDS]
        rows = [dict(zip(ITEM_FIELDS, (v.strip() for v in values), strict=True))
                for values in zip_longest(*columns, fillvalue="")]
        return [r for r in rows if any(r.values())]

    def fields(self) -> validation.DraftFields:
        items = [validation.ItemFields(hs_code=r["hs_code"], description=r["description"],
                                    quantity=r["quantity"], unit=r["unit"].upper(), value=r["value"],
                                    origin=r["origin"].upper()) for r in self.rows()]
        return validation.DraftFields(
            direction=self.direction, consignee_uscc=self.consignee_uscc.strip(),
            consignee_name=self.consignee_name, port=self.port.strip(), modes=self.modes,
            transport_call=self.transport_call.strip() or None,
            bill_of_lading=self.bill_of_lading.strip() or None,
            containers=self.containers.replace(",", " ").split(), items=items,
            bonded_zone=self.bonded_zone.strip().upper() or None, warehouse=self.warehouse.strip() or None)


def say(request: Request, why: Refusal) -> str:
    """A refusal in the page's language: the template and its vocabulary parameters translated."""
    locale = locale_of(request)
    return why.render(lambda m: i18n.gettext(locale, m), sep="、" if locale == "zh_CN" else ", ")


def _field_errors(request: Request, errors: list[FieldError]) -> list[FieldError]:
    return [FieldError(e.pointer, say(request, e.refusal), e.value) if isinstance(e, CodedFieldError) else e
            for e in errors]


def _form_page(request: Request, form: DraftForm, errors: list[FieldError], *, status: int = 200):  # type: ignore[no-untyped-def]
    rows = form.rows() + [dict.fromkeys(ITEM_FIELDS, "") for _ in range(BLANK_ROWS)]
    errors = _field_errors(request, errors)
    return render(request, "declarations/new.html", {
        "form": form, "rows": rows, "modes": [m.value for m in Mode], "errors": errors,
        "zones": list(domain.BONDED_ZONES.values()), "error_at": {e.pointer: e.detail for e in errors},
    }, status=status)


def _keep_refusal(request: Request, number: str, refused: service.IllegalTransitionError) -> None:
    request.session[REFUSED] = {"number": number, "detail": refused.detail, "extra": refused.extra}


def _kept_refusal(request: Request, number: str) -> service.IllegalTransitionError | None:
    """The refusal of the last button pressed on this declaration, once."""
    kept = request.session.get(REFUSED)
    if not kept or kept.get("number") != number:
        return None
    del request.session[REFUSED]
    return service.IllegalTransitionError(kept["detail"], extra=kept["extra"])


def _detail(request: Request, session: DbSession, principal: PagePrincipal, number: str, *,  # type: ignore[no-untyped-def]
            refused: service.IllegalTransitionError | appointment_service.AppointmentRefused | None = None,
            errors: list[FieldError] | None = None, status: int = 200):
    rec = service.get(session, actor=principal, number=number)
    refused = refused or _kept_refusal(request, number)
    d = views.read(session, rec, now=utcnow())
    context: dict[str, Any] = {
        "d": d,
        "actions": [a.value for a in service.actions_for(session, actor=principal, rec=rec)],
        "events": views.timeline(session, rec, actor=principal),
        "refused": refused,
        "refused_text": say(request, refused.refusal) if refused else "",
        "errors": _field_errors(request, errors or []),
        "zone": domain.BONDED_ZONES.get(rec.bonded_zone or ""),
        "may_book": Mode.SHIP_SIDE_PICKUP.value in rec.modes and principal.org_id == rec.declarant_org_id
        and not any(a.status == "booked" for a in d.appointments) and rec.released_at is None,
    }
    return render(request, "declarations/detail.html", context, status=status)


@router.get("/declarations")
def own_declarations(request: Request, session: DbSession, principal: PagePrincipal,
                     q: str = "", status: str = "", direction: str = ""):
    """The caller's declarations, newest first; searched by number or consignee, filtered by status
    and direction (a value Kouan does not know is ignored, like an empty one)."""
    now = utcnow()
    status = status if status in {s.value for s in Status} else ""
    direction = direction if direction in ("I", "E") else ""
    found = service.list_visible(session, actor=principal, limit=200, search=q[:64] or None,
                                 status=status or None, direction=direction or None)
    return render(request, "declarations/list.html", {
        "rows": [views.read(session, r, now=now) for r in found],
        "may_draft": service.lodging_refused(principal) is None,
        "q": q[:64], "status": status, "direction": direction, "statuses": [s.value for s in Status]})


@router.get("/declarations/new")
def new_declaration(request: Request, principal: PagePrincipal):
    if refused := service.lodging_refused(principal):
        raise refused
    return _form_page(request, DraftForm(), [])


@router.post("/declarations/new")
def create_declaration(request: Request, session: DbSession, principal: PagePrincipal,
                       form: Annotated[DraftForm, Form()]):
    csrf.verify(request, form.csrf_token)
    try:
        rec = service.create(session, actor=principal, fields=form.fields(), now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _form_page(request, form, exc.errors, status=422)
    return RedirectResponse(f"/declarations/{rec.number}", status_code=303)


@router.get("/declarations/{number}")
def declaration(number: str, request: Request, session: DbSession, principal: PagePrincipal):
    return _detail(request, session, principal, number)


@router.post("/declarations/{number}/actions/{action}")
def act(number: str, action: str, request: Request, session: DbSession, principal: PagePrincipal,
        csrf_token: Annotated[str, Form()] = "", lab_result: Annotated[str, Form()] = "",
        seal: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
        method: Annotated[str, Form()] = ""):
    csrf.verify(request, csrf_token)
    try:
        service.act(session, actor=principal, number=number, action=action, now=utcnow(),
                    lab_passed=LAB_RESULTS.get(lab_result), seal=seal or None, reason=reason or None,
                    method=method or None)
    except service.IllegalTransitionError as exc:
        session.rollback()
        _keep_refusal(request, number, exc)
    return RedirectResponse(f"/declarations/{number}", status_code=303)


@router.get("/customs/queue")
def customs_queue(request: Request, session: DbSession, principal: PagePrincipal):
    now = utcnow()
    rows = [views.read(session, r, now=now) for r in service.queue(session, actor=principal)]
    return render(request, "customs/queue.html", {"rows": rows})


def _beijing(value: str) -> datetime | None:
    """A ``datetime-local`` field, typed in Beijing time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=CHINA_TZ)
    except ValueError:
        return None


@router.post("/declarations/{number}/appointments")
def book_appointment(number: str, request: Request, session: DbSession, principal: PagePrincipal,
                     csrf_token: Annotated[str, Form()] = "", terminal: Annotated[str, Form()] = "",
                     slot_start: Annotated[str, Form()] = "", slot_end: Annotated[str, Form()] = ""):
    csrf.verify(request, csrf_token)
    start, end = _beijing(slot_start), _beijing(slot_end)
    try:
        if start is None or end is None:
            raise InvalidInput("the appointment is not valid", errors=[FieldError(
                "/slot_start" if start is None else "/slot_end", "2022-03-10T14:00")])
        appointment_service.book(session, actor=principal, number=number, terminal=terminal,
                                 slot_start=start, slot_end=end, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _detail(request, session, principal, number, errors=exc.errors, status=422)
    except appointment_service.AppointmentRefused as exc:
        session.rollback()
        return _detail(request, session, principal, number, refused=exc, status=409)
    return RedirectResponse(f"/declarations/{number}", status_code=303)


def _slots(session: DbSession, principal: PagePrincipal) -> list[Any]:
    return [views.appointment(session, a) for a in appointment_service.list_visible(session, actor=principal)]


@router.get("/appointments")
def appointments(request: Request, session: DbSession, principal: PagePrincipal):
    """The terminal's slots to serve (and the booker's, the district's), with the use button."""
    context = {"rows": _slots(session, principal), "refused_text": ""}
    return render(request, "declarations/appointments.html", context)


@router.post("/appointments/{reference}/actions/{step}")
def appointment_step(reference: str, step: str, request: Request, session: DbSession,
                     principal: PagePrincipal, csrf_token: Annotated[str, Form()] = ""):
    csrf.verify(request, csrf_token)
    try:
        appointment_service.act(session, actor=principal, reference=reference, step=step, now=utcnow())
    except appointment_service.AppointmentRefused as exc:
        session.rollback()
        context = {"rows": _slots(session, principal), "refused_text": say(request, exc.refusal)}
        return render(request, "declarations/appointments.html", context, status=409)
    return RedirectResponse("/appointments", status_code=303)
