"""Queries on the event store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from kouan.events import authority
from kouan.events.models import CallEvent, Event, EventRef, QuarantinedMessage
from kouan.partners.models import Organisation
from kouan.ports.models import Port

CHUNK = 900
PG_CHUNK = 5000


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def in_chunks(session: Session, column: Any, values: Sequence) -> Iterator[ColumnElement[bool]]:
    """``column IN values``, in pieces every database accepts, one statement each: never OR them
    into one statement (that binds every value at once). Each piece is one parameter, joined as a
    set, so the statement text is the same for every piece (one compiled, cached statement).

    PostgreSQL gets one array per 5,000 values, ``IN (SELECT unnest(array))``: a list of 900
    parameters, or ``= ANY(array)``, is compared value by value against every row once the statement
    runs on a generic plan made while the table was still small (a table filled in this same
    transaction has no statistics), which grew to seconds per query within one large batch; the
    join probes the index once per value whatever the plan thinks of the table's size. SQLite gets
    the same through ``IN (SELECT value FROM json_each(:json))``: one JSON text, probed through the
    column's index, instead of 900 parameters (its limit is 32,766 per statement)."""
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql":
        for chunk in chunks(values, PG_CHUNK):
            array = bindparam(None, list(chunk), type_=ARRAY(column.type))
            yield column.in_(select(func.unnest(array)))
    else:
        for chunk in chunks(values, PG_CHUNK):
            listed = func.json_each(bindparam(None, json.dumps(list(chunk)), type_=String))
            listed = listed.table_valued("value")
            yield column.in_(select(listed.c.value))


def existing_versions(
    session: Session, source: str, event_ids: Sequence[str]
) -> dict[str, tuple[int, datetime | None, datetime | None, str, int]]:
    """event_id → (pk, version, recorded_at, content_hash, revision) for ids already stored."""
    found = {}
    for matching in in_chunks(session, Event.event_id, event_ids):
        rows = session.execute(
            select(Event.event_id, Event.id, Event.version, Event.recorded_at, Event.content_hash,
                   Event.revision)
            .where(Event.source == source, matching)
        )
        for eid, pk, version, recorded, chash, rev in rows:
            found[eid] = (pk, version, recorded, chash, rev)
    return found


def existing_versions_many(
    session: Session, ids_by_source: dict[str, set[str]]
) -> dict[str, dict[str, tuple[int, datetime | None, datetime | None, str, int]]]:
    """``existing_versions`` for several sources at once: one statement per chunk of ids (the
    ``(source, event_id)`` index answers ``source IN … AND event_id IN …``), whatever the number of
    sources. ``{source: {event_id: (pk, version, recorded_at, content_hash, revision)}}``."""
    found: dict[str, dict[str, tuple[int, datetime | None, datetime | None, str, int]]] = {
        source: {} for source in ids_by_source}
    ids = sorted(set().union(*ids_by_source.values())) if ids_by_source else []
    for matching in in_chunks(session, Event.event_id, ids):
        rows = session.execute(
            select(Event.source, Event.event_id, Event.id, Event.version, Event.recorded_at,
                   Event.content_hash, Event.revision)
            .where(Event.source.in_(sorted(ids_by_source)), matching))
        for source, eid, pk, version, recorded, chash, rev in rows:
            if eid in ids_by_source[source]:
                found[source][eid] = (pk, version, recorded, chash, rev)
    return found


def refs_of(session: Session, pks: Sequence[int]) -> list[tuple[int, str, str]]:
    """``(event_pk, kind, key)`` of every ``event_ref`` row of these events, read from the events'
    own ``refs`` column: ``event_ref`` is keyed by ``(kind, key, event_pk)`` and has no index that
    starts with the event."""
    found: list[tuple[int, str, str]] = []
    for matching in in_chunks(session, Event.id, pks):
        for pk, refs in session.execute(select(Event.id, Event.refs).where(matching)):
            found.extend((pk, kind, key) for kind, key in refs)
    return found


def events_by_refs(session: Session, refs: Sequence[tuple[str, str]]) -> list[Event]:
    """Every event naming any of ``refs`` ((kind, key) pairs), oldest first."""
    pks: set[int] = set()
    by_kind: dict[str, list[str]] = {}
    for kind, key in refs:
        by_kind.setdefault(kind, []).append(key)
    for kind, keys in by_kind.items():
        for matching in in_chunks(session, EventRef.key, sorted(set(keys))):
            pks.update(session.scalars(select(EventRef.event_pk).where(EventRef.kind == kind, matching)))
    return sorted(events_by_pks(session, sorted(pks)), key=lambda e: (e.occurred_at, e.id))


