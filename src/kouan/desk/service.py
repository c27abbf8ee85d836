"""Log, dispatch, acknowledge, resolve, reopen and close tickets; the clocks' escalation job;
the SLA report. Every change is audited (``desk_ticket`` rows, explicit records for escalations).

Who: an enterprise (trader, broker, shipping line, rail operator) logs and reopens or closes its
own tickets; the desk — the port office (口岸办) or the operator — dispatches to a unit; the unit
(customs, border inspection, maritime, a terminal, the port office itself) acknowledges and
resolves. An enterprise sees its own tickets, a unit those dispatched to it, the desk all.

Escalation never runs in a request: creating a ticket (and reopening it) enqueues one job per
clock, due when the clock runs out (``jobs.enqueue(run_after=due)``, a dedupe key naming the
ticket, the clock and its due instant). The worker runs it then; it escalates one level with one
conditional UPDATE (``… WHERE breached_at IS NULL AND due = :due``), so however often the job or
the sweep (``kouan desk sweep``) runs, a clock escalates a ticket once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from kouan import jobs
from kouan.audit import service as audit_service
from kouan.desk import domain as rules
from kouan.desk.models import DeskCategorySla, DeskTicket, DeskTicketStep
from kouan.kit.clock import CHINA_TZ
from kouan.kit.errors import N_, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, sees_all_organisations
from kouan.partners.models import Organisation
from kouan.ports.models import Port

CREATORS = frozenset({OrgKind.TRADER, OrgKind.BROKER, OrgKind.SHIPPING_LINE, OrgKind.RAIL_OPERATOR})
UNITS = frozenset({OrgKind.CUSTOMS, OrgKind.BORDER_INSPECTION, OrgKind.MARITIME, OrgKind.TERMINAL,
                   OrgKind.PORT_OFFICE})
CLOCK_JOB = "desk.clock_due"
MAX_REFS = 20


class TicketRefused(Conflict):
    type = "/problems/ticket-refused"
    title = "Ticket step refused"


def _invalid(pointer: str, why: str, value: object = None) -> InvalidInput:
    return InvalidInput(N_("the ticket is not valid"), errors=[FieldError(pointer, why, value)])


def _working(actor: Principal) -> None:
    if actor.kind != "system" and (not actor.is_person or actor.role == Role.VIEWER):
        raise Forbidden(N_("a viewer cannot do this"))


# --- clocks per category -------------------------------------------------------------------------

def sla_hours(session: Session, category: str) -> tuple[int, int]:
    row = session.get(DeskCategorySla, category)
    return (row.response_hours, row.resolution_hours) if row else (rules.DEFAULT_HOURS, rules.DEFAULT_HOURS)


def sla_table(session: Session) -> dict[str, tuple[int, int]]:
    return {c.value: sla_hours(session, c.value) for c in rules.Category}


def set_sla(session: Session, *, actor: Principal, category: str, response_hours: int,
            resolution_hours: int, now: datetime) -> DeskCategorySla:
    """The port office sets a category's clocks; tickets logged later use them."""
    if not sees_all_organisations(actor) or (actor.is_person and actor.role != Role.ADMIN):
        raise Forbidden(N_("the port office's administrators set the desk's clocks"))
    cat = _category(category)
    if not 1 <= response_hours <= 24 * 30 or not 1 <= resolution_hours <= 24 * 90:
        raise _invalid("/response_hours", N_("hours out of range"), response_hours)
    if resolution_hours < response_hours:
        raise _invalid("/resolution_hours",
                       N_("the resolution clock cannot be shorter than the response clock"), resolution_hours)
    row = session.get(DeskCategorySla, cat.value)
    if row is None:
        row = DeskCategorySla(category=cat.value, response_hours=response_hours,
                              resolution_hours=resolution_hours, updated_at=now)
        session.add(row)
    else:
        row.response_hours, row.resolution_hours, row.updated_at = response_hours, resolution_hours, now
    session.flush()
    return row


def _category(value: str) -> rules.Category:
    try:
        return rules.Category(value)
    except ValueError:
        raise _invalid("/category", N_("unknown category"), value) from None


