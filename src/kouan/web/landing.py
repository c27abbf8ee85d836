"""Where a person lands after logging in (without a ``next=``) and from ``/``: ONE table.

``LANDING`` maps an organisation's kind to the page made for its people's work; a path may name
``{org_id}`` (the person's own organisation). A feature that gives a role its own page points the
role here (fee publication, risk and inspection, appointments and the quick-response desk,
export-credit insurance), and nowhere else. ``tests/web/test_landing.py`` opens every entry as a
person of that kind and wants a 200; the README's landing table is this one.
"""

from __future__ import annotations

from kouan.partners.domain import OrgKind, Principal

HOME = "/"
DASHBOARD = "/dashboard"

LANDING: dict[OrgKind, str] = {
    OrgKind.OPERATOR: DASHBOARD,
    OrgKind.PORT_OFFICE: DASHBOARD,  # clearance time of the province against the nation and 2017
    OrgKind.CUSTOMS: "/customs/queue",  # declarations waiting for the district's decision
    OrgKind.TRADER: "/declarations",  # its declarations; lodge a new one
    OrgKind.BROKER: "/declarations",
    OrgKind.TERMINAL: "/slots",  # its 7×24 slots and the day's bookings (ship-side pick-ups among them)
    OrgKind.SHIPPING_LINE: "/docking",  # how its feed is received: volume, latency, quarantine
    OrgKind.RAIL_OPERATOR: "/docking",
    OrgKind.FEE_PUBLISHER: "/fees/publish",  # its own published fee lists: edit, import, versions
    OrgKind.INSURER: "/insurance",  # export-credit-insurance applications addressed to it
    OrgKind.COMMERCE_BUREAU: "/insurance/statistics",  # inclusive cover by city and month; the ceiling
    OrgKind.BORDER_INSPECTION: "/docking",  # its vessel-check feed
    OrgKind.MARITIME: "/docking",
}


def landing_page(principal: Principal | None) -> str:
    """The page of ``LANDING`` for a logged-in person; home for anyone else."""
    if principal is None or not principal.is_person or principal.org_kind is None:
        return HOME
    return LANDING.get(principal.org_kind, DASHBOARD).format(org_id=principal.org_id)


def markdown_table() -> str:
    """``LANDING`` as the README's table."""
    rows = ["| organisation kind | lands on |", "| --- | --- |"]
    rows += [f"| `{kind.value}` | `{path}` |" for kind, path in LANDING.items()]
    return "\n".join(rows)
