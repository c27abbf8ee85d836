"""Risk targeting and inspection use cases, in the caller's transaction; rows audited.

- ``assess`` runs at lodging (``declarations.service.act``): the rules hitting the declaration are
  found with one query on indexed criteria columns (the HS prefixes of its items, its origins,
  consignee, declarant, group, port, value, modes) — no scan of the rules per lodging, whatever
  the month's 100 k declarations; the random draw is recomputable from the seed recorded with it.
- ``cause_for`` / ``record_order``: the inspection order's cause (rule hits, the draw, the
  officer's written reason); ``declarations.domain`` refuses an order without one (无因不查).
- ``record_result`` files what a method found and moves the declaration: done (INSPECTION_DONE),
  a finding holds the goods (CUSTOMS_HOLD), a conforming one may release them (CUSTOMS_RELEASED);
  a conforming lab result market-releases a release-before-inspection case, a failing fresh-produce
  monitoring result raises the targeting of that produce and origin.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from kouan.db.sqlfn import beijing_month, hours_between
from kouan.declarations import domain as decl_domain
from kouan.declarations import service as decl_service
from kouan.declarations.models import DeclarationItem, DeclarationRecord
from kouan.inspection import domain, draft_survey
from kouan.inspection.domain import Lane, Method, Outcome, Reason
from kouan.inspection.models import (
    GreenChannel,
    InspectionOrder,
    InspectionRecord,
    RandomRate,
    Selectivity,
    TargetingRule,
)
from kouan.kit.clock import CHINA_TZ
from kouan.kit.errors import N_, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners.domain import OrgKind, Principal, Role, sees_all_organisations, system

SELECTIVITY = system("selectivity")
MONITORING_UNIT = "risk monitoring (安全风险监控)"
MONITORING_DAYS = 90
PRIOR_FINDINGS_DAYS = 365

# Green channels (business-rules.md §1.4, §1.7): six key commodity groups of Dalian Customs and the
# China-Europe Railway. HS prefixes are Kouan's reading [K].
DEFAULT_CHANNELS: tuple[tuple[str, str, str, tuple[str, ...], str | None], ...] = (
    (
        "cold_chain",
        "冷链",
        "Cold chain",
        ("0201", "0202", "0203", "0204", "0206", "0207", "0302", "0303", "0304", "0306", "0307"),
        None,
    ),
    ("grain", "粮食", "Grain", ("1001", "1003", "1005", "1006", "1201"), None),
    ("energy", "能源", "Energy", ("2701", "2709", "2710", "2711"), None),
    ("iron_ore", "铁矿", "Iron ore", ("2601",), None),
    ("fertiliser", "化肥", "Fertiliser", ("31",), None),
    ("fresh_produce", "生鲜农产品", "Fresh produce", ("07", "08"), None),
    ("china_europe_railway", "中欧班列", "China-Europe Railway", (), "rail"),
)


def _fe(field: str, detail: object = "invalid") -> FieldError:
    return FieldError(f"/{field}", str(detail))


# --- who ------------------------------------------------------------------------------------------


def _district(session: Session, actor: Principal) -> str | None:
    return decl_service._actor_district(session, actor)


def check_officer(session: Session, actor: Principal, *, write: bool = True) -> str | None:
    """A customs person (a worker to decide) or the port office; returns the district (None: all)."""
    if sees_all_organisations(actor) and not write:
        return None
    if actor.kind == "system":
        return None
    if actor.org_kind != OrgKind.CUSTOMS or not actor.is_person or (write and actor.role == Role.VIEWER):
        raise Forbidden(N_("targeting and inspection are a customs officer's"))
    return _district(session, actor)


# --- green channels and groups --------------------------------------------------------------------


def ensure_channels(session: Session) -> list[GreenChannel]:
    found = list(session.scalars(select(GreenChannel).order_by(GreenChannel.priority, GreenChannel.code)))
    if found:
        return found
    for code, name, name_en, prefixes, mode in DEFAULT_CHANNELS:
        session.add(
            GreenChannel(
                code=code,
                name=name,
                name_en=name_en,
                hs_prefixes=list(prefixes),
                transport_mode=mode,
                priority=1,
                active=True,
            )
        )
    session.flush()
    return list(session.scalars(select(GreenChannel).order_by(GreenChannel.priority, GreenChannel.code)))


def group_of(session: Session, hs_codes: list[str], transport_mode: str | None = None) -> str | None:
    chans = [c for c in ensure_channels(session) if c.active]
    return domain.group_of(
        hs_codes,
        [(c.code, tuple(c.hs_prefixes), c.priority) for c in chans if c.hs_prefixes],
        transport_mode,
        {c.transport_mode: c.code for c in chans if c.transport_mode},
    )


def transport_mode_of(rec: DeclarationRecord) -> str | None:
    """A declaration whose transport call is a train (``RAIL/…``) travels by the China-Europe Railway."""
    return "rail" if (rec.transport_call or "").upper().startswith("RAIL/") else None


# --- rules and rates -------------------------------------------------------------------------------

RULE_FIELDS = (
    "title",
    "hs_prefix",
    "origin",
    "consignee_uscc",
    "declarant_org_id",
    "commodity_group",
    "port",
    "value_min",
    "value_max",
    "mode",
    "prior_findings",
    "lane",
    "method",
    "sampling",
    "valid_from",
    "valid_to",
    "issuing_unit",
)


def _check_rule(fields: dict[str, Any]) -> None:
    errors = []
    if fields.get("lane") not in {lane.value for lane in Lane}:
        errors.append(_fe("lane", "unknown lane"))
    if fields.get("method") not in {m.value for m in Method}:
        errors.append(_fe("method", "unknown method"))
    if not str(fields.get("issuing_unit") or "").strip():
        errors.append(_fe("issuing_unit", "a rule names its issuing unit"))
    if fields.get("hs_prefix") and not str(fields["hs_prefix"]).isdigit():
        errors.append(_fe("hs_prefix", "digits only"))
    if fields.get("valid_to") and fields.get("valid_from") and fields["valid_to"] < fields["valid_from"]:
        errors.append(_fe("valid_to", "before valid_from"))
    criteria = (
        "hs_prefix",
        "origin",
        "consignee_uscc",
        "declarant_org_id",
        "commodity_group",
        "port",
        "value_min",
        "value_max",
        "mode",
        "prior_findings",
    )
    if not any(fields.get(k) for k in criteria):
        errors.append(_fe("criteria", "a rule needs at least one criterion"))
    if errors:
        raise InvalidInput(N_("the targeting rule is not valid"), errors=errors)


def create_rule(
    session: Session, *, actor: Principal, code: str, fields: dict[str, Any], now: datetime
) -> TargetingRule:
    district = check_officer(session, actor) or fields.get("customs_district")
    if not district:
        raise InvalidInput("a rule belongs to a customs district", errors=[_fe("customs_district")])
    fields = {k: fields.get(k) for k in RULE_FIELDS}
    fields["valid_from"] = fields["valid_from"] or now.astimezone(CHINA_TZ).date()
    fields["prior_findings"] = bool(fields["prior_findings"])
    fields["sampling"] = bool(fields["sampling"])
    fields["title"] = fields["title"] or code
    _check_rule(fields)
    last = session.scalar(
        select(TargetingRule)
        .where(TargetingRule.code == code)
        .order_by(TargetingRule.version.desc())
        .limit(1)
    )
    if last is not None:
        if last.customs_district != district:
            raise Forbidden(N_("this targeting rule belongs to another customs district"))
        last.active = False  # a new version replaces it (both stay, audited)
    rule = TargetingRule(
        code=code,
        version=(last.version + 1) if last else 1,
        customs_district=district,
        active=True,
        created_at=now,
        created_by=actor.label,
        **fields,
    )
    session.add(rule)
    session.flush()
    return rule


def withdraw_rule(session: Session, *, actor: Principal, code: str, now: datetime) -> TargetingRule:
    district = check_officer(session, actor)
    rule = session.scalar(
        select(TargetingRule).where(TargetingRule.code == code, TargetingRule.active.is_(True))
    )
    if rule is None or (district and rule.customs_district != district):
        raise NotFound(N_("no targeting rule %(code)s"), params={"code": code})
    rule.active = False
    rule.valid_to = min(rule.valid_to or date.max, now.astimezone(CHINA_TZ).date())
    session.flush()
    return rule


def rules(session: Session, *, actor: Principal, include_history: bool = False) -> list[TargetingRule]:
    district = check_officer(session, actor, write=False)
    stmt = select(TargetingRule).order_by(TargetingRule.code, TargetingRule.version)
    if not include_history:
        stmt = stmt.where(TargetingRule.active.is_(True))
    if district:
        stmt = stmt.where(TargetingRule.customs_district == district)
    return list(session.scalars(stmt))


def set_rate(
    session: Session,
    *,
    actor: Principal,
    port: str,
    commodity_group: str,
    rate: Decimal,
    seed: str,
    now: datetime,
) -> RandomRate:
    check_officer(session, actor)
    if not (Decimal("0") <= rate <= Decimal("1")):
        raise InvalidInput("a rate is between 0 and 1", errors=[_fe("rate")])
    if not seed.strip():
        raise InvalidInput("a random draw needs a seed", errors=[_fe("seed")])
    row = session.scalar(
        select(RandomRate).where(
            RandomRate.port == port.upper(), RandomRate.commodity_group == commodity_group
        )
    )
    if row is None:
        row = RandomRate(port=port.upper(), commodity_group=commodity_group)
        session.add(row)
    row.rate, row.seed, row.updated_at, row.updated_by = rate, seed.strip(), now, actor.label
    session.flush()
    return row


def rates(session: Session) -> list[RandomRate]:
    return list(session.scalars(select(RandomRate).order_by(RandomRate.port, RandomRate.commodity_group)))


def _rate_for(session: Session, port: str, group: str) -> RandomRate | None:
    rows = {
        (r.port, r.commodity_group): r
        for r in session.scalars(
            select(RandomRate).where(
                RandomRate.port.in_([port, "*"]), RandomRate.commodity_group.in_([group, "*"])
            )
        )
    }
    return next((rows[k] for k in ((port, group), (port, "*"), ("*", group), ("*", "*")) if k in rows), None)


# --- selectivity at lodging ------------------------------------------------------------------------


def _hits(
    session: Session, rec: DeclarationRecord, items: list[DeclarationItem], group: str, now: datetime
) -> list[TargetingRule]:
    today = now.astimezone(CHINA_TZ).date()
    hs = [i.hs_code for i in items]
    origins = sorted({i.origin for i in items})
    value = rec.dutiable_value
    r = TargetingRule
    stmt = (
        select(r)
        .where(
            r.active.is_(True),
            r.customs_district == rec.customs_district,
            r.valid_from <= today,
            or_(r.valid_to.is_(None), r.valid_to >= today),
            or_(r.hs_prefix.is_(None), r.hs_prefix.in_(sorted(domain.hs_prefixes(hs)))),
            or_(r.origin.is_(None), r.origin.in_(origins)),
            or_(r.consignee_uscc.is_(None), r.consignee_uscc == rec.consignee_uscc),
            or_(r.declarant_org_id.is_(None), r.declarant_org_id == rec.declarant_org_id),
            or_(r.commodity_group.is_(None), r.commodity_group == group),
            or_(r.port.is_(None), r.port == rec.port),
            or_(r.value_min.is_(None), r.value_min <= value),
            or_(r.value_max.is_(None), r.value_max >= value),
            or_(r.mode.is_(None), r.mode.in_(list(rec.modes) or ["standard"])),
        )
        .order_by(r.code)
    )
    found = list(session.scalars(stmt))
    if any(x.prior_findings for x in found):
        since = now - timedelta(days=PRIOR_FINDINGS_DAYS)
        prior = session.scalar(
            select(func.count())
            .select_from(InspectionOrder)
            .where(
                InspectionOrder.consignee_uscc == rec.consignee_uscc,
                InspectionOrder.outcome == Outcome.FINDING.value,
                InspectionOrder.done_at >= since,
            )
        )
        if not prior:
            found = [x for x in found if not x.prior_findings]
    return found


def assess(session: Session, rec: DeclarationRecord, *, now: datetime) -> Selectivity:
    """The lane and its reasons at lodging (again at the complete declaration of a two-step one).
    The caller copies lane and channel onto the declaration in the step's own update."""
    items = decl_service.items(session, rec)
    hs = [i.hs_code for i in items]
    channel = group_of(session, hs, transport_mode_of(rec))
    group = channel or "general"
    hits = _hits(session, rec, items, group, now)
    reasons = [Reason("rule", Lane(x.lane), f"{x.code}@{x.version}", x.title) for x in hits]
    rate = _rate_for(session, rec.port, group)
    value = domain.draw(rate.seed, rec.number) if rate else None
    was_drawn = bool(rate and value is not None and value < rate.rate)
    if was_drawn:
        reasons.append(Reason("draw", Lane.INSPECTION, f"{rate.seed}:{value}<{rate.rate}"))
    decision = domain.decide(reasons, {f"{x.code}@{x.version}": x.method for x in hits})
    sel = session.scalar(select(Selectivity).where(Selectivity.declaration_id == rec.id))
    if sel is None:
        sel = Selectivity(declaration_id=rec.id)
        session.add(sel)
    sel.lane, sel.method, sel.rule_hits = decision.lane.value, decision.method, list(decision.rule_hits)
    sel.reasons = [r.as_dict() for r in decision.reasons]
    sel.commodity_group, sel.green_channel = group, channel
    sel.seed, sel.draw, sel.rate = (rate.seed, value, rate.rate) if rate else (None, None, None)
    sel.drawn, sel.assessed_at = was_drawn, now
    session.flush()
    return sel


