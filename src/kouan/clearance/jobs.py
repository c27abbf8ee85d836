"""What clearance does once a batch has committed: recompute the cases of the consignments the batch
marked (``consignments.dirty``, written in the batch's own transaction). Registered through
``bootstrap.JOB_HANDLERS``; runs in the worker's transaction, never in a reader's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kouan import jobs

REFRESH = "clearance.refresh_cases"


@jobs.handler("batch.committed", name=REFRESH)
def refresh_cases(session: Session, *, batch_id: int, now: datetime) -> None:
    """Every marked consignment, this batch's and any earlier one's: ``refresh`` clears the marks it
    recomputed, so a second run (or the next batch's job) finds nothing left and changes nothing.
    The service is imported here: a KPI read imports this module for ``REFRESH`` alone."""
    from kouan.clearance import service as clearance_service

    clearance_service.refresh(session, now=now)
