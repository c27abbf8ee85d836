"""Pages for organisations, their people and API keys. Same service functions as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from kouan.kit.clock import utcnow
from kouan.kit.errors import InvalidInput
from kouan.partners import governance, service
from kouan.partners.domain import OrgKind, Role, can_create_org, can_manage_org
from kouan.ports import service as ports_service
from kouan.web import csrf
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.inputs import Id
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


def _org_page(request, session, principal, org_id, *, issued=None, errors=None, status=200):  # type: ignore[no-untyped-def]
    org = service.get_org(session, actor=principal, org_id=org_id)
    manage = can_manage_org(principal, org_id)
    editable = [f for f in ("name", "customs_district", "home_port", "credit_rating")
                if governance.may_change(principal, f, own=principal.org_id == org_id, rater=False)]
    return render(request, "partners/organisation.html", {
        "org": org,
        "people": service.list_people(session, actor=principal, org_id=org_id),
        "keys": service.list_api_keys(session, actor=principal, org_id=org_id) if manage else [],
        "can_manage": manage,
        "editable": editable if manage else [],
        "ratings": service.CREDIT_RATINGS,
        "roles": [r.value for r in Role],
        "issued": issued,
        "errors": errors or [],
    }, status=status)


@router.get("/orgs")
def organisations(request: Request, session: DbSession, principal: PagePrincipal):
    if not can_create_org(principal) and principal.org_id is not None:
        orgs = service.list_orgs(session, actor=principal)
        if len(orgs) == 1:
            return RedirectResponse(f"/orgs/{orgs[0].id}", status_code=303)
    return render(request, "partners/organisations.html", {
        "orgs": service.list_orgs(session, actor=principal),
        "can_create": can_create_org(principal),
        "kinds": [k.value for k in OrgKind],
        "districts": ports_service.list_districts(session),
        "errors": [],
    })


@router.post("/orgs")
def create_organisation(
    request: Request, session: DbSession, principal: PagePrincipal,
    code: Annotated[str, Form()], name: Annotated[str, Form()], kind: Annotated[str, Form()],
    uscc: Annotated[str, Form()] = "", name_en: Annotated[str, Form()] = "",
    province: Annotated[str, Form()] = "", customs_district: Annotated[str, Form()] = "",
    home_port: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    fields = service.OrgFields(
        code=code.strip().upper(), name=name, kind=kind, name_en=name_en or None,
        uscc=uscc.strip() or None, province=province or None,
        customs_district=customs_district or None, home_port=home_port.strip().upper() or None,
    )
    try:
        org = service.create_org(session, actor=principal, fields=fields, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return render(request, "partners/organisations.html", {
            "orgs": service.list_orgs(session, actor=principal), "can_create": True,
            "kinds": [k.value for k in OrgKind], "districts": ports_service.list_districts(session),
            "errors": exc.errors, "form": fields,
        }, status=422)
    return RedirectResponse(f"/orgs/{org.id}", status_code=303)


@router.get("/orgs/{org_id}")
def organisation(org_id: Id, request: Request, session: DbSession, principal: PagePrincipal):
    return _org_page(request, session, principal, org_id)


@router.post("/orgs/{org_id}")
def change_organisation(
    org_id: int, request: Request, session: DbSession, principal: PagePrincipal,
    name: Annotated[str, Form()], name_en: Annotated[str, Form()] = "",
    province: Annotated[str, Form()] = "", timezone: Annotated[str, Form()] = "Asia/Shanghai",
    customs_district: Annotated[str | None, Form()] = None,
    home_port: Annotated[str | None, Form()] = None,
    credit_rating: Annotated[str | None, Form()] = None, csrf_token: Annotated[str, Form()] = "",
):
    """The same change as PATCH /api/v1/organisations/{id}. The district, home port and rating are
    sent only where the form shows them (the port office's); the service refuses them to others."""
    csrf.verify(request, csrf_token)
    changes: dict[str, object] = {"name": name, "name_en": name_en or None,
                                  "province": province or None, "timezone": timezone}
    governed = {"customs_district": customs_district, "home_port": home_port, "credit_rating": credit_rating}
    changes.update({k: v.strip().upper() if k != "credit_rating" else v.strip()
                    for k, v in governed.items() if v is not None})
    changes.update({k: None for k, v in changes.items() if v == "" and k != "name"})
    try:
        service.update_org(session, actor=principal, org_id=org_id, changes=changes)
    except InvalidInput as exc:
        session.rollback()
        return _org_page(request, session, principal, org_id, errors=exc.errors, status=422)
    return RedirectResponse(f"/orgs/{org_id}", status_code=303)


@router.post("/orgs/{org_id}/people")
def add_person(
    org_id: Id, request: Request, session: DbSession, principal: PagePrincipal,
    username: Annotated[str, Form()], display_name: Annotated[str, Form()],
    password: Annotated[str, Form()], role: Annotated[str, Form()] = Role.STAFF.value,
    email: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    try:
        service.create_person(session, actor=principal, org_id=org_id, username=username.strip(),
                              display_name=display_name, password=password, role=role,
                              email=email or None, now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _org_page(request, session, principal, org_id, errors=exc.errors, status=422)
    return RedirectResponse(f"/orgs/{org_id}", status_code=303)


@router.post("/orgs/{org_id}/api-keys")
def issue_key(
    org_id: Id, request: Request, session: DbSession, principal: PagePrincipal,
    name: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    try:
        issued = service.create_api_key(session, actor=principal, org_id=org_id, name=name,
                                        now=utcnow())
    except InvalidInput as exc:
        session.rollback()
        return _org_page(request, session, principal, org_id, errors=exc.errors, status=422)
    # The secret is rendered in this response only; it is never stored or shown again.
    return _org_page(request, session, principal, org_id, issued=issued)


@router.post("/api-keys/{key_id}/revoke")
def revoke_key(
    key_id: Id, request: Request, session: DbSession, principal: PagePrincipal,
    csrf_token: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    key = service.revoke_api_key(session, actor=principal, key_id=key_id, now=utcnow())
    return RedirectResponse(f"/orgs/{key.org_id}", status_code=303)
