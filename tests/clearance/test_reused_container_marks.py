"""An event naming a container reused for many trips marks the consignments of the trips around it,
not every consignment the container ever carried, and the cases after the refresh are those of a
full recompute.

A container carries a new consignment every few weeks; when ingest marked every consignment a named
container had ever carried, each import's marks (and the refresh after it) grew with the store's
history: at 600 k events a 50,000-line batch took 17 s instead of 5."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from tests.clearance.test_refresh_scale import box, feed

from kouan.clearance import service
from kouan.clearance.clocks import BUILT_IN
from kouan.clearance.models import DirtyConsignment
from kouan.consignments.models import ConsignmentMember
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

ACTOR = system("tests")
T0 = datetime.fromisoformat("2024-01-05T08:00:00+08:00")
TRIPS = 24  # one every 21 days: a year and four months of one box's life
BOX = box(424242)
CLOCKS = list(BUILT_IN.values())  # what refresh computes on a store with no clock of its own


def _ev(eid: str, milestone: str, at: datetime, **refs) -> dict:  # type: ignore[no-untyped-def]
    return {"event_id": eid, "milestone": milestone, "port": "CNDAL", "direction": "I",
            "occurred_at": at.isoformat(), "refs": refs}


def _number(i: int) -> str:
    return f"0900202410{i:08d}"


def _trip(i: int) -> dict[str, list[dict]]:
    start = T0 + timedelta(days=21 * i)
    return {"COSCO": [_ev(f"mf{i}", "MANIFEST_FILED", start, bill_of_lading=f"BLR{i}", container=BOX)],
            "TRADERA": [_ev(f"l{i}", "DECLARATION_LODGED", start + timedelta(hours=2), declaration=_number(i),
                            bill_of_lading=f"BLR{i}")],
            "CUSTOMS": [_ev(f"r{i}", "CUSTOMS_RELEASED", start + timedelta(hours=9), declaration=_number(i))],
            "DCT": [_ev(f"d{i}", "DISCHARGED", start + timedelta(hours=1), container=BOX)]}


def _marked(kouan) -> set[str]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        ids = set(s.scalars(select(DirtyConsignment.consignment_id)))
        return set(s.scalars(select(ConsignmentMember.key).where(
            ConsignmentMember.consignment_id.in_(ids), ConsignmentMember.kind == "declaration")))


def test_a_late_gate_move_of_a_reused_container_marks_the_trips_around_it(kouan) -> None:  # type: ignore[no-untyped-def]
    from tests.clearance.test_recompute import assert_same, python_rows, rows

    for i in range(TRIPS):
        feed(kouan, _trip(i))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        assert service.refresh(s, now=utcnow()).consignments == TRIPS
    # A gate-out two days into trip 20 (linked at day 420; trip 21 is linked at day 441).
    late = T0 + timedelta(days=21 * 20 + 2)
    feed(kouan, {"DCT": [_ev("late-out", "GATE_OUT", late, container=BOX)]})
    marked = _marked(kouan)
    # Trip 20's, whose trip it is, and trip 21's, linked within TRIP_LEAD (30 days) after it: the
    # event may count for either. None of the 19 trips before, none of the two after.
    assert marked == {_number(20), _number(21)}, sorted(marked)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.refresh(s, now=utcnow())
    refreshed = rows(kouan, CLOCKS)
    assert_same(refreshed, python_rows(kouan, CLOCKS))  # a full recompute changes nothing


def test_a_new_trip_of_a_reused_container_marks_the_trip_it_ends(kouan) -> None:  # type: ignore[no-untyped-def]
    """A new link of the box ends the trip before it (its later events leave that timeline)."""
    from tests.clearance.test_recompute import assert_same, python_rows, rows

    for i in range(6):
        feed(kouan, _trip(i))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.refresh(s, now=utcnow())
    # A manifest line of a new consignment linking the box 10 days into trip 5.
    at = T0 + timedelta(days=21 * 5 + 10)
    feed(kouan, {"COSCO": [_ev("mf-new", "MANIFEST_FILED", at, bill_of_lading="BLNEW", container=BOX)]})
    with kouan.sessions() as s:
        ids = set(s.scalars(select(DirtyConsignment.consignment_id)))
        keys = set(s.scalars(select(ConsignmentMember.key).where(ConsignmentMember.consignment_id.in_(ids))))
    assert keys == {"BLNEW", "BLR5", _number(5)}, sorted(keys)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.refresh(s, now=utcnow())
    assert_same(rows(kouan, CLOCKS), python_rows(kouan, CLOCKS))


def test_the_trips_around_an_event_are_range_reads_of_the_hub_index(kouan) -> None:  # type: ignore[no-untyped-def]
    """Never a scan of a container's whole history: both parts seek (kind, key, linked_at)."""
    import json

    from sqlalchemy import text

    from kouan.consignments import dirty

    with kouan.sessions() as s:
        if kouan.engine.dialect.name == "sqlite":
            sql = "EXPLAIN QUERY PLAN " + dirty._WINDOWS["sqlite"] + dirty._REACH
            plan = " | ".join(r[-1] for r in s.execute(text(sql), {"windows": json.dumps(
                [[BOX, "2024-01-01 00:00:00.000000", "2024-02-01 00:00:00.000000"]])}))
            assert plan.count("USING INDEX ix_consignment_hub_kind_key_linked") == 2, plan
            assert plan.count("USING COVERING INDEX ix_consignment_hub_kind_key_linked (kind=? AND key=? "
                              "AND linked_at<?)") == 1, plan
            assert "SCAN h" not in plan and "SCAN b" not in plan, plan
        else:
            names = set(s.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'consignment_hub'")))
            assert any("(kind, key, linked_at)" in n for n in names), names


def test_a_late_older_record_moving_a_link_earlier_marks_the_trips_it_jumps(kouan) -> None:  # type: ignore[no-untyped-def]
    """Trips A (day 0), B (21), C (42), D (63). A late record links the box to D at day 5: D's link
    moves from day 63 to day 5, so C's trip no longer ends at day 63 (no other link follows it):
    C is marked though no event names it and its link is more than TRIP_LEAD after the record."""
    from tests.clearance.test_recompute import assert_same, python_rows, rows

    for i in range(4):
        feed(kouan, _trip(i))
    feed(kouan, {"DCT": [_ev("out-c", "GATE_OUT", T0 + timedelta(days=70), container=BOX)]})
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.refresh(s, now=utcnow())
    early = T0 + timedelta(days=5)
    feed(kouan, {"COSCO": [_ev("mf3-early", "MANIFEST_FILED", early, bill_of_lading="BLR3", container=BOX)]})
    marked = _marked(kouan)
    assert _number(2) in marked, sorted(marked)  # C: its trip now runs past day 63
    assert _number(3) in marked  # D: its link moved
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.refresh(s, now=utcnow())
    assert_same(rows(kouan, CLOCKS), python_rows(kouan, CLOCKS))
