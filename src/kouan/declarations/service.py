"""Declaration use cases: draft, lodge, decide — each transition persisted, audited and emitted as
an event (source ``kouan``) in the caller's transaction. Rules live in ``declarations.domain``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kouan.declarations import domain, validation
from kouan.declarations import repository as repo
from kouan.declarations.domain import Action, Mode
from kouan.declarations.models import (
    DeclarationContainer,
    DeclarationDocument,
    DeclarationItem,
    DeclarationMovement,
    DeclarationObligation,
    DeclarationRecord,
)
from kouan.declarations.refusals import Refusal, field_error
from kouan.declarations.validation import DraftFields
from kouan.events import record as events_record
from kouan.events import repository as events_repo
from kouan.events.authority import ENTITLED
from kouan.events.domain import CanonicalEvent, Direction, Ref, RefKind, bl_key, container_key
from kouan.events.models import CALL_MILESTONES
from kouan.kit import ids
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, Scope, sees_all_organisations
from kouan.ports.models import Port

ENTERPRISE_ACTIONS = frozenset({Action.LODGE, Action.LODGE_SUMMARY, Action.LODGE_COMPLETE})
ENTERPRISE_KINDS = frozenset({OrgKind.TRADER, OrgKind.BROKER})


class IllegalTransitionError(Conflict):
    """409 with ``code``, ``params``, ``current_status`` and ``allowed_actions`` in ``extra``."""

    type = "/problems/illegal-transition"
    title = "Illegal transition"

    @property
    def refusal(self) -> Refusal:
        return Refusal(self.extra["code"], self.extra.get("params", {}))

    def say(self, translate: Callable[[str], str]) -> str:
        return self.refusal.render(translate)


# --- numbers and visibility ----------------------------------------------------------------------


def _allocate_number(session: Session, office: str, direction: str, now: datetime) -> str:
    """18 digits: customs office (4), year (4), I/E flag (1: import, 0: export), serial (9)."""
    prefix = f"{office}{now.astimezone(CHINA_TZ).year}{'1' if direction == 'I' else '0'}"
    last = session.scalar(select(func.max(DeclarationRecord.number))
                          .where(DeclarationRecord.number.like(f"{prefix}%")))
    serial = int(last[9:]) + 1 if last else 1
    return f"{prefix}{serial:09d}"


NUMBER_ATTEMPTS = 5


def _insert_numbered(session: Session, rec: DeclarationRecord, office: str, direction: str,
                     now: datetime) -> None:
    """Give ``rec`` the next free number and insert it. Two lodgings at once (several server workers)
    read the same highest number; the one whose insert then meets the unique number takes the next,
    in a savepoint so the rest of its transaction stands (bench/load.py: 27 of 120 were 409s)."""
    for attempt in range(NUMBER_ATTEMPTS):
        rec.number = _allocate_number(session, office, direction, now)
        try:
            with session.begin_nested():
                session.add(rec)
                session.flush()
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise


def _may_see(actor: Principal, rec: DeclarationRecord, district_of: str | None) -> bool:
    if sees_all_organisations(actor):
        return True
    if actor.org_kind == OrgKind.CUSTOMS:
        return district_of is not None and district_of == rec.customs_district
    return actor.org_id in (rec.declarant_org_id, rec.consignee_org_id)


def _actor_district(session: Session, actor: Principal) -> str | None:
    org = partners_repo.get_org(session, actor.org_id) if actor.org_id else None
    return org.customs_district if org else None


def get(session: Session, *, actor: Principal, number: str) -> DeclarationRecord:
    rec = session.scalar(select(DeclarationRecord).where(DeclarationRecord.number == number))
    if rec is None or not _may_see(actor, rec, _actor_district(session, actor)):
        raise NotFound(N_("no declaration %(number)s"), params={"number": number})
    return rec


def list_visible(session: Session, *, actor: Principal, status: str | None = None,
                 limit: int = 100, offset: int = 0, search: str | None = None,
                 direction: str | None = None) -> list[DeclarationRecord]:
    """The declarations the actor may see, newest first (by creation time); ``search`` finds a part
    of the number or of the consignee's name, ``direction`` is I or E."""
    stmt = select(DeclarationRecord).order_by(DeclarationRecord.created_at.desc(),
                                              DeclarationRecord.id.desc())
    if search and search.strip():
        like = "%" + search.strip().replace("\\", "").replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(DeclarationRecord.number.ilike(like) | DeclarationRecord.consignee_name.ilike(like))
    if direction:
        stmt = stmt.where(DeclarationRecord.direction == direction)
    if not sees_all_organisations(actor):
        if actor.org_kind == OrgKind.CUSTOMS:
            stmt = stmt.where(DeclarationRecord.customs_district == _actor_district(session, actor))
        else:
            stmt = stmt.where((DeclarationRecord.declarant_org_id == actor.org_id)
                              | (DeclarationRecord.consignee_org_id == actor.org_id))
    if status:
        stmt = stmt.where(DeclarationRecord.status == status)
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def items(session: Session, rec: DeclarationRecord) -> list[DeclarationItem]:
    return list(session.scalars(select(DeclarationItem).where(DeclarationItem.declaration_id == rec.id)
                                .order_by(DeclarationItem.seq)))


