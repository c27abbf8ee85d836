"""A consignment's timeline, object by object: what happened to its declaration, bill of lading,
containers and transport calls, from every partner, in time order.

Which events belong to a consignment:
- every event naming one of its shipment keys (declaration, bill of lading, booking);
- events naming one of its containers during this trip: from 30 days before the container was first
  linked to the consignment until it was linked to the next one (containers are reused), and naming
  no shipment key of another consignment nor, where it has calls, a call it did not use
  (``repository.of_this_trip``);
- events naming one of its transport calls (any alias) and no container or shipment key: the
  vessel's own arrival, departure and entry declaration, read through ``call_event``
  (``events.models.CallEvent``), never by walking every event that names the call: a call of
  10,000 boxes has 20,000 of those and a handful of its own.

Who sees which of them is ``consignments.visibility`` (``for_ref``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.consignments import repository as repo
from kouan.consignments import visibility
from kouan.consignments.models import ConsignmentHub, ConsignmentMember, ConsignmentShare
from kouan.events import repository as events_repo
from kouan.events.domain import RefKind
from kouan.events.models import Event
from kouan.kit.errors import N_, NotFound
from kouan.partners.domain import Principal

SHIPMENT = {RefKind.DECLARATION.value, RefKind.BILL_OF_LADING.value, RefKind.BOOKING.value}


@dataclass
class TimelineObject:
    kind: str
    key: str
    event_pks: list[int] = field(default_factory=list)
    linked_at: datetime | None = None


@dataclass
class Timeline:
    consignment_id: int
    objects: list[TimelineObject]
    events: list[Event]
    other_consignments: list[int] = field(default_factory=list)  # other trips of a looked-up hub


def resolve(session: Session, ref: str) -> tuple[int, list[int]]:
    """The consignment a reference belongs to (a hub: its latest trip), and other candidates."""
    cids, _hub = candidates(session, ref)
    return cids[0], cids[1:]


def candidates(session: Session, ref: str) -> tuple[list[int], str | None]:
    """The consignments a reference names, latest first (a hub names several trips), and the hub's
    kind when it is one."""
    cid = repo.member_consignment(session, ref)
    if cid is not None:
        return [cid], None
    trips = repo.hub_consignments(session, ref)
    if not trips:
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    return list(dict.fromkeys(t[0] for t in trips)), trips[0][1]


def build(session: Session, cid: int) -> Timeline:
    """Every event of the consignment, whoever sent it (see the module docstring)."""
    if repo.get(session, cid) is None:
        raise NotFound(N_("no consignment %(cid)s"), params={"cid": cid})
    return build_many(session, [cid])[cid]


def build_many(session: Session, cids: Sequence[int]) -> dict[int, Timeline]:
    """``build`` for each of these consignments, in a few statements per chunk of them whatever
    their number: the refresh reads its dirty consignments this way. Each read is by indexed key:
    a consignment's members, hubs and their events, its calls' aliases and own events
    (``call_event``), never the events of the other boxes its calls carried. Consignments that do
    not exist (absorbed by a merge) are left out."""
    cids = sorted(set(cids))
    members: dict[int, list[ConsignmentMember]] = {}
    hubs: dict[int, list[ConsignmentHub]] = {}
    for m in repo.members_of(session, cids):
        members.setdefault(m.consignment_id, []).append(m)
    for h in repo.hubs_of(session, cids):
        hubs.setdefault(h.consignment_id, []).append(h)
    existing = repo.existing(session, cids)
    calls = {cid: [h.key for h in hubs.get(cid, []) if h.kind == RefKind.TRANSPORT_CALL.value]
             for cid in cids}
    groups = repo.alias_groups(session, sorted({k for ks in calls.values() for k in ks}))
    names = {cid: repo.with_aliases(ks, groups) for cid, ks in calls.items()}

    # Which events name what: shipment keys, containers, the calls' own events.
    shipment_keys = {(m.kind, m.key) for ms in members.values() for m in ms}
    boxes = sorted({h.key for hs in hubs.values() for h in hs if h.kind == RefKind.CONTAINER.value})
    naming = events_repo.ref_rows(session, [*sorted(shipment_keys),
                                            *((RefKind.CONTAINER.value, b) for b in boxes)])
    by_call = events_repo.call_event_rows(session, sorted({n for ns in names.values() for n in ns}))
    trips = repo.container_links(session, boxes)
    pks = {pk for rows in naming.values() for pk in rows} | {pk for rows in by_call.values() for pk in rows}
    loaded = {e.id: e for e in events_repo.events_by_pks(session, sorted(pks))}

    out: dict[int, Timeline] = {}
    for cid in cids:
        if cid not in existing:
            continue
        ms, hs = members.get(cid, []), hubs.get(cid, [])
        shipment = {(m.kind, m.key) for m in ms}
        calls_used = names[cid]
        found: dict[int, Event] = {}
        for ref in sorted(shipment):
            found.update((pk, loaded[pk]) for pk in naming.get(ref, ()) if pk in loaded)
        for h in hs:
            if h.kind != RefKind.CONTAINER.value:
                continue
            end = repo.next_trip_start_in(trips.get(h.key, []), cid, h.linked_at)
            for pk in naming.get((RefKind.CONTAINER.value, h.key), ()):
                e = loaded.get(pk)
                if e is not None and repo.in_trip(e.occurred_at, h.linked_at, end) \
                        and repo.of_this_trip(e.refs, shipment, calls_used):
                    found[e.id] = e
        for name in sorted(calls_used):
            for pk in by_call.get(name, ()):
                e = loaded.get(pk)
                # The call's own events: every ref a transport call.
                if e is not None and e.refs and all(kind == "transport_call" for kind, _ in e.refs):
                    found[e.id] = e
        ordered = sorted(found.values(), key=lambda e: (e.occurred_at, e.id))
        objects = [TimelineObject(m.kind, m.key) for m in ms]
        objects += [TimelineObject(h.kind, h.key, linked_at=h.linked_at) for h in hs]
        aliases = {k: repo.with_aliases([k], groups) for k in calls[cid]}
        for obj in objects:
            keys = aliases.get(obj.key, {obj.key}) if obj.kind == "transport_call" else {obj.key}
            obj.event_pks = [e.id for e in ordered if any(k == obj.kind and v in keys for k, v in e.refs)]
        out[cid] = Timeline(consignment_id=cid, objects=objects, events=ordered)
    return out


def restrict(session: Session, actor: Principal, timeline: Timeline) -> Timeline:
    """The actor's own events of the timeline, and only the objects they name: another party's
    attributes, events and even the keys of its shipment stay unseen."""
    numbers = [o.key for o in timeline.objects if o.kind == RefKind.DECLARATION.value]
    records = visibility.own_records(session, actor, numbers)
    own = [e for e in timeline.events if visibility.is_own(actor, e, records)]
    keep = {e.id for e in own}
    objects = [TimelineObject(o.kind, o.key, [pk for pk in o.event_pks if pk in keep], o.linked_at)
               for o in timeline.objects]
    return Timeline(consignment_id=timeline.consignment_id, objects=[o for o in objects if o.event_pks],
                    events=own)


def for_ref(session: Session, *, actor: Principal, ref: str) -> Timeline:
    """The consignment ``ref`` names, as ``actor`` may see it (``visibility.sights``): whole, or
    only its own events. A container or call names several trips: the actor gets the latest one it
    sees anything of, and only the others it sees are listed. An actor that sees only its own
    events finds the consignment only by a reference those events name."""
    ref = ref.strip().upper()
    cids, hub = candidates(session, ref)
    seen = visibility.sights(session, actor, cids, container=ref if hub == RefKind.CONTAINER.value else None)
    chosen: Timeline | None = None
    others: list[int] = []
    for cid in (c for c in cids if seen[c] != visibility.Sight.NONE):
        if chosen is not None:
            others.append(cid)
            continue
        timeline = build(session, cid)
        if seen[cid] == visibility.Sight.OWN:
            timeline = restrict(session, actor, timeline)
            # Only by a reference its own events name: another's key must not be probed through it.
            if ref not in {o.key for o in timeline.objects}:
                continue
        chosen = timeline
    if chosen is None:
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    chosen.other_consignments = others
    return chosen


def share(session: Session, *, actor: Principal, ref: str, org_id: int, now: datetime) -> ConsignmentShare:
    """Let organisation ``org_id`` see the consignment ``ref`` names whole. Only a holder (or an
    overseer) may; the share is kept on one of the consignment's shipment keys (the reference
    itself when it is one), so it survives the consignment merging with another. Audited."""
    timeline = for_ref(session, actor=actor, ref=ref)
    if not visibility.may_share(session, actor, timeline.consignment_id):
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    keys = [(o.kind, o.key) for o in timeline.objects if o.kind in SHIPMENT]
    if not keys:
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    kind, key = next(((k, v) for k, v in keys if v == ref.strip().upper()), min(keys))
    found = session.scalar(select(ConsignmentShare).where(
        ConsignmentShare.kind == kind, ConsignmentShare.key == key, ConsignmentShare.org_id == org_id))
    if found is not None:
        return found
    row = ConsignmentShare(kind=kind, key=key, org_id=org_id, granted_by_org_id=actor.org_id,
                           granted_by=actor.label, granted_at=now)
    session.add(row)
    session.flush()
    return row
