"""``ingest_many``: several partners' sends stored together, each still its own batch, with the same
outcome as ingesting them one after the other, and a statement count that does not grow with the
number of sends (the demo's ~5,000 weekly sends cost ~80 statements each when sent one by one)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from tests.conftest import _wipe

from kouan.audit.models import AuditEntry
from kouan.consignments.models import ConsignmentHub, ConsignmentMember
from kouan.db.session import transaction
from kouan.demo import generator
from kouan.demo import service as demo_service
from kouan.events import service as events_service
from kouan.events.models import Event, IngestBatch
from kouan.jobs.models import Job
from kouan.partners.domain import system

NOW = datetime.fromisoformat("2022-04-20T12:00:00+08:00")
SMALL = {"seed": 7, "scale": 0.2, "now": NOW, "first_month": "2022-02", "last_month": "2022-04"}
BATCH_COLUMNS = ("source", "org_id", "format", "channel", "content_sha256", "size_bytes", "received_at",
                 "received", "stored", "duplicates", "updated", "quarantined", "containers_checked",
                 "containers_invalid", "locodes_checked", "locodes_invalid")


def _orgs(kouan) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        demo_service.load(s, actor=system("tests"), now=NOW)
    demo_service._carry_the_fleet(kouan.sessions, SMALL["seed"])
    with kouan.sessions() as s:
        return {row.code: row.id for row in s.execute(text("SELECT code, id FROM organisation"))}


def _sends(orgs: dict[str, int]) -> list[list[events_service.Send]]:
    """The demo partners' weekly sends of three months, grouped by month as the demo stores them."""
    return [[events_service.Send(source=source, org_id=orgs.get(source), data=data, received_at=at,
                                 fmt="jsonl") for source, _m, at, data in month]
            for _month, month in itertools.groupby(generator.deliveries(**SMALL), key=lambda s: s[1])]