def obligations(session: Session, rec: DeclarationRecord) -> list[DeclarationObligation]:
    return list(session.scalars(select(DeclarationObligation)
                                .where(DeclarationObligation.declaration_id == rec.id)
                                .order_by(DeclarationObligation.id)))


def documents(session: Session, rec: DeclarationRecord) -> list[DeclarationDocument]:
    return list(session.scalars(select(DeclarationDocument)
                                .where(DeclarationDocument.declaration_id == rec.id)
                                .order_by(DeclarationDocument.id)))


QUEUE_STATUSES = tuple(s.value for s in (
    domain.Status.LODGED, domain.Status.SUMMARY_LODGED, domain.Status.ACCEPTED,
    domain.Status.SUMMARY_ACCEPTED, domain.Status.INSPECTION, domain.Status.SUMMARY_INSPECTION,
    domain.Status.PORT_RELEASED, domain.Status.HELD, domain.Status.IN_TRANSIT))


def queue(session: Session, *, actor: Principal, limit: int = 200) -> list[DeclarationRecord]:
    """A customs officer's work list: the district's declarations awaiting a decision (and released
    ones with an open amend/verify/lab obligation), green channels first, then oldest first. The
    port office sees every district's."""
    if not (sees_all_organisations(actor) or (actor.org_kind == OrgKind.CUSTOMS and actor.is_person)):
        raise Forbidden(N_("the declaration queue is a customs officer's"))
    open_obligation = exists().where(DeclarationObligation.declaration_id == DeclarationRecord.id,
                                     DeclarationObligation.fulfilled_at.is_(None))
    stmt = select(DeclarationRecord).where(
        DeclarationRecord.status.in_(QUEUE_STATUSES)
        | ((DeclarationRecord.status == domain.Status.RELEASED.value) & open_obligation))
    if not sees_all_organisations(actor):
        stmt = stmt.where(DeclarationRecord.customs_district == _actor_district(session, actor))
    # Green channels (绿色通道) first, then oldest first (kouan.inspection sets ``green_channel``).
    stmt = stmt.order_by(DeclarationRecord.green_channel.is_(None), DeclarationRecord.created_at,
                         DeclarationRecord.id)
    return list(session.scalars(stmt.limit(limit)))


# --- drafting ------------------------------------------------------------------------------------


def _check_declarant(actor: Principal) -> None:
    if actor.kind == "system":
        return
    if actor.org_kind not in ENTERPRISE_KINDS:
        raise Forbidden(N_("declarations are lodged by a trader or a customs broker"))
    if actor.kind == "apikey" and Scope.DECLARATIONS_WRITE.value not in actor.scopes:
        raise Forbidden("this API key lacks the 'declarations:write' scope")
    if actor.is_person and actor.role == Role.VIEWER:
        raise Forbidden(N_("a viewer cannot lodge declarations"))


