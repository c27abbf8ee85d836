from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from kouan.kit.clock import utcnow
from kouan.vessels import domain, service
from kouan.web.deps import CurrentPrincipal, DbSession, PersonPrincipal
from kouan.web.inputs import Id, Input

router = APIRouter(prefix="/api/v1", tags=["vessel clearance"])


class ClearanceCreate(Input):
    transport_call: str = Field(examples=["9321483/2103N/CNDAL"])
    port: str = Field(examples=["CNDAL"])


class ClearanceRead(BaseModel):
    id: int
    transport_call: str
    port: str
    opened_at: datetime
    cleared_at: datetime | None
    checks: dict[str, datetime]
    pending: list[str]
    elapsed_h: float | None = Field(None, description="entry declaration → last check")
    serial_h: float | None = Field(None, description="the checks' times added up, as if in sequence")
    saved_h: float | None = None


def _read(session, c) -> ClearanceRead:  # type: ignore[no-untyped-def]
    done = service.checks(session, c)
    ov = domain.overlap(c.opened_at, done)
    return ClearanceRead(
        id=c.id,
        transport_call=c.transport_call,
        port=c.port,
        opened_at=c.opened_at,
        cleared_at=c.cleared_at,
        checks={a.value: t for a, t in done.items()},
        pending=[a.value for a in domain.Agency if a not in done],
        elapsed_h=ov.elapsed_h if ov else None,
        serial_h=ov.serial_h if ov else None,
        saved_h=ov.saved_h if ov else None,
    )


@router.post("/vessel-clearances", response_model=ClearanceRead, status_code=status.HTTP_201_CREATED)
def open_clearance(body: ClearanceCreate, session: DbSession, principal: CurrentPrincipal):
    """The vessel's entry declaration: customs, border inspection and the maritime authority start
    their checks at once."""
    c = service.open_clearance(
        session, actor=principal, transport_call=body.transport_call, port=body.port, now=utcnow()
    )
    return _read(session, c)


@router.get("/vessel-clearances", response_model=list[ClearanceRead])
def list_clearances(session: DbSession, principal: CurrentPrincipal):
    return [_read(session, c) for c in service.list_clearances(session, actor=principal)]


@router.post("/vessel-clearances/{clearance_id}/checks", response_model=ClearanceRead)
def complete_check(clearance_id: Id, session: DbSession, principal: PersonPrincipal):
    """The officer's agency has finished its check of the vessel."""
    c = service.complete_check(session, actor=principal, clearance_id=clearance_id, now=utcnow())
    return _read(session, c)
