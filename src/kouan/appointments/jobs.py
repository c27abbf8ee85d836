"""The no-show job: enqueued at booking, due an hour after the slot ends (``bootstrap.JOB_HANDLERS``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kouan import jobs
from kouan.appointments import service
from kouan.partners.domain import system

APPOINTMENTS = system("appointments")


@jobs.handler(service.NO_SHOW_JOB, name=service.NO_SHOW_JOB, actor=APPOINTMENTS)
def no_show(session: Session, *, booking_id: int, slot_end: str, now: datetime) -> None:
    service.no_show_one(session, booking_id=booking_id, slot_end=slot_end, now=now)
