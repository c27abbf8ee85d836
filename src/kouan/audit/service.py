"""Every state change leaves an audit row, written in the same transaction as the change.

Models opt in with ``__audited__ = True``; a flush hook diffs them, so a service cannot forget to
audit. Secrets listed in ``__audit_redact__`` are recorded as changed but never stored.
The acting ``Principal`` comes from ``session.info["actor"]``; a change without one is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from kouan.audit import hook
from kouan.audit.models import AuditEntry
from kouan.kit.clock import utcnow
from kouan.kit.jsonutil import jsonable
from kouan.partners.domain import Principal

REDACTED = "***"


def _actor(session: Session) -> Principal:
    actor = session.info.get("actor")
    if not isinstance(actor, Principal):
        raise RuntimeError("a state change needs an actor: set session.info['actor'] at the boundary")
    return actor


def _subject_org(obj: Any) -> int | None:
    if obj.__tablename__ == "organisation":
        return obj.id
    return getattr(obj, getattr(obj, "__audit_org__", "org_id"), None)


def _entity_id(obj: Any) -> str:
    return ",".join(str(v) for v in inspect(obj).identity or ())


def _snapshot(obj: Any, *, changed_only: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    redact = getattr(obj, "__audit_redact__", frozenset())
    ignore = getattr(obj, "__audit_ignore__", frozenset())
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ignore:
            continue
        hist = state.attrs[key].history
        if changed_only and not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
        new = hist.added[0] if hist.added else (hist.unchanged[0] if hist.unchanged else None)
        if changed_only and old == new:
            continue
        before[key] = REDACTED if key in redact and old is not None else jsonable(old)
        after[key] = REDACTED if key in redact and new is not None else jsonable(new)
    return before, after


def _rows_for_flush(session: Session) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    groups = (("create", session.new), ("update", session.dirty), ("delete", session.deleted))
    for action, objects in groups:
        for obj in objects:
            if not getattr(obj, "__audited__", False):
                continue
            if action == "update":
                before, after = _snapshot(obj, changed_only=True)
                if not after:
                    continue
            elif action == "create":
                before, after = None, _snapshot(obj, changed_only=False)[1]
            else:
                before, after = _snapshot(obj, changed_only=False)[0], None
            rows.append(
                {"action": f"{obj.__tablename__}.{action}", "entity": obj.__tablename__,
                 "entity_id": _entity_id(obj), "subject_org_id": _subject_org(obj),
                 "before": before, "after": after}
            )
    return rows


def after_flush(session: Session, _flush_context: Any) -> None:
    """The rows of the flush's diff (``audit.hook`` calls it after every flush)."""
    rows = _rows_for_flush(session)
    if rows:
        _write(session, rows)


def _write(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    actor = _actor(session)
    now = utcnow()
    for row in rows:
        row.update(at=now, actor=actor.label, actor_org_id=actor.org_id)
    session.connection().execute(insert(AuditEntry), list(rows))


def install() -> None:
    """Hook the audit diff into every ORM session (idempotent; ``audit.hook.install``)."""
    hook.install()


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: str | None = None,
    subject_org_id: int | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """An explicit audit row for a state change that is not a row diff (login, batch import)."""
    _write(
        session,
        [{"action": action, "entity": entity, "entity_id": entity_id,
          "subject_org_id": subject_org_id, "before": None, "after": jsonable(after)}],
    )


def record_many(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    """Several explicit audit rows in one statement: each a dict of ``record``'s keyword arguments."""
    if entries:
        _write(session, [{"action": e["action"], "entity": e["entity"], "entity_id": e.get("entity_id"),
                          "subject_org_id": e.get("subject_org_id"), "before": None,
                          "after": jsonable(e.get("after"))} for e in entries])


def list_entries(
    session: Session, *, org_id: int | None, entity: str | None = None, limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Newest first. ``org_id=None`` lists all (overseers); else the organisation's own trail."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if org_id is not None:
        stmt = stmt.where(
            (AuditEntry.subject_org_id == org_id) | (AuditEntry.actor_org_id == org_id)
        )
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    return list(session.scalars(stmt))
