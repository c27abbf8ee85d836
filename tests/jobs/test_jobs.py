"""The job queue: the outbox row commits with its batch, handlers run once, failures are kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from tests.events.helpers import jsonl, shipment
from tests.factories import bearer, login, run_jobs

from kouan import jobs
from kouan.audit.models import AuditEntry
from kouan.clearance.jobs import REFRESH
from kouan.clearance.models import DirtyConsignment
from kouan.db.session import transaction
from kouan.declarations.jobs import ARRIVAL_MATCH
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.jobs import registry
from kouan.jobs import service as jobs_service
from kouan.jobs.models import Job
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

CALLS: list[int] = []


@jobs.handler("test.flaky", name="tests.flaky")
def _flaky(session, *, n: int, now) -> None:  # type: ignore[no-untyped-def]
    CALLS.append(n)
    raise RuntimeError(f"boom {n}")


@jobs.handler("test.write", name="tests.write")
def _write(session, *, n: int, now) -> None:  # type: ignore[no-untyped-def]
    session.execute(text("INSERT INTO dirty_consignment (consignment_id) SELECT id FROM consignment"))


def _jobs(kouan) -> list[Job]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return list(s.scalars(select(Job).order_by(Job.id)))


def _ingest(kouan, data: bytes, *, fail: bool = False) -> int:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        report = events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, channel="test",
                                       now=utcnow(), actor="tests", data=data)
        if fail:
            raise RuntimeError("the process dies before the commit")
    return report.batch_id


def test_a_batch_writes_its_job_in_its_own_transaction_and_a_rollback_leaves_none(kouan):
    with pytest.raises(RuntimeError):
        _ingest(kouan, jsonl(*shipment()), fail=True)
    assert _jobs(kouan) == []
    batch = _ingest(kouan, jsonl(*shipment()))
    [job] = _jobs(kouan)
    assert (job.kind, job.handler, job.payload, job.status) == ("batch.committed", None, {"batch_id": batch},
                                                                "queued")
    _ingest(kouan, jsonl(*shipment()))  # the partner re-sends: all duplicates, nothing to follow up
    assert len(_jobs(kouan)) == 1


def test_enqueuing_the_same_follow_up_twice_is_one_job(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        jobs.enqueue(s, "test.write", {"n": 1})
        jobs.enqueue(s, "test.write", {"n": 1})
        jobs.enqueue(s, "test.write", {"n": 2})
    assert [j.payload["n"] for j in _jobs(kouan)] == [1, 2]


def test_the_message_fans_out_to_each_handler_and_each_runs_once(kouan):
    batch = _ingest(kouan, jsonl(*shipment()))
    with kouan.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DirtyConsignment)) > 0
    outcomes = run_jobs(kouan)
    assert [o.job.handler for o in outcomes] == [None, REFRESH, ARRIVAL_MATCH] or \
        [o.job.handler for o in outcomes] == [None, ARRIVAL_MATCH, REFRESH]
    rows = _jobs(kouan)
    assert {(j.handler, j.status, j.attempts) for j in rows} == {
        (None, "done", 1), (REFRESH, "done", 1), (ARRIVAL_MATCH, "done", 1)}
    assert {j.dedupe_key for j in rows} == {f"batch.committed:{batch}", f"batch.committed:{batch}>{REFRESH}",
                                            f"batch.committed:{batch}>{ARRIVAL_MATCH}"}
    with kouan.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DirtyConsignment)) == 0
    assert run_jobs(kouan) == []  # nothing left; done jobs are not run again


def test_handlers_are_idempotent(kouan):
    batch = _ingest(kouan, jsonl(*shipment()))
    run_jobs(kouan)

    def snapshot():  # type: ignore[no-untyped-def]
        with kouan.sessions() as s:
            return [tuple(r) for r in s.execute(text(
                "SELECT declaration, clock, status, hours FROM clearance_case ORDER BY 1, 2"))]

    before = snapshot()
    assert before
    for name in (REFRESH, ARRIVAL_MATCH):
        h = registry.get(name)
        with transaction(kouan.sessions, actor=h.actor or system("tests")) as s:
            h.fn(s, batch_id=batch, now=utcnow())
    assert snapshot() == before


def test_a_failing_job_is_retried_with_backoff_then_failed_and_kept_until_retried(kouan, client, world):
    CALLS.clear()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        jobs.enqueue(s, "test.flaky", {"n": 7}, handler="tests.flaky", dedupe_key="flaky")
    policy = jobs_service.Policy(max_attempts=3, backoff_seconds=60)
    [first] = jobs_service.drain(kouan.sessions, policy=policy)
    assert first.status == "queued" and "boom 7" in first.error
    [job] = _jobs(kouan)
    assert job.status == "queued" and job.attempts == 1 and "RuntimeError: boom 7" in job.last_error
    assert job.run_after - utcnow() > timedelta(seconds=50)  # not due yet: the backoff
    assert jobs_service.drain(kouan.sessions, policy=policy) == []
    assert jobs_service.Policy(backoff_seconds=5).backoff(3) == timedelta(seconds=20)  # doubled each time
    with transaction(kouan.sessions, actor=system("tests")) as s:  # the backoff has passed
        s.execute(text("UPDATE job SET run_after = :t"), {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)
                                                        if kouan.engine.dialect.name == "sqlite" else utcnow()})
    fast = jobs_service.Policy(max_attempts=3, backoff_seconds=0)
    assert [o.status for o in jobs_service.drain(kouan.sessions, policy=fast)] == ["queued", "failed"]
    [job] = _jobs(kouan)
    assert (job.status, job.attempts, CALLS) == ("failed", 3, [7, 7, 7])
    assert job.finished_at is not None

    # Visible to the port office (and only to it), and retried by it, audited.
    assert client.get("/api/v1/jobs", headers=bearer(world.trader_a.key)).status_code == 403
    token = login(client, world.trader_a.admin)
    assert client.get("/api/v1/jobs").status_code == 403
    assert client.post(f"/api/v1/jobs/{job.id}/retry", headers={"X-CSRF-Token": token}).status_code == 403
    client.cookies.clear()
    token = login(client, world.port_office.admin)
    listed = client.get("/api/v1/jobs", params={"status": "failed"}).json()
    assert listed["counts"]["failed"] == 1 and [j["id"] for j in listed["jobs"]] == [job.id]
    assert "boom 7" in listed["jobs"][0]["last_error"]
    r = client.post(f"/api/v1/jobs/{job.id}/retry", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and (r.json()["status"], r.json()["attempts"]) == ("queued", 0)
    assert client.post(f"/api/v1/jobs/{job.id}/retry", headers={"X-CSRF-Token": token}).status_code == 409
    with kouan.sessions() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "job.retry")).one()
    assert audit.entity_id == str(job.id) and audit.actor_org_id == world.port_office.id


def test_a_job_whose_worker_died_is_taken_again_after_its_lease_and_the_late_worker_commits_nothing(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        jobs.enqueue(s, "test.write", {"n": 1}, handler="tests.write", dedupe_key="w")
    short = jobs_service.Policy(lease_seconds=0)
    dead = jobs_service.claim(kouan.sessions, policy=short)  # claimed, then its worker dies
    assert dead is not None and dead.attempts == 1
    [job] = _jobs(kouan)
    assert job.status == "running" and job.locked_until is not None
    taken = jobs_service.claim(kouan.sessions, policy=short)
    assert taken is not None and (taken.id, taken.attempts) == (dead.id, 2)
    with pytest.raises(jobs_service.LeaseLost):  # the first worker wakes up: its work rolls back
        with transaction(kouan.sessions, actor=system("tests")) as s:
            jobs_service._finish(s, dead)
    with transaction(kouan.sessions, actor=system("tests")) as s:
        jobs_service._finish(s, taken)
    [job] = _jobs(kouan)
    assert (job.status, job.attempts) == ("done", 2)


def test_a_lease_expired_on_the_last_attempt_is_failed_not_run_again(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        jobs.enqueue(s, "test.write", {"n": 1}, handler="tests.write", dedupe_key="w")
    policy = jobs_service.Policy(lease_seconds=0, max_attempts=1)
    assert jobs_service.claim(kouan.sessions, policy=policy) is not None
    assert jobs_service.claim(kouan.sessions, policy=policy) is None
    [job] = _jobs(kouan)
    assert job.status == "failed" and "lease expired" in job.last_error


def test_workers_on_postgresql_skip_a_job_another_worker_holds(kouan, backend):
    if backend != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer")
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for n in (1, 2):
            jobs.enqueue(s, "test.write", {"n": n}, handler="tests.write")
    first_id = _jobs(kouan)[0].id
    with kouan.sessions() as holder:  # another worker is claiming the first job right now
        holder.execute(select(Job.id).where(Job.id == first_id).with_for_update())
        taken = jobs_service.claim(kouan.sessions, policy=jobs_service.Policy())
        assert taken is not None and taken.payload == {"n": 2}  # not blocked, not the same job
        holder.rollback()


def test_the_lightweight_waiting_count_names_the_job_models_columns_and_statuses():
    """``jobs.counts.waiting`` (a KPI's freshness, `kouan kpi`'s catch-up) counts through a
    ``table()`` description of ``job``, not the mapped class: the same columns, types and statuses."""
    from kouan.jobs import counts, models
    from kouan.jobs import service as jobs_service

    assert jobs_service.waiting is counts.waiting
    assert (counts.QUEUED, counts.RUNNING) == (models.QUEUED, models.RUNNING)
    model = models.Job.__table__
    assert counts.JOBS.name == model.name
    for c in counts.JOBS.c:
        assert type(c.type) is type(model.c[c.name].type), c.name
        assert c.type.length == model.c[c.name].type.length, c.name
