"""Pages: the dashboard and its drill-down (login required), the public bulletins."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from kouan.appointments import service as appointments
from kouan.dashboard import access, drill, labels, public, service
from kouan.dashboard.api import _Page, drill_page, language, store_of, translator
from kouan.dashboard.charts import freshness, segment_label, this_month
from kouan.dashboard.filters import Filters
from kouan.inspection import service as inspection
from kouan.kit.clock import CHINA_TZ, beijing, utcnow
from kouan.kit.errors import Forbidden, InvalidInput
from kouan.partners.domain import Principal
from kouan.web.deps import DbSession, PagePrincipal, load_person_principal
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)

CHARTS = ("trend", "segments", "ports", "facilitation", "docking")
FILTER_NAMES = ("region", "port", "from", "to", "direction", "mode")


def dashboard_principal(request: Request, principal: PagePrincipal) -> Principal:
    """The logged-in person, if their role may open the dashboard (``access.can_view``); the
    refusal is in the page's language."""
    if not access.can_view(principal):
        raise Forbidden(translator(request)(labels.NO_DASHBOARD))
    return principal


DashboardPrincipal = Annotated[Principal, Depends(dashboard_principal)]


def _raw(request: Request) -> dict[str, str | None]:
    return {name: request.query_params.get(name) for name in FILTER_NAMES}


def _filters_or_errors(request: Request) -> tuple[Filters, InvalidInput | None]:
    store = store_of(request)
    try:
        return service.resolve(store, _raw(request)), None
    except InvalidInput as exc:
        return service.resolve(store, {}), exc


@router.get("/dashboard")
def dashboard(request: Request, session: DbSession, principal: DashboardPrincipal):
    f, error = _filters_or_errors(request)
    choices = service.choices(store_of(request), f, lang=language(request))
    zh = language(request) == "zh"
    region = next(((z if zh else e) for c, z, e in choices.regions if c == f.region), f.region)
    port = next((name for code, name in choices.ports if code == f.port), f.port) if f.port else None
    return render(request, "dashboard/index.html", {
        "f": f, "query": f.query(), "error": error, "charts": CHARTS, "titles": labels.TITLES,
        "choices": choices, "fresh": freshness(store_of(request)), "region_name": region,
        "port_name": port,
        "green": inspection.green_channel_kpis(session),  # issue #16: the green channels' own KPIs
        "offhours": _off_hours_use(session, f.port)},
        status=422 if error else 200)


def _off_hours_use(session: DbSession, port: str | None) -> list[appointments.OffHoursRow]:
    """7×24 appointment clearance (issue #17): bookings by port and month, how many off-hours, from
    twelve months back to the end of next month (bookings lie ahead), whatever the clearance range."""
    today = utcnow().astimezone(CHINA_TZ).date()
    first = date(today.year - (today.month <= 11), (today.month - 12) % 12 + 1, 1)
    after_next = date(today.year + (today.month >= 11), (today.month + 1) % 12 + 1, 1)
    return appointments.off_hours_report(session, first=first, last=after_next - timedelta(days=1),
                                         port=port)


@router.get("/dashboard/declarations")
def declarations(request: Request, session: DbSession, principal: DashboardPrincipal,
                 p: Annotated[_Page, Depends(drill_page)]):
    f, error = _filters_or_errors(request)
    if error:
        try:  # name the bad paging parameters too, not only the filters
            drill.check_page(p.sort, p.order, p.page, p.month)
        except InvalidInput as more:
            error.errors.extend(more.errors)
        return render(request, "dashboard/declarations.html", {"error": error, "r": None, "f": f}, status=422)
    try:
        result = drill.cases(store_of(request), f, actor=principal, month=p.month, sort=p.sort,
                             order=p.order, page=p.page, per_page=drill.PER_PAGE)
    except InvalidInput as exc:
        return render(request, "dashboard/declarations.html", {"error": exc, "r": None, "f": f}, status=422)
    base = f.query(month=p.month)
    segment_names = {d: [segment_label(lambda m: m, s) for s in names]
                     for d, names in result.segment_names.items()}
    return render(request, "dashboard/declarations.html", {
        "error": None, "r": result, "f": result.filters, "base": base, "beijing": drill.beijing,
        "segment_names": segment_names, "segment_count": max(len(v) for v in segment_names.values()),
        "csv": f"/api/v1/dashboard/declarations?{base}&format=csv"})


@router.get("/bulletins")
def bulletin_index(request: Request, session: DbSession):
    load_person_principal(request, session)  # public, but the header still shows who is logged in
    store = store_of(request)
    calendars = public.calendars(public.index(store), this_month=this_month(store))
    partial = any(cell and cell.partial for c in calendars for _year, cells in c.years for cell in cells)
    return render(request, "bulletins/index.html", {"calendars": calendars, "month_names": labels.MONTHS,
                                                    "any_partial": partial})


@router.get("/bulletins/{region}/{month}")
def bulletin_page(region: str, month: str, request: Request, session: DbSession):
    load_person_principal(request, session)
    region = region.upper()
    lang = language(request)
    store = store_of(request)
    b = public.bulletin(store, region=region, month=month, lang=lang)  # checks the month
    return render(request, "bulletins/bulletin.html", {
        "b": b, "lang": lang, "src": f"/api/v1/dashboard/bulletin?region={region}&month={month}",
        "issuer": _issuer(session, region, lang), "issued_at": beijing(store.now)})


def _issuer(session: DbSession, region: str, lang: str) -> str | None:
    """Who issues a region's bulletin (its print says so): the region's port office, if onboarded."""
    from sqlalchemy import select

    from kouan.partners.models import Organisation

    org = session.scalars(select(Organisation).where(Organisation.kind == "port_office",
                                                     Organisation.province == region,
                                                     Organisation.active.is_(True))
                          .order_by(Organisation.id).limit(1)).first()
    if org is None:
        return None
    return org.name if lang == "zh" or not org.name_en else org.name_en
