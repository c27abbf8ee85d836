"""Who sees which events of a consignment: the one policy, read by the timeline API and page, the
Gantt chart, the dashboard drill-down and its row links, and the README's "Who sees what".

A partner sees its own events, always (those its systems sent, and Kouan's events on a declaration
it lodged in Kouan). It sees the consignment *whole* — other parties' events and attributes — only
on a basis below, each read from facts no partner can forge (``consignments.stakes``); naming a
reference in an event never widens what its sender may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy.orm import Session

from kouan.consignments import repository as repo
from kouan.consignments import stakes
from kouan.events.domain import KOUAN_SOURCE
from kouan.events.models import Event
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal


class Basis(StrEnum):
    """Why an actor sees a consignment whole."""

    EVERYTHING = "everything"  # every consignment
    DISTRICT = "district"  # those of its customs district
    DECLARANT = "declarant"  # its declaration (declarant or consignee) holds the consignment
    CARRIER = "carrier"  # its manifest holds the consignment's bill of lading
    TERMINAL = "terminal"  # the consignment's call is at a port it operates at
    SHARED = "shared"  # a holder shared it explicitly


B = Basis
# What a *person* of each kind sees whole besides its own events. An API key gets the same minus
# EVERYTHING and DISTRICT: those stay with people, as every overseeing right does.
POLICY: dict[OrgKind, frozenset[Basis]] = {
    OrgKind.OPERATOR: frozenset({B.EVERYTHING}),
    OrgKind.PORT_OFFICE: frozenset({B.EVERYTHING}),
    OrgKind.CUSTOMS: frozenset({B.DISTRICT}),
    OrgKind.TRADER: frozenset({B.DECLARANT, B.SHARED}),
    OrgKind.BROKER: frozenset({B.DECLARANT, B.SHARED}),
    OrgKind.SHIPPING_LINE: frozenset({B.CARRIER, B.SHARED}),
    OrgKind.RAIL_OPERATOR: frozenset({B.CARRIER, B.SHARED}),
    OrgKind.TERMINAL: frozenset({B.TERMINAL, B.SHARED}),
    OrgKind.COMMERCE_BUREAU: frozenset(),  # statistics: lists every declaration, opens no timeline
    OrgKind.FEE_PUBLISHER: frozenset({B.SHARED}),
    OrgKind.INSURER: frozenset({B.SHARED}),
    OrgKind.BORDER_INSPECTION: frozenset({B.SHARED}),
    OrgKind.MARITIME: frozenset({B.SHARED}),
}
_PEOPLE_ONLY = frozenset({B.EVERYTHING, B.DISTRICT})
# Who may list every declaration behind a dashboard figure without opening their timelines.
LISTS_EVERY_DECLARATION = frozenset({OrgKind.COMMERCE_BUREAU})
# The bases that let their holder share a consignment further (a share is not passed on).
MAY_SHARE = frozenset({B.EVERYTHING, B.DECLARANT, B.CARRIER, B.TERMINAL})


class Sight(StrEnum):
    WHOLE = "whole"
    OWN = "own"  # only its own events, and the objects they name
    NONE = "none"


def bases(actor: Principal) -> frozenset[Basis]:
    if actor.kind == "system":
        return frozenset({B.EVERYTHING})
    found = POLICY.get(actor.org_kind, frozenset()) if actor.org_kind else frozenset()
    return found if actor.is_person else found - _PEOPLE_ONLY


def sees_everything(actor: Principal) -> bool:
    return B.EVERYTHING in bases(actor)


def whole(session: Session, actor: Principal, cids: Sequence[int],
          only: frozenset[Basis] | None = None) -> set[int]:
    """The consignments among ``cids`` the actor sees whole (on one of ``only``, if given)."""
    have = bases(actor) if only is None else bases(actor) & only
    if B.EVERYTHING in have:
        return set(cids)
    out: set[int] = set()
    if B.DISTRICT in have and actor.org_id is not None:
        org = partners_repo.get_org(session, actor.org_id)
        mine = org.customs_district if org else None
        out |= {c for c, ds in stakes.districts(session, cids).items() if mine and mine in ds}
    if actor.org_id is None:
        return out
    if B.DECLARANT in have:
        out |= {c for c, h in stakes.holders(session, cids, stakes.DECLARANT).items()
                if actor.org_id in h.org_ids}
    if B.CARRIER in have:
        out |= {c for c, h in stakes.holders(session, cids, stakes.CARRIER).items()
                if actor.org_id in h.org_ids}
    if B.TERMINAL in have and (ports := stakes.operating_ports(session, actor.org_id)):
        for role in stakes.ROLES:
            out |= {c for c, h in stakes.holders(session, cids, role).items() if h.port in ports}
    if B.SHARED in have:
        out |= stakes.shared_with(session, actor.org_id, cids)
    return out


def sights(session: Session, actor: Principal, cids: Sequence[int], *,
           container: str | None = None) -> dict[int, Sight]:
    """How much of each consignment the actor sees. ``container``: the container they were looked
    up by, whose trips the actor's own gate moves open (to its own events)."""
    seen = whole(session, actor, cids)
    rest = [c for c in cids if c not in seen]
    own: set[int] = set()
    if rest:
        own = stakes.with_own_events(session, org_id=actor.org_id, source=actor.org_code, cids=rest)
        if container:
            own |= stakes.container_trips_with_own_events(session, source=actor.org_code,
                                                          container=container, in_trip=repo.in_trip)
    return {c: Sight.WHOLE if c in seen else Sight.OWN if c in own else Sight.NONE for c in cids}


