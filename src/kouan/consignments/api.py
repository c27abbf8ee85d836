from __future__ import annotations

from fastapi import APIRouter

from kouan.consignments import timeline as timeline_service
from kouan.consignments.schemas import ConsignmentRead, EventRead, TimelineObjectRead
from kouan.web.deps import DbSession, ReadPrincipal

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
