"""The insurance channel's pages: the exporter applies and follows (``/insurance``), the insurer
works its queue and decides, the commerce bureau reads the figures and sets its rule
(``/insurance/statistics``). Thin: the same service functions as the API."""

from __future__ import annotations

from datetime import date
from itertools import zip_longest
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from kouan.insurance import domain, service, webhook
from kouan.kit.clock import utcnow
from kouan.kit.errors import Conflict, FieldError, Forbidden, InvalidInput
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind
from kouan.web import csrf
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.inputs import Input
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)
BUYER_ROWS = 3


class ApplicationForm(Input):
    insurer: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    export_value_usd: str = ""
    value_reason: str = ""
    product: str = ""
    consent: str = ""
    buyer_name: list[str] = []
    buyer_country: list[str] = []
    buyer_terms: list[str] = []
    buyer_days: list[str] = []
    buyer_requested: list[str] = []
    csrf_token: str = ""

    def buyer_rows(self) -> list[dict[str, str]]:
        cols = (self.buyer_name, self.buyer_country, self.buyer_terms, self.buyer_days, self.buyer_requested)
        rows = [
            dict(
                zip(
                    ("name", "country", "terms", "days", "requested"),
                    (v.strip() for v in values),
                    strict=True,
                )
            )
            for values in zip_longest(*cols, fillvalue="")
        ]
        return [r for r in rows if r["name"] or r["country"] or r["requested"]]

    def fields(self) -> service.ApplicationFields:
        errors: list[FieldError] = []
        buyers = []
        for i, r in enumerate(self.buyer_rows()):
            try:
                days = int(r["days"] or 90)
            except ValueError:
                days = -1
            requested = None
            try:
                requested = service.parse_money(r["requested"], f"/buyers/{i}/requested_usd")
            except InvalidInput as exc:
                errors += exc.errors
            buyers.append(
                service.Buyer(
                    name=r["name"],
                    country=r["country"].upper(),
                    payment_terms=r["terms"].upper(),
                    credit_days=days,
                    requested_usd=requested,
                )
            )
        try:
            value = service.parse_money(self.export_value_usd, "/export_value_usd")
        except InvalidInput as exc:
            errors += exc.errors
            value = None
        if errors:
            raise InvalidInput("the application is not valid", errors=errors)
        return service.ApplicationFields(
            insurer=self.insurer,
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
            contact_email=self.contact_email or None,
            export_value_usd=value,
            value_reason=self.value_reason,
            product=self.product,
            buyers=buyers,
            consent=self.consent == "yes",
        )