# --- tickets ---------------------------------------------------------------------------------------

def _step(session: Session, t: DeskTicket, action: str, actor: str, now: datetime,
          note: str | None = None) -> None:
    session.add(DeskTicketStep(ticket_id=t.id, at=now, action=action, actor=actor[:64], level=t.level,
                               unit_org_id=t.unit_org_id, note=note))


def _enqueue_clock(session: Session, t: DeskTicket, clock: rules.Clock, now: datetime) -> None:
    due = t.response_due if clock == rules.Clock.RESPONSE else t.resolution_due
    jobs.enqueue(session, CLOCK_JOB, {"ticket_id": t.id, "clock": clock.value, "due": due.isoformat()},
                 handler=CLOCK_JOB, run_after=due, now=now,
                 dedupe_key=f"{CLOCK_JOB}:{t.id}:{clock.value}:{due.isoformat()}")


def create(session: Session, *, actor: Principal, category: str, subject: str, body: str,
           refs: list[str] | None = None, port: str | None = None, now: datetime) -> DeskTicket:
    if actor.kind != "system" and actor.org_kind not in CREATORS:
        raise Forbidden(N_("tickets are logged by enterprises: traders, brokers, carriers"))
    _working(actor)
    cat = _category(category)
    subject, body = subject.strip(), body.strip()
    if not subject or len(subject) > 200:
        raise _invalid("/subject", N_("a subject of 1 to 200 characters"), subject[:50])
    if not body or len(body) > 5000:
        raise _invalid("/body", N_("a description of 1 to 5000 characters"))
    clean = sorted({r.strip().upper() for r in (refs or []) if r.strip()})
    if len(clean) > MAX_REFS or any(len(r) > 80 for r in clean):
        raise _invalid("/refs", N_("at most 20 references of up to 80 characters"))
    where = port.strip().upper() if port and port.strip() else None
    if where and session.get(Port, where) is None:
        raise _invalid("/port", N_("unknown port"), where)
    if actor.org_id is None:
        raise Forbidden(N_("tickets are logged by enterprises: traders, brokers, carriers"))
    response_h, resolution_h = sla_hours(session, cat.value)
    t = DeskTicket(
        reference=f"QR{now.astimezone(CHINA_TZ):%y%m%d}{secrets.token_hex(3).upper()}",
        org_id=actor.org_id, category=cat.value, subject=subject, body=body, refs=clean, port=where,
        status=rules.Status.OPEN.value, unit_org_id=None, level=0, response_hours=response_h,
        resolution_hours=resolution_h, response_due=rules.due(now, response_h),
        resolution_due=rules.due(now, resolution_h), created_at=now, updated_at=now, reopen_count=0)
    session.add(t)
    session.flush()
    _step(session, t, "created", actor.label, now)
    _enqueue_clock(session, t, rules.Clock.RESPONSE, now)
    _enqueue_clock(session, t, rules.Clock.RESOLUTION, now)
    return t


def _visible(actor: Principal):  # type: ignore[no-untyped-def]
    q = select(DeskTicket)
    if sees_all_organisations(actor):
        return q
    return q.where((DeskTicket.org_id == actor.org_id) | (DeskTicket.unit_org_id == actor.org_id))


def get(session: Session, *, actor: Principal, ticket_id: int) -> DeskTicket:
    t = session.scalar(_visible(actor).where(DeskTicket.id == ticket_id))
    if t is None:
        raise NotFound(N_("no ticket %(ticket_id)s"), params={"ticket_id": ticket_id})
    return t


def list_visible(session: Session, *, actor: Principal, status: str | None = None,
                 category: str | None = None, limit: int = 200, offset: int = 0) -> list[DeskTicket]:
    q = _visible(actor)
    if status:
        q = q.where(DeskTicket.status == status)
    if category:
        q = q.where(DeskTicket.category == category)
    return list(session.scalars(q.order_by(DeskTicket.id.desc()).limit(limit).offset(offset)))


