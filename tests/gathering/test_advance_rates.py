"""The port's export advance-declaration rate on /gathering is one aggregate statement, with the
figures of ``clearance.kpi.facilitation`` (the Ibis definition), whatever the number of
declarations, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.statements import statements

from kouan.clearance import kpi
from kouan.clearance.models import ClearanceCase
from kouan.db.session import transaction
from kouan.events.models import Event, EventRef, IngestBatch
from kouan.gathering import service
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

BASE = datetime(2025, 1, 15, 3, tzinfo=UTC)


def _declarations(kouan, n: int, tag: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` declarations, spread over two years: exports and imports, at Dalian and Yingkou, lodged
    before or after their arrival at port, some with no arrival known, some two-step, some lodged
    twice (the first counts), one claim (never counted)."""
    now = utcnow()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        batch = IngestBatch(source="tests", format="jsonl", channel="cli", content_sha256="0" * 64, size_bytes=0,
                            received_at=now, actor="tests")
        s.add(batch)
        s.flush()
        pk = 0
        for i in range(n):
            number = f"09002026{tag}{i:09d}"[:18]
            lodged = BASE + timedelta(days=(i * 37) % 700, hours=i % 24)
            port, direction = ("CNDAL", "E") if i % 5 else ("CNYIK", "E")
            if i % 7 == 0:
                direction = "I"
            times = [lodged] + ([lodged + timedelta(days=1)] if i % 4 == 0 else [])
            for j, at in enumerate(times):
                pk += 1
                attrs = {"facilitation_modes": ["two_step"]} if i % 3 == 0 and j == 0 else {"x": "y"}
                ev = Event(source="tests", event_id=f"{tag}-{i}-{j}", milestone="DECLARATION_LODGED", classifier="ACT",
                           occurred_at=at, received_at=now, port=port, refs=[["declaration", number]], attrs=attrs,
                           content_hash="0" * 64, batch_id=batch.id, authority="claim" if i == 1 else "entitled")
                s.add(ev)
                s.flush()
                s.add(EventRef(event_pk=ev.id, kind="declaration", key=number))
            s.add(ClearanceCase(declaration=number, clock="gac", direction=direction, port=port, status="closed",
                                start_at=lodged, month=None, updated_at=now))
            if i % 6:
                arrival = lodged + timedelta(hours=(5 if i % 2 else -5))
                s.add(ClearanceCase(declaration=number, clock="trs", direction=direction, port=port, status="closed",
                                    start_at=arrival, month=None, updated_at=now))


def _ibis(kouan, port: str):  # type: ignore[no-untyped-def]
    rows = kpi.facilitation(kouan.sessions, database_url=kouan.settings.effective_database_url,
                            by=("month", "port", "direction"), now=utcnow(), port=port)
    return [r for r in rows if r.get("direction") == "E"]


def _counted(kouan, port: str, months: int = 12):  # type: ignore[no-untyped-def]
    with kouan.sessions() as s, statements(kouan.engine) as sent:
        rows = service.advance_rates(s, port=port, months=months)
    return rows, sent


def test_the_rates_are_the_facilitation_kpis_figures(kouan):
    _declarations(kouan, 120, 1)
    for port in ("CNDAL", "CNYIK"):
        expected = _ibis(kouan, port)
        assert len(expected) > 12
        assert _counted(kouan, port, months=100)[0] == expected
        assert _counted(kouan, port)[0] == expected[-12:]
    rows = _counted(kouan, "CNDAL", months=100)[0]
    assert any(r["advance_rate_last_year"] is not None for r in rows)
    assert any(r["two_step"] for r in rows) and any(r["advance_known"] < r["declarations"] for r in rows)


def test_the_rates_cost_one_aggregate_statement_for_ten_declarations_or_six_hundred(kouan):
    _declarations(kouan, 10, 1)
    few_rows, few = _counted(kouan, "CNDAL")
    _declarations(kouan, 600, 2)
    many_rows, many = _counted(kouan, "CNDAL")
    assert len(few) == len(many) == 1 and many[0].count("GROUP BY") == 2
    assert sum(r["declarations"] for r in many_rows) > 5 * sum(r["declarations"] for r in few_rows)
    assert len(many_rows) == 12  # one row a month, never one a declaration