def lodging_refused(actor: Principal) -> Forbidden | None:
    """Why the actor may not draft or lodge declarations at all, or None (the pages offer the draft
    form only then)."""
    try:
        _check_declarant(actor)
    except Forbidden as exc:
        return exc
    return None


def check_lodging_actor(actor: Principal, rec: DeclarationRecord) -> None:
    """The declarant's own steps (lodging, booking its appointments) are taken by the declarant."""
    _check_declarant(actor)
    if actor.kind != "system" and actor.org_id != rec.declarant_org_id:
        raise Forbidden(N_("only the declarant lodges this declaration"))


def create(session: Session, *, actor: Principal, fields: DraftFields, now: datetime) -> DeclarationRecord:
    _check_declarant(actor)
    if errors := validation.draft_errors(session, fields):
        raise InvalidInput(N_("the declaration is not valid"), errors=errors)
    port = session.get(Port, fields.port.upper())
    assert port is not None and port.customs_district is not None
    uscc = ids.compact_uscc(fields.consignee_uscc)
    consignee = partners_repo.get_org_by_uscc(session, uscc)
    values = [Decimal(str(i.value)) for i in fields.items]
    rec = DeclarationRecord(
        direction=fields.direction, status=domain.Status.DRAFT.value,
        modes=sorted(set(fields.modes)),
        declarant_org_id=actor.org_id, consignee_org_id=consignee.id if consignee else None,
        consignee_uscc=uscc, consignee_name=fields.consignee_name.strip(),
        consignee_credit=consignee.credit_rating if consignee else None, port=port.locode,
        customs_district=port.customs_district,
        transport_call=fields.transport_call.strip().upper() if fields.transport_call else None,
        bill_of_lading=bl_key(fields.bill_of_lading) if fields.bill_of_lading else None,
        containers=[container_key(c) for c in fields.containers], dutiable_value=sum(values, Decimal("0")),
        currency="CNY", warehouse=fields.warehouse, warehouse_approved=False, bonded_zone=fields.bonded_zone,
        inspection_ordered=False, created_at=now, updated_at=now,
        steps=0)
    _insert_numbered(session, rec, port.customs_district, fields.direction, now)
    for seq, it in enumerate(fields.items, 1):
        session.add(DeclarationItem(declaration_id=rec.id, seq=seq, hs_code=it.hs_code,
                                    description=it.description.strip(), quantity=Decimal(str(it.quantity)),
                                    unit=it.unit, value=Decimal(str(it.value)), currency=it.currency,
                                    origin=it.origin))
    for kind, doc_number in fields.documents:
        session.add(DeclarationDocument(declaration_id=rec.id, kind=kind, number=doc_number))
    for c in sorted(set(rec.containers)):
        session.add(DeclarationContainer(declaration_id=rec.id, container=c))
    session.flush()
    return rec


# --- facts from the event store ------------------------------------------------------------------


def _act_times(
    session: Session, refs: list[tuple[str, str]], milestone: str
) -> list[tuple[datetime, str | None]]:
    """Actual times of ``milestone`` from the senders entitled to state it: a claim, or an estimate
    or plan, moves no declaration (events.authority)."""
    # A vessel milestone naming a call is one of the call's own events (``call_event``): those are
    # read, never the events of the thousands of boxes that name the call too.
    by_call = milestone in CALL_MILESTONES
    calls = [key for kind, key in refs if by_call and kind == RefKind.TRANSPORT_CALL.value]
    others = [(kind, key) for kind, key in refs if not (by_call and kind == RefKind.TRANSPORT_CALL.value)]
    found = events_repo.events_by_refs(session, others) if others else []
    if calls:
        found += events_repo.call_events(session, calls, [milestone])
    return [(e.occurred_at, e.port) for e in found
            if e.milestone == milestone and e.classifier == "ACT" and e.authority == ENTITLED]