def selectivity_of(session: Session, rec: DeclarationRecord) -> Selectivity | None:
    return session.scalar(select(Selectivity).where(Selectivity.declaration_id == rec.id))


def cause_for(session: Session, rec: DeclarationRecord, reason: str | None) -> decl_domain.InspectionCause:
    """What an order on ``rec`` may cite: the inspection-lane rule hits and the draw recorded at
    lodging, and the officer's written reason."""
    sel = selectivity_of(session, rec)
    hits: tuple[str, ...] = ()
    draw = None
    if sel is not None:
        hits = tuple(
            r["ref"] for r in sel.reasons if r["kind"] == "rule" and r["lane"] == Lane.INSPECTION.value
        )
        draw = next((r["ref"] for r in sel.reasons if r["kind"] == "draw"), None)
    return decl_domain.InspectionCause(rule_hits=hits, draw=draw, officer_reason=(reason or "").strip())


def record_order(
    session: Session,
    rec: DeclarationRecord,
    cause: decl_domain.InspectionCause,
    *,
    method: str | None,
    actor: Principal,
    now: datetime,
) -> InspectionOrder:
    sel = selectivity_of(session, rec)
    method = method or (sel.method if sel and sel.method else Method.PHYSICAL.value)
    if method not in {m.value for m in Method}:
        raise InvalidInput("unknown inspection method", errors=[_fe("method", method)])
    order = InspectionOrder(
        declaration_id=rec.id,
        number=rec.number,
        port=rec.port,
        customs_district=rec.customs_district,
        consignee_uscc=rec.consignee_uscc,
        cause=list(cause.kinds),
        primary_cause=cause.kinds[0],
        rule_hits=list(cause.rule_hits),
        draw=cause.draw,
        officer_reason=cause.officer_reason,
        method=method,
        status="ordered",
        ordered_at=now,
        ordered_by=actor.label,
        findings="",
        green_channel=rec.green_channel,
    )
    session.add(order)
    session.flush()
    return order