def _snapshot(kouan) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the store holds, independent of the ids it was given."""
    with kouan.sessions() as s:
        batches = {b.id: b for b in s.scalars(select(IngestBatch))}
        events = Counter(
            (e.source, e.event_id, e.content_hash, e.authority, e.revision, batches[e.batch_id].received_at,
             batches[e.batch_id].source) for e in s.scalars(select(Event)))
        members: dict[int, set] = {}
        for m in s.scalars(select(ConsignmentMember)):
            members.setdefault(m.consignment_id, set()).add((m.kind, m.key))
        hubs: dict[int, set] = {}
        for h in s.scalars(select(ConsignmentHub)):
            hubs.setdefault(h.consignment_id, set()).add((h.kind, h.key, h.linked_at))
        consignments = {frozenset(ms): frozenset(hubs.get(cid, ())) for cid, ms in members.items()}
        dirty = {frozenset(members[cid]) for cid in s.scalars(text("SELECT consignment_id FROM dirty_consignment"))}
        jobs = Counter((j.kind, j.status) for j in s.scalars(select(Job)))
        audit = Counter(a.action for a in s.scalars(select(AuditEntry)) if a.action == "ingest_batch.create")
        return {"batches": Counter(tuple(getattr(b, c) for c in BATCH_COLUMNS) for b in batches.values()),
                "events": events, "consignments": consignments, "dirty": dirty, "jobs": jobs,
                "audit": audit}


def _one_by_one(kouan, months) -> list[dict]:  # type: ignore[no-untyped-def]
    reports = []
    for month in months:
        with transaction(kouan.sessions, actor=system("tests")) as s:
            for send in month:
                reports.append(events_service.ingest(
                    s, source=send.source, org_id=send.org_id, data=send.data, fmt=send.fmt, channel="demo",
                    now=send.received_at, actor="demo").as_dict())
    return reports


def _together(kouan, months) -> list[dict]:  # type: ignore[no-untyped-def]
    reports = []
    for month in months:
        with transaction(kouan.sessions, actor=system("tests")) as s:
            reports += [r.as_dict() for r in events_service.ingest_many(s, month, channel="demo", actor="demo")]
    return reports


def _without_ids(reports: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "batch_id"} for r in reports]


def test_sends_stored_together_leave_what_one_by_one_leaves(kouan):
    months = _sends(_orgs(kouan))
    assert len(months) == 3 and sum(len(m) for m in months) > 30
    one_by_one = _one_by_one(kouan, months)
    expected = _snapshot(kouan)
    _wipe(kouan)
    months = _sends(_orgs(kouan))
    together = _together(kouan, months)
    assert _without_ids(together) == _without_ids(one_by_one)
    got = _snapshot(kouan)
    assert sum(got["events"].values()) > 300 and len(got["consignments"]) > 20
    for key in expected:
        assert got[key] == expected[key], key
    # and a re-send of the same months stores nothing, as one by one
    again = _together(kouan, months)
    assert sum(r["stored"] + r["updated"] for r in again) == 0
    assert sum(r["duplicates"] for r in again) == sum(r["received"] for r in again)


def _statements(kouan, work) -> int:  # type: ignore[no-untyped-def]
    n = [0]

    def count(*_a: object) -> None:
        n[0] += 1

    sa_event.listen(kouan.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa_event.remove(kouan.engine, "before_cursor_execute", count)
    return n[0]


def test_the_statements_of_a_month_do_not_grow_with_its_sends(kouan):
    """Each send is its own batch, yet storing a month costs a number of statements set by its
    sources, not by its sends: four times the sends, the same statements (within a few)."""
    orgs = _orgs(kouan)
    week = datetime.fromisoformat("2022-03-07T00:30:00+08:00")

    def sends(n: int, offset: int) -> list[events_service.Send]:
        return [events_service.Send(
            source="DCT", org_id=orgs["DCT"], received_at=week + timedelta(hours=i),
            data=(f'{{"event_id":"GATE-{offset + i}","milestone":"GATE_OUT",'
                  f'"occurred_at":"2022-03-06T10:00:00+08:00","port":"CNDAL","direction":"I",'
                  f'"refs":{{"container":"CSQU3054383","bill_of_lading":"BL-{offset + i}"}}}}\n').encode())
            for i in range(n)]

    def store(n: int, offset: int) -> None:
        with transaction(kouan.sessions, actor=system("tests")) as s:
            reports = events_service.ingest_many(s, sends(n, offset), channel="demo", actor="demo")
        assert [r.stored for r in reports] == [1] * n

    few = _statements(kouan, lambda: store(5, 0))
    many = _statements(kouan, lambda: store(20, 100))
    assert many <= few + 3, (few, many)
    with kouan.sessions() as s:
        assert s.scalar(text("SELECT count(*) FROM ingest_batch")) == 25
        assert s.scalar(text("SELECT count(*) FROM job WHERE kind = 'batch.committed'")) == 25


def test_a_source_that_sends_an_event_again_within_the_call_is_stored_send_by_send(kouan):
    orgs = _orgs(kouan)
    at = datetime.fromisoformat("2022-03-07T00:30:00+08:00")

    def line(version: str) -> bytes:
        return (f'{{"event_id":"GATE-1","milestone":"GATE_OUT","version":"{version}",'
                f'"occurred_at":"2022-03-06T10:00:00+08:00","port":"CNDAL","direction":"I",'
                f'"refs":{{"container":"CSQU3054383"}}}}\n').encode()

    with transaction(kouan.sessions, actor=system("tests")) as s:
        reports = events_service.ingest_many(s, [
            events_service.Send("DCT", orgs["DCT"], line("2022-03-06T11:00:00+08:00"), at),
            events_service.Send("DCT", orgs["DCT"], line("2022-03-06T12:00:00+08:00"), at + timedelta(days=7)),
            events_service.Send("DCT", orgs["DCT"], line("2022-03-06T11:00:00+08:00"), at + timedelta(days=8)),
        ], channel="demo", actor="demo")
    assert [(r.stored, r.updated, r.duplicates) for r in reports] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
    with kouan.sessions() as s:
        stored = s.scalars(select(Event)).one()
        assert stored.revision == 2 and stored.version.hour == 4  # 12:00 Beijing time is 04:00 UTC


def test_nothing_to_store_is_nothing(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        assert events_service.ingest_many(s, [], channel="demo", actor="demo") == []
