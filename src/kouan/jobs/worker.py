"""The worker loop: ``kouan worker`` in its own process, or a thread inside ``kouan serve``."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from kouan.jobs import service
from kouan.jobs.service import Outcome, Policy

log = logging.getLogger(__name__)


class Worker:
    """Claims and runs due jobs one at a time; sleeps ``poll_seconds`` when none is due (``wake``
    cuts the sleep short: the web app calls it once a batch has committed)."""

    def __init__(self, sessions: sessionmaker[Session], *, policy: Policy | None = None,
                 poll_seconds: float = 1.0) -> None:
        self.sessions = sessions
        self.policy = policy or Policy()
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.outcomes: dict[str, int] = {}
        self.pruned = 0  # done jobs deleted by this worker (Policy.keep_done_days)
        self._pruned_at: float | None = None

    PRUNE_EVERY_SECONDS = 3600.0

    def _prune_when_due(self) -> None:
        """Once idle, and then at most once an hour: delete the done jobs past their keeping."""
        if self._pruned_at is not None and time.monotonic() - self._pruned_at < self.PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        try:
            self.pruned += service.prune(self.sessions, policy=self.policy)
        except Exception:  # noqa: BLE001 - housekeeping: the store is busy, next hour then
            log.exception("the job worker could not prune done jobs")

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _count(self, outcome: Outcome) -> None:
        self.outcomes[outcome.status] = self.outcomes.get(outcome.status, 0) + 1

    def run(self, *, once: bool = False, max_jobs: int | None = None) -> int:
        """Run jobs until stopped; with ``once``, until none is due; at most ``max_jobs``.
        Returns how many jobs ran (whatever their outcome)."""
        ran = 0
        while not self._stop.is_set() and (max_jobs is None or ran < max_jobs):
            try:
                outcome = service.run_one(self.sessions, policy=self.policy)
            except Exception:  # noqa: BLE001 - the store is away or locked: the loop goes on
                log.exception("the job worker could not claim a job; trying again")
                if once:
                    raise
                time.sleep(self.poll_seconds)
                continue
            if outcome is None:
                self._prune_when_due()
                if once:
                    break
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
                continue
            ran += 1
            self._count(outcome)
        return ran

    def start(self) -> threading.Thread:
        """The in-process worker of ``kouan serve`` (a daemon thread)."""
        self._thread = threading.Thread(target=self.run, name="kouan-jobs", daemon=True)
        self._thread.start()
        return self._thread


def wake(app: object) -> None:
    """Cut the in-process worker's sleep short (``app.state.jobs_worker``), if the app runs one."""
    worker = getattr(getattr(app, "state", None), "jobs_worker", None)
    if worker is not None:
        worker.wake()
