"""One batch naming 300 k containers: stored, linked, marked and matched without any statement
carrying all of them (every IN list built from data is chunked: ``events.repository.in_chunks``).

The terminal's file of 255 k events once committed and then failed in the arrival match with
"too many SQL variables": ``declarations.repository.naming`` put 300 k values in one statement.
The batch here is 300 discharge tallies of 1,000 boxes each: the same 300 k keys in every follow-up,
in a few seconds."""

from __future__ import annotations

import json
from functools import cache

import pytest
from sqlalchemy import event, func, select
from tests.declarations.test_arrival_match import NOW, advance, status

from kouan.clearance.models import DirtyConsignment
from kouan.consignments.models import ConsignmentHub
from kouan.db.session import transaction
from kouan.declarations import jobs
from kouan.declarations import repository as declarations_repo
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

TALLIES, BOXES = 300, 1_000
CALL = "9321483/W1/CNDAL"


def box(n: int) -> str:
    head = f"WIDU{n:06d}"
    return f"{head}{iso6346_check_digit(head)}"


@cache
def boxes() -> list[str]:
    return [box(n) for n in range(TALLIES * BOXES)]


def wide_batch() -> bytes:
    """Canonical JSON Lines, minimal attributes: the call's arrival and one tally per B/L."""
    at = NOW.isoformat()
    lines = [json.dumps({"event_id": "arr", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                         "occurred_at": at, "refs": {"transport_call": CALL}})]
    for t in range(TALLIES):
        lines.append(json.dumps({
            "event_id": f"tally-{t}", "milestone": "DISCHARGED", "port": "CNDAL", "occurred_at": at,
            "refs": {"transport_call": CALL, "bill_of_lading": f"BLW{t:04d}",
                     "container": boxes()[t * BOXES:(t + 1) * BOXES]}}))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
def test_a_batch_naming_300k_containers_is_stored_linked_and_matched(client, world, kouan):
    number = advance(client, world, CALL, "BLW0007", box(7 * BOXES + 3))
    widest = []  # the most parameters any statement carried

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not executemany and isinstance(parameters, list | tuple | dict):
            widest.append(len(parameters))

    event.listen(kouan.engine, "before_cursor_execute", count)
    try:
        with transaction(kouan.sessions, actor=system("tests")) as s:
            report = events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, channel="test",
                                           now=utcnow(), actor="tests", data=wide_batch())
        assert (report.stored, report.quarantined) == (TALLIES + 1, 0)
        # The arrival match over the batch's 300 k containers, 300 B/Ls and the call.
        assert jobs.run_arrival_match(kouan.sessions, [report.batch_id]) == [number]
    finally:
        event.remove(kouan.engine, "before_cursor_execute", count)
    assert status(kouan, number) == "released"
    assert max(widest) <= 5_000
    with kouan.sessions() as s:
        # consignment linking: every box hangs off the consignment of its B/L
        assert s.scalar(select(func.count()).select_from(ConsignmentHub)
                        .where(ConsignmentHub.kind == "container")) == TALLIES * BOXES
        assert s.scalar(select(func.count()).select_from(DirtyConsignment)) >= TALLIES  # marked dirty
        found = declarations_repo.naming(s, statuses=["released"], containers=boxes())
        assert [d.number for d in found] == [number]
