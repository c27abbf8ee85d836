"""Tickets of the quick-response desk: statuses, steps, clocks. Pure rules, standard library only.

**The clocks are wall-clock hours.** The desk is a 24-hour desk ("24小时"调度应答): it answers
nights, weekends and public holidays alike, so a 24-hour response clock started on the evening of
30 September runs out 24 hours later on National Day, not after the Golden Week. A clock is
``start + hours`` (instants in UTC; China keeps no daylight saving time, so 24 hours is always the
same Beijing time of the next day), and a time taken is ``end - start`` in hours. Working-time
clocks (only Chinese working days counting) would be a per-category option on top of this; none
of the seed's categories asks for one.

- Response clock: from the ticket's creation to the unit's acknowledgement.
- Resolution clock: from the creation to the resolution; a reopened ticket's resolution clock
  starts again at the reopening with the category's full resolution hours.

A clock that runs out escalates the ticket one level (0 the unit, 1 the desk's duty officer at
the port office, 2 the port office's leadership), once per clock, through the job queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum


def N_(message: str) -> str:  # noqa: N802 - Babel's marker
    return message


class Category(StrEnum):
    DELAY = N_("delay")
    INSPECTION = N_("inspection")
    FEES = N_("fees")
    SYSTEMS = N_("systems")
    OTHER = N_("other")


class Status(StrEnum):
    OPEN = N_("open")  # logged, waiting to be dispatched
    DISPATCHED = N_("dispatched")  # sent to a unit, waiting for its acknowledgement
    ACKNOWLEDGED = N_("acknowledged")  # the unit answered; working on it
    RESOLVED = N_("resolved")
    REOPENED = N_("reopened")  # the enterprise was not satisfied: the resolution clock runs again
    CLOSED = N_("closed")


class Action(StrEnum):
    DISPATCH = "dispatch"  # the desk (port office): to a unit (again, while not resolved)
    ACKNOWLEDGE = "acknowledge"  # the unit
    RESOLVE = "resolve"  # the unit, with an answer
    REOPEN = "reopen"  # the enterprise
    CLOSE = "close"  # the enterprise


class Clock(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.OPEN, Action.DISPATCH): Status.DISPATCHED,
    (Status.DISPATCHED, Action.DISPATCH): Status.DISPATCHED,
    (Status.ACKNOWLEDGED, Action.DISPATCH): Status.DISPATCHED,
    (Status.REOPENED, Action.DISPATCH): Status.DISPATCHED,
    (Status.DISPATCHED, Action.ACKNOWLEDGE): Status.ACKNOWLEDGED,
    (Status.DISPATCHED, Action.RESOLVE): Status.RESOLVED,
    (Status.ACKNOWLEDGED, Action.RESOLVE): Status.RESOLVED,
    (Status.REOPENED, Action.RESOLVE): Status.RESOLVED,
    (Status.RESOLVED, Action.REOPEN): Status.REOPENED,
    (Status.RESOLVED, Action.CLOSE): Status.CLOSED,
}
DESK_ACTIONS = frozenset({Action.DISPATCH})
UNIT_ACTIONS = frozenset({Action.ACKNOWLEDGE, Action.RESOLVE})
ENTERPRISE_ACTIONS = frozenset({Action.REOPEN, Action.CLOSE})

DEFAULT_HOURS = 24  # the seed's 24-hour desk: response and resolution alike unless configured
MAX_LEVEL = 2
LEVELS = {0: N_("unit"), 1: N_("desk duty officer"), 2: N_("port office leadership")}


def next_status(status: str, action: Action) -> Status | None:
    return TRANSITIONS.get((Status(status), action))


def due(start: datetime, hours: int) -> datetime:
    """When a clock of ``hours`` started at ``start`` runs out: wall-clock hours."""
    return start + timedelta(hours=hours)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def running(clock: Clock, status: str, acknowledged_at: datetime | None) -> bool:
    """Whether ``clock`` is still running for a ticket in ``status``."""
    if clock == Clock.RESPONSE:
        return acknowledged_at is None and status not in (Status.RESOLVED, Status.CLOSED)
    return status not in (Status.RESOLVED, Status.CLOSED)


def quantile(ordered: Sequence[float], num: int, den: int) -> float | None:
    """The linear quantile ``num/den`` of ascending values (as ``analytics.definitions``)."""
    if not ordered:
        return None
    lo, rest = divmod((len(ordered) - 1) * num, den)
    low = ordered[lo]
    high = ordered[lo + 1] if rest else low
    return low + (high - low) * (rest / den)
