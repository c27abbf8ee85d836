"""The export-credit-insurance channel's rules applied to the store. Never commits, never imports
the web layer: the request, the CLI or the job owns the transaction (README rule 3).

Who sees what: an exporter its own applications; an insurer those addressed to it; the port office
and the operator every one; the commerce bureau only the figures (``statistics``), never an
application. Another organisation's application answers 404.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import false, func, select, true
from sqlalchemy.orm import Session

from kouan.declarations.models import DeclarationRecord
from kouan.insurance import domain, webhook
from kouan.insurance.domain import Status
from kouan.insurance.models import InsuranceApplication, InsuranceRule, InsurerWebhook, LossNotice
from kouan.jobs import service as jobs_service
from kouan.kit.clock import CHINA_TZ
from kouan.kit.errors import N_, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, sees_all_organisations
from kouan.partners.models import Organisation

WEBHOOK_JOB = "insurance.webhook"
WEBHOOK_HANDLER = "insurance.deliver_webhook"
SUBMITTED_EVENT, LOSS_EVENT = "application.submitted", "loss.notified"
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PHONE = re.compile(r"^[0-9+\-() ]{5,40}$")
LOSS_CAUSES = ("insolvency", "default", "refusal", "political")
LOSS_CAUSE_NAMES = {
    "insolvency": N_("Buyer insolvent"),
    "default": N_("Buyer did not pay"),
    "refusal": N_("Buyer refused the goods"),
    "political": N_("Political risk"),
}
# Declarations that count as exported: lodged and not sent back.
_NOT_EXPORTED = ("draft", "returned")


def _not_found(reference: str) -> NotFound:
    return NotFound(N_("no insurance application %(reference)s"), params={"reference": reference})


# --- the commerce bureau's rule -------------------------------------------------------------------


def ceiling(session: Session, province: str | None) -> Decimal:
    """The export ceiling in USD for exporters of ``province``: the bureau's, else the default."""
    if province:
        found = session.scalar(
            select(InsuranceRule.export_ceiling_usd).where(InsuranceRule.province == province)
        )
        if found is not None:
            return Decimal(found)
    found = session.scalar(select(InsuranceRule.export_ceiling_usd).where(InsuranceRule.province == "*"))
    return Decimal(found) if found is not None else domain.DEFAULT_CEILING_USD


def set_ceiling(session: Session, *, actor: Principal, ceiling_usd: Decimal, now: datetime) -> InsuranceRule:
    """A commerce bureau sets its province's ceiling (an overseer the default, ``*``). Audited."""
    if (
        actor.org_kind not in (OrgKind.COMMERCE_BUREAU, OrgKind.PORT_OFFICE, OrgKind.OPERATOR)
        or actor.org_id is None
    ):
        raise Forbidden(N_("the eligibility rule is the commerce bureau's"))
    if ceiling_usd <= 0 or ceiling_usd >= Decimal("1e15"):
        raise InvalidInput(
            N_("the rule is not valid"),
            errors=[
                FieldError(
                    "/export_ceiling_usd",
                    N_("a ceiling is a positive amount in US dollars"),
                    str(ceiling_usd),
                )
            ],
        )
    org = partners_repo.get_org(session, actor.org_id)
    province = (org.province if org and actor.org_kind == OrgKind.COMMERCE_BUREAU else None) or "*"
    rule = session.scalar(select(InsuranceRule).where(InsuranceRule.province == province))
    if rule is None:
        rule = InsuranceRule(
            province=province,
            bureau_org_id=actor.org_id,
            export_ceiling_usd=ceiling_usd,
            updated_at=now,
            updated_by=actor.label,
        )
        session.add(rule)
    else:
        rule.export_ceiling_usd, rule.updated_at, rule.updated_by = ceiling_usd, now, actor.label
        rule.bureau_org_id = actor.org_id
    session.flush()
    return rule


# --- prefill from the exporter's declarations in Kouan --------------------------------------------


@dataclass(frozen=True)
class Prefill:
    year: int
    value_usd: Decimal | None  # None: no export declaration in USD that year
    declarations: int
    other_currencies: dict[str, Decimal] = field(default_factory=dict)  # not converted, only shown


def prior_year(now: datetime) -> int:
    return now.astimezone(CHINA_TZ).year - 1


