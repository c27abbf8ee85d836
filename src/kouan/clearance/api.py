"""/api/v1 clearance-time KPIs, the bulletin and reference figures."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict

from kouan.analytics import bulletin as bulletin_text
from kouan.analytics import filters
from kouan.clearance import bulletins, figures, kpi
from kouan.kit.clock import utcnow
from kouan.kit.errors import FieldError, Forbidden, InvalidInput
from kouan.partners.domain import can_create_org
from kouan.web.deps import DbSession, PersonPrincipal, ReadPrincipal, get_kouan

router = APIRouter(prefix="/api/v1", tags=["clearance time"])


class ReferenceFigureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scope: str
    period: str
    direction: str
    hours: float
    note: str | None


class BulletinRead(BaseModel):
    text: str
    figures: dict[str, Any]
    # as every KPI answer: whether the case refresh has not caught up, and how far behind it is
    stale: bool = False
    pending: int = 0
    pending_jobs: int = 0


def _period(month: str | None, date_from: date | None, date_to: date | None) -> filters.Period | None:
    if month:
        bulletins.check_month(month)
        return filters.Period(first_month=month, last_month=month)
    if date_from or date_to:
        return filters.Period(date_from=date_from, date_to=date_to)
    return None


@router.get("/kpi")
def get_kpi(
    request: Request,
    principal: ReadPrincipal,
    month: Annotated[str | None, Query(description="YYYY-MM (Beijing time)")] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    region: Annotated[str | None, Query(description="province, e.g. CN-LN")] = None,
    port: str | None = None,
    by: Annotated[str, Query(description="comma list of group keys")] = "direction",
    clock: str = "gac",
    engine: Annotated[str, Query(pattern="^(native|duckdb)$")] = "native",
) -> dict[str, Any]:
    """n, mean, median, p90 and segment means of the clock, grouped by `by`; the same JSON as
    `kouan kpi --json`."""
    k = get_kouan(request)
    query = kpi.KpiQuery(clock=clock, period=_period(month, date_from, date_to), province=region,
                         port=port.upper() if port else None,
                         by=tuple(b.strip() for b in by.split(",") if b.strip()), engine=engine)
    result = kpi.run(k.sessions, query, database_url=k.settings.effective_database_url,
                     export_dir=k.settings.data_dir / "analytics-export", now=utcnow())
    return result.as_dict()


@router.get("/bulletin", response_model=BulletinRead)
def get_bulletin(
    request: Request,
    month: Annotated[str, Query(description="YYYY-MM")],
    region: str = "CN-LN",
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    format: Annotated[str, Query(pattern="^(text|markdown|html)$")] = "text",
    clock: str = "gac",
) -> BulletinRead:
    """The month's bulletin; public, like the printed one."""
    k = get_kouan(request)
    fresh = kpi.freshness_of(k.sessions)
    f = bulletins.figures_for(k.sessions, month=month, region=region, clock=clock,
                              database_url=k.settings.effective_database_url,
                              export_dir=k.settings.data_dir / "analytics-export", now=utcnow())
    return BulletinRead(text=bulletin_text.render(f, lang=lang, fmt=format), figures=asdict(f),
                        **fresh.as_dict())


@router.get("/reference-figures", response_model=list[ReferenceFigureRead])
def list_reference_figures(session: DbSession, scope: str | None = None):
    """Published national and regional clearance times Kouan compares with; public."""
    return figures.list_figures(session, scope=scope)


async def _csv_body(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV is not UTF-8", errors=[FieldError("body", "UTF-8 text")]) from None


@router.post("/reference-figures", response_model=list[ReferenceFigureRead],
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"text/csv": {"schema": {"type": "string"}}}}})
def import_reference_figures(
    body: Annotated[str, Depends(_csv_body)], session: DbSession, principal: PersonPrincipal
):
    """Import `scope,month,direction,hours[,note]` rows (port office administrators)."""
    if not can_create_org(principal):
        raise Forbidden("only the port office's administrators import reference figures")
    figures.store(session, figures.parse_csv(body), now=utcnow())
    return figures.list_figures(session)


@router.get("/kpi/facilitation")
def get_facilitation(
    request: Request,
    principal: ReadPrincipal,
    from_month: Annotated[str | None, Query(description="YYYY-MM")] = None,
    to_month: Annotated[str | None, Query(description="YYYY-MM")] = None,
    region: str | None = None,
    port: str | None = None,
    by: Annotated[str, Query(description="comma list of month, port, province, direction")] = "month,port",
) -> dict[str, Any]:
    """Advance-declaration rate and two-step usage, each with the same month a year before."""
    for m in (from_month, to_month):
        if m:
            bulletins.check_month(m)
    k = get_kouan(request)
    rows = kpi.facilitation(k.sessions, database_url=k.settings.effective_database_url,
                            by=tuple(b.strip() for b in by.split(",") if b.strip()), now=utcnow(),
                            first_month=from_month, last_month=to_month,
                            port=port.upper() if port else None, province=region)
    return {"rows": rows, **kpi.freshness_of(k.sessions).as_dict()}
