"""The one-stop view of an export booking or bill of lading: its vessel call's estimated, planned
and actual arrival and departure, the cut-off (集港截止) where a partner sent one, how many of its
containers have reached the port, and a prompt to declare in advance; beside it, the port's export
advance-declaration rate by month and the seed's figure.

Reads, each by indexed key and none per box:
- the consignment the reference names and what the caller may see of it (``consignments.visibility``);
- the call's own events through ``call_event`` (a call of 10,000 boxes has a handful), entitled only
  (a claim moves nothing, ``events.authority``);
- the boxes at the port: ONE aggregate statement over the consignment's container hubs joined to
  their gate-in events (``GOODS_ARRIVED_AT_PORT``, actual, entitled, at the call's port, since 30
  days before the consignment's first box was linked: the trip window of ``consignments``).

A vessel's schedule at a port is not a party's shipment data: whoever may see the booking (even only
its own events on it) sees its call's times and cut-off. The boxes' gate moves are the terminal's
facts about the shipment: counted only for a caller who sees the consignment whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from kouan.clearance.models import ClearanceCase
from kouan.consignments import repository as consignments_repo
from kouan.consignments import timeline, visibility
from kouan.consignments.models import ConsignmentHub
from kouan.db.sqlfn import beijing_month
from kouan.events import repository as events_repo
from kouan.events.domain import Milestone, RefKind
from kouan.events.models import Event, EventRef
from kouan.kit.errors import N_, NotFound
from kouan.partners.domain import Principal

# The code a partner sends a cut-off under (canonical ``milestone``, kept as OTHER with its code),
# naming the call only; its ``occurred_at`` (PLN or EST) is the cut-off.
CUTOFF_CODES = frozenset({"CARGO_CUTOFF", "PORT_CUTOFF", "FCO", "集港截止"})
TIMES = (Milestone.TRANSPORT_ARRIVED.value, Milestone.TRANSPORT_DEPARTED.value)
CLASSIFIERS = ("EST", "PLN", "ACT")
TRIP_LEAD = timedelta(days=30)  # consignments.repository.in_trip's lead
# The seed's figure (business-rules.md §1.1, issue #17): Dalian's export advance-declaration rate.
SEED_FIGURE = {
    "port": "CNDAL",
    "direction": "E",
    "advance_rate": 0.74,
    "yoy_points": 16,
    "source": "business-rules.md §1.1 (Dalian export 74 %, +16 points year on year)",
}


@dataclass
class CallView:
    key: str
    port: str | None
    vessel: str | None
    voyage: str | None
    times: dict[str, dict[str, datetime]] = field(default_factory=dict)  # milestone -> classifier -> at
    cutoff: datetime | None = None
    cutoff_source: str | None = None


@dataclass
class OneStop:
    ref: str
    consignment_id: int
    whole: bool
    bookings: list[str]
    bills: list[str]
    declarations: list[str]
    calls: list[CallView]
    containers: int | None  # None: the caller does not see the consignment whole
    at_port: int | None
    declared_at: datetime | None  # the first entitled lodgement of its declaration
    first_gate_in: datetime | None

    @property
    def port(self) -> str | None:
        return next((c.port for c in self.calls if c.port), None)

    def prompt(self, now: datetime) -> str | None:
        """What the exporter should do next (an English msgid), if anything."""
        if self.declared_at is not None:
            return None
        cutoff = next((c.cutoff for c in self.calls if c.cutoff), None)
        if cutoff is not None and cutoff < now:
            return N_("The cut-off has passed and no export declaration is lodged: contact the terminal.")
        return N_(
            "Declare in advance: lodge the export declaration before the boxes reach the port "
            "(运抵), so customs can release them on arrival and they make the vessel."
        )

    @property
    def advance(self) -> bool | None:
        if self.declared_at is None:
            return None
        return self.first_gate_in is None or self.declared_at < self.first_gate_in


def _parts(key: str) -> tuple[str | None, str | None, str | None]:
    bits = key.split("/")
    return (bits[0], bits[1], bits[2]) if len(bits) == 3 else (None, None, None)


def _newest(events: list[Event]) -> Event:
    return max(events, key=lambda e: (e.recorded_at or e.received_at, e.received_at, e.id))


def call_view(session: Session, key: str) -> CallView:
    """The call's times and cut-off from its own entitled events (all its alias keys)."""
    vessel, voyage, port = _parts(key)
    view = CallView(key=key, port=port, vessel=vessel, voyage=voyage)
    names = sorted(consignments_repo.call_aliases(session, [key]))
    events = [e for e in events_repo.call_events(session, names) if e.authority == "entitled"]
    by: dict[tuple[str, str], list[Event]] = {}
    cutoffs: list[Event] = []
    for e in events:
        if e.milestone in TIMES and e.classifier in CLASSIFIERS:
            by.setdefault((e.milestone, e.classifier), []).append(e)
        elif e.milestone == Milestone.OTHER.value and (e.original_code or "").strip().upper() in CUTOFF_CODES:
            cutoffs.append(e)
    for (milestone, classifier), found in by.items():
        view.times.setdefault(milestone, {})[classifier] = _newest(found).occurred_at
    if cutoffs:
        newest = _newest(cutoffs)
        view.cutoff, view.cutoff_source = newest.occurred_at, newest.source
    return view


