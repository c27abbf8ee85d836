"""The desk's job: a clock's due instant came (``service.clock_due``), enqueued with
``run_after`` = the due instant when a ticket is logged or reopened (``bootstrap.JOB_HANDLERS``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kouan import jobs
from kouan.desk import service
from kouan.partners.domain import system

DESK = system("desk")


@jobs.handler(service.CLOCK_JOB, name=service.CLOCK_JOB, actor=DESK)
def clock_due(session: Session, *, ticket_id: int, clock: str, due: str, now: datetime) -> None:
    service.clock_due(session, ticket_id=ticket_id, clock=clock, due=due, now=now)
