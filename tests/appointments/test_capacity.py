"""Capacity is never exceeded: 50 bookings fired at once at a slot of capacity 3, each in its own
transaction and connection, leave exactly 3 bookings (PostgreSQL: real concurrent transactions;
SQLite: one writer at a time, the same conditional UPDATE)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from kouan.appointments import service
from kouan.appointments.models import Slot
from kouan.db.session import transaction
from kouan.declarations.models import Appointment
from kouan.kit.clock import utcnow
from kouan.partners.domain import OrgKind, Principal, Role, system

CONCURRENT = 50


def test_fifty_concurrent_bookings_of_a_capacity_3_slot_leave_exactly_3(kouan, world):
    now = utcnow()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        slot_id = service.publish(s, actor=system("tests"), org_code="DLCUS", port="CNDAL",
                                  service="inspection", start=now + timedelta(hours=2),
                                  end=now + timedelta(hours=3), capacity=3, now=now).id
        later = service.publish(s, actor=system("tests"), org_code="DLCUS", port="CNDAL",
                                service="inspection", start=now + timedelta(hours=3),
                                end=now + timedelta(hours=4), capacity=3, now=now).id
    traders = [world.trader_a, world.trader_b]
    start = threading.Barrier(CONCURRENT)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(i: int) -> None:
        org = traders[i % 2]
        actor = Principal(kind="person", id=org.admin_id, org_id=org.id, org_kind=OrgKind.TRADER,
                          role=Role.ADMIN, org_code=org.code)
        start.wait()
        try:
            with transaction(kouan.sessions, actor=actor) as s:  # type: ignore[arg-type]
                service.book(s, actor=actor, slot_id=slot_id, now=utcnow())
            result = "booked"
        except service.SlotFull as exc:
            assert [x["id"] for x in exc.extra["next_free"]] == [later]
            result = "full"
        except Exception as exc:  # noqa: BLE001 - counted, and the test fails on it
            result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(set(outcomes)) == ["booked", "full"], outcomes
    assert outcomes.count("booked") == 3 and outcomes.count("full") == CONCURRENT - 3
    with kouan.sessions() as s:
        assert s.get(Slot, slot_id).booked == 3
        assert s.scalar(select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot_id)) == 3
