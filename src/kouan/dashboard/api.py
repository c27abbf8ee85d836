"""/api/v1/dashboard: each chart's numbers as JSON (labels in the request's language) or CSV.

Same authentication as /api/v1/kpi (a login session or an API key with the ``read`` scope); the
bulletin chart is public like /api/v1/bulletin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from kouan.dashboard import charts, drill, gantt, labels, public, service
from kouan.dashboard.filters import Filters
from kouan.dashboard.model import Chart, Translate, chart_csv, csv_bytes
from kouan.kit.clock import utcnow
from kouan.web import i18n
from kouan.web.deps import DbSession, ReadPrincipal, get_kouan
from kouan.web.inputs import Page
from kouan.web.templating import locale_of

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])

Format = Annotated[str, Query(pattern="^(json|csv)$", description="json, or csv (UTF-8 with BOM)")]


def store_of(request: Request) -> charts.Store:
    k = get_kouan(request)
    return charts.Store(sessions=k.sessions, database_url=k.settings.effective_database_url,
                        export_dir=k.settings.data_dir / "analytics-export", now=utcnow())


def translator(request: Request) -> Translate:
    locale = locale_of(request)
    return lambda message: i18n.gettext(locale, message)


def language(request: Request) -> str:
    return "zh" if locale_of(request) == "zh_CN" else "en"


def dashboard_filters(
    request: Request,
    region: Annotated[str | None, Query(description="CN (all) or a province, e.g. CN-LN")] = None,
    port: Annotated[str | None, Query(description="UN/LOCODE, or all")] = None,
    first: Annotated[str | None, Query(alias="from", description="first month, YYYY-MM")] = None,
    last: Annotated[str | None, Query(alias="to", description="last month, YYYY-MM")] = None,
    direction: Annotated[str | None, Query(description="I, E or all")] = None,
    mode: Annotated[str | None, Query(description="a facilitation mode, or all")] = None,
) -> Filters:
    raw = {"region": region, "port": port, "from": first, "to": last, "direction": direction, "mode": mode}
    return service.resolve(store_of(request), raw)


DashboardFilters = Annotated[Filters, Depends(dashboard_filters)]


def csv_response(body: bytes, filename: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def answer(request: Request, chart: Chart, fmt: str, f: Filters | None = None) -> Any:
    t = translator(request)
    if fmt == "csv":
        span = f"-{f.region}-{f.first_month}_{f.last_month}" if f else ""
        return csv_response(chart_csv(chart, t), f"kouan-{chart.name}{span}.csv")
    data = chart.as_dict(t)
    if f is not None:
        data["filters"] = f.params()
        data["period"] = f.period_text  # every chart says the period it shows (and its PNG)
        data.update(charts.freshness(store_of(request)).as_dict())  # "stale", "pending"
    return data


@router.get("/trend")
def trend(request: Request, principal: ReadPrincipal, f: DashboardFilters, format: Format = "json"):
    """Mean overall clearance time (GAC) by month and direction, with the national average and
    half of the 2017 baseline; the figures of `kouan kpi --by month,direction`."""
    return answer(request, charts.trend(store_of(request), f, translator(request)), format, f)


@router.get("/segments")
def segments(request: Request, principal: ReadPrincipal, f: DashboardFilters, format: Format = "json"):
    """Segment means per direction over the range (they add up to the mean)."""
    return answer(request, charts.segments(store_of(request), f, translator(request)), format, f)


@router.get("/ports")
def ports(request: Request, principal: ReadPrincipal, f: DashboardFilters, format: Format = "json"):
    """Ports ranked by mean clearance time over the range, per direction."""
    chart = charts.ports(store_of(request), f, translator(request), lang=language(request))
    return answer(request, chart, format, f)


@router.get("/facilitation")
def facilitation(request: Request, principal: ReadPrincipal, f: DashboardFilters, format: Format = "json"):
    """Advance-declaration rate and two-step usage by month (as /api/v1/kpi/facilitation)."""
    return answer(request, charts.facilitation(store_of(request), f, translator(request)), format, f)


@router.get("/docking")
def docking(request: Request, principal: ReadPrincipal, format: Format = "json"):
    """Partner docking: events per day and data quality per partner (as /api/v1/docking)."""
    return answer(request, charts.docking(store_of(request), principal, translator(request),
                                          lang=language(request)), format)


@dataclass
class _Page:
    month: str | None
    sort: str
    order: str
    page: int


def drill_page(
    month: Annotated[str | None, Query(description="one month, YYYY-MM, inside the range")] = None,
    sort: Annotated[str, Query(description="hours, end_at, start_at or declaration")] = "hours",
    order: Annotated[str, Query(description="asc or desc")] = "desc",
    page: Page = 1,
) -> _Page:
    return _Page(month=month or None, sort=sort, order=order, page=page)


def drill_csv(result: drill.DrillResult, t: Translate) -> bytes:
    seg = max((len(v) for v in result.segment_names.values()), default=0)
    header = [t(labels.DECLARATION), t(labels.PORT), t(labels.DIRECTION), t(labels.MODE), t(labels.START),
              t(labels.END), t(labels.HOURS_SHORT), *(f"{t(labels.SEGMENT)} {i + 1}" for i in range(seg))]
    rows = [[r.declaration, r.port, r.direction, r.mode, drill.beijing(r.start_at), drill.beijing(r.end_at),
             r.hours, *r.segments[:seg]] for r in result.rows]
    return csv_bytes(header, rows)


@router.get("/declarations")
def declarations(request: Request, principal: ReadPrincipal, f: DashboardFilters,
                 p: Annotated[_Page, Depends(drill_page)], format: Format = "json") -> Any:
    """The declarations behind a figure, as far as the caller may see them, with their n and mean."""
    result = drill.cases(store_of(request), f, actor=principal, month=p.month, sort=p.sort,
                         order=p.order, page=p.page, per_page=None if format == "csv" else drill.PER_PAGE)
    if format == "csv":
        return csv_response(drill_csv(result, translator(request)),
                            f"kouan-declarations-{result.filters.first_month}_{result.filters.last_month}.csv")
    return {"filters": result.filters.params(), "month": result.month, "n": result.n,
            "mean_h": result.mean_h, "figure_n": result.figure_n, "figure_mean_h": result.figure_mean_h,
            "restricted": result.restricted, "listing": result.listing.value, "page": result.page,
            "pages": result.pages,
            "rows": [{"declaration": r.declaration, "port": r.port, "direction": r.direction,
                      "facilitation_mode": r.mode, "start_at": r.start_at, "end_at": r.end_at,
                      "hours": r.hours, "segments": r.segments, "consignment": r.link}
                     for r in result.rows]}


@router.get("/gantt")
def gantt_chart(request: Request, session: DbSession, principal: ReadPrincipal,
                ref: Annotated[str, Query(description="any reference of the consignment")],
                format: Format = "json") -> Any:
    """A consignment's events by object, for a Gantt-like view."""
    t = translator(request)
    data = gantt.chart(session, actor=principal, ref=ref, t=t)
    if format == "csv":
        return csv_response(csv_bytes(data["table"]["header"], data["table"]["rows"]),
                            f"kouan-consignment-{data['consignment_id']}.csv")
    return data


@router.get("/bulletin")
def bulletin_chart(request: Request, month: Annotated[str, Query(description="YYYY-MM")],
                   region: str = "CN-LN", format: Format = "json") -> Any:
    """The bulletin's figures as a chart: public, like the printed bulletin."""
    lang = language(request)
    b = public.bulletin(store_of(request), region=region, month=month, lang=lang)
    return answer(request, public.chart(b, translator(request), lang=lang), format)
