"""Clock definitions are data: which milestones start and end a declaration's clock, per direction.

A clock is stored (by name) with every figure it produces. Built-in clocks:
- ``gac``: GAC overall clearance time (整体通关时间). Import: the carrying transport call's
  ``TRANSPORT_ENTRY_DECLARED`` (falling back to ``TRANSPORT_ARRIVED``) → the declaration's
  ``CUSTOMS_RELEASED``. Export: the later of the last ``GOODS_ARRIVED_AT_PORT`` among the
  consignment's containers (all goods 运抵) and ``DECLARATION_LODGED`` → ``CUSTOMS_RELEASED``.
  Gate-out and departure are not part of it (shared/reference/clearance-time.md §1.1).
- ``trs``: WCO Time Release Study, arrival → release (segments: arrival → lodged → release).
- ``trs_exit``: WCO TRS arrival → exit (gate-out), segmented at lodgement and release.
Only actual (``ACT``) events count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from kouan.events.domain import Milestone

M = Milestone


class Scope(StrEnum):
    DECLARATION = "declaration"  # events naming the declaration itself
    CALL = "call"  # events of the transport call that carried the goods
    CONTAINERS = "containers"  # events of the consignment's containers (this trip)
    CONSIGNMENT = "consignment"  # any event of the consignment


class Pick(StrEnum):
    FIRST = "first"
    LAST = "last"


@dataclass(frozen=True)
class Point:
    """A moment in a case: the first (or last) ACT event of the first milestone in ``milestones``
    that has one, within ``scope``. Later milestones in the tuple are fallbacks."""

    milestones: tuple[Milestone, ...]
    scope: Scope
    pick: Pick = Pick.FIRST


@dataclass(frozen=True)
class DirectionClock:
    start: tuple[Point, ...]  # the clock starts at the latest of those present (at least one)
    end: Point
    # Boundaries between start and end; each segment runs from one boundary to the next, clamped
    # into [start, end] so that segments never go negative and always add up to the total.
    boundaries: tuple[tuple[str, Point], ...] = ()
    last_segment: str = "release"

    @property
    def segment_names(self) -> tuple[str, ...]:
        return (*(name for name, _ in self.boundaries), self.last_segment)


@dataclass(frozen=True)
class Clock:
    name: str
    title: str
    imports: DirectionClock
    exports: DirectionClock
    notes: str = ""
    tags: tuple[str, ...] = field(default=())

    def for_direction(self, direction: str) -> DirectionClock:
        return self.imports if direction == "I" else self.exports

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


_LODGED = Point((M.DECLARATION_LODGED,), Scope.DECLARATION)
_RELEASED = Point((M.CUSTOMS_RELEASED,), Scope.DECLARATION)
_ENTRY = Point((M.TRANSPORT_ENTRY_DECLARED, M.TRANSPORT_ARRIVED), Scope.CALL)
_ARRIVED = Point((M.TRANSPORT_ARRIVED, M.TRANSPORT_ENTRY_DECLARED), Scope.CALL)
_ALL_GOODS_IN = Point((M.GOODS_ARRIVED_AT_PORT,), Scope.CONTAINERS, Pick.LAST)
_FIRST_GOODS_IN = Point((M.GOODS_ARRIVED_AT_PORT,), Scope.CONTAINERS, Pick.FIRST)
_GATE_OUT = Point((M.GATE_OUT,), Scope.CONTAINERS, Pick.LAST)
_LOADED = Point((M.LOADED,), Scope.CONTAINERS, Pick.LAST)

GAC = Clock(
    name="gac",
    title="GAC overall clearance time (整体通关时间)",
    imports=DirectionClock(start=(_ENTRY,), end=_RELEASED, boundaries=(("preparation", _LODGED),),
                           last_segment="customs"),
    exports=DirectionClock(start=(_ALL_GOODS_IN, _LODGED), end=_RELEASED, last_segment="customs"),
    notes="import: entry declared (else arrival) → release; export: later of all goods arrived and "
          "declaration lodged → release",
)

TRS = Clock(
    name="trs",
    title="WCO Time Release Study: arrival → release",
    imports=DirectionClock(start=(_ARRIVED,), end=_RELEASED, boundaries=(("arrival_to_lodged", _LODGED),),
                           last_segment="lodged_to_release"),
    exports=DirectionClock(start=(_FIRST_GOODS_IN,), end=_RELEASED,
                           boundaries=(("arrival_to_lodged", _LODGED),), last_segment="lodged_to_release"),
)

TRS_EXIT = Clock(
    name="trs_exit",
    title="WCO Time Release Study: arrival → exit (gate-out / loading)",
    imports=DirectionClock(start=(_ARRIVED,), end=_GATE_OUT,
                           boundaries=(("arrival_to_lodged", _LODGED), ("lodged_to_release", _RELEASED)),
                           last_segment="release_to_exit"),
    exports=DirectionClock(start=(_FIRST_GOODS_IN,), end=_LOADED,
                           boundaries=(("arrival_to_lodged", _LODGED), ("lodged_to_release", _RELEASED)),
                           last_segment="release_to_exit"),
)

BUILT_IN: dict[str, Clock] = {c.name: c for c in (GAC, TRS, TRS_EXIT)}
MAX_SEGMENTS = 4


def from_dict(data: dict) -> Clock:
    """A user-defined clock from JSON (the shape ``Clock.to_json`` writes)."""

    def point(d: dict) -> Point:
        return Point(tuple(Milestone(m) for m in d["milestones"]), Scope(d["scope"]),
                     Pick(d.get("pick", "first")))

    def direction(d: dict) -> DirectionClock:
        bounds = tuple((name, point(p)) for name, p in d.get("boundaries", ()))
        if len(bounds) + 1 > MAX_SEGMENTS:
            raise ValueError(f"a clock has at most {MAX_SEGMENTS} segments")
        return DirectionClock(start=tuple(point(p) for p in d["start"]), end=point(d["end"]),
                              boundaries=bounds, last_segment=d.get("last_segment", "release"))

    name = str(data["name"])
    if not name.isidentifier() or name != name.lower():
        raise ValueError("a clock name is lower-case letters, digits and _")
    return Clock(name=name, title=str(data.get("title", name)), imports=direction(data["imports"]),
                 exports=direction(data["exports"]), notes=str(data.get("notes", "")))
