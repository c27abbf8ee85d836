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
    Feature(N_("Port-fee publication"),
            N_("Every port's published fee lists by payee, with their versions and changes, and an "
               "itemised estimate for one shipment, without logging in."), "/fees"),
    Feature(N_("Risk targeting and inspection"),
            N_("Targeting rules and recorded random draws give each declaration its lane; no "
               "inspection without a cause; physical, scan, remote video, drone draft survey and lab "
               "records; green channels."), "/inspection"),
    Feature(N_("7×24 appointment clearance"),
            N_("Customs units and terminals publish slots for nights, weekends and holidays; "
               "traders book them, never beyond capacity."), "/slots"),
    Feature(N_("24-hour quick-response desk"),
            N_("Enterprises report a clearance problem; the port office dispatches it, with response "
               "and resolution clocks and escalation."), "/desk"),
    Feature(N_("Export credit insurance"),
            N_("Small and micro exporters apply for the inclusive cover, prefilled from their export "
               "declarations; the insurer decides through its pages or API."), "/insurance"),
    Feature(N_("Vessel schedule and port gathering"),
            N_("For an export booking: the call's estimated, planned and actual times, the cut-off and "
               "how many boxes have reached the port."), "/gathering"),
    Feature(N_("Open API"),
            N_("Every figure and every step through a documented HTTP API with partner keys."),
            "/docs"),
]
