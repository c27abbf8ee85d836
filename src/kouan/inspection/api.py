"""/api/v1/inspection and a declaration's selectivity and inspection: customs officers of the
district decide; every decision is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from kouan.declarations import service as decl_service
from kouan.inspection import draft_survey, service
from kouan.inspection.schemas import (
    GreenChannelRead,
    OrderIn,
    OrderRead,
    RateIn,
    RateRead,
    RecordIn,
    RecordRead,
    RuleIn,
    RuleRead,
    SelectivityRead,
)
from kouan.kit.clock import utcnow
from kouan.kit.errors import FieldError, InvalidInput, NotFound
from kouan.web.deps import CurrentPrincipal, DbSession

router = APIRouter(prefix="/api/v1", tags=["inspection"])


@router.get("/inspection/rules", response_model=list[RuleRead])
def list_rules(session: DbSession, principal: CurrentPrincipal, history: bool = False):
    """The district's targeting rules in force (``history``: every version)."""
    return service.rules(session, actor=principal, include_history=history)


@router.post("/inspection/rules", response_model=RuleRead, status_code=status.HTTP_201_CREATED)
def create_rule(body: RuleIn, session: DbSession, principal: CurrentPrincipal):
    """A targeting rule (布控指令), or the next version of the rule with this code (the last one is
    withdrawn); audited."""
    fields = body.model_dump(exclude={"code"})
    return service.create_rule(session, actor=principal, code=body.code, fields=fields, now=utcnow())


@router.post("/inspection/rules/{code}/withdraw", response_model=RuleRead)
def withdraw_rule(code: str, session: DbSession, principal: CurrentPrincipal):
    return service.withdraw_rule(session, actor=principal, code=code, now=utcnow())


@router.get("/inspection/rates", response_model=list[RateRead])
def list_rates(session: DbSession, principal: CurrentPrincipal):
    service.check_officer(session, principal, write=False)
    return service.rates(session)


@router.post("/inspection/rates", response_model=RateRead)
def set_rate(body: RateIn, session: DbSession, principal: CurrentPrincipal):
    """The random-draw rate and seed of a port and commodity group (``*``: any)."""
    return service.set_rate(
        session,
        actor=principal,
        port=body.port,
        commodity_group=body.commodity_group,
        rate=body.rate,
        seed=body.seed,
        now=utcnow(),
    )


@router.get("/inspection/green-channels", response_model=list[GreenChannelRead])
def green_channels(session: DbSession, principal: CurrentPrincipal):
    return service.ensure_channels(session)


@router.get("/inspection/green-channels/kpi")
def green_channel_kpi(
    session: DbSession, principal: CurrentPrincipal, clock: str = "gac"
) -> list[dict[str, Any]]:
    """Each green channel's released declarations and their mean clearance time (hours)."""
    return service.green_channel_kpis(session, actor=principal, clock=clock)


@router.get("/inspection/report")
def report(session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """Inspection rate, hit rate and mean hours in inspection by cause, method, port and month."""
    return service.report(session, actor=principal)


@router.post("/inspection/draft-survey")
def compute_draft_survey(body: dict[str, Any], principal: CurrentPrincipal) -> dict[str, Any]:
    """Compute a draught survey (the shape of a ``drone_draft_survey`` record's details)."""
    try:
        initial, final, result = draft_survey.from_dict(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            "the draft survey is incomplete or out of the tables", errors=[FieldError("/survey", str(exc))]
        ) from None
    return {
        "initial": _survey(initial),
        "final": _survey(final),
        "cargo_t": round(result.cargo, 3),
        "declared_t": result.declared,
        "difference_t": round(result.difference, 3),
        "tolerance": result.tolerance,
        "flagged": result.flagged,
    }


def _survey(s: draft_survey.Survey) -> dict[str, Any]:
    c, d = s.corrected, s.displacement
    return {
        "quarter_mean": round(c.quarter_mean, 4),
        "true_trim": round(c.true_trim, 4),
        "displacement_table": round(d.table, 2),
        "first_trim_correction": round(d.first_trim, 2),
        "second_trim_correction": round(d.second_trim, 2),
        "displacement": round(d.value, 2),
        "net": round(s.net, 2),
    }


@router.get("/declarations/{number}/selectivity", response_model=SelectivityRead)
def selectivity(number: str, session: DbSession, principal: CurrentPrincipal):
    """The lane the declaration got at lodging and why (customs of the district)."""
    service.check_officer(session, principal, write=False)
    rec = decl_service.get(session, actor=principal, number=number)
    found = service.selectivity_of(session, rec)
    if found is None:
        raise NotFound("the declaration has not been lodged")
    return found


@router.get("/declarations/{number}/inspections", response_model=list[OrderRead])
def inspections(number: str, session: DbSession, principal: CurrentPrincipal):
    service.check_officer(session, principal, write=False)
    rec = decl_service.get(session, actor=principal, number=number)
    return _orders(session, rec)


def _orders(session, rec) -> list[OrderRead]:  # type: ignore[no-untyped-def]
    orders = service.orders_of(session, rec)
    records = service.records_of(session, [o.id for o in orders])
    return [
        OrderRead.model_validate(o).model_copy(
            update={"records": [RecordRead.model_validate(r) for r in records if r.order_id == o.id]}
        )
        for o in orders
    ]


@router.post(
    "/declarations/{number}/inspections", response_model=OrderRead, status_code=status.HTTP_201_CREATED
)
def order_inspection(number: str, body: OrderIn, session: DbSession, principal: CurrentPrincipal):
    """Order an inspection. Its cause: the rule hits and draw recorded at lodging, and ``reason``;
    without any, 409 ``inspection_without_cause`` (无因不查)."""
    o = service.order(
        session, actor=principal, number=number, reason=body.reason, method=body.method, now=utcnow()
    )
    return OrderRead.model_validate(o)


@router.post(
    "/declarations/{number}/inspections/records",
    response_model=RecordRead,
    status_code=status.HTTP_201_CREATED,
)
def record(number: str, body: RecordIn, session: DbSession, principal: CurrentPrincipal):
    """File a method's record on the open inspection: done, a finding holds the goods, a conforming
    result releases them (or market-releases a release-before-inspection case)."""
    return service.record_result(
        session,
        actor=principal,
        number=number,
        method=body.method,
        details=body.details,
        now=utcnow(),
        release=body.release,
    )