def after_accept(session: Session, rec: DeclarationRecord, *, now: datetime) -> None:
    """An accepted declaration in the inspection lane is put under inspection at once (布控)."""
    if (
        rec.lane == Lane.INSPECTION.value
        and not rec.inspection_ordered
        and rec.status in ("accepted", "summary_accepted")
    ):
        decl_service.act(
            session,
            actor=SELECTIVITY,
            number=rec.number,
            action=decl_domain.Action.ORDER_INSPECTION.value,
            now=now,
        )


def order(
    session: Session, *, actor: Principal, number: str, reason: str | None, method: str | None, now: datetime
) -> InspectionOrder:
    """An officer orders an inspection (with the cause the declaration carries, and a reason)."""
    check_officer(session, actor)
    decl_service.act(
        session,
        actor=actor,
        number=number,
        action=decl_domain.Action.ORDER_INSPECTION.value,
        now=now,
        reason=reason,
        method=method,
    )
    rec = decl_service.get(session, actor=actor, number=number)
    return open_order(session, rec)  # type: ignore[return-value]


def open_order(session: Session, rec: DeclarationRecord) -> InspectionOrder | None:
    return session.scalar(
        select(InspectionOrder)
        .where(InspectionOrder.declaration_id == rec.id, InspectionOrder.status == "ordered")
        .order_by(InspectionOrder.id.desc())
        .limit(1)
    )


