"""7×24 appointment clearance (预约通关): units and terminals publish slots, traders and brokers
book, move and cancel them; a full slot is 409 with the next free slots; no-shows; off-hours use."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from tests.factories import bearer, login, run_jobs

from kouan.appointments import domain, service
from kouan.appointments.models import Slot
from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.declarations.models import Appointment
from kouan.jobs.models import Job
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system

TOMORROW = (utcnow().astimezone(CHINA_TZ) + timedelta(days=1)).date()


def at(hour: int, minute: int = 0, day: date = TOMORROW) -> str:
    return datetime.combine(day, time(hour, minute), CHINA_TZ).isoformat()


def key(kouan, org_id: int, *scopes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        issued = partners_service.create_api_key(s, actor=system("tests"), org_id=org_id, name="k",
                                                 scopes=list(scopes), now=utcnow())
    return bearer(issued.secret)


def publish(client, kouan, world, *, start=None, end=None, capacity=1, service_="inspection"):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/slots", headers=key(kouan, world.customs.id, "appointments:write"), json={
        "port": "CNDAL", "service": service_, "start": start or at(22), "end": end or at(23),
        "capacity": capacity})
    assert r.status_code == 201, r.text
    return r.json()


def test_customs_publishes_a_night_slot_and_it_is_off_hours(client, kouan, world):
    slot = publish(client, kouan, world, capacity=3)
    assert (slot["org"], slot["port"], slot["capacity"], slot["free"]) == ("DLCUS", "CNDAL", 3, 3)
    assert slot["off_hours"] is True and slot["hours"] == "extended"
    again = client.post("/api/v1/slots", headers=key(kouan, world.customs.id, "appointments:write"),
                        json={"port": "CNDAL", "service": "inspection", "start": at(22), "end": at(23),
                              "capacity": 3})
    assert again.status_code == 409
    with kouan.sessions() as s:
        assert [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.entity == "slot"))] == ["slot.create"]


def test_only_units_and_terminals_publish_at_ports_they_serve(client, kouan, world):
    body = {"port": "CNDAL", "service": "inspection", "start": at(22), "end": at(23), "capacity": 1}
    trader = client.post("/api/v1/slots", headers=key(kouan, world.trader_a.id, "appointments:write"), json=body)
    assert trader.status_code == 403
    elsewhere = client.post("/api/v1/slots", headers=key(kouan, world.terminal.id, "appointments:write"),
                            json={**body, "port": "CNYIK"})
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["pointer"] == "/port"
    reader = client.post("/api/v1/slots", headers=key(kouan, world.customs.id, "read"), json=body)
    assert reader.status_code == 403


def test_a_full_slot_answers_409_with_the_next_free_slots(client, kouan, world):
    full = publish(client, kouan, world, capacity=1)
    later = publish(client, kouan, world, start=at(23), end=at(23, 59), capacity=2)
    a = key(kouan, world.trader_a.id, "appointments:write", "read")
    first = client.post(f"/api/v1/slots/{full['id']}/bookings", headers=a, json={})
    assert first.status_code == 201 and first.json()["status"] == "booked", first.text
    assert first.json()["serving"] == "DLCUS" and first.json()["booker"] == "TRADERA"
    b = key(kouan, world.trader_b.id, "appointments:write")
    second = client.post(f"/api/v1/slots/{full['id']}/bookings", headers=b, json={})
    assert second.status_code == 409 and second.json()["code"] == "slot_full"
    assert [s["id"] for s in second.json()["next_free"]] == [later["id"]]
    assert client.get(f"/api/v1/slots/{full['id']}", headers=a).json()["free"] == 0


def test_booking_needs_the_appointments_write_scope_or_a_person(client, kouan, world):
    slot = publish(client, kouan, world, capacity=2)
    assert client.post(f"/api/v1/slots/{slot['id']}/bookings", headers=key(kouan, world.trader_a.id, "read"),
                       json={}).status_code == 403
    person = {"X-CSRF-Token": login(client, world.trader_a.staff)}
    r = client.post(f"/api/v1/slots/{slot['id']}/bookings", headers=person, json={})
    assert r.status_code == 201, r.text


def test_a_trader_sees_its_own_bookings_and_the_unit_its_day(client, kouan, world):
    slot = publish(client, kouan, world, capacity=3)
    a, b = key(kouan, world.trader_a.id, "appointments:write", "read"), key(kouan, world.trader_b.id, "read")
    ref = client.post(f"/api/v1/slots/{slot['id']}/bookings", headers=a, json={}).json()["reference"]
    assert client.get(f"/api/v1/bookings/{ref}", headers=b).status_code == 404
    assert client.get("/api/v1/bookings", headers=b).json() == []
    assert [x["reference"] for x in client.get("/api/v1/bookings", headers=a).json()] == [ref]
    unit = key(kouan, world.customs.id, "read")
    day = client.get(f"/api/v1/bookings?day={TOMORROW.isoformat()}&serving=true", headers=unit).json()
    assert [x["reference"] for x in day] == [ref]
    other_day = (TOMORROW + timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/bookings?day={other_day}&serving=true", headers=unit).json() == []
    assert client.post(f"/api/v1/bookings/{ref}/actions/cancel", headers=key(
        kouan, world.trader_b.id, "appointments:write")).status_code == 404


def test_move_and_cancel_give_the_place_back(client, kouan, world):
    one = publish(client, kouan, world, capacity=1)
    two = publish(client, kouan, world, start=at(23), end=at(23, 59), capacity=1)
    a = key(kouan, world.trader_a.id, "appointments:write", "read")
    ref = client.post(f"/api/v1/slots/{one['id']}/bookings", headers=a, json={}).json()["reference"]
    moved = client.post(f"/api/v1/bookings/{ref}/actions/move", headers=a, json={"slot_id": two["id"]})
    assert moved.status_code == 200 and moved.json()["slot_id"] == two["id"], moved.text
    assert client.get(f"/api/v1/slots/{one['id']}", headers=a).json()["free"] == 1
    assert client.get(f"/api/v1/slots/{two['id']}", headers=a).json()["free"] == 0
    full = client.post(f"/api/v1/bookings/{ref}/actions/move", headers=a, json={"slot_id": two["id"]})
    assert full.status_code == 422  # it is there already
    cancelled = client.post(f"/api/v1/bookings/{ref}/actions/cancel", headers=a)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(f"/api/v1/slots/{two['id']}", headers=a).json()["free"] == 1
    again = client.post(f"/api/v1/bookings/{ref}/actions/cancel", headers=a)
    assert again.status_code == 409 and again.json()["code"] == "booking_not_booked"
    with kouan.sessions() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "appointment")
                                 .order_by(AuditEntry.id)))
    actions = [e.action for e in entries]
    assert actions == ["appointment.create", "appointment.update", "appointment.update"], [e.after for e in entries]


def test_a_booking_not_used_is_marked_no_show_by_its_job_once_the_slot_is_over(client, kouan, world):
    now = utcnow()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        slot = service.publish(s, actor=system("tests"), org_code="DLCUS", port="CNDAL", service="release",
                               start=now - timedelta(hours=3), end=now + timedelta(minutes=1), capacity=2,
                               now=now - timedelta(hours=4))
        slot_id = slot.id
    a = key(kouan, world.trader_a.id, "appointments:write", "read")
    used = client.post(f"/api/v1/slots/{slot_id}/bookings", headers=a, json={}).json()["reference"]
    idle = client.post(f"/api/v1/slots/{slot_id}/bookings", headers=a, json={}).json()["reference"]
    unit = key(kouan, world.customs.id, "appointments:write")
    assert client.post(f"/api/v1/bookings/{used}/actions/use", headers=unit).json()["status"] == "used"
    early = client.post(f"/api/v1/bookings/{idle}/actions/no_show", headers=unit)
    assert early.status_code == 409 and early.json()["code"] == "slot_not_over"
    assert client.post(f"/api/v1/bookings/{idle}/actions/use", headers=a).status_code == 403
    with kouan.sessions() as s:
        jobs = s.scalars(select(Job).where(Job.kind == service.NO_SHOW_JOB)).all()
        assert len(jobs) == 2 and all(j.run_after >= now + domain.NO_SHOW_GRACE for j in jobs)
    run_jobs(kouan)  # not due yet: nothing happens
    assert client.get(f"/api/v1/bookings/{idle}", headers=a).json()["status"] == "booked"
    with transaction(kouan.sessions, actor=system("tests")) as s:  # the job, run when it is due
        booking = s.scalar(select(Appointment).where(Appointment.reference == idle))
        later = now + timedelta(hours=2)
        assert service.no_show_one(s, booking_id=booking.id, slot_end=booking.slot_end.isoformat(), now=later)
        assert not service.no_show_one(s, booking_id=booking.id, slot_end=booking.slot_end.isoformat(), now=later)
    assert client.get(f"/api/v1/bookings/{idle}", headers=a).json()["status"] == "no_show"
    assert client.get(f"/api/v1/bookings/{used}", headers=a).json()["status"] == "used"


def test_the_sweep_command_marks_no_shows(client, kouan, world, tmp_path):
    past = utcnow() - timedelta(days=1)
    with transaction(kouan.sessions, actor=system("tests")) as s:
        slot = service.publish(s, actor=system("tests"), org_code="DLCUS", port="CNDAL", service="inspection",
                               start=past, end=past + timedelta(hours=1), capacity=1, now=past - timedelta(hours=1))
        s.add(Appointment(reference="BKOLD1", kind="inspection", service="inspection", status="booked",
                          port="CNDAL", terminal_org_id=world.customs.id, booked_by_org_id=world.trader_a.id,
                          slot_id=slot.id, slot_start=slot.starts_at, slot_end=slot.ends_at, containers=[],
                          created_at=past, updated_at=past))
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "kouan.cli", "slots", "no-shows"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "BKOLD1" in out.stdout, out.stderr
    with kouan.sessions() as s:
        assert s.scalar(select(Appointment.status).where(Appointment.reference == "BKOLD1")) == "no_show"


def test_kouan_slots_publish_as_the_issue_writes_it(kouan, world, tmp_path):
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    start, end = f"{TOMORROW.isoformat()}T22:00", f"{TOMORROW.isoformat()}T23:00"
    out = subprocess.run([sys.executable, "-m", "kouan.cli", "slots", "publish", "--org", "DLCUS", "--port",
                          "CNDAL", "--service", "inspection", "--from", start, "--to", end, "--capacity", "3"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    with kouan.sessions() as s:
        slot = s.scalars(select(Slot)).one()
    assert slot.capacity == 3 and slot.starts_at.astimezone(CHINA_TZ).hour == 22 and slot.off_hours
    bad = subprocess.run([sys.executable, "-m", "kouan.cli", "slots", "publish", "--org", "TRADERA", "--port",
                          "CNDAL", "--service", "inspection", "--from", start, "--to", end, "--capacity", "3"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "customs units" in bad.stderr


def test_a_pattern_publishes_nights_of_rest_days(client, kouan, world):
    r = client.post("/api/v1/slot-patterns", headers=key(kouan, world.terminal.id, "appointments:write"), json={
        "port": "CNDAL", "service": "pickup", "days": "rest_days", "daily_from": "22:00", "daily_to": "02:00",
        "first_day": "2026-12-03", "last_day": "2026-12-13", "capacity": 5, "hours": "night", "slot_minutes": 120})
    assert r.status_code == 201, r.text
    local = [datetime.fromisoformat(s["start"]).astimezone(CHINA_TZ) for s in r.json()["slots"]]
    starts = sorted(t.date() for t in local if t.hour == 22)
    assert starts == [date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 12), date(2026, 12, 13)]
    assert r.json()["published"] == 8
    assert all(s["off_hours"] and s["hours"] == "night" and s["org"] == "DCT" for s in r.json()["slots"])


def test_a_pattern_follows_holidays_and_make_up_working_days():
    # Mid-autumn (25-27 Sep 2026) and National Day (1-7 Oct); Sunday 20 September and Saturday
    # 10 October are worked (调休).
    rest = domain.Pattern(domain.Days.REST_DAYS, time(22), time(2), date(2026, 9, 19), date(2026, 10, 8))
    nights = [s.astimezone(CHINA_TZ).date().day for s, _ in rest.windows()]
    assert nights == [19, 25, 26, 27, 1, 2, 3, 4, 5, 6, 7]
    holidays = domain.Pattern(domain.Days.HOLIDAYS, time(9), time(12), date(2026, 9, 19), date(2026, 10, 8))
    assert [s.astimezone(CHINA_TZ).date().day for s, _ in holidays.windows()] == [25, 26, 27, 1, 2, 3, 4, 5, 6, 7]
    makeup = domain.Pattern(domain.Days.MAKEUP_DAYS, time(17, 30), time(20), date(2026, 9, 1), date(2026, 10, 31))
    assert [s.astimezone(CHINA_TZ).date() for s, _ in makeup.windows()] == [date(2026, 9, 20), date(2026, 10, 10)]


def test_the_calendar_days_a_pattern_can_choose():
    assert domain.day_matches(date(2026, 10, 1), domain.Days.HOLIDAYS)  # National Day
    assert not domain.day_matches(date(2026, 10, 10), domain.Days.HOLIDAYS)
    assert domain.day_matches(date(2026, 9, 20), domain.Days.MAKEUP_DAYS)  # a Sunday worked (调休)
    assert domain.day_matches(date(2026, 9, 20), domain.Days.WORKDAYS)
    assert not domain.day_matches(date(2026, 9, 20), domain.Days.REST_DAYS)
    assert domain.day_matches(date(2026, 9, 20), domain.Days.WEEKENDS)
    assert domain.day_matches(date(2026, 12, 5), domain.Days.REST_DAYS)  # a plain Saturday
    night = domain.Pattern(domain.Days.ALL, time(22), time(6), date(2026, 12, 4), date(2026, 12, 4), 240)
    assert [(s.astimezone(CHINA_TZ).hour, e.astimezone(CHINA_TZ).hour) for s, e in night.windows()] == [(22, 2), (2, 6)]


def test_office_hours_and_off_hours():
    def bj(d, h, m=0):  # type: ignore[no-untyped-def]
        return datetime.combine(d, time(h, m), CHINA_TZ).astimezone(UTC)

    wed = date(2026, 12, 2)
    assert not domain.off_hours(bj(wed, 9), bj(wed, 10))
    assert domain.off_hours(bj(wed, 17), bj(wed, 18))  # extended hours (延时)
    assert domain.off_hours(bj(wed, 7, 30), bj(wed, 9))  # staggered hours (错时)
    assert domain.off_hours(bj(date(2026, 12, 5), 9), bj(date(2026, 12, 5), 10))  # Saturday
    assert domain.off_hours(bj(date(2026, 10, 2), 9), bj(date(2026, 10, 2), 10))  # National Day
    assert not domain.off_hours(bj(date(2026, 9, 20), 9), bj(date(2026, 9, 20), 10))  # make-up working Sunday


def test_off_hours_use_by_port_and_month(client, kouan, world):
    night = publish(client, kouan, world, capacity=3)
    day = publish(client, kouan, world, start=at(9), end=at(10), capacity=3)
    a = key(kouan, world.trader_a.id, "appointments:write", "read")
    for slot in (night, night, day):
        assert client.post(f"/api/v1/slots/{slot['id']}/bookings", headers=a, json={}).status_code == 201
    month = TOMORROW.strftime("%Y-%m")
    rows = client.get(f"/api/v1/off-hours-use?from={TOMORROW}&to={TOMORROW}", headers=a).json()
    expected_off = 2 if not domain.off_hours(datetime.fromisoformat(at(9)), datetime.fromisoformat(at(10))) else 3
    assert rows == [{"port": "CNDAL", "month": month, "bookings": 3, "off_hours": expected_off, "used": 0,
                     "no_show": 0, "off_hours_share": round(expected_off / 3, 4)}]
    login(client, world.port_office.admin)
    page = client.get(f"/slots/report?from={TOMORROW}&to={TOMORROW}&lang=en")
    assert page.status_code == 200 and "CNDAL" in page.text and month in page.text


def test_the_slots_page_books_and_shows_409_with_next_free_in_chinese(client, kouan, world):
    full = publish(client, kouan, world, capacity=1)
    publish(client, kouan, world, start=at(23), end=at(23, 59), capacity=1)
    token = login(client, world.trader_a.admin)
    page = client.get(f"/slots?day={TOMORROW}")
    assert page.status_code == 200 and "7×24" in page.text and f'/slots/{full["id"]}/bookings' in page.text
    ok = client.post(f"/slots/{full['id']}/bookings", data={"csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    again = client.post(f"/slots/{full['id']}/bookings", data={"csrf_token": token})
    assert again.status_code == 409 and "已满" in again.text and "下一个可预约时段" in again.text
    client.cookies.clear()
    login(client, world.customs.staff)
    served = client.get(f"/slots?day={TOMORROW}&lang=en")
    assert "Bookings of the day we serve" in served.text and "TRADERA" in served.text
    assert "Publish a slot" in served.text


def test_a_booking_for_a_declaration_is_on_its_timeline_and_only_the_declarant_links_it(client, kouan, world):
    from tests.declarations.test_api import draft

    from kouan.events.models import Event

    slot = publish(client, kouan, world, capacity=2)
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    number = client.post("/api/v1/declarations", json=draft(), headers=trader).json()["number"]
    r = client.post(f"/api/v1/slots/{slot['id']}/bookings", json={"declaration": number}, headers=trader)
    assert r.status_code == 201 and r.json()["declaration"] == number and r.json()["containers"] == ["CSQU3054383"]
    ref = r.json()["reference"]
    client.post(f"/api/v1/bookings/{ref}/actions/cancel", headers=trader)
    with kouan.sessions() as s:
        events = {e.event_id: e for e in s.scalars(select(Event).where(Event.event_id.like(f"bk/{ref}/%")))}
    booked, cancelled = events[f"bk/{ref}/booked"], events[f"bk/{ref}/cancel"]
    assert (booked.milestone, booked.classifier) == ("INSPECTION_DONE", "PLN")
    assert booked.occurred_at == datetime.fromisoformat(slot["start"])
    assert (cancelled.milestone, cancelled.classifier) == ("OTHER", "ACT")
    other = key(kouan, world.trader_b.id, "appointments:write")
    refused = client.post(f"/api/v1/slots/{slot['id']}/bookings", json={"declaration": number}, headers=other)
    assert refused.status_code == 404  # another's declaration cannot be named
    assert client.get(f"/api/v1/slots/{slot['id']}", headers=trader).json()["free"] == 2


def test_a_terminal_publishes_a_pattern_from_the_page(client, kouan, world):
    token = login(client, world.terminal.staff)
    assert "发布周期规则" in client.get("/slots").text
    r = client.post("/slots/patterns", data={
        "csrf_token": token, "port": "CNDAL", "service": "pickup", "days": "weekends", "daily_from": "07:00",
        "daily_to": "08:30", "first_day": "2026-12-05", "last_day": "2026-12-06", "capacity": "4",
        "hours": "staggered"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    with kouan.sessions() as s:
        slots = s.scalars(select(Slot).order_by(Slot.starts_at)).all()
    assert [(x.starts_at.astimezone(CHINA_TZ).day, x.hours, x.capacity) for x in slots] == [
        (5, "staggered", 4), (6, "staggered", 4)]
    bad = client.post("/slots/patterns", data={"csrf_token": token, "port": "CNDAL", "service": "pickup",
                                               "days": "someday", "daily_from": "07:00", "daily_to": "08:30",
                                               "first_day": "2026-12-05", "last_day": "2026-12-06"})
    assert bad.status_code == 422 and "/days" in bad.text


def test_the_dashboard_shows_off_hours_use_by_port_and_month(client, kouan, world):
    night = publish(client, kouan, world, capacity=3)
    a = key(kouan, world.trader_a.id, "appointments:write", "read")
    for _ in range(2):
        assert client.post(f"/api/v1/slots/{night['id']}/bookings", headers=a, json={}).status_code == 201
    login(client, world.port_office.admin)
    page = client.get("/dashboard?lang=en").text
    table = page[page.index('data-testid="off-hours"'):].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if TOMORROW.strftime("%Y-%m") in r)
    assert "Dalian" in row and "CNDAL" in row
    assert [c.split("</td>")[0] for c in row.split("<td>")[3:5]] == ["2", "2"]  # bookings, off-hours
