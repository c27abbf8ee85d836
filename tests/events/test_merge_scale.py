"""Merging consignments costs statements that do not grow with the number of merges in a batch.

A batch that joins declarations to bills of lading stored apart merges as many consignments as it
joins: one set of statements a merge made linking grow with them (at 600 k events a 50,000-line
batch merged 1,580 consignments, 4.7 s of its 18)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from tests.conftest import _wipe
from tests.events.helpers import jsonl
from tests.statements import statements

from kouan.consignments.models import Consignment, ConsignmentHub, ConsignmentMember
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

ACTOR = system("tests")
T0 = datetime.fromisoformat("2025-05-01T08:00:00+08:00")


def _box(i: int) -> str:
    body = f"MRGU{i:06d}"
    return body + str(iso6346_check_digit(body))


def _send(kouan, source: str, events: list[dict]) -> int:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=ACTOR) as s, statements(kouan.engine) as sent:
        events_service.ingest(s, source=source, org_id=None, sender=KOUAN, data=jsonl(*events), fmt="jsonl",
                              channel="test", now=T0 + timedelta(days=1), actor="tests")
    return len(sent)


def _merges(kouan, n: int) -> int:  # type: ignore[no-untyped-def]
    """Statements of the batch that merges ``n`` pairs of consignments stored apart."""
    at = T0.isoformat()
    _send(kouan, "TRADERA", [{"event_id": f"l{i}", "milestone": "DECLARATION_LODGED", "occurred_at": at,
                              "refs": {"declaration": f"0900202510{i:08d}"}} for i in range(n)])
    _send(kouan, "COSCO", [{"event_id": f"m{i}", "milestone": "MANIFEST_FILED", "occurred_at": at,
                            "refs": {"bill_of_lading": f"BLM{i}", "container": _box(i)}} for i in range(n)])
    statements = _send(kouan, "BROKER", [
        {"event_id": f"j{i}", "milestone": "DECLARATION_ACCEPTED", "occurred_at": at,
         "refs": {"declaration": f"0900202510{i:08d}", "bill_of_lading": f"BLM{i}"}} for i in range(n)])
    with kouan.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Consignment)) == n
        assert s.scalar(select(func.count(func.distinct(ConsignmentMember.consignment_id)))) == n
        # each merged consignment keeps its box, linked when the manifest named it
        hubs = s.execute(select(ConsignmentHub.consignment_id, ConsignmentHub.key)).all()
        assert len(hubs) == n and len({c for c, _k in hubs}) == n
    return statements


def test_a_batch_merging_ten_times_the_consignments_sends_the_same_statements(kouan) -> None:  # type: ignore[no-untyped-def]
    few = _merges(kouan, 5)
    _wipe(kouan)
    many = _merges(kouan, 50)
    assert many <= few + 2, (few, many)
