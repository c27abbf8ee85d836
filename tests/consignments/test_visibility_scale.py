"""The stake checks are SQL whose cost follows the consignments asked about, not a hub's size: on a
call of 5,000 boxes (a manifest, a lodging and a gate move each), a lookup and a drill-down list take
a bounded number of statements, each a chunk of consignment ids (``events.repository.in_chunks``)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from tests.events.helpers import jsonl
from tests.factories import bearer

from kouan.consignments import visibility
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.repository import CHUNK, PG_CHUNK
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import OrgKind, Principal, Role, system

N = 5_000
CALL = "9321483/2212N/CNDAL"


def box(i: int) -> str:
    body = f"KOAU{i:06d}"
    return body + str(iso6346_check_digit(body))


def feed(kouan, source: str, events: list[dict]) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        report = events_service.ingest(s, source=source, org_id=None, data=jsonl(*events), fmt="jsonl",
                                       channel="test", now=utcnow(), actor="tests")
    assert report.stored == len(events)


@pytest.fixture
def big_call(kouan, world):  # type: ignore[no-untyped-def]
    line = world.carrier  # COSCO, the world's shipping line
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5)

    def ev(eid: str, milestone: str, hours: int, **refs: str) -> dict:
        return {"event_id": eid, "milestone": milestone, "port": "CNDAL",
                "occurred_at": (at + timedelta(hours=hours)).isoformat(), "refs": refs}

    feed(kouan, "COSCO", [ev(f"m{i}", "MANIFEST_FILED", 0, bill_of_lading=f"BL{i:06d}", container=box(i),
                             transport_call=CALL) for i in range(N)])
    feed(kouan, "TRADERA", [ev(f"l{i}", "DECLARATION_LODGED", 1, declaration=f"0900202610{i:08d}",
                               bill_of_lading=f"BL{i:06d}") for i in range(N)])
    feed(kouan, "DCT", [ev(f"g{i}", "GATE_OUT", 30, container=box(i)) for i in range(N)])
    return line


@contextmanager
def counted(engine):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def chunks(kouan) -> int:  # type: ignore[no-untyped-def]
    size = PG_CHUNK if kouan.engine.dialect.name == "postgresql" else CHUNK
    return -(-N // size)


def test_a_call_of_5000_boxes_is_looked_up_and_listed_in_a_bounded_number_of_statements(
        client, world, kouan, big_call):
    with counted(kouan.engine) as stranger:
        assert client.get(f"/api/v1/consignments/{CALL}", headers=bearer(world.trader_b.key)).status_code == 404
    with counted(kouan.engine) as terminal:
        r = client.get(f"/api/v1/consignments/{CALL}", headers=bearer(world.terminal.key))
    assert r.status_code == 200 and len(r.json()["other_consignments"]) == N - 1
    # A handful of statements per chunk of consignment ids, never one per box or per event.
    assert len(stranger) <= 12 + 6 * chunks(kouan), len(stranger)
    assert len(terminal) <= 25 + 6 * chunks(kouan), len(terminal)

    # The drill-down's lists: the terminal's from the port of the holders' statements, never from
    # the 5,000 gate moves it sent (which once were all loaded and matched in Python).
    def listed(org, kind: OrgKind) -> tuple[set[str], int]:  # type: ignore[no-untyped-def]
        actor = Principal(kind="person", id=1, org_id=org.id, org_kind=kind, role=Role.ADMIN, org_code=org.code)
        with kouan.sessions() as s, counted(kouan.engine) as seen:
            return visibility.listed_declarations(s, actor), len(seen)

    numbers = {f"0900202610{i:08d}" for i in range(N)}
    for org, kind in ((world.terminal, OrgKind.TERMINAL), (big_call, OrgKind.SHIPPING_LINE),
                      (world.trader_a, OrgKind.TRADER)):
        found, statements = listed(org, kind)
        assert found == numbers, kind
        assert statements <= 10 + 8 * chunks(kouan), (kind, statements)
    found, statements = listed(world.trader_b, OrgKind.TRADER)
    assert found == set() and statements <= 3


def test_the_drill_down_asks_about_the_figures_declarations_not_all_a_partner_holds(kouan, world, big_call):
    """A figure lists a few hundred declarations; the broker, terminal or carrier behind it holds
    5,000 here (tens of thousands on a real port): which of the figure's it lists costs statements
    by the figure's size, and gives the same answer as the whole list narrowed to the figure."""
    numbers = sorted(f"0900202610{i:08d}" for i in range(N))
    asked = [*numbers[:100], "090020261099999999"]
    for org, kind in ((world.terminal, OrgKind.TERMINAL), (big_call, OrgKind.SHIPPING_LINE),
                      (world.trader_a, OrgKind.TRADER), (world.trader_b, OrgKind.BROKER)):
        actor = Principal(kind="person", id=1, org_id=org.id, org_kind=kind, role=Role.ADMIN, org_code=org.code)
        with kouan.sessions() as s:
            with counted(kouan.engine) as seen:
                got = visibility.listed_among(s, actor, asked)
            assert got == visibility.listed_declarations(s, actor) & set(asked), kind
        assert got == (set() if org is world.trader_b else set(asked[:100])), kind
        assert len(seen) <= 12, (kind, len(seen))