def orders_of(session: Session, rec: DeclarationRecord) -> list[InspectionOrder]:
    return list(
        session.scalars(
            select(InspectionOrder)
            .where(InspectionOrder.declaration_id == rec.id)
            .order_by(InspectionOrder.id)
        )
    )


def records_of(session: Session, order_ids: list[int]) -> list[InspectionRecord]:
    if not order_ids:
        return []
    return list(
        session.scalars(
            select(InspectionRecord)
            .where(InspectionRecord.order_id.in_(order_ids))
            .order_by(InspectionRecord.id)
        )
    )


# --- results by method ---------------------------------------------------------------------------


def _need(details: dict[str, Any], *keys: str) -> None:
    missing = [k for k in keys if details.get(k) in (None, "", [])]
    if missing:
        raise InvalidInput(
            N_("the inspection record is incomplete"), errors=[_fe(k, "required") for k in missing]
        )


def _times(details: dict[str, Any], start: str, end: str) -> None:
    try:
        a, b = datetime.fromisoformat(str(details[start])), datetime.fromisoformat(str(details[end]))
    except (KeyError, ValueError):
        raise InvalidInput(
            N_("the inspection record is incomplete"), errors=[_fe(start, "ISO date-time")]
        ) from None
    if b < a:
        raise InvalidInput("the end is before the start", errors=[_fe(end)])