def prefill(session: Session, *, org_id: int, year: int) -> Prefill:
    """The organisation's exports of ``year`` as declared in Kouan (declarant or consignee, lodged
    and not returned, by the Beijing year of lodging): one grouped query."""
    d = DeclarationRecord
    start = datetime(year, 1, 1, tzinfo=CHINA_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=CHINA_TZ)
    rows = session.execute(
        select(d.currency, func.count(), func.sum(d.dutiable_value))
        .where(
            d.direction == "E",
            (d.declarant_org_id == org_id) | (d.consignee_org_id == org_id),
            d.status.not_in(_NOT_EXPORTED),
            d.created_at >= start,
            d.created_at < end,
        )
        .group_by(d.currency)
    ).all()
    usd = next((Decimal(total) for cur, _n, total in rows if cur == "USD"), None)
    others = {cur: Decimal(total) for cur, _n, total in rows if cur != "USD"}
    return Prefill(
        year=year, value_usd=usd, declarations=sum(n for _c, n, _t in rows), other_currencies=others
    )


# --- applying -------------------------------------------------------------------------------------


@dataclass
class Buyer:
    name: str
    country: str
    payment_terms: str
    credit_days: int = 90
    requested_usd: Decimal | None = None


@dataclass
class ApplicationFields:
    insurer: str  # the insurer organisation's code
    contact_name: str
    contact_phone: str
    export_value_usd: Decimal | None
    product: str
    buyers: list[Buyer]
    consent: bool
    uscc: str | None = None  # default: the organisation's registered USCC
    contact_email: str | None = None
    value_reason: str | None = None


