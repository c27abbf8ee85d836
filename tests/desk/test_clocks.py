"""The desk's clocks on a fixed clock: wall-clock hours across midnight, a weekend and a public
holiday (National Day 2026), and an escalation that happens once, through the job queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from tests.factories import run_jobs

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.desk import domain, service
from kouan.desk.models import DeskTicket, DeskTicketStep
from kouan.jobs import service as jobs_service
from kouan.jobs.models import Job
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.partners.domain import OrgKind, Principal, Role, system


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ).astimezone(UTC)


def trader(world) -> Principal:  # type: ignore[no-untyped-def]
    return Principal(kind="person", id=world.trader_a.admin_id, org_id=world.trader_a.id,
                     org_kind=OrgKind.TRADER, role=Role.ADMIN, org_code="TRADERA")


DESK = system("tests")


def log(kouan, world, now: datetime, category: str = "delay") -> int:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=trader(world)) as s:
        return service.create(s, actor=trader(world), category=category, subject="held at gate",
                              body="the box has not left", refs=["CSQU3054383"], port="CNDAL", now=now).id


def ticket(kouan, ticket_id: int) -> DeskTicket:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return s.get(DeskTicket, ticket_id)


def escalations(kouan, ticket_id: int) -> list[DeskTicketStep]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return list(s.scalars(select(DeskTicketStep).where(DeskTicketStep.ticket_id == ticket_id,
                                                           DeskTicketStep.action == "escalated")))


def check(kouan, ticket_id: int, clock: str, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    t = ticket(kouan, ticket_id)
    due = t.response_due if clock == "response" else t.resolution_due
    with transaction(kouan.sessions, actor=DESK) as s:
        return service.clock_due(s, ticket_id=ticket_id, clock=clock, due=due.isoformat(), now=now)


def test_the_24_hour_clock_is_wall_clock_across_midnight_a_weekend_and_a_public_holiday():
    cases = [
        (bj(2026, 12, 2, 23, 30), bj(2026, 12, 3, 23, 30)),  # across midnight, Wednesday to Thursday
        (bj(2026, 12, 4, 18, 0), bj(2026, 12, 5, 18, 0)),  # Friday evening: due on Saturday
        (bj(2026, 12, 5, 10, 0), bj(2026, 12, 6, 10, 0)),  # Saturday to Sunday
        (bj(2026, 9, 30, 22, 0), bj(2026, 10, 1, 22, 0)),  # the eve of National Day: due on the holiday
        (bj(2026, 10, 3, 8, 0), bj(2026, 10, 4, 8, 0)),  # inside the Golden Week
    ]
    for start, due in cases:
        assert domain.due(start, 24) == due
        assert domain.hours_between(start, due) == 24.0
    # 30 September 22:00 + 24 h is 1 October 22:00 Beijing time, 14:00 UTC, whatever the calendar.
    assert domain.due(bj(2026, 9, 30, 22, 0), 24) == datetime(2026, 10, 1, 14, 0, tzinfo=UTC)


def test_a_ticket_logged_on_the_eve_of_national_day_escalates_on_the_holiday_exactly_once(kouan, world):
    with transaction(kouan.sessions, actor=DESK) as s:
        service.set_sla(s, actor=DESK, category="delay", response_hours=4, resolution_hours=24,
                        now=bj(2026, 9, 1, 9, 0))
    logged = bj(2026, 9, 30, 22, 0)
    tid = log(kouan, world, logged)
    t = ticket(kouan, tid)
    assert t.response_due == bj(2026, 10, 1, 2, 0)  # past midnight, on National Day
    assert t.resolution_due == bj(2026, 10, 1, 22, 0)
    assert not check(kouan, tid, "response", t.response_due - timedelta(seconds=1))
    assert ticket(kouan, tid).level == 0 and escalations(kouan, tid) == []
    assert check(kouan, tid, "response", t.response_due)
    assert not check(kouan, tid, "response", t.response_due + timedelta(hours=1))  # once
    assert ticket(kouan, tid).level == 1
    # the queued jobs are long due (the fixed clock is in the past): the worker runs both once
    run_jobs(kouan)
    run_jobs(kouan)
    after = ticket(kouan, tid)
    assert after.level == 2 and after.response_breached_at is not None and after.resolution_breached_at
    assert [e.note.split()[0] for e in escalations(kouan, tid)] == ["response", "resolution"]
    with transaction(kouan.sessions, actor=DESK) as s:  # a sweep after the fact queues nothing new
        service.sweep(s, now=utcnow())
    run_jobs(kouan)
    assert len(escalations(kouan, tid)) == 2 and ticket(kouan, tid).level == 2
    with kouan.sessions() as s:
        done = s.scalars(select(Job).where(Job.kind == service.CLOCK_JOB)).all()
        audited = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "desk_ticket.escalate"))
    assert sorted(j.status for j in done) == ["done", "done"] and audited == 2


def test_the_job_is_not_run_before_the_clock_runs_out(kouan, world):
    tid = log(kouan, world, utcnow())
    run_jobs(kouan)
    assert ticket(kouan, tid).level == 0 and escalations(kouan, tid) == []
    with kouan.sessions() as s:
        queued = s.scalars(select(Job).where(Job.kind == service.CLOCK_JOB)).all()
    assert [j.status for j in queued] == ["queued", "queued"]
    assert {j.run_after for j in queued} == {ticket(kouan, tid).response_due}


def test_an_acknowledged_ticket_does_not_escalate_on_its_response_clock(kouan, world):
    logged = bj(2026, 12, 5, 23, 0)  # Saturday night
    tid = log(kouan, world, logged)
    with transaction(kouan.sessions, actor=DESK) as s:
        service.act(s, actor=DESK, ticket_id=tid, action="dispatch", unit="DLCUS", now=bj(2026, 12, 5, 23, 10))
        service.act(s, actor=DESK, ticket_id=tid, action="acknowledge", now=bj(2026, 12, 6, 1, 0))
    assert not check(kouan, tid, "response", bj(2026, 12, 6, 23, 0))
    assert ticket(kouan, tid).level == 0
    assert check(kouan, tid, "resolution", bj(2026, 12, 6, 23, 0))  # Sunday 23:00: not resolved
    assert ticket(kouan, tid).level == 1


def test_a_reopened_ticket_runs_its_resolution_clock_again(kouan, world):
    tid = log(kouan, world, bj(2026, 10, 1, 9, 0))
    with transaction(kouan.sessions, actor=DESK) as s:
        service.act(s, actor=DESK, ticket_id=tid, action="dispatch", unit="DLCUS", now=bj(2026, 10, 1, 9, 5))
        service.act(s, actor=DESK, ticket_id=tid, action="resolve", note="released", now=bj(2026, 10, 1, 12, 0))
        service.act(s, actor=DESK, ticket_id=tid, action="reopen", note="still held", now=bj(2026, 10, 2, 8, 0))
    t = ticket(kouan, tid)
    assert t.status == "reopened" and t.resolved_at is None and t.resolution_due == bj(2026, 10, 3, 8, 0)
    assert not check(kouan, tid, "resolution", bj(2026, 10, 3, 7, 59))
    with kouan.sessions() as s:
        keys = sorted(j.dedupe_key.split(":", 1)[1] for j in s.scalars(select(Job).where(Job.kind == service.CLOCK_JOB)))
    assert keys == sorted([f"{tid}:response:{bj(2026, 10, 2, 9, 0).isoformat()}",
                           f"{tid}:resolution:{bj(2026, 10, 2, 9, 0).isoformat()}",
                           f"{tid}:resolution:{bj(2026, 10, 3, 8, 0).isoformat()}"])
    outcomes = jobs_service.drain(kouan.sessions, policy=jobs_service.Policy(backoff_seconds=0))
    assert all(o.status == "done" for o in outcomes)
    # the stale first resolution job found another due and did nothing; the reopened clock escalated
    assert [e.note for e in escalations(kouan, tid)] == [f"resolution clock ran out at {bj(2026, 10, 3, 8, 0).isoformat()}"]


def test_the_sla_report_by_unit_and_category(kouan, world):
    rows = [(bj(2026, 10, 1, 9, 0), 2, 10), (bj(2026, 10, 1, 22, 0), 6, 30), (bj(2026, 10, 2, 9, 0), 1, 5)]
    for logged, respond_h, resolve_h in rows:
        tid = log(kouan, world, logged)
        with transaction(kouan.sessions, actor=DESK) as s:
            service.act(s, actor=DESK, ticket_id=tid, action="dispatch", unit="DLCUS", now=logged)
            service.act(s, actor=DESK, ticket_id=tid, action="acknowledge", now=logged + timedelta(hours=respond_h))
            service.act(s, actor=DESK, ticket_id=tid, action="resolve", note="done",
                        now=logged + timedelta(hours=resolve_h))
    log(kouan, world, bj(2026, 10, 2, 10, 0), category="fees")  # not dispatched, not answered
    with kouan.sessions() as s:
        report = service.sla_report(s, first=bj(2026, 10, 1, 0, 0).date(), last=bj(2026, 10, 31, 0, 0).date())
    by = {(r.unit, r.category): r for r in report}
    d = by[("DLCUS", "delay")]
    assert (d.tickets, d.responded, d.resolved) == (3, 3, 3)
    assert (d.response_median_h, d.response_p90_h) == (2.0, 5.2)
    assert (d.resolution_median_h, d.resolution_p90_h) == (10.0, 26.0)
    assert (d.response_breaches, d.resolution_breaches) == (0, 1)  # 30 h > 24 h
    f = by[("—", "fees")]
    assert (f.tickets, f.responded, f.response_median_h, f.response_breaches) == (1, 0, None, 0)


def test_kouan_desk_sweep_and_report(kouan, world, tmp_path):
    import json
    import os
    import subprocess
    import sys

    tid = log(kouan, world, bj(2026, 10, 1, 9, 0))
    with transaction(kouan.sessions, actor=DESK) as s:  # the clock jobs were lost
        s.execute(Job.__table__.delete())
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "kouan.cli", "desk", "sweep"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "2 clock check(s) queued" in out.stdout, out.stderr
    run_jobs(kouan)
    assert ticket(kouan, tid).level == 2 and len(escalations(kouan, tid)) == 2
    report = subprocess.run([sys.executable, "-m", "kouan.cli", "desk", "report", "--from", "2026-10-01",
                             "--to", "2026-10-31"], env=env, capture_output=True, text=True, timeout=120)
    rows = json.loads(report.stdout)
    assert rows[0]["category"] == "delay" and rows[0]["response_breaches"] == 1
