"""The audit diff's hook on every ORM session, without importing the audit service: a command that
never writes (``kouan kpi`` on a caught-up store) does not load the audit model or its service
(``tests/test_cli_startup.py``); the first flush of a process imports them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session


def _after_flush(session: Session, flush_context: Any) -> None:
    from kouan.audit import service

    service.after_flush(session, flush_context)


def install() -> None:
    """Hook the audit diff into every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
