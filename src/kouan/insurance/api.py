"""The insurance channel's JSON API: exporters apply and report losses, the insurer decides (a
key with ``insurance:write``), the commerce bureau sets its rule and reads the figures."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from kouan.insurance import service, webhook
from kouan.insurance.models import InsuranceApplication
from kouan.insurance.schemas import (
    ApplicationCreate,
    ApplicationRead,
    IssueIn,
    LossIn,
    LossRead,
    PrefillRead,
    RejectIn,
    RuleIn,
    RuleRead,
    StatRead,
    WebhookIn,
    WebhookRead,
)
from kouan.kit.clock import utcnow
from kouan.kit.errors import Forbidden
from kouan.partners import repository as partners_repo
from kouan.web.deps import CurrentPrincipal, DbSession, PersonPrincipal
from kouan.web.inputs import Offset

router = APIRouter(prefix="/api/v1/insurance", tags=["export credit insurance"])


def read(session: Session, app: InsuranceApplication) -> ApplicationRead:
    names = service.org_names(session, [app.exporter_org_id, app.insurer_org_id])
    return ApplicationRead(
        reference=app.reference,
        status=app.status,
        exporter=names[app.exporter_org_id].code,
        insurer=names[app.insurer_org_id].code,
        uscc=app.uscc,
        company_name=app.company_name,
        city_code=app.city_code,
        contact_name=app.contact_name,
        contact_phone=app.contact_phone,
        contact_email=app.contact_email,
        prior_year=app.prior_year,
        export_value_usd=app.export_value_usd,
        prefilled_value_usd=app.prefilled_value_usd,
        value_reason=app.value_reason,
        product=app.product,
        buyers=app.buyers,
        eligibility=app.eligibility,
        reasons=app.reasons,
        policy_number=app.policy_number,
        total_cover_usd=app.total_cover_usd,
        submitted_at=app.submitted_at,
        decided_at=app.decided_at,
        loss_notices=[
            LossRead(
                reference=n.reference,
                buyer=n.buyer,
                amount_usd=n.amount_usd,
                due_date=n.due_date,
                cause=n.cause,
                description=n.description,
                status=n.status,
                notified_at=n.notified_at,
            )
            for n in service.loss_notices(session, app)
        ],
    )


def fields_of(body: ApplicationCreate, default_value=None) -> service.ApplicationFields:  # type: ignore[no-untyped-def]
    return service.ApplicationFields(
        insurer=body.insurer,
        uscc=body.uscc,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        contact_email=body.contact_email,
        export_value_usd=body.export_value_usd if body.export_value_usd is not None else default_value,
        value_reason=body.value_reason,
        product=body.product,
        consent=body.consent,
        buyers=[
            service.Buyer(
                name=b.name,
                country=b.country.upper(),
                payment_terms=b.payment_terms.upper(),
                credit_days=b.credit_days,
                requested_usd=b.requested_usd,
            )
            for b in body.buyers
        ],
    )


@router.get("/prefill", response_model=PrefillRead)
def prefill(session: DbSession, principal: CurrentPrincipal):
    """The prior year's exports as the exporter's declarations in Kouan say (USD declarations
    summed; other currencies listed, not converted), and the ceiling of the rule."""
    if principal.org_id is None:
        raise Forbidden("an organisation's own figure")
    now = utcnow()
    pre = service.prefill(session, org_id=principal.org_id, year=service.prior_year(now))
    org = partners_repo.get_org(session, principal.org_id)
    return PrefillRead(
        year=pre.year,
        export_value_usd=pre.value_usd,
        declarations=pre.declarations,
        other_currencies=pre.other_currencies,
        ceiling_usd=service.ceiling(session, org.province if org else None),
    )


@router.post("/applications", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED)
def apply(body: ApplicationCreate, session: DbSession, principal: CurrentPrincipal):
    """A trader applies. Without ``export_value_usd`` the prefill from its export declarations is
    taken. The answer's ``status`` is ``in_review`` (eligible: the insurer's webhook is told) or
    ``ineligible`` with ``reasons``."""
    now = utcnow()
    default = None
    if body.export_value_usd is None and principal.org_id is not None:
        default = service.prefill(session, org_id=principal.org_id, year=service.prior_year(now)).value_usd
    app = service.submit(session, actor=principal, fields=fields_of(body, default), now=now)
    return read(session, app)


@router.get("/applications", response_model=list[ApplicationRead])
def applications(
    session: DbSession, principal: CurrentPrincipal, status: str | None = None, offset: Offset = 0
):
    """The exporter's own applications, or those addressed to the insurer (``?status=in_review``:
    its queue)."""
    return [
        read(session, a) for a in service.list_visible(session, actor=principal, status=status, offset=offset)
    ]


@router.get("/applications/{reference}", response_model=ApplicationRead)
def application(reference: str, session: DbSession, principal: CurrentPrincipal):
    return read(session, service.get(session, actor=principal, reference=reference))


@router.post("/applications/{reference}/issue", response_model=ApplicationRead)
def issue(reference: str, body: IssueIn, session: DbSession, principal: CurrentPrincipal):
    """The insurer issues the policy (``in_review`` → ``issued``); 409 from any other status."""
    app = service.issue(
        session,
        actor=principal,
        reference=reference,
        policy_number=body.policy_number,
        cover_usd=body.cover_usd,
        now=utcnow(),
    )
    return read(session, app)


@router.post("/applications/{reference}/reject", response_model=ApplicationRead)
def reject(reference: str, body: RejectIn, session: DbSession, principal: CurrentPrincipal):
    app = service.reject(session, actor=principal, reference=reference, reasons=body.reasons, now=utcnow())
    return read(session, app)


@router.post(
    "/applications/{reference}/loss-notices", response_model=LossRead, status_code=status.HTTP_201_CREATED
)
def notify_loss(reference: str, body: LossIn, session: DbSession, principal: CurrentPrincipal):
    """报损: the insured exporter reports an overdue receivable or a buyer's default."""
    n = service.notify_loss(
        session,
        actor=principal,
        reference=reference,
        now=utcnow(),
        fields=service.LossFields(
            buyer=body.buyer,
            amount_usd=body.amount_usd,
            due_date=body.due_date,
            cause=body.cause,
            description=body.description,
        ),
    )
    return LossRead(
        reference=n.reference,
        buyer=n.buyer,
        amount_usd=n.amount_usd,
        due_date=n.due_date,
        cause=n.cause,
        description=n.description,
        status=n.status,
        notified_at=n.notified_at,
    )


