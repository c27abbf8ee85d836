"""A newer version replaces its event's references: ``event_ref`` is keyed (kind, key, event_pk),
so the old rows are found through the event's own ``refs`` and deleted by their full key."""

from __future__ import annotations

from sqlalchemy import select
from tests.events.helpers import CALL, ev, jsonl

from kouan.db.session import transaction
from kouan.events import repository as repo
from kouan.events import service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event, EventRef
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

ACTOR = system("tests")


def ingest(kouan, data: bytes):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        return service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=data, fmt="jsonl", channel="test",
                              now=utcnow(), actor=ACTOR.label)


def refs(kouan) -> set[tuple[str, str, str]]:
    with kouan.sessions() as s:
        ids = dict(s.execute(select(Event.id, Event.event_id)).all())
        return {(ids[pk], kind, key) for pk, kind, key in
                s.execute(select(EventRef.event_pk, EventRef.kind, EventRef.key))}


def test_a_newer_version_replaces_the_references_of_its_event_only(kouan):
    first = ev("d-1", "DISCHARGED", 0, container=["CSQU3054383", "MSKU9070323"], transport_call=CALL,
               version="2022-03-01T00:00:00+08:00")
    other = ev("g-1", "GATE_OUT", 5, container="CSQU3054383")
    ingest(kouan, jsonl(first, other))
    assert refs(kouan) == {("d-1", "container", "CSQU3054383"), ("d-1", "container", "MSKU9070323"),
                           ("d-1", "transport_call", CALL), ("g-1", "container", "CSQU3054383")}
    newer = ev("d-1", "DISCHARGED", 1, container=["CSQU3054383", "TGHU0000001"], bill_of_lading="COSU1",
               version="2022-03-01T10:00:00+08:00")
    report = ingest(kouan, jsonl(newer))
    assert (report.stored, report.updated) == (0, 1)
    assert refs(kouan) == {("d-1", "container", "CSQU3054383"), ("d-1", "container", "TGHU0000001"),
                           ("d-1", "bill_of_lading", "COSU1"), ("g-1", "container", "CSQU3054383")}
    with kouan.sessions() as s:
        assert repo.events_by_refs(s, [("container", "MSKU9070323"), ("transport_call", CALL)]) == []
        assert [e.event_id for e in repo.events_by_refs(s, [("container", "CSQU3054383")])] == ["d-1", "g-1"]
        assert sorted(repo.refs_of(s, [e.id for e in s.scalars(select(Event).where(Event.event_id == "d-1"))])) \
            == sorted((pk, k, key) for pk, k, key in s.execute(
                select(EventRef.event_pk, EventRef.kind, EventRef.key).join(Event, Event.id == EventRef.event_pk)
                .where(Event.event_id == "d-1")))
