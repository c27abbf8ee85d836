"""Who may open the dashboard, and so where a person lands after logging in. Pure rules.

The dashboard's figures are the province's and the nation's; the drill-down then lists only the
declarations the person may see (``drill.listing_of``). So every logged-in person's role may open it;
an API key may not (its data comes from ``/api/v1/dashboard``). Keep the page check, the landing
page and the navigation on this one rule.
"""

from __future__ import annotations

from kouan.partners.domain import Principal

DASHBOARD = "/dashboard"
HOME = "/"


def can_view(principal: Principal | None) -> bool:
    return principal is not None and principal.is_person


def landing_page(principal: Principal | None) -> str:
    """Where a person goes after logging in (without a ``next=``) and from ``/``."""
    return DASHBOARD if can_view(principal) else HOME