def _money(value: Any, pointer: str, errors: list[FieldError]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.append(FieldError(pointer, N_("an amount in US dollars, e.g. 1250000.00"), str(value)))
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e15"):
        errors.append(FieldError(pointer, N_("an amount in US dollars, e.g. 1250000.00"), str(value)))
        return None
    return amount.quantize(Decimal("0.01"))


def parse_money(value: Any, pointer: str) -> Decimal | None:
    """A form's amount, or ``InvalidInput`` naming the field."""
    errors: list[FieldError] = []
    amount = _money(value, pointer, errors)
    if errors:
        raise InvalidInput(N_("the application is not valid"), errors=errors)
    return amount


def _validate(f: ApplicationFields, prefilled: Decimal | None) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in ("contact_name", "product"):
        if not (getattr(f, name) or "").strip():
            errors.append(FieldError(f"/{name}", N_("this field is required")))
    if not _PHONE.match((f.contact_phone or "").strip()):
        errors.append(
            FieldError("/contact_phone", N_("a telephone number, e.g. 0411-8888 6666"), f.contact_phone)
        )
    if f.export_value_usd is None:
        errors.append(FieldError("/export_value_usd", N_("the prior year's exports in US dollars")))
    elif f.export_value_usd < 0:
        errors.append(FieldError("/export_value_usd", N_("an amount in US dollars, e.g. 1250000.00")))
    elif prefilled is not None and f.export_value_usd != prefilled and not (f.value_reason or "").strip():
        errors.append(
            FieldError(
                "/value_reason", N_("the value differs from your export declarations in Kouan: say why")
            )
        )
    if not f.buyers:
        errors.append(FieldError("/buyers", N_("name at least one buyer")))
    if len(f.buyers) > domain.MAX_BUYERS:
        errors.append(FieldError("/buyers", N_("at most 20 buyers")))
    for i, b in enumerate(f.buyers):
        if not b.name.strip():
            errors.append(FieldError(f"/buyers/{i}/name", N_("this field is required")))
        if not _COUNTRY.match(b.country):
            errors.append(
                FieldError(f"/buyers/{i}/country", N_("a two-letter country code, e.g. JP"), b.country)
            )
        if b.payment_terms not in domain.PAYMENT_TERMS:
            errors.append(
                FieldError(f"/buyers/{i}/payment_terms", N_("one of LC, DP, DA, OA"), b.payment_terms)
            )
        if not 0 <= b.credit_days <= 360:
            errors.append(
                FieldError(
                    f"/buyers/{i}/credit_days",
                    N_("short-term cover: a credit period of 0 to 360 days"),
                    str(b.credit_days),
                )
            )
    if not f.consent:
        errors.append(
            FieldError(
                "/consent",
                N_(
                    "confirm your intention to insure and consent to sharing the application with the insurer"
                ),
            )
        )
    return errors


def submit(
    session: Session, *, actor: Principal, fields: ApplicationFields, now: datetime
) -> InsuranceApplication:
    """A trader applies; the eligibility rule runs at once (submitted → in_review or ineligible,
    each step audited) and an eligible application is announced to the insurer's webhook (a job
    written in this transaction)."""
    if actor.org_kind != OrgKind.TRADER or actor.org_id is None:
        raise Forbidden(N_("the inclusive export credit cover is for small and micro exporters (traders)"))
    org = partners_repo.get_org(session, actor.org_id)
    insurer = partners_repo.get_org_by_code(session, (fields.insurer or "").strip().upper())
    assert org is not None
    year = prior_year(now)
    pre = prefill(session, org_id=org.id, year=year)
    errors = _validate(fields, pre.value_usd)
    if insurer is None or insurer.kind != OrgKind.INSURER or not insurer.active:
        errors.append(FieldError("/insurer", N_("name an insurer on Kouan"), fields.insurer))
    uscc = (fields.uscc or org.uscc or "").strip().upper()
    if not uscc:
        errors.append(FieldError("/uscc", N_("this field is required")))
    if errors:
        raise InvalidInput(N_("the application is not valid"), errors=errors)
    assert insurer is not None and fields.export_value_usd is not None
    buyers = [
        {
            "name": b.name.strip(),
            "country": b.country,
            "payment_terms": b.payment_terms,
            "credit_days": b.credit_days,
            "requested_usd": None if b.requested_usd is None else str(b.requested_usd),
            "cover_usd": None,
        }
        for b in fields.buyers
    ]
    app = InsuranceApplication(
        reference=f"ECI{now.astimezone(CHINA_TZ):%Y%m%d}{secrets.token_hex(3).upper()}",
        exporter_org_id=org.id,
        insurer_org_id=insurer.id,
        status=Status.SUBMITTED.value,
        uscc=uscc,
        company_name=org.name,
        city_code=domain.city_of(uscc),
        contact_name=fields.contact_name.strip(),
        contact_phone=fields.contact_phone.strip(),
        contact_email=(fields.contact_email or "").strip() or None,
        prior_year=year,
        export_value_usd=fields.export_value_usd,
        prefilled_value_usd=pre.value_usd,
        value_reason=(fields.value_reason or "").strip() or None,
        product=fields.product.strip(),
        buyers=buyers,
        consent_at=now,
        submitted_at=now,
        updated_at=now,
    )
    session.add(app)
    session.flush()
    _check_eligibility(session, app, province=org.province, now=now)
    return app


def _already_covered(session: Session, app: InsuranceApplication) -> str | None:
    a = InsuranceApplication
    return session.scalar(
        select(a.reference)
        .where(
            a.uscc == app.uscc,
            a.prior_year == app.prior_year,
            a.id != app.id,
            a.status.in_([s.value for s in domain.COVERED]),
        )
        .limit(1)
    )


def _check_eligibility(
    session: Session, app: InsuranceApplication, *, province: str | None, now: datetime
) -> None:
    result = domain.eligibility(
        uscc=app.uscc,
        export_value_usd=Decimal(app.export_value_usd),
        ceiling_usd=ceiling(session, province),
        already_covered=_already_covered(session, app),
    )
    app.eligibility = [{"check": c.name, "passed": c.passed, "reason": c.reason} for c in result.checks]
    app.updated_at = now
    if result.eligible:
        app.status = Status.IN_REVIEW.value
        _announce(session, app, SUBMITTED_EVENT, now=now)
    else:
        app.status, app.reasons, app.decided_at, app.decided_by = (
            Status.INELIGIBLE.value,
            result.reasons,
            now,
            "kouan:eligibility",
        )
    session.flush()


def _announce(
    session: Session, app: InsuranceApplication, event: str, *, now: datetime, loss_id: int | None = None
) -> None:
    payload: dict[str, Any] = {"application_id": app.id, "event": event}
    if loss_id is not None:
        payload["loss_id"] = loss_id
    jobs_service.enqueue(session, WEBHOOK_JOB, payload, handler=WEBHOOK_HANDLER, now=now)


# --- reading --------------------------------------------------------------------------------------


def _visible(actor: Principal):  # type: ignore[no-untyped-def]
    a = InsuranceApplication
    if sees_all_organisations(actor):
        return true()
    if actor.org_kind == OrgKind.INSURER:
        return a.insurer_org_id == actor.org_id
    if actor.org_kind == OrgKind.TRADER:
        return a.exporter_org_id == actor.org_id
    return false()


def list_visible(
    session: Session, *, actor: Principal, status: str | None = None, limit: int = 200, offset: int = 0
) -> list[InsuranceApplication]:
    a = InsuranceApplication
    stmt = (
        select(a)
        .where(_visible(actor))
        .order_by(a.submitted_at.desc(), a.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if status:
        stmt = stmt.where(a.status == status)
    return list(session.scalars(stmt))


def get(session: Session, *, actor: Principal, reference: str) -> InsuranceApplication:
    a = InsuranceApplication
    found = session.scalar(select(a).where(a.reference == reference.strip().upper(), _visible(actor)))
    if found is None:
        raise _not_found(reference)
    return found


def loss_notices(session: Session, app: InsuranceApplication) -> list[LossNotice]:
    return list(
        session.scalars(select(LossNotice).where(LossNotice.application_id == app.id).order_by(LossNotice.id))
    )


def org_names(session: Session, ids: Sequence[int]) -> dict[int, Organisation]:
    if not ids:
        return {}
    return {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(sorted(set(ids)))))
    }


def insurers(session: Session) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.INSURER.value, Organisation.active.is_(True))
            .order_by(Organisation.code)
        )
    )


