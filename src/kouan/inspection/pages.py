"""Officer pages: the district's targeting rules, random-draw rates, open inspections (with the
forms that file a method's record), green-channel KPIs and the inspection report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from kouan.declarations.service import IllegalTransitionError
from kouan.inspection import service
from kouan.inspection.domain import Lane, Method
from kouan.inspection.models import InspectionOrder
from kouan.kit.clock import utcnow
from kouan.kit.errors import FieldError, InvalidInput
from kouan.web import csrf
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


def _open_orders(session: Any, principal: Any) -> list[InspectionOrder]:
    district = service.check_officer(session, principal, write=False)
    stmt = select(InspectionOrder).where(InspectionOrder.status == "ordered")
    if district:
        stmt = stmt.where(InspectionOrder.customs_district == district)
    # green channels first, then oldest first: as the queue
    return list(
        session.scalars(
            stmt.order_by(
                InspectionOrder.green_channel.is_(None), InspectionOrder.ordered_at, InspectionOrder.id
            ).limit(200)
        )
    )


def _page(
    request: Request,
    session: Any,
    principal: Any,
    *,
    errors: list[FieldError] | None = None,
    refused: str = "",
    status: int = 200,
):  # type: ignore[no-untyped-def]
    context = {
        "rules": service.rules(session, actor=principal),
        "rates": service.rates(session),
        "orders": _open_orders(session, principal),
        "channels": service.ensure_channels(session),
        "kpis": service.green_channel_kpis(session, actor=principal),
        "report": service.report(session, actor=principal),
        "lanes": [lane.value for lane in Lane],
        "methods": [m.value for m in Method],
        "errors": errors or [],
        "refused": refused,
    }
    return render(request, "inspection/index.html", context, status=status)


@router.get("/inspection")
def index(request: Request, session: DbSession, principal: PagePrincipal):
    return _page(request, session, principal)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        raise InvalidInput("not a number", errors=[FieldError("/value", value)]) from None


@router.post("/inspection/rules")
def create_rule(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    hs_prefix: Annotated[str, Form()] = "",
    origin: Annotated[str, Form()] = "",
    commodity_group: Annotated[str, Form()] = "",
    lane: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "physical",
    issuing_unit: Annotated[str, Form()] = "",
    valid_to: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    try:
        if not code.strip():
            raise InvalidInput("a rule has a code", errors=[FieldError("/code", "required")])
        service.create_rule(
            session,
            actor=principal,
            code=code.strip(),
            now=utcnow(),
            fields={
                "title": title.strip(),
                "hs_prefix": hs_prefix.strip() or None,
                "origin": origin.strip().upper() or None,
                "commodity_group": commodity_group.strip() or None,
                "lane": lane,
                "method": method,
                "issuing_unit": issuing_unit.strip(),
                "valid_to": date.fromisoformat(valid_to) if valid_to else None,
            },
        )
    except (InvalidInput, ValueError) as exc:
        session.rollback()
        errs = exc.errors if isinstance(exc, InvalidInput) else [FieldError("/valid_to", str(exc))]
        return _page(request, session, principal, errors=errs, status=422)
    return RedirectResponse("/inspection", status_code=303)


@router.post("/inspection/rates")
def set_rate(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    port: Annotated[str, Form()] = "",
    commodity_group: Annotated[str, Form()] = "*",
    rate: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    try:
        value = _decimal(rate)
        if value is None:
            raise InvalidInput("a rate is between 0 and 1", errors=[FieldError("/rate", "required")])
        service.set_rate(
            session,
            actor=principal,
            port=port.strip() or "*",
            commodity_group=commodity_group.strip() or "*",
            rate=value,
            seed=seed,
            now=utcnow(),
        )
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.errors, status=422)
    return RedirectResponse("/inspection", status_code=303)


DETAIL_FIELDS = (
    "officer",
    "place",
    "start",
    "end",
    "findings",
    "photos",
    "device",
    "image_ref",
    "verdict",
    "analyst",
    "participants",
    "outcome",
    "sample_ids",
    "lab",
    "results",
)


@router.post("/declarations/{number}/inspections/records")
async def record(number: str, request: Request, session: DbSession, principal: PagePrincipal):
    form = await request.form()
    csrf.verify(request, str(form.get("csrf_token", "")))
    method = str(form.get("method", ""))
    details: dict[str, Any] = {k: str(form[k]).strip() for k in DETAIL_FIELDS if str(form.get(k, "")).strip()}
    for k in ("photos", "participants", "sample_ids"):
        if k in details:
            details[k] = [x.strip() for x in details[k].split(",") if x.strip()]
    if "conforming" in form:
        details["conforming"] = form.get("conforming") == "yes"
    if "consent" in form:
        details["consent"] = form.get("consent") == "yes"
    try:
        service.record_result(
            session, actor=principal, number=number, method=method, details=details, now=utcnow()
        )
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.errors, status=422)
    except IllegalTransitionError as exc:
        session.rollback()
        return _page(request, session, principal, refused=exc.detail, status=409)
    return RedirectResponse("/inspection", status_code=303)