def _loading_departure(session: Session, call: str, port: str) -> datetime | None:
    """The vessel's departure from an earlier port on the same voyage (``IMO/VOYAGE/…``)."""
    keys = repo.call_keys_with_prefix(session, "/".join(call.split("/")[:2]) + "/")
    times = [t for t, p in _act_times(session, [("transport_call", k) for k in keys], "TRANSPORT_DEPARTED")
             if p != port]
    return min(times) if times else None


def facts(session: Session, rec: DeclarationRecord, *, now: datetime, lab_passed: bool | None = None,
          verifier: str | None = None, seal: str | None = None) -> domain.Facts:
    call_refs = [("transport_call", rec.transport_call)] if rec.transport_call else []
    arrived = [t for t, _ in _act_times(session, call_refs, "TRANSPORT_ARRIVED")]
    entry = [t for t, _ in _act_times(session, call_refs, "TRANSPORT_ENTRY_DECLARED")]
    if not arrived and rec.direction == "I" and rec.bill_of_lading:
        # No vessel arrival reported: the tally of the B/L's discharge (理货) tells the goods are here.
        # Only the B/L: a container is reused trip after trip.
        arrived = [t for t, _ in _act_times(session, [("bill_of_lading", rec.bill_of_lading)], "DISCHARGED")]
    goods: list[datetime] = []
    for c in rec.containers:
        times = [t for t, _ in _act_times(session, [("container", c)], "GOODS_ARRIVED_AT_PORT")]
        goods.append(max(times) if times else None)  # type: ignore[arg-type]
    all_goods_in = max(goods) if goods and all(g is not None for g in goods) else None
    return domain.Facts(
        now=now,
        transport_departed_loading_at=_loading_departure(session, rec.transport_call, rec.port)
        if rec.transport_call else None,
        transport_arrived_at=min(arrived) if arrived else None,
        transport_entry_at=min(entry) if entry else (min(arrived) if arrived else None),
        goods_arrived_at=all_goods_in, consignee_credit=rec.consignee_credit,
        lab_passed=lab_passed, verifier=verifier,
        seal=seal.strip().upper() if seal else None,
        appointment_booked=any(a.status == "booked" for a in repo.appointments_of(session, rec.id)),
        covered_by=validation.covered_by(session, direction=rec.direction, bill_of_lading=rec.bill_of_lading,
                                         containers=rec.containers, exclude_id=rec.id)
        if rec.status in ("draft", "returned") else None)


# --- transitions -----------------------------------------------------------------------------


def state_of(session: Session, rec: DeclarationRecord) -> domain.Declaration:
    movement = repo.movement_of(session, rec.id)
    return domain.Declaration(
        number=rec.number, direction=rec.direction, modes=frozenset(Mode(m) for m in rec.modes),
        hs_codes=tuple(i.hs_code for i in items(session, rec)), dutiable_value=rec.dutiable_value,
        status=domain.Status(rec.status), held_from=domain.Status(rec.held_from) if rec.held_from else None,
        inspection_ordered=rec.inspection_ordered, summary_at=rec.summary_at, completed_at=rec.completed_at,
        released_at=rec.released_at, containers=tuple(rec.containers), bonded_zone=rec.bonded_zone,
        warehouse=rec.warehouse, warehouse_approved=rec.warehouse_approved, port=rec.port,
        movement_started_at=movement.started_at if movement else None,
        movement_arrived_at=movement.arrived_at if movement else None,
        obligations=tuple(domain.Obligation(o.kind, o.due, o.fulfilled_at, o.verifier)
                          for o in obligations(session, rec)))


