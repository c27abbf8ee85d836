"""Done jobs are kept ``jobs_keep_done_days`` (7 by default) and then pruned by the worker: the job
table stays the size of a week's work, never the size of every batch ever received."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from kouan import jobs
from kouan.db.session import transaction
from kouan.jobs import service as jobs_service
from kouan.jobs.models import DONE, FAILED, QUEUED, Job
from kouan.jobs.worker import Worker
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


@jobs.handler("test.prune", name="tests.prune")
def _noop(session, *, n: int, now) -> None:  # type: ignore[no-untyped-def]
    pass


def _statuses(kouan) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return {j.payload["n"]: j.status for j in s.scalars(select(Job).where(Job.kind == "test.prune"))}


def _age(kouan, n: int, days: float, status: str) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        at = utcnow() - timedelta(days=days)
        s.execute(update(Job).where(Job.dedupe_key == f"prune-{n}")
                  .values(status=status, finished_at=at if status in (DONE, FAILED) else None))


def test_the_worker_prunes_done_jobs_past_their_keeping_and_nothing_else(kouan):
    now = utcnow()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for n in range(5):
            jobs.enqueue(s, "test.prune", {"n": n}, handler="tests.prune", dedupe_key=f"prune-{n}", now=now,
                         run_after=now + timedelta(days=1))  # not due: the worker runs none of them
    _age(kouan, 0, 8, DONE)  # past a week: pruned
    _age(kouan, 1, 6, DONE)  # within the week: kept
    _age(kouan, 2, 30, FAILED)  # failed: kept for the operator, whatever its age
    # 3 and 4 stay queued
    worker = Worker(kouan.sessions, policy=jobs_service.Policy(keep_done_days=7))
    assert worker.run(once=True) == 0
    assert worker.pruned == 1
    assert _statuses(kouan) == {1: DONE, 2: FAILED, 3: QUEUED, 4: QUEUED}
    worker.run(once=True)  # pruned at most once an hour
    assert worker.pruned == 1


def test_keep_done_days_zero_keeps_every_done_job(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        jobs.enqueue(s, "test.prune", {"n": 9}, handler="tests.prune", dedupe_key="prune-9",
                     run_after=utcnow() + timedelta(days=1))
    _age(kouan, 9, 400, DONE)
    assert jobs_service.prune(kouan.sessions, policy=jobs_service.Policy(keep_done_days=0)) == 0
    assert _statuses(kouan) == {9: DONE}
    assert jobs_service.prune(kouan.sessions, policy=jobs_service.Policy(keep_done_days=7)) == 1
    assert _statuses(kouan) == {}


def test_the_setting_reaches_the_policy(kouan):
    assert jobs_service.Policy.from_settings(kouan.settings).keep_done_days == 7.0
    assert jobs_service.Policy.from_settings(kouan.settings.model_copy(
        update={"jobs_keep_done_days": 2.5})).keep_done_days == 2.5