def judge(session: Session, rec: DeclarationRecord, method: str, details: dict[str, Any]) -> tuple[str, dict]:
    """Check a method's record and tell its outcome; returns (outcome, details as stored)."""
    details = dict(details)
    if method == Method.PHYSICAL:
        _need(details, "officer", "place", "start", "end")
        _times(details, "start", "end")
        return (Outcome.FINDING if details.get("findings") else Outcome.CONFORMING), details
    if method == Method.NON_INTRUSIVE:
        _need(details, "device", "image_ref", "verdict")
        if details["verdict"] not in ("clear", "suspect"):
            raise InvalidInput("verdict is clear or suspect", errors=[_fe("verdict")])
        return (Outcome.ESCALATED if details["verdict"] == "suspect" else Outcome.CONFORMING), details
    if method == Method.REMOTE_VIDEO:
        _need(details, "start", "end", "participants", "outcome")
        _times(details, "start", "end")
        why = domain.remote_video_refusal(
            consent=bool(details.get("consent")),
            credit=rec.consignee_credit,
            hs_codes=[i.hs_code for i in decl_service.items(session, rec)],
        )
        if why:
            raise InvalidInput(
                N_("remote video inspection is not open to this declaration"),
                errors=[_fe("consent" if why.endswith("consent") else "method", why)],
            )
        return Outcome(details["outcome"]), details
    if method == Method.DRONE_DRAFT_SURVEY:
        try:
            _initial, _final, result = draft_survey.from_dict(details)
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise InvalidInput(
                "the draft survey is incomplete or out of the tables", errors=[_fe("survey", str(exc))]
            ) from None
        details["result"] = {
            "cargo_t": round(result.cargo, 3),
            "declared_t": result.declared,
            "difference_t": round(result.difference, 3),
            "tolerance": result.tolerance,
            "flagged": result.flagged,
        }
        return (Outcome.FINDING if result.flagged else Outcome.CONFORMING), details
    if method == Method.LAB:
        _need(details, "sample_ids", "lab", "results", "conforming")
        return (Outcome.CONFORMING if details["conforming"] is True else Outcome.FINDING), details
    raise InvalidInput("unknown inspection method", errors=[_fe("method", method)])


