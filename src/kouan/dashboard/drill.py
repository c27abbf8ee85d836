"""The declarations behind one figure, as the asking principal may see them.

The list is ``clearance_case`` narrowed by exactly the rules the figure used — ``analytics.filters.
select_cases`` and ``analytics.metrics.closed_cases`` with the same period, region and port, then
direction and mode — and its count and mean come from ``analytics.run.kpi`` over the listed cases,
so for someone who sees every declaration they equal the figure clicked. Others see only the cases
``listing_of`` grants them (a trader its own, a district's customs its district's, an insurer none);
the page then says how many the figure holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import ibis

from kouan.analytics import engines, metrics
from kouan.analytics import filters as analytics_filters
from kouan.analytics import run as analytics_run
from kouan.consignments import visibility
from kouan.dashboard.charts import Store, kpi_rows
from kouan.dashboard.filters import MONTH_RE, Filters
from kouan.kit.clock import beijing as _beijing
from kouan.kit.errors import N_, FieldError, InvalidInput, TemplatedFieldError
from kouan.partners import repository as partners_repo
from kouan.partners.domain import Principal

SORTS = ("hours", "end_at", "start_at", "declaration")
COLUMNS = ("declaration", "port", "direction", "facilitation_mode", "start_at", "end_at", "hours",
           "seg_1", "seg_2", "seg_3", "seg_4")
PER_PAGE = 50


@dataclass
class DrillRow:
    declaration: str
    port: str | None
    direction: str | None
    mode: str | None
    start_at: datetime | None
    end_at: datetime | None
    hours: float | None
    segments: list[float | None]
    link: str | None = None  # the consignment page, where the viewer may open it


@dataclass
class DrillResult:
    filters: Filters
    month: str | None
    n: int
    mean_h: float | None
    figure_n: int
    figure_mean_h: float | None
    restricted: bool
    listing: Listing
    segment_names: dict[str, tuple[str, ...]]
    rows: list[DrillRow] = field(default_factory=list)
    page: int = 1
    per_page: int = PER_PAGE
    sort: str = "hours"
    order: str = "desc"

    @property
    def pages(self) -> int:
        return max(1, -(-self.n // self.per_page))


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def beijing(value: datetime | None) -> str:
    return _beijing(value)  # the one rule of every page (kit.clock.beijing)


class Listing(StrEnum):
    """How much of a figure's declaration list a principal sees (``listing_of``)."""

    ALL = "all"
    DISTRICT = "district"
    DECLARED = "declared"
    REPORTED = "reported"
    NONE = "none"


def listing_of(actor: Principal) -> Listing:
    """Which declarations a principal may list behind a figure, from the one visibility policy
    (``consignments.visibility``); the aggregate figures themselves stay open to every logged-in
    person, they name no declaration:
    - the port office and the platform operator (people): all; the provincial commerce department
      too (``LISTS_EVERY_DECLARATION``), without timeline links;
    - customs people: their own district's, as their declaration list and queue;
    - a trader or broker: those it is the declarant or consignee of (lodged in Kouan, or first
      reported lodged by its own feed), never one its feed merely names;
    - a shipping line or rail operator: those of the consignments its manifest holds; a terminal:
      those of the consignments whose call is at its port (``visibility.listed_declarations``,
      asked about the figure's declarations: ``visibility.listed_among``);
    - anyone else: none; the page says so and still shows the figure's count and mean.
    """
    have = visibility.bases(actor)
    lists_all = actor.is_person and actor.org_kind in visibility.LISTS_EVERY_DECLARATION
    if visibility.Basis.EVERYTHING in have or lists_all:
        return Listing.ALL
    if visibility.Basis.DISTRICT in have:
        return Listing.DISTRICT
    if visibility.Basis.DECLARANT in have:
        return Listing.DECLARED
    if have & {visibility.Basis.CARRIER, visibility.Basis.TERMINAL}:
        return Listing.REPORTED
    return Listing.NONE


def opens_consignments(actor: Principal, listing: Listing) -> bool:
    """Whether every listed declaration's consignment page opens for the actor (whole, or for a
    declarant's declaration held by another, its own events): the commerce department lists
    declarations it has no timeline of, so its rows carry no link."""
    return listing != Listing.ALL or visibility.sees_everything(actor)


