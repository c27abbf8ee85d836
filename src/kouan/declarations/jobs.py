"""Work that runs on its own transaction after something else happened: the automatic release of
advance declarations once partners report the arrival. ``arrival_match`` is the handler the
worker runs for each committed batch (``bootstrap.JOB_HANDLERS``); ``run_arrival_match`` the
same match for a boundary of its own (``kouan declarations match-arrivals``, the tests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kouan import jobs
from kouan.db.session import transaction
from kouan.declarations import service
from kouan.kit.clock import utcnow

ARRIVAL_MATCH = "declarations.arrival_match"


@jobs.handler("batch.committed", name=ARRIVAL_MATCH, actor=service.ARRIVAL_MATCH)
def arrival_match(session: Session, *, batch_id: int, now: datetime) -> None:
    """Release the accepted advance declarations that the batch's arrival events name. Idempotent:
    a released declaration is no longer a candidate, so a second run releases nothing."""
    service.match_arrivals(session, now=now, batch_ids=[batch_id])


def run_arrival_match(sessions: sessionmaker[Session], batch_ids: list[int] | None = None) -> list[str]:
    """Match the declarations named by the arrival events of ``batch_ids`` (all accepted ones when
    no batch is given)."""
    with transaction(sessions, actor=service.ARRIVAL_MATCH) as session:
        return service.match_arrivals(session, now=utcnow(), batch_ids=batch_ids)
