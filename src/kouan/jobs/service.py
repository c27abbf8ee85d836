"""Enqueue, claim, run, retry.

- ``enqueue`` writes one row in the caller's transaction (the outbox): the job exists if and only
  if the work that asked for it committed. Its ``dedupe_key`` is unique, so asking twice is one job.
- ``claim`` takes one due job in a short transaction of its own and commits it ``running`` with a
  lease (``locked_until``): on PostgreSQL the candidate row is picked ``FOR UPDATE SKIP LOCKED``,
  so several workers never take the same job and never wait for each other; on SQLite the single
  ``UPDATE ... WHERE id = (SELECT ...) AND <still due>`` statement runs under the database's one
  write lock, and ``RETURNING`` tells whether it took a row.
- ``run_one`` runs the handler in its own transaction and marks the job ``done`` *in that same
  transaction* (only if this worker still holds the lease): a handler's effects and its job's
  ``done`` commit together or not at all, so a job's effects are committed once.
- A failure is recorded (``attempts``, ``last_error``) and the job queued again after an exponential
  backoff; after ``max_attempts`` it is ``failed``, listed by ``kouan jobs list --status failed``
  and ``GET /api/v1/jobs``, and ``retry`` queues it again. A worker that dies mid-job leaves it
  ``running``; once its lease expires another worker takes it (an attempt counted).
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kouan.db.session import transaction
from kouan.jobs import registry
from kouan.jobs.counts import waiting as waiting  # the count a read asks, without the mapped class
from kouan.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job
from kouan.kit.clock import utcnow
from kouan.kit.errors import Conflict, NotFound
from kouan.partners.domain import Principal, system

log = logging.getLogger(__name__)

JOBS = system("jobs")
_T = Job.__table__
_c = _T.c
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_seconds: float = 5.0  # after the first failure; doubled after each next one
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 900.0  # a running job whose worker went silent this long is taken again
    keep_done_days: float = 7.0  # done jobs finished longer ago are pruned (0: kept for ever)

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(max_attempts=settings.jobs_max_attempts, backoff_seconds=settings.jobs_backoff_seconds,
                   backoff_max_seconds=settings.jobs_backoff_max_seconds,
                   lease_seconds=settings.jobs_lease_seconds,
                   keep_done_days=settings.jobs_keep_done_days)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_max_seconds,
                                     self.backoff_seconds * 2 ** max(0, attempts - 1)))


def default_key(kind: str, payload: dict[str, Any]) -> str:
    return f"{kind}:{json.dumps(payload, sort_keys=True, separators=(',', ':'))}"


def _insert_ignoring_duplicates(session: Session, values: dict[str, Any]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(dialect_insert(_T).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]))


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, now: datetime | None = None,
            dedupe_key: str | None = None, handler: str | None = None, parent_id: int | None = None,
            run_after: datetime | None = None) -> None:
    """Write the job in the caller's transaction; a job with the same ``dedupe_key`` already
    there (queued, running, done or failed) makes this a no-op. One statement, no look-up."""
    now = now or utcnow()
    _insert_ignoring_duplicates(session, {
        "kind": kind, "handler": handler, "payload": payload,
        "dedupe_key": dedupe_key or default_key(kind, payload), "parent_id": parent_id,
        "status": QUEUED, "attempts": 0, "run_after": run_after or now, "created_at": now,
    })


def enqueue_many(session: Session, kind: str, payloads: Sequence[tuple[dict[str, Any], str | None]], *,
                 now: datetime | None = None) -> None:
    """``enqueue`` for several jobs of one kind, ``(payload, dedupe_key)`` each: one cached
    statement run for every row (executemany), no look-up."""
    if not payloads:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    now = now or utcnow()
    session.execute(dialect_insert(_T).on_conflict_do_nothing(index_elements=["dedupe_key"]), [
        {"kind": kind, "handler": None, "payload": payload, "dedupe_key": key or default_key(kind, payload),
         "parent_id": None, "status": QUEUED, "attempts": 0, "run_after": now, "created_at": now}
        for payload, key in payloads])


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    handler: str | None
    payload: dict[str, Any]
    dedupe_key: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    job: Claimed
    status: str  # done | queued (will retry) | failed | lost (another worker took it over)
    error: str | None = None


class LeaseLost(RuntimeError):
    """The job is no longer this worker's (its lease expired and another worker took it)."""


