"""Who may change what of an organisation. Pure rules: no web, no database.

An organisation's attributes that grant rights — its kind, code, customs district, home port,
USCC, credit rating, whether it is active — are set by the port office (the credit rating also by
customs of the enterprise's district), never by the organisation itself: a customs admin moving its
own district would see another district's declarations, a trader raising its own rating would
qualify for two-step declaration. An organisation's admins change what only describes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from kouan.partners.domain import OrgKind, Principal, Role

SELF_EDITABLE = frozenset({"name", "name_en", "province", "timezone"})
# fleet and carrier codes entitle a shipping line to state its calls' facts (events.authority)
GOVERNED = frozenset({"code", "kind", "customs_district", "home_port", "uscc", "credit_rating", "active",
                      "fleet", "carrier_codes"})
RATED_KINDS = frozenset({OrgKind.TRADER, OrgKind.BROKER})
_OVERSEERS = frozenset({OrgKind.OPERATOR, OrgKind.PORT_OFFICE})


def rates(actor: Principal, *, org_kind: str, org_district: str | None,
          actor_district: str | None) -> bool:
    """Customs rate the credit of the traders and brokers registered in their own district."""
    return (actor.is_person and actor.org_kind == OrgKind.CUSTOMS and actor.role != Role.VIEWER
            and org_kind in RATED_KINDS and org_district is not None and org_district == actor_district)


def may_change(actor: Principal, field: str, *, own: bool, rater: bool) -> bool:
    """May ``actor`` change ``field`` of an organisation (``own``: the actor's own; ``rater``: see
    ``rates``)?"""
    if actor.kind == "system":
        return True
    if not actor.is_person or actor.role != Role.ADMIN and not (rater and field == "credit_rating"):
        return False
    if actor.org_kind in _OVERSEERS:
        return True
    if field == "credit_rating":
        return rater
    return own and field in SELF_EDITABLE


def refused(actor: Principal, fields: Iterable[str], *, own: bool, rater: bool) -> list[str]:
    """The fields of a change the actor may not make, in a stable order."""
    return sorted(f for f in set(fields) if not may_change(actor, f, own=own, rater=rater))
