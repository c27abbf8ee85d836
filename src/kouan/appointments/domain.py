"""Slots, patterns and bookings of 7×24 appointment clearance (预约通关). Pure rules: standard
library and ``kouan.kit`` only.

Customs units, border inspection and terminals publish **slots** (port, service, start, end,
capacity), one by one or as a **pattern** that repeats a daily window over a range of days chosen
by the Chinese calendar: every day, working days (make-up working days 调休上班 included), rest
days (weekends and statutory holidays that are not made up), weekends, statutory holidays, or
make-up working days only. A pattern names its hours: regular, extended (延时, past office
hours), staggered (错时, shifted hours) or night. Whatever the publisher calls them, a slot is
*off-hours* when any part of it lies outside office hours (08:30-17:30 Beijing time on a Chinese
working day): that is what the off-hours report counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from kouan.kit.clock import CHINA_TZ
from kouan.kit.workdays import is_workday, statutory_holiday


def N_(message: str) -> str:  # noqa: N802 - Babel's marker
    return message


class Service(StrEnum):
    INSPECTION = N_("inspection")
    RELEASE = N_("release")
    DOCUMENT_REVIEW = N_("document_review")
    PICKUP = N_("pickup")  # ship-side pick-up / direct loading at the terminal (船边直提, 抵港直装)


class Hours(StrEnum):
    REGULAR = N_("regular")
    EXTENDED = N_("extended")  # 延时
    STAGGERED = N_("staggered")  # 错时
    NIGHT = N_("night")


class Days(StrEnum):
    ALL = N_("all")
    WORKDAYS = N_("workdays")  # Chinese working days, make-up working days included
    REST_DAYS = N_("rest_days")  # weekends and holidays, except make-up working days
    WEEKENDS = N_("weekends")  # Saturday and Sunday whatever the calendar says
    HOLIDAYS = N_("holidays")  # statutory public holidays (春节, 国庆 …)
    MAKEUP_DAYS = N_("makeup_days")  # weekend days worked in exchange for a holiday (调休上班)


class Status(StrEnum):
    """A booking's status (the ``appointment`` table's, shared with ship-side appointments)."""

    BOOKED = N_("booked")
    USED = N_("used")
    CANCELLED = N_("cancelled")
    NO_SHOW = N_("no_show")


class Step(StrEnum):
    MOVE = "move"  # the booker: to another slot of the same port and service
    CANCEL = "cancel"  # the booker
    USE = "use"  # the serving unit or terminal: the enterprise came
    NO_SHOW = "no_show"  # the serving side, once the slot is over (also a job and a command)


TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.BOOKED, Step.MOVE): Status.BOOKED,
    (Status.BOOKED, Step.CANCEL): Status.CANCELLED,
    (Status.BOOKED, Step.USE): Status.USED,
    (Status.BOOKED, Step.NO_SHOW): Status.NO_SHOW,
}
BOOKER_STEPS = frozenset({Step.MOVE, Step.CANCEL})
SERVER_STEPS = frozenset({Step.USE, Step.NO_SHOW})

OFFICE_START, OFFICE_END = time(8, 30), time(17, 30)  # [K] customs office hours, Beijing time
MAX_SLOT = timedelta(hours=24)
MAX_CAPACITY = 1000
MAX_PATTERN_SLOTS = 3000
NO_SHOW_GRACE = timedelta(hours=1)  # a booking still open this long after its slot ends is a no-show
NEXT_FREE = 5  # how many free slots a 409 on a full slot proposes


def next_step(status: str, step: Step) -> Status | None:
    return TRANSITIONS.get((Status(status), step))


def off_hours(start: datetime, end: datetime) -> bool:
    """Whether any part of [start, end) lies outside office hours of a Chinese working day."""
    local_start, local_end = start.astimezone(CHINA_TZ), end.astimezone(CHINA_TZ)
    day = local_start.date()
    if not is_workday(day):
        return True
    opens = datetime.combine(day, OFFICE_START, CHINA_TZ)
    closes = datetime.combine(day, OFFICE_END, CHINA_TZ)
    return local_start < opens or local_end > closes


def day_matches(day: date, days: Days) -> bool:
    weekend = day.weekday() >= 5
    match days:
        case Days.ALL:
            return True
        case Days.WORKDAYS:
            return is_workday(day)
        case Days.REST_DAYS:
            return not is_workday(day)
        case Days.WEEKENDS:
            return weekend
        case Days.HOLIDAYS:
            return statutory_holiday(day) is not None
        case Days.MAKEUP_DAYS:
            return weekend and is_workday(day)
    return False  # pragma: no cover - every member is matched


@dataclass(frozen=True)
class Pattern:
    """A daily window ``daily_from``-``daily_to`` (Beijing time; past midnight when ``daily_to`` is
    not after ``daily_from``) on the chosen days from ``first`` to ``last``, cut into slots of
    ``slot_minutes`` (the whole window when 0)."""

    days: Days
    daily_from: time
    daily_to: time
    first: date
    last: date
    slot_minutes: int = 0

    def problem(self) -> str | None:
        if self.last < self.first:
            return N_("the pattern's last day is before its first")
        if (self.last - self.first).days > 366:
            return N_("a pattern covers at most a year")
        if self.slot_minutes < 0 or self.slot_minutes > 24 * 60:
            return N_("slot minutes must be between 0 and 1440")
        if self.daily_from == self.daily_to and self.slot_minutes == 0:
            return N_("a 24-hour window needs slot minutes")
        return None

    def windows(self) -> list[tuple[datetime, datetime]]:
        """The slots as UTC instants, in order."""
        out: list[tuple[datetime, datetime]] = []
        day = self.first
        while day <= self.last:
            if day_matches(day, self.days):
                start = datetime.combine(day, self.daily_from, CHINA_TZ)
                end_day = day if self.daily_to > self.daily_from else day + timedelta(days=1)
                end = datetime.combine(end_day, self.daily_to, CHINA_TZ)
                step = timedelta(minutes=self.slot_minutes) if self.slot_minutes else end - start
                at = start
                while at + step <= end:
                    out.append((at.astimezone(UTC), (at + step).astimezone(UTC)))
                    at += step
            day += timedelta(days=1)
        return out


def slot_problem(start: datetime, end: datetime, capacity: int, now: datetime) -> tuple[str, str] | None:
    """(pointer, why) of the first thing wrong with a slot, else None."""
    if end <= start:
        return "/end", N_("a slot ends after it starts")
    if end - start > MAX_SLOT:
        return "/end", N_("a slot lasts at most 24 hours")
    if end <= now:
        return "/end", N_("the slot is over")
    if not 1 <= capacity <= MAX_CAPACITY:
        return "/capacity", N_("capacity must be between 1 and 1000")
    return None