def _due(now: datetime, policy: Policy, c=_c):  # type: ignore[no-untyped-def]
    return or_(and_(c.status == QUEUED, c.run_after <= now),
               and_(c.status == RUNNING, c.locked_until <= now, c.attempts < policy.max_attempts))


def _exhausted(now: datetime, policy: Policy):  # type: ignore[no-untyped-def]
    return and_(_c.status == RUNNING, _c.locked_until <= now, _c.attempts >= policy.max_attempts)


def claim(sessions: sessionmaker[Session], *, policy: Policy, now: datetime | None = None) -> Claimed | None:
    """Take one due job (oldest first) and commit it ``running``; None when nothing is due. An idle
    poll only reads (on SQLite it takes no write lock)."""
    now = now or utcnow()
    with sessions() as s:
        if s.scalar(select(_c.id).where(or_(_due(now, policy), _exhausted(now, policy))).limit(1)) is None:
            return None
    with transaction(sessions, actor=JOBS) as s:  # type: ignore[arg-type]
        s.execute(update(_T).where(_exhausted(now, policy)).values(
            status=FAILED, finished_at=now, locked_until=None,
            last_error=func.coalesce(_c.last_error, "") + "\nlease expired on the last attempt: "
                                                          "its worker died or hung"))
        candidate = _T.alias("candidate")
        pick = (select(candidate.c.id).where(_due(now, policy, candidate.c)).order_by(candidate.c.id)
                .limit(1).with_for_update(skip_locked=True).scalar_subquery())
        row = s.execute(update(_T).where(_c.id == pick, _due(now, policy)).values(
            status=RUNNING, attempts=_c.attempts + 1, started_at=now, finished_at=None,
            locked_until=now + timedelta(seconds=policy.lease_seconds),
        ).returning(_c.id, _c.kind, _c.handler, _c.payload, _c.dedupe_key, _c.attempts)).first()
    if row is None:
        return None
    return Claimed(id=row.id, kind=row.kind, handler=row.handler, payload=dict(row.payload or {}),
                   dedupe_key=row.dedupe_key, attempts=row.attempts)


def _finish(session: Session, job: Claimed) -> None:
    done = session.execute(update(_T).where(
        _c.id == job.id, _c.status == RUNNING, _c.attempts == job.attempts,
    ).values(status=DONE, finished_at=utcnow(), locked_until=None))
    if done.rowcount != 1:
        raise LeaseLost(f"job {job.id} was taken over by another worker")


def _fan_out(sessions: sessionmaker[Session], job: Claimed) -> None:
    """A message (no handler) becomes one job per registered handler, then is done."""
    handlers = registry.handlers_for(job.kind)
    if not handlers:
        raise LookupError(f"no handler registered for {job.kind!r} (bootstrap.py wires them)")
    with transaction(sessions, actor=JOBS) as s:  # type: ignore[arg-type]
        for h in handlers:
            enqueue(s, job.kind, job.payload, handler=h.name, parent_id=job.id,
                    dedupe_key=f"{job.dedupe_key}>{h.name}")
        _finish(s, job)


def _run(sessions: sessionmaker[Session], job: Claimed) -> None:
    if job.handler is None:
        _fan_out(sessions, job)
        return
    h = registry.get(job.handler)
    if h is None:
        raise LookupError(f"no handler {job.handler!r} registered (bootstrap.py wires them)")
    actor: Principal = h.actor or JOBS
    with transaction(sessions, actor=actor) as s:  # type: ignore[arg-type]
        h.fn(s, **job.payload, now=utcnow())
        _finish(s, job)


def _record_failure(sessions: sessionmaker[Session], job: Claimed, error: str, policy: Policy) -> str:
    now = utcnow()
    give_up = job.attempts >= policy.max_attempts
    values: dict[str, Any] = {"last_error": error[-MAX_ERROR_CHARS:], "locked_until": None}
    if give_up:
        values |= {"status": FAILED, "finished_at": now}
    else:
        values |= {"status": QUEUED, "run_after": now + policy.backoff(job.attempts)}
    with transaction(sessions, actor=JOBS) as s:  # type: ignore[arg-type]
        s.execute(update(_T).where(_c.id == job.id, _c.status == RUNNING, _c.attempts == job.attempts)
                  .values(**values))
    return FAILED if give_up else QUEUED


