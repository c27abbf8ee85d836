from __future__ import annotations

from fastapi import APIRouter, status

from kouan.consignments import timeline as timeline_service
from kouan.consignments.schemas import (
    ConsignmentRead,
    EventRead,
    ShareCreate,
    ShareRead,
    TimelineObjectRead,
)
from kouan.kit.clock import utcnow
from kouan.kit.errors import N_, Forbidden, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import Role
from kouan.web.deps import DbSession, PersonPrincipal, ReadPrincipal

router = APIRouter(prefix="/api/v1", tags=["consignments"])


def to_read(t: timeline_service.Timeline) -> ConsignmentRead:
    return ConsignmentRead(
        id=t.consignment_id,
        objects=[TimelineObjectRead(kind=o.kind, key=o.key, linked_at=o.linked_at, event_ids=o.event_pks)
                 for o in t.objects],
        events=[EventRead.model_validate(e) for e in t.events],
        other_consignments=t.other_consignments,
    )


@router.get("/consignments/{ref:path}", response_model=ConsignmentRead)
def get_consignment(ref: str, session: DbSession, principal: ReadPrincipal) -> ConsignmentRead:
    """The consignment named by any of its references — declaration number, bill of lading,
    booking, container (its latest trip) or transport call key — with its timeline by object."""
    return to_read(timeline_service.for_ref(session, actor=principal, ref=ref))


@router.post("/consignment-shares", response_model=ShareRead, status_code=status.HTTP_201_CREATED)
def share_consignment(body: ShareCreate, session: DbSession, principal: PersonPrincipal) -> ShareRead:
    """Let another organisation see a consignment whole: granted by a person (admin or staff) of a
    party holding it (its declarant or consignee, its carrier, its terminal) or of the port office.
    Audited; the grantee cannot share it further."""
    if principal.role not in (Role.ADMIN, Role.STAFF):
        raise Forbidden(N_("a viewer cannot share a consignment"))
    org = partners_repo.get_org_by_code(session, body.org_code.strip().upper())
    if org is None:
        raise NotFound(N_("no organisation %(code)r"), params={"code": body.org_code})
    row = timeline_service.share(session, actor=principal, ref=body.ref, org_id=org.id, now=utcnow())
    return ShareRead(kind=row.kind, key=row.key, org_code=org.code, granted_by=row.granted_by,
                     granted_at=row.granted_at)