def may_share(session: Session, actor: Principal, cid: int) -> bool:
    """Whether the actor may grant a share of this consignment: a holder, or an overseer."""
    return actor.org_id is not None and cid in whole(session, actor, [cid], only=MAY_SHARE)


def own_records(session: Session, actor: Principal, numbers: Sequence[str]) -> set[str]:
    """Of these declaration numbers, those the actor lodged in Kouan or is consignee of."""
    if actor.org_id is None or not numbers:
        return set()
    return stakes.records_of(session, actor.org_id, numbers)


def is_own(actor: Principal, event: Event, records: set[str]) -> bool:
    """An event of the actor's own: sent by its systems, or Kouan's on a declaration it lodged."""
    if actor.org_code and event.source == actor.org_code:
        return True
    return event.source == KOUAN_SOURCE and any(
        kind == "declaration" and key in records for kind, key in event.refs)


def listed_declarations(session: Session, actor: Principal) -> set[str]:
    """The declarations a partner lists behind a dashboard figure: those it is the declarant or
    consignee of; a carrier's or terminal's, those of the consignments it holds."""
    have = bases(actor)
    if actor.org_id is None:
        return set()
    found: set[str] = set()
    if B.DECLARANT in have:
        found |= stakes.declared_by(session, actor.org_id)
    cids: set[int] = set()
    if B.CARRIER in have:
        cids |= stakes.held_by_carrier(session, actor.org_id)
    if B.TERMINAL in have:
        cids |= stakes.held_at_ports(session, stakes.operating_ports(session, actor.org_id))
    return found | repo.declarations_of(session, sorted(cids))


def listed_among(session: Session, actor: Principal, numbers: Sequence[str]) -> set[str]:
    """Of these declaration numbers (a figure's), those ``listed_declarations`` gives the actor: the
    same rule, at the cost of the numbers asked about, not of every declaration the partner ever
    held (a terminal's or a broker's is tens of thousands)."""
    have = bases(actor)
    if actor.org_id is None or not numbers:
        return set()
    found: set[str] = set()
    if B.DECLARANT in have:
        found |= stakes.declared_among(session, actor.org_id, numbers)
    if not have & {B.CARRIER, B.TERMINAL}:
        return found
    of = repo.consignments_of(session, numbers)
    cids = sorted(set(of.values()))
    held: set[int] = set()
    if B.CARRIER in have:
        carriers = stakes.holders(session, cids, stakes.CARRIER)
        held |= {c for c, h in carriers.items() if actor.org_id in h.org_ids}
    if B.TERMINAL in have and (ports := stakes.operating_ports(session, actor.org_id)):
        for role in stakes.ROLES:
            held |= {c for c, h in stakes.holders(session, cids, role).items() if h.port in ports}
    return found | {n for n, c in of.items() if c in held}