def _raise_monitoring(session: Session, rec: DeclarationRecord, now: datetime) -> list[TargetingRule]:
    """A failing fresh-produce monitoring sample raises that produce's and origin's targeting: an
    inspection rule (lab sampling) for its HS heading from that origin, 90 days."""
    raised = []
    for it in decl_service.items(session, rec):
        code = f"MON-{it.hs_code[:4]}-{it.origin}"
        existing = session.scalar(
            select(TargetingRule).where(TargetingRule.code == code, TargetingRule.active.is_(True))
        )
        if existing is not None:
            continue
        raised.append(
            create_rule(
                session,
                actor=SELECTIVITY,
                code=code,
                now=now,
                fields={
                    "customs_district": rec.customs_district,
                    "title": f"monitoring failed: {it.hs_code[:4]} from {it.origin} ({rec.number})",
                    "hs_prefix": it.hs_code[:4],
                    "origin": it.origin,
                    "lane": Lane.INSPECTION.value,
                    "method": Method.LAB.value,
                    "sampling": True,
                    "issuing_unit": MONITORING_UNIT,
                    "valid_from": now.astimezone(CHINA_TZ).date(),
                    "valid_to": now.astimezone(CHINA_TZ).date() + timedelta(days=MONITORING_DAYS),
                },
            )
        )
    return raised


def record_result(
    session: Session,
    *,
    actor: Principal,
    number: str,
    method: str,
    details: dict[str, Any],
    now: datetime,
    release: bool = True,
) -> InspectionRecord:
    """File one method's record on the declaration's open order (or, for a release-before-inspection
    or conformity case already at the port release, its lab sample) and move the declaration."""
    check_officer(session, actor)
    rec = decl_service.get(session, actor=actor, number=number)
    decl_service._check_actor(session, actor, rec, decl_domain.Action.HOLD)
    outcome, stored = judge(session, rec, method, details)
    current = open_order(session, rec)
    if current is None:
        if not (method == Method.LAB and rec.status == "port_released"):
            raise InvalidInput(N_("no inspection is open on this declaration"), errors=[_fe("number")])
        # The mode's own obligation (先放后检 / 两段准入): sampling needs no targeting cause.
        current = InspectionOrder(
            declaration_id=rec.id,
            number=rec.number,
            port=rec.port,
            customs_district=rec.customs_district,
            consignee_uscc=rec.consignee_uscc,
            cause=["obligation"],
            primary_cause="obligation",
            rule_hits=[],
            draw=None,
            officer_reason="",
            method=Method.LAB.value,
            status="ordered",
            ordered_at=rec.updated_at,
            ordered_by=actor.label,
            findings="",
            green_channel=rec.green_channel,
        )
        session.add(current)
        session.flush()
    record = InspectionRecord(
        order_id=current.id,
        method=method,
        details=stored,
        outcome=outcome.value,
        recorded_at=now,
        recorded_by=actor.label,
    )
    session.add(record)
    if outcome == Outcome.ESCALATED:
        current.method = Method.PHYSICAL.value  # the scan's suspicion is checked by hand
        session.flush()
        return record
    current.status, current.done_at, current.outcome = "done", now, outcome.value
    current.findings = str(stored.get("findings") or stored.get("results") or "")[:2000]
    session.flush()
    act = decl_domain.Action
    if rec.status in ("inspection", "summary_inspection"):
        decl_service.act(session, actor=actor, number=number, action=act.COMPLETE_INSPECTION.value, now=now)
    if outcome == Outcome.FINDING:
        decl_service.act(session, actor=actor, number=number, action=act.HOLD.value, now=now)
        if rec.green_channel == "fresh_produce" and method == Method.LAB:
            _raise_monitoring(session, rec, now)
    elif rec.status == "port_released":
        decl_service.act(
            session, actor=actor, number=number, action=act.MARKET_RELEASE.value, now=now, lab_passed=True
        )
    elif release and act.RELEASE in decl_service.actions_for(session, actor=actor, rec=rec):
        decl_service.act(session, actor=actor, number=number, action=act.RELEASE.value, now=now)
    return record


# --- queue and reports ------------------------------------------------------------------------------


def queue(session: Session, *, actor: Principal, limit: int = 200) -> list[DeclarationRecord]:
    return decl_service.queue(session, actor=actor, limit=limit)