def boxes_at_port(session: Session, cid: int, port: str | None) -> tuple[int, int, datetime | None]:
    """(containers of the consignment, of them gated in at ``port``, the first gate-in): one
    aggregate statement whatever the number of boxes."""
    h, r, e = aliased(ConsignmentHub), aliased(EventRef), aliased(Event)
    mine = (ConsignmentHub.consignment_id == cid) & (ConsignmentHub.kind == RefKind.CONTAINER.value)
    since = select(func.min(ConsignmentHub.linked_at)).where(mine).scalar_subquery()
    total = select(func.count()).select_from(ConsignmentHub).where(mine).scalar_subquery()
    where = [
        h.consignment_id == cid,
        h.kind == RefKind.CONTAINER.value,
        e.milestone == Milestone.GOODS_ARRIVED_AT_PORT.value,
        e.classifier == "ACT",
        e.authority == "entitled",
    ]
    if port:
        where.append(or_(e.port == port, e.port.is_(None)))
    stmt = (
        select(total, func.count(distinct(h.key)), func.min(e.occurred_at), since)
        .select_from(h)
        .join(r, (r.kind == RefKind.CONTAINER.value) & (r.key == h.key))
        .join(e, e.id == r.event_pk)
        .where(*where)
    )
    n, gated, first, first_link = session.execute(stmt).one()
    if first_link is None or not gated:
        return int(n or 0), 0, None
    # The trip window: a reused box's gate-in of an earlier trip does not count (a second, equally
    # aggregate statement only when the first found gate-ins older than the window).
    if first is not None and first < first_link - TRIP_LEAD:
        where.append(e.occurred_at >= first_link - TRIP_LEAD)
        stmt = (
            select(func.count(distinct(h.key)), func.min(e.occurred_at))
            .select_from(h)
            .join(r, (r.kind == RefKind.CONTAINER.value) & (r.key == h.key))
            .join(e, e.id == r.event_pk)
            .where(*where)
        )
        gated, first = session.execute(stmt).one()
    return int(n or 0), int(gated or 0), first


def _declared_at(session: Session, numbers: list[str]) -> datetime | None:
    if not numbers:
        return None
    r, e = EventRef, Event
    return session.scalar(
        select(func.min(e.occurred_at))
        .select_from(r)
        .join(e, e.id == r.event_pk)
        .where(
            r.kind == RefKind.DECLARATION.value,
            r.key.in_(numbers),
            e.milestone == Milestone.DECLARATION_LODGED.value,
            e.classifier == "ACT",
            e.authority == "entitled",
        )
    )