@router.get("/statistics", response_model=list[StatRead])
def statistics(session: DbSession, principal: CurrentPrincipal):
    """Applications by status and cover issued, by the exporter's city and the month (Beijing)."""
    return [StatRead(**vars(r)) for r in service.statistics(session, actor=principal)]


@router.post("/rule", response_model=RuleRead)
def set_rule(body: RuleIn, session: DbSession, principal: PersonPrincipal):
    """The commerce bureau's eligibility ceiling for its province (audited)."""
    rule = service.set_ceiling(session, actor=principal, ceiling_usd=body.export_ceiling_usd, now=utcnow())
    return RuleRead(province=rule.province, export_ceiling_usd=rule.export_ceiling_usd)


@router.post("/webhook", response_model=WebhookRead)
def set_webhook(body: WebhookIn, session: DbSession, principal: PersonPrincipal):
    """Where Kouan posts new applications and loss notices, signed with the secret in this answer
    (shown once; registering again makes a new one)."""
    hook, secret = service.register_webhook(session, actor=principal, url=body.url, now=utcnow())
    return WebhookRead(url=hook.url, active=hook.active, secret=secret, secret_hint=webhook.masked(secret))


@router.get("/webhook", response_model=WebhookRead | None)
def get_webhook(session: DbSession, principal: CurrentPrincipal):
    hook = service.webhook_of(session, principal.org_id) if principal.org_id else None
    if hook is None:
        return None
    return WebhookRead(url=hook.url, active=hook.active, secret_hint=webhook.masked(hook.secret))
