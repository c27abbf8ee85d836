"""Refreshing a consignment costs what its own events cost, never what its vessel call carries.

A call of 5,000 boxes has 10,000 events naming it (each box's discharge and manifest line) and
three about the call itself (entry declared, arrival, departure). Refreshing one declaration on it,
or opening its timeline, must read the same statements and the same events as on a call of 50
boxes: the call's own events come from ``call_event``, the boxes' from the consignment's own
containers. The cases stay those of the set-based full rebuild.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select
from tests.events.helpers import jsonl

from kouan.clearance import service
from kouan.clearance.models import ClearanceCase
from kouan.consignments import dirty
from kouan.consignments.models import ConsignmentMember
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

ACTOR = system("tests")
T0 = datetime.fromisoformat("2026-03-10T08:00:00+08:00")
SMALL, BIG = 50, 5_000
DECLARATIONS = 4  # on each call, two boxes each


def box(i: int) -> str:
    body = f"KOAU{i:06d}"
    return body + str(iso6346_check_digit(body))


def _ev(eid: str, milestone: str, hours: float, **refs) -> dict:  # type: ignore[no-untyped-def]
    return {"event_id": eid, "milestone": milestone, "port": "CNDAL",
            "occurred_at": (T0 + timedelta(hours=hours)).isoformat(), "refs": refs}


def call_log(tag: str, voyage: str, n: int, first_box: int) -> tuple[dict[str, list[dict]], list[str]]:
    """A vessel call of ``n`` boxes, ``DECLARATIONS`` of them declared: events by sender, and the
    declaration numbers."""
    call = f"9321483/{voyage}/CNDAL"
    boxes = [box(first_box + i) for i in range(n)]
    numbers = [f"0900202610{first_box + j:08d}" for j in range(DECLARATIONS)]
    vessel = [_ev(f"{tag}-entry", "TRANSPORT_ENTRY_DECLARED", -3, transport_call=call),
              _ev(f"{tag}-arr", "TRANSPORT_ARRIVED", 0, transport_call=call),
              _ev(f"{tag}-dep", "TRANSPORT_DEPARTED", 48, transport_call=call)]
    terminal = [_ev(f"{tag}-dis{i}", "DISCHARGED", 1 + i / n, container=b, transport_call=call)
                for i, b in enumerate(boxes)]
    terminal += [_ev(f"{tag}-out{i}", "GATE_OUT", 30, container=b) for i, b in enumerate(boxes)]
    line = [_ev(f"{tag}-mf{j}", "MANIFEST_FILED", -24, bill_of_lading=f"BL{tag}{j}",
                container=boxes[2 * j: 2 * j + 2], transport_call=call) for j in range(DECLARATIONS)]
    trader = [_ev(f"{tag}-l{j}", "DECLARATION_LODGED", 2, declaration=d, bill_of_lading=f"BL{tag}{j}")
              for j, d in enumerate(numbers)]
    customs = [_ev(f"{tag}-r{j}", "CUSTOMS_RELEASED", 5, declaration=d) for j, d in enumerate(numbers)]
    return {"COSCO": vessel + line, "DCT": terminal, "TRADERA": trader, "CUSTOMS": customs}, numbers


def feed(kouan, by_source: dict[str, list[dict]]) -> None:  # type: ignore[no-untyped-def]
    for source, events in by_source.items():
        with transaction(kouan.sessions, actor=ACTOR) as s:
            report = events_service.ingest(s, source=source, org_id=None, sender=KOUAN, data=jsonl(*events),
                                           fmt="jsonl", channel="test", now=utcnow(), actor="tests")
        assert report.stored == len(events)


@pytest.fixture
def two_calls(kouan):  # type: ignore[no-untyped-def]
    """A call of 50 boxes and one of 5,000, each with four declarations; every case refreshed."""
    small, small_numbers = call_log("s", "2210N", SMALL, 0)
    big, big_numbers = call_log("b", "2211N", BIG, 100_000)
    feed(kouan, small)
    feed(kouan, big)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        report = service.refresh(s, now=utcnow())
    assert report.consignments == 2 * DECLARATIONS
    return small_numbers, big_numbers


@contextmanager
def counted(engine):  # type: ignore[no-untyped-def]
    """Statements sent and ``event`` rows loaded meanwhile."""
    seen = {"statements": 0, "events": 0}

    def statement(*_args):  # type: ignore[no-untyped-def]
        seen["statements"] += 1

    def loaded(*_args):  # type: ignore[no-untyped-def]
        seen["events"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Event, "load", loaded)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(Event, "load", loaded)


def consignment_of(kouan, number: str) -> int:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return s.scalar(select(ConsignmentMember.consignment_id).where(ConsignmentMember.key == number))


def refresh_one(kouan, number: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    cid = consignment_of(kouan, number)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        dirty.mark_dirty(s, [cid])
    with transaction(kouan.sessions, actor=ACTOR) as s, counted(kouan.engine) as seen:
        report = service.refresh(s, now=utcnow())
    assert report.consignments == 1
    return seen


def test_refreshing_a_declaration_on_a_call_of_5000_boxes_reads_what_one_on_50_boxes_reads(kouan, two_calls):
    small_numbers, big_numbers = two_calls
    on_small, on_big = refresh_one(kouan, small_numbers[0]), refresh_one(kouan, big_numbers[0])
    # Its own manifest, lodging and release, its two boxes' discharges and gate moves, and the
    # call's entry, arrival and departure: never the other 4,998 boxes' discharges.
    assert on_small == on_big, (on_small, on_big)
    assert on_big["events"] == 3 + 2 * 2 + 3, on_big
    with kouan.sessions() as s:
        gac = {c.declaration: c for c in s.scalars(select(ClearanceCase).where(ClearanceCase.clock == "gac"))}
    for number in small_numbers + big_numbers:  # entry declared at -3 h, released at +5 h
        assert (gac[number].status, gac[number].hours, gac[number].seg_1) == ("closed", 8.0, 5.0)


def test_the_refresh_at_hub_shape_equals_the_set_based_rebuild(kouan, two_calls):
    from tests.clearance.test_recompute import CLOCKS, assert_same, python_rows, set_rows

    want = python_rows(kouan, CLOCKS)
    engine = "duckdb" if kouan.engine.dialect.name == "sqlite" else "store"
    assert_same(set_rows(kouan, CLOCKS, engine), want)
    assert len(want) == 2 * DECLARATIONS * len(CLOCKS)


def test_a_timeline_on_a_call_of_5000_boxes_reads_what_one_on_50_boxes_reads(client, world, kouan, two_calls):
    from tests.factories import bearer

    def timeline(number: str) -> tuple[dict, dict[str, int]]:
        with counted(kouan.engine) as seen:
            r = client.get(f"/api/v1/consignments/{number}", headers=bearer(world.trader_a.key))
        assert r.status_code == 200, r.text
        return r.json(), seen

    (small, on_small), (big, on_big) = (timeline(numbers[0]) for numbers in two_calls)
    assert on_small == on_big, (on_small, on_big)
    # The declarant sees its consignment whole: the call's entry, arrival and departure, and its
    # own two boxes' discharges and gate moves, never the other boxes' discharges.
    milestones = sorted(e["milestone"] for e in big["events"])
    assert milestones == sorted(["TRANSPORT_ENTRY_DECLARED", "TRANSPORT_ARRIVED", "TRANSPORT_DEPARTED",
                                 "MANIFEST_FILED", "DECLARATION_LODGED", "CUSTOMS_RELEASED",
                                 "DISCHARGED", "DISCHARGED", "GATE_OUT", "GATE_OUT"])
    assert len(small["events"]) == len(big["events"])
