"""How many jobs wait, without the job queue's mapped class: every KPI answer and ``kouan kpi``'s
catch-up ask it, and a read on a caught-up store builds no mapped class (``tests/test_cli_startup.py``).
``jobs.service.waiting`` is this function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import String, column, func, or_, select, table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

QUEUED, RUNNING = "queued", "running"  # jobs.models' statuses (tests/jobs check they agree)

# The columns of ``job`` (``models.Job``) the count names, with the same types.
JOBS = table("job", column("kind", String(64)), column("handler", String(128)), column("status", String(8)))


def waiting(session: Session, *, kind: str | None = None, handler: str | None = None) -> int:
    """Jobs not run yet (queued or running), optionally of one kind or handler; a message not yet
    fanned out counts for every handler of its kind."""
    c = JOBS.c
    q = select(func.count()).select_from(JOBS).where(c.status.in_((QUEUED, RUNNING)))
    if kind:
        q = q.where(c.kind == kind)
    if handler:
        q = q.where(or_(c.handler == handler, c.handler.is_(None)))
    return int(session.scalar(q) or 0)