def ref_rows(session: Session, refs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[int]]:
    """(kind, key) -> the events naming it, for each of ``refs`` that any event names."""
    out: dict[tuple[str, str], list[int]] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, key in refs:
        by_kind.setdefault(kind, []).append(key)
    for kind, keys in by_kind.items():
        for matching in in_chunks(session, EventRef.key, sorted(set(keys))):
            rows = session.execute(select(EventRef.key, EventRef.event_pk)
                                   .where(EventRef.kind == kind, matching))
            for key, pk in rows:
                out.setdefault((kind, key), []).append(pk)
    return out


def call_event_rows(session: Session, keys: Sequence[str]) -> dict[str, list[int]]:
    """Call key -> its events in ``call_event`` (see ``call_events``)."""
    out: dict[str, list[int]] = {}
    for matching in in_chunks(session, CallEvent.key, sorted(set(keys))):
        rows = session.execute(select(CallEvent.key, CallEvent.event_pk).where(matching))
        for key, pk in rows:
            out.setdefault(key, []).append(pk)
    return out


def events_by_pks(session: Session, pks: Sequence[int]) -> list[Event]:
    events: list[Event] = []
    for matching in in_chunks(session, Event.id, sorted(set(pks))):
        events.extend(session.scalars(select(Event).where(matching)))
    return events


def call_events(session: Session, keys: Sequence[str],
                milestones: Sequence[str] | None = None) -> list[Event]:
    """The events about these calls (``CallEvent``: those naming only calls, and the vessel
    milestones naming a call), of ``milestones`` if given, oldest first. Reads the call's few own
    events through ``call_event``, never the box events that name the call too."""
    pks: set[int] = set()
    for matching in in_chunks(session, CallEvent.key, sorted(set(keys))):
        pks.update(session.scalars(select(CallEvent.event_pk).where(matching)))
    events: list[Event] = []
    for matching in in_chunks(session, Event.id, sorted(pks)):
        stmt = select(Event).where(matching)
        if milestones is not None:
            stmt = stmt.where(Event.milestone.in_(list(milestones)))
        events.extend(session.scalars(stmt))
    return sorted(events, key=lambda e: (e.occurred_at, e.id))


def sender(session: Session, source: str) -> authority.Sender:
    """The organisation answering for ``source``, as entitlement judges it (one query a batch)."""
    row = session.execute(select(Organisation.kind, Organisation.home_port, Organisation.customs_district,
                                 Organisation.fleet, Organisation.carrier_codes)
                          .where(Organisation.code == source)).first()
    if row is None:
        return authority.UNKNOWN
    kind, home_port, district, fleet, codes = row
    return authority.sender_of(kind, home_port=home_port, customs_district=district, fleet=fleet or (),
                               carrier_codes=codes or ())


def senders(session: Session, sources: Iterable[str]) -> dict[str, authority.Sender]:
    """``sender`` of each of ``sources``, in one query."""
    wanted = sorted(set(sources))
    found = dict.fromkeys(wanted, authority.UNKNOWN)
    o = Organisation
    rows = session.execute(select(o.code, o.kind, o.home_port, o.customs_district, o.fleet, o.carrier_codes)
                           .where(o.code.in_(wanted))) if wanted else ()
    for code, kind, home_port, district, fleet, codes in rows:
        found[code] = authority.sender_of(kind, home_port=home_port, customs_district=district,
                                          fleet=fleet or (), carrier_codes=codes or ())
    return found


def port_districts(session: Session, ports: Iterable[str]) -> dict[str, str | None]:
    """UN/LOCODE -> customs district, for the ports named (ports Kouan does not know are left out)."""
    found: dict[str, str | None] = {}
    for matching in in_chunks(session, Port.locode, sorted(set(ports))):
        rows = session.execute(select(Port.locode, Port.customs_district).where(matching))
        found.update((locode, district) for locode, district in rows)
    return found


def get_quarantined(session: Session, qid: int) -> QuarantinedMessage | None:
    return session.get(QuarantinedMessage, qid)


def list_quarantined(
    session: Session, *, source: str | None, status: str | None, limit: int, offset: int
) -> list[QuarantinedMessage]:
    stmt = select(QuarantinedMessage).order_by(QuarantinedMessage.id.desc())
    if source:
        stmt = stmt.where(QuarantinedMessage.source == source)
    if status:
        stmt = stmt.where(QuarantinedMessage.status == status)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
