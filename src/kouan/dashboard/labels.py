"""Words the charts show, in English and marked for Babel; the entry points translate them into the
request's language before the numbers leave the server (chart titles, axes and series names)."""

from __future__ import annotations

from kouan.events.domain import CLASSIFIER_NAMES


def N_(message: str) -> str:  # noqa: N802 - Babel's conventional marker name
    return message


DIRECTIONS = {"I": N_("Import"), "E": N_("Export")}

# Segment names come from the clock definitions (kouan.clearance.clocks); unknown ones show as-is.
SEGMENTS = {
    "preparation": N_("Preparation (entry to lodged)"),
    "customs": N_("Customs (lodged to release)"),
    "arrival_to_lodged": N_("Arrival to lodged"),
    "lodged_to_release": N_("Lodged to release"),
    "release_to_exit": N_("Release to exit"),
}

TITLES = {
    "trend": N_("Overall clearance time by month"),
    "segments": N_("Where the time goes: segment means"),
    "ports": N_("Port ranking by mean clearance time"),
    "facilitation": N_("Advance declaration and two-step usage"),
    "docking": N_("Partner docking status"),
    "gantt": N_("Consignment timeline"),
    "bulletin": N_("Clearance time against the national average and 2017"),
}

MONTH = N_("Month")
PARTIAL_MONTH = N_("%(month)s (partial)")  # the axis label of the month not over yet
PARTIAL_COLUMN = N_("Partial month")  # the CSV column: true for a figure of that month
PORT = N_("Port")
PARTNER = N_("Partner")
PERIOD = N_("Period")
OBJECT = N_("Object")
TIME = N_("Time (Beijing)")
HOURS = N_("Hours (h)")
PERCENT = N_("Share (%)")
COUNT = N_("Declarations")
EVENTS_PER_DAY = N_("Events per day (30 days)")
MEAN = N_("Mean clearance time")
NATIONAL = N_("National average")
HALVED = N_("Half of 2017")
BASELINE = N_("2017 baseline")
ADVANCE_RATE = N_("Advance-declaration rate")
TWO_STEP_SHARE = N_("Two-step share")
TWO_STEP_COUNT = N_("Two-step declarations")
ACTUAL_SHARE = N_("Actual share")
QUARANTINE_RATE = N_("Quarantine rate")
VALID_CONTAINERS = N_("Valid containers")
ALL = N_("All")
PANEL = N_("Panel")
SERIES = N_("Series")
VALUE = N_("Numeric value")
SPAN = N_("Span")
CLASSIFIERS = {c.value: name for c, name in CLASSIFIER_NAMES.items()}  # one vocabulary with the pages
DECLARATION = N_("Declaration")
MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"),
          N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))  # the bulletin calendar's columns
NO_DASHBOARD = N_("your role does not open the dashboard")  # the page's refusal (``access.can_view``)
DIRECTION = N_("Direction")
MODE = N_("Facilitation mode")
START = N_("Start")
END = N_("End")
HOURS_SHORT = N_("Hours")
SEGMENT = N_("Segment")
MILESTONE = N_("Milestone")
SOURCE = N_("Source")
OBJECT_KINDS = {"declaration": N_("Declaration"), "bill_of_lading": N_("Bill of lading"),
                "booking": N_("Booking"), "container": N_("Container"),
                "transport_call": N_("Transport call")}
FIGURE = N_("Figure")
PORTAL = N_("Kouan portal")  # the source "kouan": what was lodged and decided in Kouan itself
MODE_NOT_APPLIED = N_("The facilitation mode filter does not apply here: these rates are about the modes.")