def steps(session: Session, ticket_id: int) -> list[DeskTicketStep]:
    return list(session.scalars(select(DeskTicketStep).where(DeskTicketStep.ticket_id == ticket_id)
                                .order_by(DeskTicketStep.id)))


def _unit(session: Session, code: str | None) -> Organisation:
    org = partners_repo.get_org_by_code(session, (code or "").strip().upper()) if code else None
    if org is None or org.kind not in UNITS or not org.active:
        why = N_("name a unit: customs, border inspection, maritime, a terminal or the port office")
        raise _invalid("/unit", why, code)
    return org


def act(session: Session, *, actor: Principal, ticket_id: int, action: str, now: datetime,
        unit: str | None = None, note: str | None = None) -> DeskTicket:
    t = get(session, actor=actor, ticket_id=ticket_id)
    try:
        what = rules.Action(action)
    except ValueError:
        raise InvalidInput(N_("unknown step"), errors=[FieldError(
            "action", N_("one of dispatch, acknowledge, resolve, reopen, close"), action)]) from None
    _working(actor)
    if actor.kind != "system":
        if what in rules.DESK_ACTIONS and not sees_all_organisations(actor):
            raise Forbidden(N_("the desk (the port office) dispatches tickets"))
        if what in rules.UNIT_ACTIONS and actor.org_id != t.unit_org_id:
            raise Forbidden(N_("the unit the ticket was dispatched to answers it"))
        if what in rules.ENTERPRISE_ACTIONS and actor.org_id != t.org_id:
            raise Forbidden(N_("the enterprise that logged the ticket reopens or closes it"))
    new = rules.next_status(t.status, what)
    if new is None:
        raise TicketRefused(N_("the ticket is %(status)s"), params={"status": t.status},
                            extra={"code": "ticket_step_not_allowed", "current_status": t.status})
    note = (note or "").strip()[:5000] or None
    if what == rules.Action.DISPATCH:
        target = _unit(session, unit)
        t.unit_org_id, t.dispatched_at = target.id, t.dispatched_at or now
    elif what == rules.Action.ACKNOWLEDGE:
        t.acknowledged_at = now
    elif what == rules.Action.RESOLVE:
        if not note:
            raise _invalid("/note", N_("a resolution needs an answer"))
        t.acknowledged_at = t.acknowledged_at or now
        t.resolved_at, t.answer = now, note
    elif what == rules.Action.REOPEN:
        t.reopened_at, t.resolved_at = now, None
        t.reopen_count += 1
        t.resolution_due = rules.due(now, t.resolution_hours)
        t.resolution_breached_at = None
    else:
        t.closed_at = now
    t.status, t.updated_at = new.value, now
    session.flush()
    _step(session, t, what.value, actor.label, now, note)
    if what == rules.Action.REOPEN:
        _enqueue_clock(session, t, rules.Clock.RESOLUTION, now)
    session.flush()
    return t


# --- the clocks' job ----------------------------------------------------------------------------

def clock_due(session: Session, *, ticket_id: int, clock: str, due: str, now: datetime) -> bool:
    """A clock's due instant came: escalate the ticket one level if that clock is still running
    and has not escalated it yet. One conditional UPDATE, so a second run (or a concurrent sweep)
    changes nothing. Returns whether it escalated."""
    which = rules.Clock(clock)
    at = datetime.fromisoformat(due)
    if now < at:
        return False
    c = DeskTicket.__table__.c
    due_col, breached = ((c.response_due, c.response_breached_at) if which == rules.Clock.RESPONSE
                         else (c.resolution_due, c.resolution_breached_at))
    open_ = [rules.Status.RESOLVED.value, rules.Status.CLOSED.value]
    stmt = (update(DeskTicket.__table__)
            .where(c.id == ticket_id, due_col == at, breached.is_(None), c.status.not_in(open_))
            .values({breached: now, c.level: case((c.level < rules.MAX_LEVEL, c.level + 1), else_=c.level),
                     c.updated_at: now})
            .returning(c.level, c.unit_org_id))
    if which == rules.Clock.RESPONSE:
        stmt = stmt.where(c.acknowledged_at.is_(None))
    row = session.execute(stmt).first()
    if row is None:
        return False
    level = row.level  # at the top already, the breach is recorded and the level stays
    session.add(DeskTicketStep(ticket_id=ticket_id, at=now, action="escalated", actor="system:desk",
                               level=level, unit_org_id=row.unit_org_id,
                               note=f"{which.value} clock ran out at {at.isoformat()}"))
    ticket = session.get(DeskTicket, ticket_id)
    if ticket is not None:
        session.refresh(ticket)
    audit_service.record(session, action="desk_ticket.escalate", entity="desk_ticket",
                         entity_id=str(ticket_id), subject_org_id=ticket.org_id if ticket else None,
                         after={"clock": which.value, "due": at.isoformat(), "level": level})
    session.flush()
    return True


