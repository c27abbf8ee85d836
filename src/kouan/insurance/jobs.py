"""The insurer's webhook, delivered after the application's transaction committed: a job of the
outbox (``kouan.jobs``), retried with exponential backoff until the insurer's system answers 2xx
(``KOUAN_JOBS_MAX_ATTEMPTS``, then ``failed`` and listed for a retry). Wired in
``bootstrap.JOB_HANDLERS``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kouan import jobs
from kouan.insurance import service
from kouan.partners.domain import system

ACTOR = system("insurance.webhook")


@jobs.handler(service.WEBHOOK_JOB, name=service.WEBHOOK_HANDLER, actor=ACTOR)
def deliver_webhook(
    session: Session, *, application_id: int, event: str, now: datetime, loss_id: int | None = None
) -> None:
    """Post one signed notification. Not idempotent towards the receiver (a retry after a lost
    answer posts again): receivers dedupe on ``Kouan-Delivery``."""
    service.deliver(session, application_id=application_id, event=event, loss_id=loss_id, now=now)