# --- the insurer's decision -----------------------------------------------------------------------


def _as_insurer(session: Session, actor: Principal, reference: str, step: str) -> InsuranceApplication:
    app = get(session, actor=actor, reference=reference)
    if actor.org_kind != OrgKind.INSURER or app.insurer_org_id != actor.org_id:
        raise Forbidden(N_("only the insurer the application is addressed to decides it"))
    if actor.is_person and actor.role == Role.VIEWER:
        raise Forbidden(N_("a viewer cannot do this"))
    if not domain.insurer_may(app.status, step):
        raise Conflict(
            N_("the application is %(status)s: it cannot be %(step)s now"),
            params={"status": app.status, "step": step},
            extra={"current_status": app.status},
        )
    return app


def issue(
    session: Session,
    *,
    actor: Principal,
    reference: str,
    policy_number: str,
    cover_usd: Sequence[Decimal | None],
    now: datetime,
) -> InsuranceApplication:
    """The insurer issues the policy: its number and the cover granted for each buyer (in the
    application's order; 0 or None: that buyer not covered). Audited."""
    app = _as_insurer(session, actor, reference, "issue")
    errors: list[FieldError] = []
    if not (policy_number or "").strip() or len(policy_number.strip()) > 40:
        errors.append(FieldError("/policy_number", N_("the policy number, up to 40 characters")))
    if len(cover_usd) != len(app.buyers):
        errors.append(FieldError("/cover_usd", N_("one amount per buyer, in the application's order")))
    elif not any(c for c in cover_usd):
        errors.append(FieldError("/cover_usd", N_("cover at least one buyer, or reject the application")))
    if any(c is not None and (c < 0 or c >= Decimal("1e15")) for c in cover_usd):
        errors.append(FieldError("/cover_usd", N_("an amount in US dollars, e.g. 1250000.00")))
    if errors:
        raise InvalidInput(N_("the policy is not valid"), errors=errors)
    buyers = [
        {**b, "cover_usd": str(Decimal(c).quantize(Decimal("0.01"))) if c else None}
        for b, c in zip(app.buyers, cover_usd, strict=True)
    ]
    app.buyers = buyers
    app.total_cover_usd = sum((Decimal(c) for c in cover_usd if c), Decimal("0")).quantize(Decimal("0.01"))
    app.policy_number = policy_number.strip()
    app.status, app.decided_at, app.decided_by, app.updated_at = Status.ISSUED.value, now, actor.label, now
    session.flush()
    return app


