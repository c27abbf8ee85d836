"""Declaration pages: the enterprise portal (draft, lodge, follow) and the customs queue.

Thin like ``api.py``: the same service functions, so a page and the JSON API refuse the same steps
for the same reasons (README rule 4). A refused step renders the detail page with the reason and
the allowed next steps (409); another organisation's declaration answers 404.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from kouan.declarations import service, views
from kouan.declarations.domain import Mode
from kouan.kit.clock import utcnow
from kouan.kit.errors import FieldError, InvalidInput
from kouan.web import csrf
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)

ITEM_FIELDS = ("hs_code", "description", "quantity", "unit", "value", "origin")
BLANK_ROWS = 2  # empty item rows offered below the filled ones (no JavaScript needed)
LAB_RESULTS = {"passed": True, "failed": False}


class DraftForm(BaseModel):
    """The draft form as posted: item columns arrive as parallel lists, one entry per row."""

    direction: str = "I"
    consignee_uscc: str = ""
    consignee_name: str = ""
    port: str = ""
    transport_call: str = ""
    bill_of_lading: str = ""
    containers: str = ""
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

    def fields(self) -> service.DraftFields:
        items = [service.ItemFields(hs_code=r["hs_code"], description=r["description"],
                                    quantity=r["quantity"], unit=r["unit"].upper(), value=r["value"],
                                    origin=r["origin"].upper()) for r in self.rows()]
        return service.DraftFields(
            direction=self.direction, consignee_uscc=self.consignee_uscc.strip(),
            consignee_name=self.consignee_name, port=self.port.strip(), modes=self.modes,
            transport_call=self.transport_call.strip() or None,
            bill_of_lading=self.bill_of_lading.strip() or None,
            containers=self.containers.replace(",", " ").split(), items=items)


def _form_page(request: Request, form: DraftForm, errors: list[FieldError], *, status: int = 200):  # type: ignore[no-untyped-def]
    rows = form.rows() + [dict.fromkeys(ITEM_FIELDS, "") for _ in range(BLANK_ROWS)]
    return render(request, "declarations/new.html", {
        "form": form, "rows": rows, "modes": [m.value for m in Mode], "errors": errors,
        "error_at": {e.pointer: e.detail for e in errors},
    }, status=status)


def _detail(request: Request, session: DbSession, principal: PagePrincipal, number: str, *,  # type: ignore[no-untyped-def]
            refused: service.IllegalTransitionError | None = None, status: int = 200):
    rec = service.get(session, actor=principal, number=number)
    context: dict[str, Any] = {
        "d": views.read(session, rec, now=utcnow()),
        "actions": [a.value for a in service.actions_for(session, actor=principal, rec=rec)],
        "events": views.timeline(session, rec),
        "refused": refused,
    }
    return render(request, "declarations/detail.html", context, status=status)


@router.get("/declarations")
def own_declarations(request: Request, session: DbSession, principal: PagePrincipal):
    now = utcnow()
    found = service.list_visible(session, actor=principal, limit=200)
    return render(request, "declarations/list.html",
                  {"rows": [views.read(session, r, now=now) for r in found]})


@router.get("/declarations/new")
def new_declaration(request: Request, principal: PagePrincipal):
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
        csrf_token: Annotated[str, Form()] = "", lab_result: Annotated[str, Form()] = ""):
    csrf.verify(request, csrf_token)
    try:
        service.act(session, actor=principal, number=number, action=action, now=utcnow(),
                    lab_passed=LAB_RESULTS.get(lab_result))
    except service.IllegalTransitionError as exc:
        session.rollback()
        return _detail(request, session, principal, number, refused=exc, status=409)
    return RedirectResponse(f"/declarations/{number}", status_code=303)


@router.get("/customs/queue")
def customs_queue(request: Request, session: DbSession, principal: PagePrincipal):
    now = utcnow()
    rows = [views.read(session, r, now=now) for r in service.queue(session, actor=principal)]
    return render(request, "customs/queue.html", {"rows": rows})
