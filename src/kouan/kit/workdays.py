"""Chinese working days (statutory holidays and adjusted weekends), via chinese-calendar.

chinese-calendar knows the State Council's holiday arrangements for the years it ships (2004 to
its release year). Beyond them only weekends are known, so Monday-Friday counts as a working day
and ``known`` says so.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def known(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def roll_forward(day: date) -> date:
    """The day itself if it is a working day, else the first working day after it (a time limit
    ending on a holiday or rest day runs to the next working day)."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def statutory_holiday(day: date) -> str | None:
    """The name of the statutory public holiday ``day`` falls in (``National Day``, ``Spring
    Festival`` …), None on a working day, a plain weekend or a year chinese-calendar does not know."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return str(name) if is_holiday and name else None