def reject(
    session: Session, *, actor: Principal, reference: str, reasons: Sequence[str], now: datetime
) -> InsuranceApplication:
    app = _as_insurer(session, actor, reference, "reject")
    kept = [r.strip() for r in reasons if r and r.strip()]
    if not kept:
        raise InvalidInput(
            N_("the decision is not valid"),
            errors=[FieldError("/reasons", N_("give the exporter at least one reason"))],
        )
    app.status, app.reasons = Status.REJECTED.value, kept
    app.decided_at, app.decided_by, app.updated_at = now, actor.label, now
    session.flush()
    return app


# --- loss notices (报损) ---------------------------------------------------------------------------


@dataclass
class LossFields:
    buyer: str
    amount_usd: Decimal | None
    due_date: date | None
    cause: str
    description: str


def notify_loss(
    session: Session, *, actor: Principal, reference: str, fields: LossFields, now: datetime
) -> LossNotice:
    """The exporter reports an overdue receivable or a default of a covered buyer; the insurer's
    system hears of it by the same signed webhook."""
    app = get(session, actor=actor, reference=reference)
    if actor.org_id != app.exporter_org_id:
        raise Forbidden(N_("only the insured exporter reports a loss"))
    if app.status != Status.ISSUED.value:
        raise Conflict(
            N_("a loss is reported against an issued policy"), extra={"current_status": app.status}
        )
    covered = {b["name"] for b in app.buyers if b.get("cover_usd")}
    errors: list[FieldError] = []
    if fields.buyer not in covered:
        errors.append(FieldError("/buyer", N_("one of the policy's covered buyers"), fields.buyer))
    if fields.amount_usd is None or fields.amount_usd <= 0:
        errors.append(FieldError("/amount_usd", N_("an amount in US dollars, e.g. 1250000.00")))
    if fields.due_date is None:
        errors.append(FieldError("/due_date", N_("the date the payment was due, e.g. 2026-10-31")))
    if fields.cause not in LOSS_CAUSES:
        errors.append(
            FieldError("/cause", N_("one of insolvency, default, refusal, political"), fields.cause)
        )
    if not fields.description.strip():
        errors.append(FieldError("/description", N_("this field is required")))
    if errors:
        raise InvalidInput(N_("the loss notice is not valid"), errors=errors)
    assert fields.amount_usd is not None and fields.due_date is not None
    notice = LossNotice(
        reference=f"LOSS{now.astimezone(CHINA_TZ):%Y%m%d}{secrets.token_hex(3).upper()}",
        application_id=app.id,
        exporter_org_id=app.exporter_org_id,
        buyer=fields.buyer,
        amount_usd=fields.amount_usd.quantize(Decimal("0.01")),
        due_date=fields.due_date,
        cause=fields.cause,
        description=fields.description.strip(),
        status="notified",
        notified_at=now,
        notified_by=actor.label,
    )
    session.add(notice)
    session.flush()
    _announce(session, app, LOSS_EVENT, now=now, loss_id=notice.id)
    return notice


# --- the commerce bureau's figures ----------------------------------------------------------------


@dataclass
class StatRow:
    city_code: str
    city: str
    month: str
    applications: int = 0
    ineligible: int = 0
    in_review: int = 0
    issued: int = 0
    rejected: int = 0
    cover_usd: Decimal = Decimal("0")


def may_see_statistics(actor: Principal) -> bool:
    return actor.kind == "system" or actor.org_kind in (
        OrgKind.COMMERCE_BUREAU,
        OrgKind.PORT_OFFICE,
        OrgKind.OPERATOR,
    )


def statistics(session: Session, *, actor: Principal) -> list[StatRow]:
    """Applications and cover issued by the exporter's city (its USCC's prefecture) and the Beijing
    month of submission: one grouped query (the month is cut in Python from the day's rows)."""
    if not may_see_statistics(actor):
        raise Forbidden(N_("the channel's figures are the commerce bureau's and the port office's"))
    a = InsuranceApplication
    stmt = select(a.city_code, a.submitted_at, a.status, a.total_cover_usd)
    if actor.org_kind == OrgKind.COMMERCE_BUREAU and actor.org_id is not None:
        org = partners_repo.get_org(session, actor.org_id)
        if org is not None and org.province:
            stmt = stmt.join(Organisation, Organisation.id == a.exporter_org_id).where(
                Organisation.province == org.province
            )
    rows: dict[tuple[str, str], StatRow] = {}
    for city, at, status, cover in session.execute(stmt):
        month = at.astimezone(CHINA_TZ).strftime("%Y-%m")
        row = rows.setdefault((month, city), StatRow(city, domain.city_name(city), month))
        row.applications += 1
        if status in (Status.INELIGIBLE, Status.IN_REVIEW, Status.ISSUED, Status.REJECTED):
            setattr(row, status, getattr(row, status) + 1)
        if status == Status.ISSUED and cover is not None:
            row.cover_usd += Decimal(cover)
    return sorted(rows.values(), key=lambda r: (r.month, r.city_code), reverse=False)