def _new_page(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    form: ApplicationForm,
    errors: list[FieldError],
    *,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    now = utcnow()
    assert principal.org_id is not None
    org = partners_repo.get_org(session, principal.org_id)
    pre = service.prefill(session, org_id=principal.org_id, year=service.prior_year(now))
    if not form.export_value_usd and pre.value_usd is not None and not errors:
        form.export_value_usd = str(pre.value_usd)
    rows = form.buyer_rows() + [
        dict.fromkeys(("name", "country", "terms", "days", "requested"), "") for _ in range(BUYER_ROWS)
    ]
    return render(
        request,
        "insurance/new.html",
        {
            "form": form,
            "rows": rows[: max(BUYER_ROWS, len(form.buyer_rows()) + 1)],
            "prefill": pre,
            "org": org,
            "insurers": service.insurers(session),
            "terms": domain.PAYMENT_TERMS,
            "term_names": domain.PAYMENT_TERM_NAMES,
            "ceiling": service.ceiling(session, org.province if org else None),
            "errors": errors,
            "error_at": {e.pointer: e for e in errors},
        },
        status=status,
    )


@router.get("/insurance")
def applications(request: Request, session: DbSession, principal: PagePrincipal):
    return _list(request, session, principal)


def _list(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    *,
    new_secret: str | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    rows = service.list_visible(session, actor=principal)
    names = service.org_names(session, [a.exporter_org_id for a in rows] + [a.insurer_org_id for a in rows])
    hook = service.webhook_of(session, principal.org_id) if principal.org_kind == OrgKind.INSURER else None
    return render(
        request,
        "insurance/list.html",
        {
            "rows": rows,
            "names": names,
            "status_names": domain.STATUS_NAMES,
            "city_name": domain.city_name,
            "may_apply": principal.org_kind == OrgKind.TRADER and principal.role in ("admin", "staff"),
            "is_insurer": principal.org_kind == OrgKind.INSURER,
            "hook": hook,
            "hook_hint": webhook.masked(hook.secret) if hook else "",
            "new_secret": new_secret,
            "errors": errors or [],
        },
        status=status,
    )


@router.get("/insurance/new")
def new_application(request: Request, session: DbSession, principal: PagePrincipal):
    return _new_page(request, session, principal, ApplicationForm(), [])


@router.post("/insurance/new")
def submit(
    request: Request, session: DbSession, principal: PagePrincipal, form: Annotated[ApplicationForm, Form()]
):
    csrf.verify(request, form.csrf_token)
    # The form offers insurers by name (their id as the value): a page names no organisation's code.
    chosen = next((i for i in service.insurers(session) if str(i.id) == form.insurer.strip()), None)
    try:
        fields = form.fields()
        fields.insurer = chosen.code if chosen else ""
        app = service.submit(session, actor=principal, fields=fields, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _new_page(request, session, principal, form, exc.errors, status=422)
    return RedirectResponse(f"/insurance/{app.reference}", status_code=303)


@router.get("/insurance/statistics")
def statistics(request: Request, session: DbSession, principal: PagePrincipal):
    return _statistics(request, session, principal)


def _statistics(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    *,
    errors: list[FieldError] | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    rows = service.statistics(session, actor=principal)
    org = partners_repo.get_org(session, principal.org_id) if principal.org_id else None
    province = org.province if org and principal.org_kind == OrgKind.COMMERCE_BUREAU else None
    return render(
        request,
        "insurance/statistics.html",
        {
            "rows": rows,
            "ceiling": service.ceiling(session, province),
            "province": province or "*",
            "errors": errors or [],
            "totals": {
                "applications": sum(r.applications for r in rows),
                "issued": sum(r.issued for r in rows),
                "cover_usd": sum((r.cover_usd for r in rows), start=service.Decimal("0")),
            },
        },
        status=status,
    )


@router.post("/insurance/rule")
def set_rule(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    export_ceiling_usd: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    try:
        amount = service.parse_money(export_ceiling_usd, "/export_ceiling_usd")
        if amount is None:
            raise InvalidInput(
                "the rule is not valid",
                errors=[FieldError("/export_ceiling_usd", "a ceiling is a positive amount in US dollars")],
            )
        service.set_ceiling(session, actor=principal, ceiling_usd=amount, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _statistics(request, session, principal, errors=exc.errors, status=422)
    return RedirectResponse("/insurance/statistics", status_code=303)


@router.post("/insurance/webhook")
def set_webhook(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
):
    """The secret is shown on this one answer (not kept for a redirect), never again."""
    csrf.verify(request, csrf_token)
    try:
        _hook, secret = service.register_webhook(session, actor=principal, url=url, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _list(request, session, principal, errors=exc.errors, status=422)
    session.flush()
    return _list(request, session, principal, new_secret=secret)


def _detail(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    reference: str,
    *,
    errors: list[FieldError] | None = None,
    refused: Any = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    app = service.get(session, actor=principal, reference=reference)
    names = service.org_names(session, [app.exporter_org_id, app.insurer_org_id])
    is_insurer = principal.org_kind == OrgKind.INSURER and principal.org_id == app.insurer_org_id
    return render(
        request,
        "insurance/detail.html",
        {
            "a": app,
            "names": names,
            "status_names": domain.STATUS_NAMES,
            "city_name": domain.city_name,
            "term_names": domain.PAYMENT_TERM_NAMES,
            "check_names": domain.CHECK_NAMES,
            "losses": service.loss_notices(session, app),
            "may_decide": is_insurer
            and principal.role in ("admin", "staff")
            and domain.insurer_may(app.status, "issue"),
            "may_report": principal.org_id == app.exporter_org_id
            and app.status == domain.Status.ISSUED
            and principal.role in ("admin", "staff"),
            "covered": [b["name"] for b in app.buyers if b.get("cover_usd")],
            "causes": service.LOSS_CAUSES,
            "cause_names": service.LOSS_CAUSE_NAMES,
            "errors": errors or [],
            "refused": refused,
        },
        status=status,
    )


@router.get("/insurance/{reference}")
def application(reference: str, request: Request, session: DbSession, principal: PagePrincipal):
    return _detail(request, session, principal, reference)


def _decided(request: Request, session: DbSession, principal: PagePrincipal, reference: str, act):  # type: ignore[no-untyped-def]
    try:
        act()
    except InvalidInput as exc:
        session.rollback()
        return _detail(request, session, principal, reference, errors=exc.errors, status=422)
    except (Conflict, Forbidden) as exc:
        session.rollback()
        return _detail(request, session, principal, reference, refused=exc, status=exc.status)
    return RedirectResponse(f"/insurance/{reference}", status_code=303)


@router.post("/insurance/{reference}/issue")
def issue(
    reference: str,
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    policy_number: Annotated[str, Form()] = "",
    cover_usd: Annotated[list[str] | None, Form()] = None,
):
    csrf.verify(request, csrf_token)
    raw = cover_usd or []

    def act() -> None:
        cover = [service.parse_money(v, f"/cover_usd/{i}") for i, v in enumerate(raw)]
        service.issue(
            session,
            actor=principal,
            reference=reference,
            policy_number=policy_number,
            cover_usd=cover,
            now=utcnow(),
        )

    return _decided(request, session, principal, reference, act)


@router.post("/insurance/{reference}/reject")
def reject(
    reference: str,
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    reasons: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    return _decided(
        request,
        session,
        principal,
        reference,
        lambda: service.reject(
            session, actor=principal, reference=reference, reasons=reasons.splitlines(), now=utcnow()
        ),
    )


@router.post("/insurance/{reference}/loss-notices")
def notify_loss(
    reference: str,
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
    buyer: Annotated[str, Form()] = "",
    amount_usd: Annotated[str, Form()] = "",
    due_date: Annotated[str, Form()] = "",
    cause: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)

    def act() -> None:
        try:
            due = date.fromisoformat(due_date) if due_date else None
        except ValueError:
            due = None
        service.notify_loss(
            session,
            actor=principal,
            reference=reference,
            now=utcnow(),
            fields=service.LossFields(
                buyer=buyer,
                amount_usd=service.parse_money(amount_usd, "/amount_usd"),
                due_date=due,
                cause=cause,
                description=description,
            ),
        )

    return _decided(request, session, principal, reference, act)