def _check_actor(session: Session, actor: Principal, rec: DeclarationRecord, action: Action) -> None:
    if actor.kind == "system":
        return
    if action in ENTERPRISE_ACTIONS:
        check_lodging_actor(actor, rec)
        return
    if actor.org_kind != OrgKind.CUSTOMS or not actor.is_person or actor.role == Role.VIEWER:
        raise Forbidden(N_("%(action)r is a customs officer's decision"), params={"action": action.value})
    if _actor_district(session, actor) != rec.customs_district:
        raise Forbidden(N_("this declaration belongs to another customs district"))


def actions_for(session: Session, *, actor: Principal, rec: DeclarationRecord) -> list[Action]:
    """The next steps the table allows that this actor may take (the pages' buttons): the
    declarant's lodging steps, or the district officer's decisions."""
    mine = []
    for action in domain.allowed_actions(state_of(session, rec), facts(session, rec, now=utcnow())):
        try:
            _check_actor(session, actor, rec, action)
        except Forbidden:
            continue
        mine.append(action)
    return mine


def _persist_movement(session: Session, rec: DeclarationRecord, after: domain.Declaration, *,
                      seal: str | None, by: str) -> None:
    movement = repo.movement_of(session, rec.id)
    if after.movement_started_at and movement is None:
        start, to = domain.movement_ends(rec.direction, rec.bonded_zone or "", rec.port)
        session.add(DeclarationMovement(declaration_id=rec.id, from_place=start, to_place=to,
                                        containers=list(rec.containers), seal=seal or "",
                                        started_at=after.movement_started_at, started_by=by))
    elif movement is not None and after.movement_arrived_at and movement.arrived_at is None:
        movement.arrived_at, movement.arrived_by = after.movement_arrived_at, by


def _persist(session: Session, rec: DeclarationRecord, after: domain.Declaration, now: datetime) -> None:
    rec.status, rec.held_from = after.status.value, after.held_from.value if after.held_from else None
    rec.inspection_ordered, rec.summary_at = after.inspection_ordered, after.summary_at
    rec.completed_at, rec.released_at = after.completed_at, after.released_at
    rec.warehouse_approved = after.warehouse_approved
    rec.updated_at, rec.steps = now, rec.steps + 1
    session.execute(delete(DeclarationObligation).where(DeclarationObligation.declaration_id == rec.id))
    for o in after.obligations:
        session.add(DeclarationObligation(declaration_id=rec.id, kind=o.kind, due=o.due,
                                          fulfilled_at=o.fulfilled_at, verifier=o.verifier))
    session.flush()


def _event(rec: DeclarationRecord, emitted: domain.Emitted, hs: tuple[str, ...]) -> CanonicalEvent:
    refs = [Ref(RefKind.DECLARATION, rec.number)]
    if rec.bill_of_lading:
        refs.append(Ref(RefKind.BILL_OF_LADING, rec.bill_of_lading))
    refs += [Ref(RefKind.CONTAINER, c) for c in rec.containers]
    if rec.transport_call:
        refs.append(Ref(RefKind.TRANSPORT_CALL, rec.transport_call))
    attrs = {**emitted.attrs, "facilitation_modes": list(rec.modes) or ["standard"]}
    if hs:
        attrs["hs_code"] = hs[0]
    return CanonicalEvent(
        event_id=f"decl/{rec.number}/{rec.steps}", milestone=emitted.milestone,
        occurred_at=emitted.occurred_at, recorded_at=emitted.occurred_at, port=rec.port,
        direction=Direction(rec.direction), refs=tuple(refs), attrs=attrs,
        original_code=emitted.original_code)