# --- the insurer's webhook ------------------------------------------------------------------------


def register_webhook(
    session: Session, *, actor: Principal, url: str, now: datetime
) -> tuple[InsurerWebhook, str]:
    """An insurer's administrator sets where Kouan posts; a new secret is made and returned once
    (registering again rotates it). Audited, the secret redacted."""
    if (
        actor.org_kind != OrgKind.INSURER
        or actor.org_id is None
        or not actor.is_person
        or actor.role != Role.ADMIN
    ):
        raise Forbidden(N_("an insurer's administrator sets its webhook"))
    url = (url or "").strip()
    if not re.match(r"^https?://[^\s/]+", url) or len(url) > 500:
        raise InvalidInput(
            N_("the webhook is not valid"),
            errors=[FieldError("/url", N_("an http:// or https:// address"), url)],
        )
    secret = webhook.new_secret()
    hook = session.scalar(select(InsurerWebhook).where(InsurerWebhook.org_id == actor.org_id))
    if hook is None:
        hook = InsurerWebhook(
            org_id=actor.org_id, url=url, secret=secret, active=True, created_at=now, created_by=actor.label
        )
        session.add(hook)
    else:
        hook.url, hook.secret, hook.active, hook.created_at, hook.created_by = (
            url,
            secret,
            True,
            now,
            actor.label,
        )
    session.flush()
    return hook, secret


def webhook_of(session: Session, org_id: int) -> InsurerWebhook | None:
    return session.scalar(select(InsurerWebhook).where(InsurerWebhook.org_id == org_id))


def notification(
    session: Session, app: InsuranceApplication, event: str, loss_id: int | None
) -> dict[str, Any]:
    """The webhook's body: enough to decide whether to fetch the application through the API."""
    names = org_names(session, [app.exporter_org_id])
    body: dict[str, Any] = {
        "event": event,
        "reference": app.reference,
        "status": app.status,
        "exporter": {"code": names[app.exporter_org_id].code, "name": app.company_name, "uscc": app.uscc},
        "prior_year": app.prior_year,
        "export_value_usd": str(app.export_value_usd),
        "product": app.product,
        "buyers": app.buyers,
        "submitted_at": app.submitted_at.isoformat(),
        "href": f"/api/v1/insurance/applications/{app.reference}",
    }
    if loss_id is not None:
        notice = session.get(LossNotice, loss_id)
        if notice is not None:
            body["loss_notice"] = {
                "reference": notice.reference,
                "buyer": notice.buyer,
                "amount_usd": str(notice.amount_usd),
                "due_date": notice.due_date.isoformat(),
                "cause": notice.cause,
            }
    return body


def deliver(
    session: Session, *, application_id: int, event: str, loss_id: int | None = None, now: datetime
) -> bool:
    """Post the signed notification to the insurer's webhook. Raises ``webhook.DeliveryFailed`` on
    anything but 2xx (the job is retried with backoff); False when the insurer has no webhook (it
    reads the API instead)."""
    app = session.get(InsuranceApplication, application_id)
    if app is None:
        return False
    hook = webhook_of(session, app.insurer_org_id)
    if hook is None or not hook.active:
        return False
    body = json.dumps(
        notification(session, app, event, loss_id), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()
    headers = {
        webhook.HEADER: webhook.sign(hook.secret, body, int(now.timestamp())),
        webhook.EVENT_HEADER: event,
        webhook.DELIVERY_HEADER: f"{app.reference}:{event}:{loss_id or 0}",
    }
    webhook.post(hook.url, body, headers)
    if event == SUBMITTED_EVENT:
        app.webhook_delivered_at = now
        session.flush()
    return True
