"""Who holds a stake in a consignment, read from facts no partner can forge. SQL only.

The policy that uses these answers is ``consignments.visibility``. A stake comes from a statement by
a party with authority over the shipment, never from an event that merely names one of its keys:

- the declarant's: a declaration lodged in Kouan (its declarant and consignee), or, for a
  declaration Kouan holds no record of, the first trader or broker whose feed reported lodging it
  (``DECLARATION_LODGED``; a later report by someone else is a claim);
- the carrier's: the first shipping line or rail operator that filed a manifest naming one of its
  bills of lading (``MANIFEST_FILED``);
- of each role, only the *earliest* such statement on the consignment holds the stake: an event
  naming an existing bill of lading joins consignments (``consignments.service``), so a party that
  lodges its own declaration naming another's bill of lading does not thereby hold the joined one;
- the terminal's: the port of those holding statements, the call the goods really used;
- an explicit share (``ConsignmentShare``) granted by a holder.

Every read is a join on indexed keys, chunked over consignment ids (``events.repository.in_chunks``),
so its cost follows the consignments asked about, never the size of a hub or a partner's feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from kouan.consignments.models import ConsignmentHub, ConsignmentMember, ConsignmentShare
from kouan.declarations.models import DeclarationRecord
from kouan.events import repository as events_repo
from kouan.events.domain import Milestone, RefKind
from kouan.events.models import Event, EventRef
from kouan.partners.domain import OrgKind
from kouan.partners.models import Organisation
from kouan.ports.models import Port

DECLARANT, CARRIER = "declarant", "carrier"
# The statement that makes its sender the holder of a shipment key, and who may make it.
ROLES: dict[str, tuple[Milestone, RefKind, frozenset[OrgKind]]] = {
    DECLARANT: (Milestone.DECLARATION_LODGED, RefKind.DECLARATION,
                frozenset({OrgKind.TRADER, OrgKind.BROKER})),
    CARRIER: (Milestone.MANIFEST_FILED, RefKind.BILL_OF_LADING,
              frozenset({OrgKind.SHIPPING_LINE, OrgKind.RAIL_OPERATOR})),
}
CM = ConsignmentMember


@dataclass(frozen=True)
class Holder:
    """The earliest holding statement of one role on one consignment."""

    at: datetime
    org_ids: frozenset[int]
    port: str | None
    district: str | None


def operating_ports(session: Session, org_id: int | None) -> set[str]:
    """The ports an organisation operates at (a terminal's facility). Today its home port; kept in
    this one function so a list of operated ports replaces it in one place."""
    if org_id is None:
        return set()
    org = session.get(Organisation, org_id)
    return {org.home_port} if org is not None and org.home_port else set()


def _statements(role: str) -> tuple[Select, type[EventRef], type[Event], type[Organisation]]:
    """(consignment, received_at, sender org, port, port's district) of every holding statement:
    from a sender entitled to make it, and with no earlier one on the same key by another."""
    milestone, kind, senders = ROLES[role]
    kinds = sorted(k.value for k in senders)
    r, e, o = aliased(EventRef), aliased(Event), aliased(Organisation)
    r2, e2, o2 = aliased(EventRef), aliased(Event), aliased(Organisation)
    earlier = (select(e2.id).select_from(r2).join(e2, e2.id == r2.event_pk)
               .join(o2, o2.code == e2.source)
               .where(r2.kind == r.kind, r2.key == r.key, e2.milestone == milestone.value,
                      e2.source != e.source, o2.kind.in_(kinds), e2.id < e.id))
    stmt = (select(CM.consignment_id, e.received_at, o.id, e.port, Port.customs_district)
            .select_from(r).join(e, e.id == r.event_pk).join(o, o.code == e.source)
            .join(CM, (CM.kind == r.kind) & (CM.key == r.key))
            .outerjoin(Port, Port.locode == e.port)
            .where(r.kind == kind.value, e.milestone == milestone.value, o.kind.in_(kinds),
                   ~earlier.exists()))
    if role == DECLARANT:  # Kouan's own record names the declarant of a declaration lodged here
        stmt = stmt.where(~select(DeclarationRecord.id).where(DeclarationRecord.number == r.key).exists())
    return stmt, r, e, o


def _records() -> Select:
    d = DeclarationRecord
    return (select(CM.consignment_id, d.created_at, d.declarant_org_id, d.consignee_org_id, d.port,
                   d.customs_district)
            .join(d, (CM.kind == RefKind.DECLARATION.value) & (d.number == CM.key)))


def _keep_earliest(out: dict[int, Holder], cid: int, holder: Holder) -> None:
    if cid not in out or holder.at < out[cid].at:
        out[cid] = holder


def holders(session: Session, cids: Sequence[int], role: str) -> dict[int, Holder]:
    """The holder of ``role`` on each of these consignments that has one."""
    out: dict[int, Holder] = {}
    stmt = _statements(role)[0]
    for matching in events_repo.in_chunks(session, CM.consignment_id, sorted(set(cids))):
        for cid, at, org_id, port, district in session.execute(stmt.where(matching)):
            _keep_earliest(out, cid, Holder(at, frozenset({org_id}), port, district))
        if role == DECLARANT:
            for cid, at, declarant, consignee, port, district in session.execute(_records().where(matching)):
                orgs = frozenset(o for o in (declarant, consignee) if o is not None)
                _keep_earliest(out, cid, Holder(at, orgs, port, district))
    return out


def districts(session: Session, cids: Sequence[int]) -> dict[int, set[str]]:
    """The customs districts each consignment belongs to: those of its declarations (Kouan's record,
    else the number's lodging customs, as ``clearance_case.customs_district`` reads it) and of the
    ports its holders name."""
    out: dict[int, set[str]] = {}
    for matching in events_repo.in_chunks(session, CM.consignment_id, sorted(set(cids))):
        rows = session.execute(select(CM.consignment_id, CM.key).where(
            CM.kind == RefKind.DECLARATION.value, matching))
        for cid, number in rows:
            if number[:2].isdigit():
                out.setdefault(cid, set()).add(f"{number[:2]}00")
        for cid, *_rest, district in session.execute(_records().where(matching)):
            out.setdefault(cid, set()).add(district)
    for role in ROLES:
        for cid, h in holders(session, cids, role).items():
            if h.district:
                out.setdefault(cid, set()).add(h.district)
    return out


def shared_with(session: Session, org_id: int, cids: Sequence[int]) -> set[int]:
    out: set[int] = set()
    s = ConsignmentShare
    for matching in events_repo.in_chunks(session, CM.consignment_id, sorted(set(cids))):
        out.update(session.scalars(select(CM.consignment_id).join(
            s, (s.kind == CM.kind) & (s.key == CM.key)).where(s.org_id == org_id, matching)))
    return out


def with_own_events(session: Session, *, org_id: int | None, source: str | None,
                    cids: Sequence[int]) -> set[int]:
    """Consignments holding an event of the organisation's own on one of their shipment keys, or a
    declaration it lodged in Kouan (whose events carry the source ``kouan``)."""
    out: set[int] = set()
    d = DeclarationRecord
    for matching in events_repo.in_chunks(session, CM.consignment_id, sorted(set(cids))):
        if source:
            out.update(session.scalars(
                select(CM.consignment_id)
                .join(EventRef, (EventRef.kind == CM.kind) & (EventRef.key == CM.key))
                .join(Event, Event.id == EventRef.event_pk).where(Event.source == source, matching)
                .distinct()))
        if org_id is not None:
            out.update(session.scalars(select(CM.consignment_id).join(
                d, (CM.kind == RefKind.DECLARATION.value) & (d.number == CM.key)).where(
                (d.declarant_org_id == org_id) | (d.consignee_org_id == org_id), matching)))
    return out


def container_trips_with_own_events(session: Session, *, source: str | None, container: str,
                                    in_trip: object) -> set[int]:
    """The trips of one container (its consignments) during which the organisation's own systems
    reported it: a terminal's gate move is its own event on that trip's timeline."""
    if not source:
        return set()
    times = list(session.scalars(select(Event.occurred_at).join(EventRef, EventRef.event_pk == Event.id)
                                 .where(EventRef.kind == RefKind.CONTAINER.value,
                                        EventRef.key == container, Event.source == source)))
    links = sorted(session.execute(select(ConsignmentHub.linked_at, ConsignmentHub.consignment_id).where(
        ConsignmentHub.kind == RefKind.CONTAINER.value, ConsignmentHub.key == container)).all())
    out: set[int] = set()
    for n, (linked_at, cid) in enumerate(links):
        end = next((at for at, other in links[n + 1:] if other != cid and at > linked_at), None)
        if any(in_trip(at, linked_at, end) for at in times):  # type: ignore[operator]
            out.add(cid)
    return out


# --- reverse: which consignments an organisation holds (the drill-down's lists) ----------------

def declared_by(session: Session, org_id: int) -> set[str]:
    """The declarations an organisation is the declarant (or consignee) of: lodged in Kouan, or
    first reported lodged by its own feed."""
    d = DeclarationRecord
    found = set(session.scalars(select(d.number).where(
        (d.declarant_org_id == org_id) | (d.consignee_org_id == org_id))))
    stmt, r, _e, o = _statements(DECLARANT)
    found.update(session.scalars(stmt.where(o.id == org_id).with_only_columns(r.key).distinct()))
    return found


def held_by_carrier(session: Session, org_id: int) -> set[int]:
    """Consignments whose carrier (``holders(..., CARRIER)``) is this organisation."""
    stmt, _r, _e, o = _statements(CARRIER)
    candidates = set(session.scalars(stmt.where(o.id == org_id).with_only_columns(CM.consignment_id)))
    return {cid for cid, h in holders(session, sorted(candidates), CARRIER).items() if org_id in h.org_ids}


def held_at_ports(session: Session, ports: set[str]) -> set[int]:
    """Consignments whose holders name one of these ports: the terminal's calls."""
    if not ports:
        return set()
    candidates = set(session.scalars(_records().where(DeclarationRecord.port.in_(sorted(ports)))
                                     .with_only_columns(CM.consignment_id)))
    for role in ROLES:
        stmt, _r, e, _o = _statements(role)
        candidates.update(session.scalars(stmt.where(e.port.in_(sorted(ports)))
                                          .with_only_columns(CM.consignment_id)))
    found: set[int] = set()
    for role in ROLES:
        found.update(cid for cid, h in holders(session, sorted(candidates), role).items() if h.port in ports)
    return found


def declared_among(session: Session, org_id: int, numbers: Sequence[str]) -> set[str]:
    """Of these declaration numbers, those ``declared_by`` the organisation: the same rule, asked
    about a figure's few hundred declarations instead of every one the organisation ever lodged."""
    d = DeclarationRecord
    stmt, r, _e, o = _statements(DECLARANT)
    found: set[str] = set()
    for chunk in events_repo.chunks(sorted(set(numbers))):
        found.update(session.scalars(select(d.number).where(
            (d.declarant_org_id == org_id) | (d.consignee_org_id == org_id), d.number.in_(chunk))))
        found.update(session.scalars(stmt.where(o.id == org_id, r.key.in_(chunk))
                                     .with_only_columns(r.key).distinct()))
    return found


def records_of(session: Session, org_id: int, numbers: Sequence[str]) -> set[str]:
    """Of these declaration numbers, those lodged in Kouan by ``org_id`` or naming it as consignee."""
    d = DeclarationRecord
    out: set[str] = set()
    for matching in events_repo.in_chunks(session, d.number, sorted(set(numbers))):
        out.update(session.scalars(select(d.number).where(
            (d.declarant_org_id == org_id) | (d.consignee_org_id == org_id), matching)))
    return out
