"""Two batches committed side by side that name the same new declaration and container (two partners
posting at once, a CLI import beside the server) are both stored, in one consignment.

Before linking took turns (``consignments.service.serialise_linking``), the second batch waited on
the first's new ``consignment_member`` key in PostgreSQL and then failed with a unique violation:
its whole batch refused. On SQLite the one write lock already made them take turns; the test holds
both databases to the same outcome."""

from __future__ import annotations

import json
import threading
from datetime import datetime

from sqlalchemy import func, select

from kouan.consignments.models import ConsignmentHub, ConsignmentMember
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.events.models import Event
from kouan.partners.domain import system

NOW = datetime.fromisoformat("2022-03-10T12:00:00+08:00")
DECLARATION = "090020220000123456"
CONTAINER = "MSKU9070323"


def _line(event_id: str, milestone: str, at: str, refs: dict) -> str:
    return json.dumps({"event_id": event_id, "milestone": milestone, "occurred_at": at, "port": "CNDAL",
                       "direction": "I", "refs": refs})


def _batch(source: str, lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_two_open_batches_naming_the_same_new_consignment_both_commit(kouan) -> None:  # type: ignore[no-untyped-def]
    first = _batch("BROKER", [_line("d-1", "DECLARATION_LODGED", "2022-03-01T09:00:00+08:00",
                                    {"declaration": DECLARATION, "container": CONTAINER})])
    second = _batch("CUSTOMS", [_line("c-1", "CUSTOMS_RELEASED", "2022-03-02T10:00:00+08:00",
                                      {"declaration": DECLARATION, "container": CONTAINER})])
    session_a = kouan.sessions()
    session_a.info["actor"] = system("tests")
    events_service.ingest(session_a, source="BROKER", org_id=None, data=first, fmt="jsonl", channel="test",
                          now=NOW, actor="test", sender=KOUAN)
    # A has linked and holds its turn (PostgreSQL) or the write lock (SQLite), uncommitted.
    outcome: dict[str, object] = {}

    def send_b() -> None:
        try:
            with kouan.sessions() as session_b:
                session_b.info["actor"] = system("tests")
                report = events_service.ingest(session_b, source="CUSTOMS", org_id=None, data=second,
                                               fmt="jsonl", channel="test", now=NOW, actor="test", sender=KOUAN)
                session_b.commit()
                outcome["stored"] = report.stored
        except Exception as exc:  # noqa: BLE001 - the failure is what the test reports
            outcome["error"] = exc

    b = threading.Thread(target=send_b)
    b.start()
    b.join(timeout=1.5)  # B is waiting for A's turn
    assert b.is_alive(), f"the second batch did not wait for the first: {outcome}"
    session_a.commit()
    session_a.close()
    b.join(timeout=60)
    assert not b.is_alive()
    assert outcome == {"stored": 1}
    with kouan.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 2
        owners = set(s.scalars(select(ConsignmentMember.consignment_id)))
        assert len(owners) == 1
        hubs = s.execute(select(ConsignmentHub.consignment_id, ConsignmentHub.key)).all()
        assert hubs == [(owners.pop(), CONTAINER)]