def run_one(sessions: sessionmaker[Session], *, policy: Policy) -> Outcome | None:
    """Claim one due job and run it; None when nothing was due."""
    job = claim(sessions, policy=policy)
    if job is None:
        return None
    try:
        _run(sessions, job)
    except LeaseLost as exc:
        log.warning("%s", exc)
        return Outcome(job, "lost", str(exc))
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job, never dropped
        error = "".join(traceback.format_exception_only(exc)).strip()
        detail = traceback.format_exc()
        status = _record_failure(sessions, job, detail, policy)
        log.warning("job %s (%s %s) attempt %d failed, %s: %s", job.id, job.kind, job.handler or "",
                    job.attempts, "given up" if status == FAILED else "will retry", error)
        return Outcome(job, status, error)
    return Outcome(job, DONE)


def drain(sessions: sessionmaker[Session], *, policy: Policy | None = None,
          max_jobs: int | None = None) -> list[Outcome]:
    """Run due jobs until none is due (or ``max_jobs`` ran): what ``kouan worker --once`` and the
    tests do. A job that failed and waits for its backoff is not due, so this ends."""
    policy = policy or Policy()
    out: list[Outcome] = []
    while max_jobs is None or len(out) < max_jobs:
        outcome = run_one(sessions, policy=policy)
        if outcome is None:
            break
        out.append(outcome)
    return out


def settle(session: Session, *, kind: str, up_to_id: int, now: datetime) -> int:
    """Mark the queued messages of ``kind`` up to ``up_to_id`` done without running them, because the
    caller did their work another way in this transaction (the demo's set-based rebuild of every
    case). They stay listed, done with 0 attempts. Returns how many."""
    done = session.execute(update(_T).where(
        _c.kind == kind, _c.status == QUEUED, _c.handler.is_(None), _c.id <= up_to_id,
    ).values(status=DONE, finished_at=now))
    return int(done.rowcount or 0)


def prune(sessions: sessionmaker[Session], *, policy: Policy, now: datetime | None = None) -> int:
    """Delete the ``done`` jobs that finished more than ``policy.keep_done_days`` ago, in a short
    transaction of its own; returns how many. Failed, queued and running jobs are never pruned.
    A pruned job's ``dedupe_key`` is free again: keys name what happened once (a batch's id), so
    nothing asks for them again."""
    if policy.keep_done_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=policy.keep_done_days)
    with transaction(sessions, actor=JOBS) as session:
        gone = session.execute(_T.delete().where(_c.status == DONE, _c.finished_at < cutoff))
        return int(gone.rowcount or 0)


def last_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(_c.id), 0))) or 0)


def list_jobs(session: Session, *, status: str | None = None, kind: str | None = None,
              limit: int = 100, offset: int = 0) -> Sequence[Job]:
    q = select(Job).order_by(Job.id.desc()).limit(limit).offset(offset)
    if status:
        q = q.where(Job.status == status)
    if kind:
        q = q.where(Job.kind == kind)
    return session.scalars(q).all()


def counts(session: Session) -> dict[str, int]:
    found = dict(session.execute(select(_c.status, func.count()).group_by(_c.status)).all())
    return {s: int(found.get(s, 0)) for s in (QUEUED, RUNNING, DONE, FAILED)}


def retry(session: Session, job_id: int, *, now: datetime) -> Job:
    """A failed job queued again with a fresh count of attempts (audited)."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    if job.status != FAILED:
        raise Conflict(f"job {job_id} is {job.status}: only a failed job is retried")
    before = {"status": job.status, "attempts": job.attempts}
    job.status, job.attempts, job.run_after, job.finished_at = QUEUED, 0, now, None
    session.flush()
    from kouan.audit import service as audit_service

    audit_service.record(session, action="job.retry", entity="job", entity_id=str(job.id),
                         after={"before": before, "status": QUEUED, "kind": job.kind,
                                "handler": job.handler})
    return job