def sweep(session: Session, *, now: datetime) -> int:
    """Enqueue the check of every clock that ran out and has not escalated (``kouan desk sweep``,
    should a job have been lost): the dedupe keys make a check already queued or done a no-op."""
    n = 0
    closed = [rules.Status.RESOLVED.value, rules.Status.CLOSED.value]
    q = select(DeskTicket).where(DeskTicket.status.not_in(closed))
    for t in session.scalars(q):
        if t.response_breached_at is None and t.acknowledged_at is None and t.response_due <= now:
            _enqueue_clock(session, t, rules.Clock.RESPONSE, now)
            n += 1
        if t.resolution_breached_at is None and t.resolution_due <= now:
            _enqueue_clock(session, t, rules.Clock.RESOLUTION, now)
            n += 1
    return n


# --- the SLA report ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SlaRow:
    unit: str
    category: str
    tickets: int
    responded: int
    resolved: int
    response_median_h: float | None
    response_p90_h: float | None
    resolution_median_h: float | None
    resolution_p90_h: float | None
    response_breaches: int
    resolution_breaches: int


def sla_report(session: Session, *, first: date, last: date) -> list[SlaRow]:
    """Tickets logged from ``first`` to ``last`` (Beijing days) by unit and category: how many,
    median and p90 hours to respond and to resolve (wall clock), and how many breached a clock
    (ran out before the step, whether escalated yet or not). ``—`` is a ticket not dispatched."""
    lo = datetime.combine(first, time(0), CHINA_TZ)
    hi = datetime.combine(last + timedelta(days=1), time(0), CHINA_TZ)
    tickets = list(session.scalars(select(DeskTicket).where(DeskTicket.created_at >= lo,
                                                            DeskTicket.created_at < hi)))
    ids = {t.unit_org_id for t in tickets if t.unit_org_id}
    codes = dict(session.execute(select(Organisation.id, Organisation.code).where(
        Organisation.id.in_(ids))).all()) if ids else {}
    groups: dict[tuple[str, str], list[DeskTicket]] = {}
    for t in tickets:
        groups.setdefault((codes.get(t.unit_org_id or 0, "—"), t.category), []).append(t)
    out = []
    for (unit, category), rows in sorted(groups.items()):
        resp = sorted(rules.hours_between(t.created_at, t.acknowledged_at) for t in rows if t.acknowledged_at)
        reso = sorted(rules.hours_between(t.created_at, t.resolved_at) for t in rows if t.resolved_at)
        out.append(SlaRow(
            unit=unit, category=category, tickets=len(rows), responded=len(resp), resolved=len(reso),
            response_median_h=_r(rules.quantile(resp, 1, 2)), response_p90_h=_r(rules.quantile(resp, 9, 10)),
            resolution_median_h=_r(rules.quantile(reso, 1, 2)),
            resolution_p90_h=_r(rules.quantile(reso, 9, 10)),
            response_breaches=sum(1 for t in rows
                                  if _late(t.acknowledged_at, t.response_due, t.response_breached_at)),
            resolution_breaches=sum(1 for t in rows if _late(t.resolved_at, t.resolution_due,
                                                             t.resolution_breached_at))))
    return out


def _late(done: datetime | None, due: datetime, breached: datetime | None) -> bool:
    return breached is not None or (done is not None and done > due)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
