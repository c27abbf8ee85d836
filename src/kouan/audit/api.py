from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kouan.audit import service
from kouan.audit.schemas import AuditEntryRead
from kouan.partners.domain import sees_all_organisations
from kouan.web.deps import DbSession, PersonPrincipal
from kouan.web.inputs import Offset

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=list[AuditEntryRead])
def list_audit(
    session: DbSession,
    principal: PersonPrincipal,
    entity: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
):
    """The audit trail, newest first: the caller's organisation's, or everyone's for the port office."""
    org_id = None if sees_all_organisations(principal) else principal.org_id
    return service.list_entries(session, org_id=org_id, entity=entity, limit=limit, offset=offset)
