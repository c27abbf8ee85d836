"""DCSA push subscriptions: the carrier's notifications arrive signed, not with an API key."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.events import service as events_service
from kouan.events.formats import dcsa
from kouan.events.models import DcsaFeed
from kouan.kit.errors import N_, FieldError, Forbidden, InvalidInput, NotAuthenticated, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, can_manage_org, can_view_org


@dataclass(frozen=True)
class IssuedFeed:
    feed: DcsaFeed
    secret_b64: str  # shown once: the subscriber gives it to the carrier in the subscription


def create_feed(
    session: Session, *, actor: Principal, org_id: int, name: str, now: datetime,
    secret_b64: str | None = None, carrier_subscription_id: str | None = None,
) -> IssuedFeed:
    if partners_repo.get_org(session, org_id) is None or not can_view_org(actor, org_id):
        raise NotFound(N_("no organisation %(org_id)s"), params={"org_id": org_id})
    if not can_manage_org(actor, org_id):
        raise Forbidden(N_("only an administrator of this organisation sets up its DCSA feed"))
    errors = [] if name.strip() else [FieldError("/name", "name the carrier's subscription")]
    if secret_b64 is not None:
        try:
            if len(base64.b64decode(secret_b64, validate=True)) < 32:
                errors.append(FieldError("/secret", "the DCSA secret must be at least 32 bytes"))
        except (binascii.Error, ValueError):
            errors.append(FieldError("/secret", "the DCSA secret is base64 (format: byte)"))
    if errors:
        raise InvalidInput("the DCSA feed is not valid", errors=errors)
    secret = secret_b64 or base64.b64encode(secrets.token_bytes(32)).decode()
    feed = DcsaFeed(org_id=org_id, name=name.strip(), callback_token=secrets.token_urlsafe(24),
                    secret_b64=secret, carrier_subscription_id=carrier_subscription_id,
                    active=True, created_at=now, created_by=actor.label)
    session.add(feed)
    session.flush()
    return IssuedFeed(feed=feed, secret_b64=secret)


def list_feeds(session: Session, *, actor: Principal, org_id: int) -> list[DcsaFeed]:
    if not can_manage_org(actor, org_id):
        raise NotFound(N_("no organisation %(org_id)s"), params={"org_id": org_id})
    return list(session.scalars(select(DcsaFeed).where(DcsaFeed.org_id == org_id).order_by(DcsaFeed.id)))


def deactivate_feed(session: Session, *, actor: Principal, feed_id: int) -> DcsaFeed:
    feed = session.get(DcsaFeed, feed_id)
    if feed is None or not can_manage_org(actor, feed.org_id):
        raise NotFound(N_("no DCSA feed %(feed_id)s"), params={"feed_id": feed_id})
    feed.active = False
    session.flush()
    return feed


def _feed(session: Session, token: str) -> DcsaFeed:
    feed = session.scalar(select(DcsaFeed).where(DcsaFeed.callback_token == token))
    if feed is None or not feed.active:
        raise NotFound("no active DCSA feed at this callback address")
    return feed


def check_callback(session: Session, *, token: str) -> None:
    """A carrier checking the callback address (HEAD) learns only whether it exists."""
    _feed(session, token)


def receive(
    session: Session, *, token: str, body: bytes, signature: str | None,
    subscription_id: str | None, now: datetime,
) -> events_service.IngestReport:
    """Verify a pushed notification and store it as one batch from the feed's organisation."""
    feed = _feed(session, token)
    if not dcsa.verify_signature(body, signature, base64.b64decode(feed.secret_b64)):
        raise NotAuthenticated("the Notification-Signature does not match the body and secret")
    if feed.carrier_subscription_id and subscription_id != feed.carrier_subscription_id:
        raise NotAuthenticated("the Subscription-ID is not this feed's subscription")
    org = partners_repo.get_org(session, feed.org_id)
    assert org is not None
    actor = Principal(kind="dcsa-feed", id=feed.id, org_id=org.id, org_kind=OrgKind(org.kind),
                      name=f"{org.code}/{feed.name}", org_code=org.code)
    session.info["actor"] = actor
    feed.last_notified_at = now
    return events_service.ingest(session, source=org.code, org_id=org.id, data=body, fmt="dcsa",
                                 channel="dcsa-push", now=now, actor=actor.label)