def act(session: Session, *, actor: Principal, number: str, action: str, now: datetime,
        lab_passed: bool | None = None, seal: str | None = None, reason: str | None = None,
        method: str | None = None) -> DeclarationRecord:
    """Apply one workflow action. An illegal one raises 409 with the status and the allowed steps.

    ``order_inspection`` cites its cause (无因不查): the targeting rule hits and the random draw
    recorded at lodging (kouan.inspection) and the officer's written ``reason``; the domain refuses
    an order citing none. Lodging assesses the declaration's lane; accepting one in the inspection
    lane orders its inspection."""
    from kouan.inspection import service as inspection  # the risk layer builds on declarations
    try:
        act_on = Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action {action!r}", errors=[field_error(
            "action", "mode_invalid", action, choices=", ".join(a.value for a in Action))]) from None
    rec = get(session, actor=actor, number=number)
    _check_actor(session, actor, rec, act_on)
    state = state_of(session, rec)
    f = facts(session, rec, now=now, lab_passed=lab_passed, verifier=actor.label, seal=seal)
    cause = None
    if act_on == Action.ORDER_INSPECTION:
        cause = inspection.cause_for(session, rec, reason)
        f = replace(f, inspection_cause=cause)
    try:
        after, emitted = domain.transition(state, act_on, f)
    except domain.IllegalTransition as exc:
        raise IllegalTransitionError(exc.reason, extra={
            "code": exc.refusal.code, "params": exc.refusal.params, "current_status": exc.status.value,
            "allowed_actions": [a.value for a in exc.allowed]}) from None
    _persist_movement(session, rec, after, seal=f.seal, by=actor.label)
    if act_on in (Action.LODGE, Action.LODGE_SUMMARY, Action.LODGE_COMPLETE):
        selectivity = inspection.assess(session, rec, now=now)
        # set before _persist: one update (one audit row) with the step's own
        rec.lane, rec.green_channel = selectivity.lane, selectivity.green_channel
        emitted = replace(emitted, attrs={**emitted.attrs, "lane": selectivity.lane})
    _persist(session, rec, after, now)
    if cause is not None:
        inspection.record_order(session, rec, cause, method=method, actor=actor, now=now)
    events_record.record(session, [_event(rec, emitted, state.hs_codes)], actor=actor.label, now=now)
    if act_on == Action.ACCEPT:
        inspection.after_accept(session, rec, now=now)
        # An advance declaration accepted after its vessel arrived (or its goods reached the port)
        # has nothing left to wait for: released now, not by the next partner batch or sweep.
        match_one(session, rec, now=now)
    return rec


def match_arrivals(session: Session, *, now: datetime, batch_ids: list[int] | None = None) -> list[str]:
    """Release accepted advance declarations whose arrival (import) or 运抵 (export) is now known
    and that no inspection touched (the automatic release on arrival match).

    With ``batch_ids`` (just stored partner batches) only the declarations naming a call, B/L or
    container of those batches' arrival events are tried, found through indexes; without, every
    accepted declaration is (the CLI's sweep)."""
    statuses = [domain.Status.ACCEPTED.value]
    if batch_ids is None:
        candidates = list(session.scalars(select(DeclarationRecord).where(
            DeclarationRecord.status.in_(statuses), DeclarationRecord.inspection_ordered.is_(False))
            .order_by(DeclarationRecord.id)))
    else:
        keys = repo.arrival_keys(session, batch_ids)
        candidates = repo.naming(session, statuses=statuses, calls=keys["transport_call"],
                                 bls=keys["bill_of_lading"], containers=keys["container"])
    return [rec.number for rec in candidates if match_one(session, rec, now=now)]


def match_one(session: Session, rec: DeclarationRecord, *, now: datetime) -> bool:
    """Try the automatic release of one declaration; False when its arrival is not matched yet."""
    if Mode.ADVANCE.value not in rec.modes or rec.inspection_ordered or rec.status != "accepted":
        return False
    try:
        act(session, actor=ARRIVAL_MATCH, number=rec.number, action=Action.MATCH_ARRIVAL.value, now=now)
    except IllegalTransitionError:
        return False  # not arrived yet, or waiting for a ship-side appointment
    return True


ARRIVAL_MATCH = Principal(kind="system", id=None, org_id=None, org_kind=OrgKind.OPERATOR,
                          role=Role.ADMIN, name="arrival-match")
