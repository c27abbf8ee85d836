"""Who may open the dashboard. Pure rules (where a person lands is ``web.landing.LANDING``).

The dashboard's figures are the province's and the nation's; the drill-down then lists only the
declarations the person may see (``drill.listing_of``). So every logged-in person's role may open it;
an API key may not (its data comes from ``/api/v1/dashboard``). Keep the page check and the
navigation on this one rule.
"""

from __future__ import annotations

from kouan.partners.domain import Principal


def can_view(principal: Principal | None) -> bool:
    return principal is not None and principal.is_person
