"""Appointments: a slot booked at a terminal for named containers. Pure rules, standard library only.

Today's kinds serve ship-side pick-up (船边直提, import) and direct loading on arrival (抵港直装,
export): the declaration is lodged in advance, the slot is booked on the port's appointment
platform, and on arrival the goods not selected for inspection are released and lifted straight
from shipside, or loaded straight onto the vessel (business-rules.md §1.4 [S]). The 7×24 clearance
appointments (预约通关, §1.6) add kinds (inspection, release outside office hours) to the same
table and the same status table; a slot need not belong to a declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kouan.declarations.refusals import Refusal
from kouan.events.domain import Milestone


def N_(message: str) -> str:  # noqa: N802 - Babel's marker
    return message


class Kind(StrEnum):
    SHIP_SIDE_PICKUP = N_("ship_side_pickup")  # 船边直提: trucks lift import boxes at shipside
    DIRECT_LOADING = N_("direct_loading")  # 抵港直装: export boxes go straight onto the vessel


class Status(StrEnum):
    BOOKED = N_("booked")
    USED = N_("used")
    CANCELLED = N_("cancelled")


class Step(StrEnum):
    USE = "use"  # the terminal lifted / loaded the boxes
    CANCEL = "cancel"  # the booker gave the slot back


TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.BOOKED, Step.USE): Status.USED,
    (Status.BOOKED, Step.CANCEL): Status.CANCELLED,
}
MAX_SLOT = timedelta(hours=12)  # [K] terminals book ship-side slots by shift

# What the slot produces in the event store: planned at booking, actual when used.
MILESTONE: dict[Kind, Milestone] = {
    Kind.SHIP_SIDE_PICKUP: Milestone.GATE_OUT,
    Kind.DIRECT_LOADING: Milestone.LOADED,
}


def kind_for(direction: str) -> Kind:
    return Kind.SHIP_SIDE_PICKUP if direction == "I" else Kind.DIRECT_LOADING


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime

    def problem(self, now: datetime) -> Refusal | None:
        if self.end <= self.start:
            return Refusal("slot_order")
        if self.end - self.start > MAX_SLOT:
            return Refusal("slot_too_long", {"hours": int(MAX_SLOT.total_seconds() // 3600)})
        if self.end <= now:
            return Refusal("slot_past")
        return None


def step(status: Status, what: Step, *, released: bool) -> Status | Refusal:
    """The next status, or why not. Goods are lifted or loaded only after customs released them."""
    new = TRANSITIONS.get((status, what))
    if new is None:
        return Refusal("appointment_not_booked", {"status": status.value})
    if what == Step.USE and not released:
        return Refusal("appointment_before_release")
    return new
