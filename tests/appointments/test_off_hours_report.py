"""The off-hours report is one SQL GROUP BY (port, Beijing month): a booking of a slot is off-hours
when its slot is (``slot.off_hours``); a slot-less ship-side appointment by its own window. Same
figures as counting every booking in Python, for a constant number of statements, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from tests.statements import statements

from kouan.appointments import domain as rules
from kouan.appointments import service
from kouan.appointments.models import Slot
from kouan.db.session import transaction
from kouan.declarations.models import Appointment
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.partners.domain import system

FIRST, LAST = date(2026, 9, 1), date(2026, 12, 31)


def bj(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA_TZ).astimezone(UTC)


# (port, start, end): a working day's office hours, a National Day holiday, a Beijing night that is
# still October in UTC but November in Beijing (the month follows Beijing time), an evening.
WINDOWS = [
    ("CNDAL", bj(date(2026, 11, 4), 9), bj(date(2026, 11, 4), 10)),
    ("CNDAL", bj(date(2026, 10, 2), 9), bj(date(2026, 10, 2), 10)),
    ("CNDAL", bj(date(2026, 11, 1), 0, 30), bj(date(2026, 11, 1), 1, 30)),
    ("CNYIK", bj(date(2026, 11, 4), 17), bj(date(2026, 11, 4), 18)),
]
STATUSES = ["booked", "used", "no_show", "cancelled", "booked", "used"]


def _bookings(kouan, world, per_window: int, tag: str, service_: str = "inspection") -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for w, (port, start, end) in enumerate(WINDOWS):
            slot = Slot(org_id=world.customs.id, port=port, service=service_, starts_at=start, ends_at=end,
                        capacity=10_000, booked=0, hours="regular", off_hours=rules.off_hours(start, end),
                        status="open", created_at=now)
            s.add(slot)
            s.flush()
            for i in range(per_window):
                for slotted in (True, False):  # a booking of the slot, a ship-side appointment without one
                    s.add(Appointment(
                        reference=f"{tag}{w}{i}{'S' if slotted else 'P'}", kind="inspection" if slotted else "pickup",
                        status=STATUSES[i % len(STATUSES)], port=port, terminal_org_id=world.terminal.id,
                        booked_by_org_id=world.trader_a.id, slot_start=start, slot_end=end, containers=[],
                        created_at=now, updated_at=now, service="inspection" if slotted else "pickup",
                        slot_id=slot.id if slotted else None))


def _in_python(session, port=None):  # type: ignore[no-untyped-def]
    """What the report computed before: every booking read and counted here."""
    groups: dict[tuple[str, str], list[int]] = {}
    lo, hi = service.local_day(FIRST)[0], service.local_day(LAST)[1]
    for a in session.query(Appointment).all():
        if not (lo <= a.slot_start < hi) or a.status == "cancelled" or (port and a.port != port):
            continue
        g = groups.setdefault((a.port, a.slot_start.astimezone(CHINA_TZ).strftime("%Y-%m")), [0, 0, 0, 0])
        g[0] += 1
        g[1] += rules.off_hours(a.slot_start, a.slot_end)
        g[2] += a.status == "used"
        g[3] += a.status == "no_show"
    return [service.OffHoursRow(p, m, n, off, u, ns, round(off / n, 4) if n else None)
            for (p, m), (n, off, u, ns) in sorted(groups.items())]


def _counted(kouan, port=None):  # type: ignore[no-untyped-def]
    with kouan.sessions() as s, statements(kouan.engine) as sent:
        rows = service.off_hours_report(s, first=FIRST, last=LAST, port=port)
    return rows, sent


def test_the_report_groups_in_sql_with_the_figures_of_counting_each_booking(kouan, world):
    _bookings(kouan, world, 6, "A")
    rows, _ = _counted(kouan)
    with kouan.sessions() as s:
        assert rows == _in_python(s)
        assert service.off_hours_report(s, first=FIRST, last=LAST, port="cnyik") == _in_python(s, "CNYIK")
    by = {(r.port, r.month): r for r in rows}
    # 6 bookings a window, one cancelled: 5 of the slot + 5 slot-less = 10 a window.
    assert by[("CNDAL", "2026-11")].bookings == 20 and by[("CNDAL", "2026-11")].off_hours == 10  # the night
    assert by[("CNDAL", "2026-10")].off_hours == 10 and by[("CNYIK", "2026-11")].off_hours == 10
    assert by[("CNDAL", "2026-11")].used == 8 and by[("CNDAL", "2026-11")].no_show == 4
    assert by[("CNDAL", "2026-11")].off_hours_share == 0.5


def test_the_report_costs_the_same_statements_for_ten_bookings_or_a_thousand(kouan, world):
    _bookings(kouan, world, 1, "F")
    few_rows, few = _counted(kouan)
    _bookings(kouan, world, 125, "M", "release")
    many_rows, many = _counted(kouan)
    assert len(few) == len(many) == 1 and "GROUP BY" in many[0]
    assert sum(r.bookings for r in many_rows) > 100 * sum(r.bookings for r in few_rows)
    with kouan.sessions() as s:
        assert many_rows == _in_python(s)