def _visible(store: Store, actor: Principal, cases: ibis.Table) -> tuple[ibis.Table, Listing]:
    """The cases the actor may list (``listing_of``)."""
    listing = listing_of(actor)
    if listing == Listing.ALL:
        return cases, listing
    if listing == Listing.NONE:
        return cases.filter(ibis.literal(False)), listing
    with store.sessions() as s:
        if listing == Listing.DISTRICT:
            org = partners_repo.get_org(s, actor.org_id) if actor.org_id else None
            district = org.customs_district if org else None
            return cases.filter(cases.customs_district == (district or "\x00")), listing
        # The figure's own declarations, then which of them the actor lists: the cost follows the
        # figure (a month's cases), not every declaration a broker or terminal ever held.
        figure = cases.select("declaration").to_pyarrow()["declaration"].to_pylist()
        numbers = visibility.listed_among(s, actor, figure)
    if not numbers:
        return cases.filter(ibis.literal(False)), listing
    # A table of the numbers, joined: as an IN list of literals Ibis spends seconds compiling each
    # of the page's queries once there are thousands.
    listed = ibis.memtable({"declaration": sorted(numbers)}, schema={"declaration": "string"})
    return cases.semi_join(listed, "declaration"), listing


def check_page(sort: str, order: str, page: int, month: str | None) -> None:
    errors = []
    if sort not in SORTS:
        errors.append(TemplatedFieldError("sort", N_("one of %(sorts)s"), sort,
                                          params={"sorts": ", ".join(SORTS)}))
    if order not in ("asc", "desc"):
        errors.append(FieldError("order", N_("asc or desc"), order))
    if page < 1:
        errors.append(FieldError("page", N_("a page number from 1"), page))
    if month is not None and not MONTH_RE.fullmatch(month):
        errors.append(FieldError("month", N_("a month as YYYY-MM"), month))
    if errors:
        raise InvalidInput(N_("the drill-down parameters are not valid"), errors=errors)


def cases(
    store: Store, f: Filters, *, actor: Principal, month: str | None = None, sort: str = "hours",
    order: str = "desc", page: int = 1, per_page: int | None = PER_PAGE,
) -> DrillResult:
    """One page of the cases behind the figure (``per_page=None``: all of them, for CSV)."""
    check_page(sort, order, page, month)
    if month:
        f = f.narrowed(first_month=month, last_month=month)
    clock, figure_rows = kpi_rows(store, f, ("direction",) if f.direction else ())
    figure_n = sum(r.n for r in figure_rows)
    figure_mean = figure_rows[0].mean_h if len(figure_rows) == 1 else None
    con = engines.connect_store(store.database_url)
    table = analytics_filters.select_cases(engines.clearance_case(con), period=f.period,
                                           province=f.province, port=f.port)
    table = metrics.closed_cases(table, clock=clock.name)
    if f.direction:
        table = table.filter(table.direction == f.direction)
    if f.mode:
        table = table.filter(table.facilitation_mode == f.mode)
    table, listing = _visible(store, actor, table)
    link = opens_consignments(actor, listing)
    [stats] = analytics_run.kpi(table, [], clock=clock.name)
    key = table[sort].desc() if order == "desc" else table[sort].asc()
    ordered = table.order_by([key, table.declaration]).select(*COLUMNS)
    if per_page is not None:
        ordered = ordered.limit(per_page, offset=(page - 1) * per_page)
    rows = [DrillRow(declaration=r["declaration"], port=r["port"], direction=r["direction"],
                     mode=r["facilitation_mode"], start_at=_instant(r["start_at"]),
                     end_at=_instant(r["end_at"]), hours=r["hours"],
                     segments=[r[f"seg_{i}"] for i in range(1, 5)],
                     link=f"/consignments/{r['declaration']}" if link else None)
            for r in ordered.to_pyarrow().to_pylist()]
    names = {"I": clock.imports.segment_names, "E": clock.exports.segment_names}
    return DrillResult(filters=f, month=month, n=stats.n, mean_h=stats.mean_h, figure_n=figure_n,
                       figure_mean_h=figure_mean, restricted=listing != Listing.ALL,
                       listing=listing, segment_names=names, rows=rows,
                       page=page, per_page=per_page or max(stats.n, 1), sort=sort, order=order)
