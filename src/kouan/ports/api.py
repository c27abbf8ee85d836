"""/api/v1 reference data: ports (UN/LOCODE) and customs districts. Public: no secrets here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kouan.kit.errors import NotFound
from kouan.ports import service
from kouan.ports.schemas import CustomsDistrictRead, PortRead
from kouan.web.deps import DbSession
from kouan.web.inputs import Offset

router = APIRouter(prefix="/api/v1", tags=["reference data"])


@router.get("/ports", response_model=list[PortRead])
def list_ports(
    session: DbSession,
    province: Annotated[str | None, Query(description="ISO 3166-2, e.g. CN-LN")] = None,
    function: Annotated[str | None, Query(description="sea, rail, road, air, ...")] = None,
    customs_district: Annotated[str | None, Query(description="e.g. 0900")] = None,
    q: Annotated[str | None, Query(description="name or code contains")] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 100,
    offset: Offset = 0,
):
    return service.list_ports(session, province=province, function=function,
                              customs_district=customs_district, q=q, limit=limit, offset=offset)


@router.get("/ports/{locode}", response_model=PortRead)
def get_port(locode: str, session: DbSession):
    port = service.get_port(session, locode)
    if port is None:
        raise NotFound(f"no port with UN/LOCODE {locode!r}")
    return port


@router.get("/customs-districts", response_model=list[CustomsDistrictRead])
def list_customs_districts(session: DbSession, province: str | None = None):
    return service.list_districts(session, province=province)
