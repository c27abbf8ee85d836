"""Who may state which fact: one declared table, read by ingestion, the docs and the tests.
Pure: the standard library and the event and partner vocabularies only.

Every milestone that moves a workflow (the arrival match) or a clock (clearance cases) names the
senders entitled to state it, by organisation kind *and* relationship to the event:

- ``AT_PORT``: the sender operates at the event's port (its ``home_port``: a terminal, a supervised
  place, a rail station's operator);
- ``CARRIER``: the sender is the carrier of the call or B/L the event names: the call key's vessel
  (``IMO/VOYAGE/PORT``) is in its fleet, or the B/L number starts with one of its carrier codes
  (SCAC, as the DCSA ``carrierCode``);
- ``DISTRICT``: customs of the event's district (the port's customs district, else the district of
  the declaration number's first two digits) is the sender's ``customs_district``;
- ``ANY``: any sender of the kind (the relationship cannot be established: see ``UNESTABLISHED``).

Fleet, carrier codes, home port, district and kind are set by the port office only, never by the
organisation itself. An event from a sender not entitled to state it is stored as a *claim*: it is
shown (marked) and counted on the docking view, and never acted on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from kouan.events.domain import CanonicalEvent, Milestone, RefKind
from kouan.partners.domain import OrgKind

ENTITLED = "entitled"
CLAIM = "claim"


class Relation(StrEnum):
    AT_PORT = "at_port"
    CARRIER = "carrier"
    DISTRICT = "district"
    ANY = "any"


M, K, R = Milestone, OrgKind, Relation
_CALL_SIDE = {(K.TERMINAL, R.AT_PORT), (K.SHIPPING_LINE, R.CARRIER), (K.RAIL_OPERATOR, R.AT_PORT),
              (K.MARITIME, R.AT_PORT)}
_CUSTOMS = {(K.CUSTOMS, R.DISTRICT)}
_DECLARANT = {(K.TRADER, R.ANY), (K.BROKER, R.ANY), (K.CUSTOMS, R.DISTRICT)}

# milestone -> the (kind, relation) pairs entitled to state it. A milestone missing here is stated
# by nobody but Kouan (a test fails when one is added to the vocabulary without an entry).
TABLE: dict[Milestone, frozenset[tuple[OrgKind, Relation]]] = {m: frozenset(v) for m, v in {
    M.TRANSPORT_ENTRY_DECLARED: {(K.SHIPPING_LINE, R.CARRIER), (K.RAIL_OPERATOR, R.AT_PORT), *_CUSTOMS},
    M.TRANSPORT_ARRIVED: _CALL_SIDE,
    M.TRANSPORT_DEPARTED: _CALL_SIDE,
    M.TRANSPORT_CHECK_DONE: {*_CUSTOMS, (K.BORDER_INSPECTION, R.AT_PORT), (K.MARITIME, R.AT_PORT)},
    M.TRANSPORT_CLEARED: {*_CUSTOMS, (K.BORDER_INSPECTION, R.AT_PORT), (K.MARITIME, R.AT_PORT)},
    M.MANIFEST_FILED: {(K.SHIPPING_LINE, R.CARRIER), *_CUSTOMS},
    # 运抵: the terminal or supervised place at that port (a rail station's operator for a train).
    M.GOODS_ARRIVED_AT_PORT: {(K.TERMINAL, R.AT_PORT), (K.RAIL_OPERATOR, R.AT_PORT)},
    M.DISCHARGED: {(K.TERMINAL, R.AT_PORT), (K.SHIPPING_LINE, R.CARRIER), (K.RAIL_OPERATOR, R.AT_PORT)},
    M.LOADED: {(K.TERMINAL, R.AT_PORT), (K.SHIPPING_LINE, R.CARRIER), (K.RAIL_OPERATOR, R.AT_PORT)},
    M.GATE_OUT: {(K.TERMINAL, R.AT_PORT), (K.RAIL_OPERATOR, R.AT_PORT)},
    M.DECLARATION_LODGED: _DECLARANT,
    M.DECLARATION_COMPLETED: _DECLARANT,
    M.DECLARATION_ACCEPTED: _CUSTOMS,
    M.DECLARATION_RETURNED: _CUSTOMS,
    M.INSPECTION_ORDERED: _CUSTOMS,
    M.INSPECTION_DONE: _CUSTOMS,
    M.CUSTOMS_HOLD: _CUSTOMS,
    M.CUSTOMS_RELEASED: _CUSTOMS,
    M.MARKET_RELEASED: _CUSTOMS,
    M.DECLARATION_CLOSED: _CUSTOMS,
    # A code Kouan cannot map moves nothing: whoever sends it states it.
    M.OTHER: {(k, R.ANY) for k in OrgKind},
}.items()}

# Relationships Kouan cannot establish from data no partner can forge (the README says so).
UNESTABLISHED = {
    (K.TRADER, M.DECLARATION_LODGED): "a declaration lodged outside Kouan names no declarant Kouan knows",
    (K.BROKER, M.DECLARATION_LODGED): "a declaration lodged outside Kouan names no declarant Kouan knows",
}


@dataclass(frozen=True)
class Sender:
    """What entitlement needs to know of the sending organisation (looked up once per batch)."""

    kind: OrgKind | None = None
    home_port: str | None = None
    customs_district: str | None = None
    fleet: frozenset[str] = frozenset()  # IMO numbers of the vessels it operates
    carrier_codes: frozenset[str] = frozenset()  # SCAC codes: its B/L numbers start with one
    trusted: bool = False  # Kouan itself (source ``kouan``): its workflows' own facts


KOUAN = Sender(trusted=True)
UNKNOWN = Sender()  # a source no organisation answers for: every event it sends is a claim


def sender_of(kind: str | None, *, home_port: str | None = None, customs_district: str | None = None,
              fleet: Iterable[str] = (), carrier_codes: Iterable[str] = ()) -> Sender:
    try:
        org_kind = OrgKind(kind) if kind else None
    except ValueError:
        org_kind = None
    return Sender(org_kind, home_port, customs_district, frozenset(str(v) for v in fleet),
                  frozenset(str(c).upper() for c in carrier_codes))


def _district(e: CanonicalEvent, districts: Mapping[str, str | None]) -> str | None:
    if e.port:
        return districts.get(e.port)
    numbers = [k for k in e.keys(RefKind.DECLARATION) if k[:2].isdigit()]
    return f"{numbers[0][:2]}00" if numbers else None


def _carries(s: Sender, e: CanonicalEvent) -> bool:
    calls = e.keys(RefKind.TRANSPORT_CALL)
    if calls and any(c.split("/", 1)[0] in s.fleet for c in calls):
        return True
    return any(bl.startswith(code) for bl in e.keys(RefKind.BILL_OF_LADING) for code in s.carrier_codes)


def _holds(s: Sender, rel: Relation, e: CanonicalEvent, districts: Mapping[str, str | None]) -> bool:
    if rel == R.ANY:
        return True
    if rel == R.AT_PORT:
        return s.home_port is not None and e.port == s.home_port
    if rel == R.CARRIER:
        return _carries(s, e)
    return s.customs_district is not None and _district(e, districts) == s.customs_district


@cache
def relations(kind: OrgKind) -> dict[str, tuple[Relation, ...]]:
    """The table read for one kind: milestone -> the relations that entitle a sender of that kind
    (built once per kind: ingestion judges every event of a batch against it)."""
    out: dict[str, tuple[Relation, ...]] = {}
    for milestone, pairs in TABLE.items():
        rels = tuple(sorted({rel for k, rel in pairs if k == kind}))
        if rels:
            out[milestone.value] = rels
    return out


def entitled(s: Sender, e: CanonicalEvent, districts: Mapping[str, str | None]) -> bool:
    """Whether ``s`` may state ``e``; ``districts`` maps the event's port to its customs district."""
    if s.trusted:
        return True
    if s.kind is None:
        return False
    rels = relations(s.kind).get(e.milestone)
    return rels is not None and any(_holds(s, rel, e, districts) for rel in rels)


def authority(s: Sender, e: CanonicalEvent, districts: Mapping[str, str | None]) -> str:
    return ENTITLED if entitled(s, e, districts) else CLAIM


def needs_districts(s: Sender) -> bool:
    """Whether judging this sender's events reads the ports' districts (only customs' do)."""
    return not s.trusted and s.kind == K.CUSTOMS
