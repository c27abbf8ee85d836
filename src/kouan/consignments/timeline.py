"""A consignment's timeline, object by object: what happened to its declaration, bill of lading,
containers and transport calls, from every partner, in time order.

Which events belong to a consignment:
- every event naming one of its shipment keys (declaration, bill of lading, booking);
- events naming one of its containers during this trip: from 30 days before the container was first
  linked to the consignment until it was linked to the next one (containers are reused);
- events naming one of its transport calls (any alias) and no container or shipment key: the
  vessel's own arrival, departure and entry declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from kouan.consignments import repository as repo
from kouan.events import repository as events_repo
from kouan.events.domain import RefKind
from kouan.events.models import Event
from kouan.kit.errors import N_, NotFound
from kouan.partners.domain import OrgKind, Principal, sees_all_organisations

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
    cid = repo.member_consignment(session, ref)
    if cid is not None:
        return cid, []
    trips = repo.hub_consignments(session, ref)
    if not trips:
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    ids = list(dict.fromkeys(t[0] for t in trips))
    return ids[0], ids[1:]


def _container_events(session: Session, cid: int, key: str, linked_at: datetime) -> list[Event]:
    end = repo.next_trip_start(session, key, cid, linked_at)
    return [e for e in events_repo.events_by_refs(session, [("container", key)])
            if repo.in_trip(e.occurred_at, linked_at, end)]


def _call_events(session: Session, keys: list[str]) -> list[Event]:
    names = sorted(repo.call_aliases(session, keys)) if keys else []
    found = events_repo.events_by_refs(session, [("transport_call", k) for k in names])
    return [e for e in found if all(kind == "transport_call" for kind, _ in e.refs)]


def build(session: Session, cid: int) -> Timeline:
    if repo.get(session, cid) is None:
        raise NotFound(N_("no consignment %(cid)s"), params={"cid": cid})
    members = repo.members(session, cid)
    hubs = repo.hubs(session, cid)
    objects = [TimelineObject(m.kind, m.key) for m in members]
    objects += [TimelineObject(h.kind, h.key, linked_at=h.linked_at) for h in hubs]
    events: dict[int, Event] = {}
    for e in events_repo.events_by_refs(session, [(m.kind, m.key) for m in members]):
        events[e.id] = e
    for h in hubs:
        if h.kind == RefKind.CONTAINER.value:
            events.update({e.id: e for e in _container_events(session, cid, h.key, h.linked_at)})
    calls = [h.key for h in hubs if h.kind == RefKind.TRANSPORT_CALL.value]
    events.update({e.id: e for e in _call_events(session, calls)})
    ordered = sorted(events.values(), key=lambda e: (e.occurred_at, e.id))
    aliases = {k: repo.call_aliases(session, [k]) for k in calls}
    for obj in objects:
        names = aliases.get(obj.key, {obj.key}) if obj.kind == "transport_call" else {obj.key}
        obj.event_pks = [e.id for e in ordered if any(k == obj.kind and v in names for k, v in e.refs)]
    return Timeline(consignment_id=cid, objects=objects, events=ordered)


def sees_every_consignment(actor: Principal) -> bool:
    """The port office and customs officers open every consignment."""
    return sees_all_organisations(actor) or (actor.is_person and actor.org_kind == OrgKind.CUSTOMS)


def can_view(session: Session, actor: Principal, timeline: Timeline) -> bool:
    """Who may open a consignment. The port office and customs officers: every one. Any other
    organisation: one it has a stake in, that is one its own systems sent an event on the timeline
    for (a terminal's gate move, a line's manifest, a trader's feed), or one holding a declaration it
    lodged in Kouan or that names it as consignee (those events carry the source ``kouan``, not the
    trader's). A consignment of another trader stays unseen."""
    if sees_every_consignment(actor):
        return True
    if actor.org_code and any(e.source == actor.org_code for e in timeline.events):
        return True
    numbers = [o.key for o in timeline.objects if o.kind == RefKind.DECLARATION.value]
    return actor.org_id is not None and repo.declared_for(session, actor.org_id, numbers)


def for_ref(session: Session, *, actor: Principal, ref: str) -> Timeline:
    """The consignment ``ref`` names, as ``actor`` may see it. A container or call names several
    trips: the actor gets the latest one it may open, and only the others it may open are listed."""
    cid, others = resolve(session, ref.strip().upper())
    if sees_every_consignment(actor):
        timeline = build(session, cid)
        timeline.other_consignments = others
        return timeline
    visible = [t for t in (build(session, c) for c in [cid, *others]) if can_view(session, actor, t)]
    if not visible:
        raise NotFound(N_("no consignment names %(ref)r"), params={"ref": ref})
    timeline = visible[0]
    timeline.other_consignments = [t.consignment_id for t in visible[1:]]
    return timeline
