"""/api/v1 organisations, people and API keys. Thin: translate HTTP, call the service."""

from __future__ import annotations

from fastapi import APIRouter, status

from kouan.kit.clock import utcnow
from kouan.partners import service
from kouan.partners.schemas import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    Me,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)
from kouan.web.deps import CurrentPrincipal, DbSession, PersonPrincipal, ReadPrincipal
from kouan.web.inputs import Id

router = APIRouter(prefix="/api/v1", tags=["organisations"])


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    """Who the credentials belong to (any key may ask)."""
    return Me(kind=principal.kind, id=principal.id, org_id=principal.org_id,
              org_kind=principal.org_kind, role=principal.role, scopes=sorted(principal.scopes),
              name=principal.name)


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(session: DbSession, principal: ReadPrincipal, kind: str | None = None):
    """Organisations the caller may see: its own, or all for the port office."""
    return service.list_orgs(session, actor=principal, kind=kind)


@router.post("/organisations", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
def create_organisation(body: OrganisationCreate, session: DbSession, principal: PersonPrincipal):
    """Onboard an organisation (port office administrators)."""
    fields = service.OrgFields(**body.model_dump())
    return service.create_org(session, actor=principal, fields=fields, now=utcnow())


@router.get("/organisations/{org_id}", response_model=OrganisationRead)
def get_organisation(org_id: Id, session: DbSession, principal: ReadPrincipal):
    return service.get_org(session, actor=principal, org_id=org_id)


@router.patch("/organisations/{org_id}", response_model=OrganisationRead)
def update_organisation(
    org_id: Id, body: OrganisationUpdate, session: DbSession, principal: PersonPrincipal
):
    changes = body.model_dump(exclude_unset=True)
    return service.update_org(session, actor=principal, org_id=org_id, changes=changes)


@router.get("/organisations/{org_id}/people", response_model=list[PersonRead], tags=["people"])
def list_people(org_id: Id, session: DbSession, principal: PersonPrincipal):
    return service.list_people(session, actor=principal, org_id=org_id)


@router.post("/organisations/{org_id}/people", response_model=PersonRead,
             status_code=status.HTTP_201_CREATED, tags=["people"])
def create_person(org_id: Id, body: PersonCreate, session: DbSession, principal: PersonPrincipal):
    return service.create_person(session, actor=principal, org_id=org_id, now=utcnow(),
                                 **body.model_dump())


@router.get("/people/{person_id}", response_model=PersonRead, tags=["people"])
def get_person(person_id: Id, session: DbSession, principal: PersonPrincipal):
    return service.get_person(session, actor=principal, person_id=person_id)


@router.patch("/people/{person_id}", response_model=PersonRead, tags=["people"])
def update_person(person_id: Id, body: PersonUpdate, session: DbSession, principal: PersonPrincipal):
    changes = body.model_dump(exclude_unset=True)
    return service.update_person(session, actor=principal, person_id=person_id, changes=changes)


@router.get("/organisations/{org_id}/api-keys", response_model=list[ApiKeyRead], tags=["api keys"])
def list_api_keys(org_id: Id, session: DbSession, principal: PersonPrincipal):
    return service.list_api_keys(session, actor=principal, org_id=org_id)


@router.post("/organisations/{org_id}/api-keys", response_model=ApiKeyIssued,
             status_code=status.HTTP_201_CREATED, tags=["api keys"])
def create_api_key(org_id: Id, body: ApiKeyCreate, session: DbSession, principal: PersonPrincipal):
    """Issue a key for one partner system. The secret is in this reply only."""
    issued = service.create_api_key(session, actor=principal, org_id=org_id, now=utcnow(),
                                    **body.model_dump())
    return ApiKeyIssued(**ApiKeyRead.model_validate(issued.key).model_dump(), secret=issued.secret)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyRead, tags=["api keys"])
def revoke_api_key(key_id: Id, session: DbSession, principal: PersonPrincipal):
    return service.revoke_api_key(session, actor=principal, key_id=key_id, now=utcnow())