def one_stop(session: Session, *, actor: Principal, ref: str) -> OneStop:
    """The one-stop view of the consignment ``ref`` (a booking or B/L; any of its keys works) names,
    as ``actor`` may see it; 404 when it may see nothing of it."""
    ref = (ref or "").strip().upper()
    if not ref:
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    cids, hub = timeline.candidates(session, ref)
    seen = visibility.sights(session, actor, cids, container=ref if hub == RefKind.CONTAINER.value else None)
    cid = next((c for c in cids if seen[c] == visibility.Sight.WHOLE), None)
    if cid is not None:
        members = consignments_repo.members(session, cid)
        keys = [(m.kind, m.key) for m in members]
        keys += [
            (h.kind, h.key)
            for h in consignments_repo.hubs(session, cid)
            if h.kind == RefKind.TRANSPORT_CALL.value
        ]
        whole = True
    else:
        t = timeline.for_ref(session, actor=actor, ref=ref)  # only its own events; 404 if none
        cid, whole = t.consignment_id, False
        keys = [(o.kind, o.key) for o in t.objects]
    of = lambda kind: sorted({k for kd, k in keys if kd == kind})  # noqa: E731
    calls = [call_view(session, k) for k in of(RefKind.TRANSPORT_CALL.value)]
    declarations = of(RefKind.DECLARATION.value)
    port = next((c.port for c in calls if c.port), None)
    containers = at_port = None
    first_gate_in = None
    if whole:
        containers, at_port, first_gate_in = boxes_at_port(session, cid, port)
    return OneStop(
        ref=ref,
        consignment_id=cid,
        whole=whole,
        bookings=of(RefKind.BOOKING.value),
        bills=of(RefKind.BILL_OF_LADING.value),
        declarations=declarations,
        calls=calls,
        containers=containers,
        at_port=at_port,
        declared_at=_declared_at(session, declarations),
        first_gate_in=first_gate_in,
    )


def advance_rates(session: Session, *, port: str, months: int = 12) -> list[dict[str, Any]]:
    """The port's export advance-declaration rate by month (the last ``months`` that have
    declarations), with the same month a year before: the figures of ``clearance.kpi.facilitation``
    (``analytics.facilitation.rates``) grouped by month, port and direction, filtered to the port's
    exports, in one aggregate statement.

    Per declaration (an inner GROUP BY over its entitled ``DECLARATION_LODGED`` events): lodged at
    the first, two-step if any names it; its port and direction from its ``gac`` case, its arrival
    at port (运抵) from its ``trs`` case's start. Then by the Beijing month it was lodged: how many,
    how many with a known arrival, how many lodged before it, how many two-step. The statement
    reads the port's export declarations only, and returns one row a month."""
    gac, trs = aliased(ClearanceCase), aliased(ClearanceCase)
    exports = select(gac.declaration).where(gac.clock == "gac", gac.port == port, gac.direction == "E")
    two_step = case((cast(Event.attrs, String).like('%"two_step"%'), 1), else_=0)
    per = (
        select(EventRef.key.label("declaration"), func.min(Event.occurred_at).label("lodged_at"),
               func.max(two_step).label("two_step"))
        .join(Event, Event.id == EventRef.event_pk)
        .where(EventRef.kind == RefKind.DECLARATION.value, EventRef.key.in_(exports),
               Event.milestone == Milestone.DECLARATION_LODGED.value, Event.classifier == "ACT",
               Event.authority == "entitled")
        .group_by(EventRef.key)
        .subquery("per")
    )
    facts = (
        select(beijing_month(per.c.lodged_at).label("month"), per.c.two_step,
               case((trs.start_at.is_not(None), 1), else_=0).label("known"),
               case((per.c.lodged_at < trs.start_at, 1), else_=0).label("advance"))
        .join(gac, (gac.declaration == per.c.declaration) & (gac.clock == "gac"))
        .outerjoin(trs, (trs.declaration == per.c.declaration) & (trs.clock == "trs"))
        .subquery("facts")
    )
    q = select(facts.c.month, func.count(), func.sum(facts.c.advance), func.sum(facts.c.known),
               func.sum(facts.c.two_step)).group_by(facts.c.month).order_by(facts.c.month)
    by_month: dict[str, dict[str, Any]] = {}
    for month, n, advance, known, two in session.execute(q):
        advance, known, two = int(advance or 0), int(known or 0), int(two or 0)
        by_month[month] = {
            "month": month, "port": port, "direction": "E", "declarations": n, "advance": advance,
            "advance_known": known, "two_step": two,
            "advance_rate": round(advance / known, 4) if known else None,
            "two_step_share": round(two / n, 4), "advance_rate_last_year": None,
            "two_step_last_year": None, "two_step_growth": None}
    for row in by_month.values():
        month = row["month"]
        prev = by_month.get(f"{int(month[:4]) - 1}{month[4:]}")
        if prev is not None:
            row["advance_rate_last_year"], row["two_step_last_year"] = prev["advance_rate"], prev["two_step"]
            growth = round(row["two_step"] / prev["two_step"], 4) if prev["two_step"] else None
            row["two_step_growth"] = growth
    return list(by_month.values())[-months:]
