"""What the home page says Kouan does: ONE list, of what works today.

A feature that lands adds its entry here (a title, one sentence, the page it opens); the home page
renders the list as it is, so it never advertises what is not there. ``tests/web/test_home.py``
opens every entry's page.
"""

from __future__ import annotations

from dataclasses import dataclass

from kouan.web.vocabulary import N_


@dataclass(frozen=True)
class Feature:
    title: str  # English msgid; the page shows it in its language
    text: str
    href: str  # the page it opens (public, or the login first)


FEATURES: list[Feature] = [
    Feature(N_("Clearance logistics evaluation"),
            N_("Ports, shipping lines and customs send their events as JSON, DCSA Track & Trace or "
               "UN/EDIFACT. Kouan links them into consignments: declaration, bill of lading, "
               "container and vessel call."), "/docking"),
    Feature(N_("Clearance-time analytics"),
            N_("Overall and per-segment clearance time by port, month, direction, facilitation mode "
               "and commodity, against the national average and the 2017 baseline, with a monthly "
               "bulletin."), "/dashboard"),
    Feature(N_("Declarations and facilitation"),
            N_("Advance declaration, two-step declaration, two-stage admission, release before "
               "inspection, ship-side pick-up and more, each step recorded as an event."),
            "/declarations"),
    Feature(N_("Ship-side pick-up appointments"),
            N_("A declarant books the terminal's slot for ship-side pick-up or direct loading; the "
               "terminal records the lift."), "/appointments"),
    Feature(N_("Public bulletins"),
            N_("The month's clearance time of each province, printable, without logging in."),
            "/bulletins"),
    Feature(N_("Open API"),
            N_("Every figure and every step through a documented HTTP API with partner keys."),
            "/docs"),
]
