"""Compute a declaration's clearance case from its consignment's events. Pure: no database.

A case is one declaration under one clock: when its clock started and ended, how long each segment
took, and the facts analytics group by (direction, port, customs district, facilitation mode,
commodity group, month). Only actual (ACT) events count; a declaration not yet released is an open
case, reported as open and never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kouan.clearance.clocks import MAX_SEGMENTS, Clock, DirectionClock, Pick, Point, Scope
from kouan.kit import hs
from kouan.kit.clock import CHINA_TZ

commodity_group = hs.commodity_group


@dataclass(frozen=True)
class Obs:
    """An event as the clock sees it."""

    milestone: str
    classifier: str
    occurred_at: datetime
    port: str | None = None
    refs: frozenset[tuple[str, str]] = frozenset()
    attrs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Scoped:
    """The events of one declaration's consignment, sorted by scope."""

    declaration: list[Obs]
    call: list[Obs]
    containers: list[Obs]
    consignment: list[Obs]

    def of(self, scope: Scope) -> list[Obs]:
        return {Scope.DECLARATION: self.declaration, Scope.CALL: self.call,
                Scope.CONTAINERS: self.containers, Scope.CONSIGNMENT: self.consignment}[scope]


@dataclass(frozen=True)
class Case:
    declaration: str
    clock: str
    direction: str | None
    port: str | None
    customs_district: str | None
    facilitation_mode: str | None
    commodity_group: str | None
    status: str  # "closed" | "open" (not released yet) | "incomplete" (released, no start seen)
    start_at: datetime | None
    end_at: datetime | None
    month: str | None
    hours: float | None
    segments: tuple[float | None, ...]  # MAX_SEGMENTS long; closed cases: the first k add up to hours


def find(point: Point, scoped: Scoped, *, port: str | None = None) -> datetime | None:
    events = [o for o in scoped.of(point.scope) if o.classifier == "ACT"]
    if point.scope == Scope.CALL and port and any(o.port == port for o in events):
        events = [o for o in events if o.port == port]  # the call at the declaration's port
    for milestone in point.milestones:
        times = [o.occurred_at for o in events if o.milestone == milestone]
        if times:
            return min(times) if point.pick == Pick.FIRST else max(times)
    return None


def _segments(dc: DirectionClock, scoped: Scoped, start: datetime, end: datetime,
              port: str | None) -> tuple[float | None, ...]:
    bounds = [start]
    for _name, point in dc.boundaries:
        t = find(point, scoped, port=port) or bounds[-1]
        bounds.append(min(max(t, bounds[-1]), end))
    bounds.append(end)
    hours = [(b - a).total_seconds() / 3600.0 for a, b in zip(bounds, bounds[1:], strict=False)]
    return tuple(hours) + (None,) * (MAX_SEGMENTS - len(hours))


def direction_of(declaration: str, events: Iterable[Obs]) -> str | None:
    """Position 9 of the declaration number: 1 import, 0 export; else what the events say."""
    if len(declaration) == 18 and declaration[8] in "01":
        return "I" if declaration[8] == "1" else "E"
    return next((o.attrs.get("direction") for o in events if o.attrs.get("direction")), None)


def _lodged_attrs(scoped: Scoped) -> dict[str, Any]:
    lodged = [o for o in scoped.declaration if o.milestone == "DECLARATION_LODGED"]
    return min(lodged, key=lambda o: o.occurred_at).attrs if lodged else {}


def _port(scoped: Scoped) -> str | None:
    for milestone in ("DECLARATION_LODGED", "CUSTOMS_RELEASED", "DECLARATION_COMPLETED"):
        ports = [o.port for o in scoped.declaration if o.milestone == milestone and o.port]
        if ports:
            return ports[0]
    ports = [o.port for o in scoped.call if o.port]
    return ports[0] if ports else None


def _mode(attrs: dict[str, Any]) -> str:
    modes = attrs.get("facilitation_modes")
    if isinstance(modes, list) and modes:
        return str(modes[0])
    return str(attrs.get("facilitation_mode") or "standard")


def compute(clock: Clock, declaration: str, scoped: Scoped) -> Case:
    direction = direction_of(declaration, scoped.declaration)
    port = _port(scoped)
    attrs = _lodged_attrs(scoped)
    facts = {
        "declaration": declaration, "clock": clock.name, "direction": direction, "port": port,
        "customs_district": f"{declaration[:2]}00" if declaration[:2].isdigit() else None,
        "facilitation_mode": _mode(attrs),
        "commodity_group": attrs.get("commodity_group") or commodity_group(attrs.get("hs_code")),
    }
    if direction is None:
        return Case(**facts, status="open", start_at=None, end_at=None, month=None, hours=None,
                    segments=(None,) * MAX_SEGMENTS)
    dc = clock.for_direction(direction)
    starts = [t for t in (find(p, scoped, port=port) for p in dc.start) if t is not None]
    start = max(starts) if starts else None
    end = find(dc.end, scoped, port=port)
    if start is None or end is None:
        # Released but with no start milestone: the clock cannot be read; not "open" either.
        status = "incomplete" if end is not None else "open"
        return Case(**facts, status=status, start_at=start, end_at=end, month=None, hours=None,
                    segments=(None,) * MAX_SEGMENTS)
    end = max(end, start)  # a release stamped before the start counts as zero, never negative
    return Case(**facts, status="closed", start_at=start, end_at=end,
                month=end.astimezone(CHINA_TZ).strftime("%Y-%m"),
                hours=(end - start).total_seconds() / 3600.0,
                segments=_segments(dc, scoped, start, end, port))


def scope_events(declaration: str, events: Sequence[Obs]) -> Scoped:
    """Sort a consignment timeline's events into the clock's scopes for one declaration."""
    decl = [o for o in events if ("declaration", declaration) in o.refs]
    calls = [o for o in events if o.refs and all(k == "transport_call" for k, _ in o.refs)]
    containers = [o for o in events if any(k == "container" for k, _ in o.refs)]
    return Scoped(declaration=decl, call=calls, containers=containers, consignment=list(events))