DIMENSIONS = ("all", "cause", "method", "port", "month")


def report(session: Session, *, actor: Principal) -> dict[str, Any]:
    """Inspection rate (orders per assessed declaration), hit rate (findings per finished
    inspection) and mean hours in inspection, by cause, method, port and month (Beijing time);
    the district's for a customs officer.

    Two aggregate statements: the orders grouped in SQL by cause, method, port and month (count,
    done, findings, the hours of the done ones summed), and the assessed declarations by port and
    month; each dimension is the sum of those few groups here."""
    district = check_officer(session, actor, write=False)
    month = beijing_month(InspectionOrder.ordered_at).label("month")
    is_done = InspectionOrder.done_at.is_not(None)
    orders = select(
        InspectionOrder.primary_cause, InspectionOrder.method, InspectionOrder.port, month,
        func.count(), func.count(InspectionOrder.done_at),
        func.sum(case((is_done & (InspectionOrder.outcome == Outcome.FINDING.value), 1), else_=0)),
        func.sum(hours_between(InspectionOrder.ordered_at, InspectionOrder.done_at)),
    ).group_by(InspectionOrder.primary_cause, InspectionOrder.method, InspectionOrder.port, month)
    assessed_month = beijing_month(Selectivity.assessed_at).label("month")
    assessed = select(DeclarationRecord.port, assessed_month, func.count()).join(
        DeclarationRecord, DeclarationRecord.id == Selectivity.declaration_id
    ).group_by(DeclarationRecord.port, assessed_month)
    if district:
        orders = orders.where(InspectionOrder.customs_district == district)
        assessed = assessed.where(DeclarationRecord.customs_district == district)
    declared: dict[tuple[str, str], int] = defaultdict(int)
    for port, at_month, n in session.execute(assessed):
        for key in (("port", port), ("month", at_month), ("all", "all")):
            declared[key] += n
    totals: dict[tuple[str, str], list[float]] = {}
    for cause, method, port, at_month, n, done, findings, hours in session.execute(orders):
        keys = {"all": "all", "cause": cause, "method": method, "port": port, "month": at_month}
        for dim in DIMENSIONS:
            t = totals.setdefault((dim, keys[dim]), [0, 0, 0, 0.0])
            for i, value in enumerate((n, done, int(findings or 0), float(hours or 0))):
                t[i] += value
    out: dict[str, Any] = {dim: [] for dim in DIMENSIONS}
    for (dim, key), (n, done, findings, hours) in sorted(totals.items()):
        n_decl = declared.get((dim, key)) if dim in ("all", "port", "month") else None
        out[dim].append({
            "key": key,
            "inspections": n,
            "done": done,
            "findings": findings,
            "declarations": n_decl,
            "inspection_rate": round(n / n_decl, 4) if n_decl else None,
            "hit_rate": round(findings / done, 4) if done else None,
            "mean_hours": round(hours / done, 2) if done else None,
        })
    return out


def green_channel_kpis(session: Session, *, actor: Principal | None = None, clock: str = "gac") -> list[dict]:
    """Clearance time of each green channel's released declarations (the clearance cases' hours)."""
    from kouan.clearance.models import ClearanceCase

    stmt = (
        select(DeclarationRecord.green_channel, func.count(), func.avg(ClearanceCase.hours))
        .join(ClearanceCase, ClearanceCase.declaration == DeclarationRecord.number)
        .where(
            ClearanceCase.clock == clock,
            ClearanceCase.status == "closed",
            DeclarationRecord.green_channel.is_not(None),
        )
        .group_by(DeclarationRecord.green_channel)
    )
    rows = list(session.scalars(select(GreenChannel)))  # a read: the defaults stand in until stored
    names = {c.code: (c.name, c.name_en) for c in rows} or {c[0]: (c[1], c[2]) for c in DEFAULT_CHANNELS}
    return [
        {
            "channel": ch,
            "name": names.get(ch, (ch, ch))[0],
            "name_en": names.get(ch, (ch, ch))[1],
            "declarations": n,
            "mean_hours": round(float(h), 2) if h is not None else None,
        }
        for ch, n, h in session.execute(stmt)
    ]
