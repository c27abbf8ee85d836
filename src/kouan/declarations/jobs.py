"""Work that runs on its own transaction after something else happened (a boundary, like a CLI
command): the automatic release of advance declarations once partners report the arrival."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kouan.db.session import transaction
from kouan.declarations import service
from kouan.kit.clock import utcnow


def run_arrival_match(sessions: sessionmaker[Session], batch_ids: list[int] | None = None) -> list[str]:
    """Match the declarations named by the arrival events of ``batch_ids`` (all accepted ones when
    no batch is given)."""
    with transaction(sessions, actor=service.ARRIVAL_MATCH) as session:
        return service.match_arrivals(session, now=utcnow(), batch_ids=batch_ids)
