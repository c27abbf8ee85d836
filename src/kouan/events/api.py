"""/api/v1/events: partners push events; the source is always the caller's organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request, Response

from kouan.events import docking, feeds, service
from kouan.events import repository as repo
from kouan.events.schemas import (
    DcsaFeedCreate,
    DcsaFeedIssued,
    DcsaFeedRead,
    DockingStatusRead,
    IngestSummary,
    QuarantinedDetail,
    QuarantinedRead,
    RetrySummary,
)
from kouan.jobs.worker import wake
from kouan.kit.clock import utcnow
from kouan.kit.errors import Forbidden, KouanError, NotFound
from kouan.partners.domain import Principal, can_send_events, sees_all_organisations
from kouan.web.deps import CurrentPrincipal, DbSession, PersonPrincipal
from kouan.web.inputs import Id, Offset

router = APIRouter(prefix="/api/v1", tags=["events"])

MAX_BODY = 64 * 1024 * 1024


class PayloadTooLarge(KouanError):
    status = 413
    type = "/problems/payload-too-large"
    title = "Payload too large"


async def raw_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PayloadTooLarge(f"send at most {MAX_BODY // (1024 * 1024)} MiB per batch")
    return body


def sender(principal: CurrentPrincipal) -> Principal:
    if not can_send_events(principal):
        raise Forbidden("this credential may not send events (needs an API key with events:write)")
    return principal


Body = Annotated[bytes, Depends(raw_body)]
Sender = Annotated[Principal, Depends(sender)]


def _ingest(session, principal: Principal, body: bytes, fmt: str,  # type: ignore[no-untyped-def]
            background: BackgroundTasks, request: Request) -> IngestSummary:
    report = service.ingest(session, source=principal.org_code or "", org_id=principal.org_id,
                            data=body, fmt=fmt, channel="http", now=utcnow(), actor=principal.label)
    _after_ingest(report, background, request)
    return IngestSummary(**report.as_dict())


def _after_ingest(report: service.IngestReport, background: BackgroundTasks, request: Request) -> None:
    """The batch's follow-ups (case refresh, arrival match) are a job committed with it
    (``service.enqueue_committed``): once the response is sent, wake the in-process worker."""
    if report.stored or report.updated:
        background.add_task(wake, request.app)


# Any bytes are a valid batch: what does not parse is quarantined with its reason and answered in the
# summary (200), never refused, so the body's schema is "anything" (schemathesis took a number sent as
# JSON for a schema violation the route should refuse).
_ANY_BYTES = {"description": "the message as the partner's system wrote it"}


def _content(*types: str) -> dict:
    return {"requestBody": {"required": True, "content": {t: {"schema": _ANY_BYTES} for t in types}}}


@router.post("/events", response_model=IngestSummary,
             openapi_extra=_content("application/json", "application/x-ndjson", "text/csv"))
def post_events(request: Request, body: Body, session: DbSession, principal: Sender,
                background: BackgroundTasks) -> IngestSummary:
    """Canonical events as a JSON array, JSON Lines (`application/x-ndjson`) or CSV (`text/csv`).
    Bad lines are quarantined with their reason; the good ones beside them are stored."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = {"application/x-ndjson": "jsonl", "application/jsonl": "jsonl", "text/csv": "csv",
           "application/json": "json"}.get(ctype, "auto")
    return _ingest(session, principal, body, fmt, background, request)


@router.post("/events/dcsa", response_model=IngestSummary, openapi_extra=_content("application/json"))
def post_dcsa_events(request: Request, body: Body, session: DbSession, principal: Sender,
                     background: BackgroundTasks) -> IngestSummary:
    """A DCSA Track & Trace 2.2 event list, as returned by the carrier's `GET /v2/events`."""
    return _ingest(session, principal, body, "dcsa", background, request)


@router.post("/events/edifact", response_model=IngestSummary,
             openapi_extra=_content("application/edifact", "text/plain"))
def post_edifact(request: Request, body: Body, session: DbSession, principal: Sender,
                 background: BackgroundTasks) -> IngestSummary:
    """A raw UN/EDIFACT interchange (CODECO, COARRI, IFTSTA, CUSCAR, CUSRES, BERMAN, BAPLIE)."""
    return _ingest(session, principal, body, "edifact", background, request)


def _visible_source(principal: Principal) -> str | None:
    return None if sees_all_organisations(principal) else (principal.org_code or "\x00")


@router.get("/quarantine", response_model=list[QuarantinedRead], tags=["quarantine"])
def list_quarantine(
    session: DbSession, principal: CurrentPrincipal,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = "open",
    source: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
):
    """Messages that could not be stored: one's own, or every partner's for the port office."""
    own = _visible_source(principal)
    return repo.list_quarantined(session, source=own or source, status=status, limit=limit,
                                 offset=offset)


def _get_visible(session, principal: Principal, qid: int):  # type: ignore[no-untyped-def]
    msg = repo.get_quarantined(session, qid)
    own = _visible_source(principal)
    if msg is None or (own is not None and msg.source != own):
        raise NotFound(f"no quarantined message {qid}")
    return msg


@router.get("/quarantine/{qid}", response_model=QuarantinedDetail, tags=["quarantine"])
def get_quarantined(qid: Id, session: DbSession, principal: CurrentPrincipal):
    return _get_visible(session, principal, qid)


@router.post("/quarantine/{qid}/retry", response_model=RetrySummary, tags=["quarantine"])
def retry_quarantined(qid: Id, session: DbSession, principal: PersonPrincipal):
    """Parse the message again, e.g. after a mapping fix; what parses now is stored."""
    msg = _get_visible(session, principal, qid)
    report = service.retry_quarantined(session, [msg], actor=principal.label, now=utcnow())
    return RetrySummary(**report.__dict__)


@router.get("/docking", response_model=list[DockingStatusRead], tags=["docking"])
def docking_status(session: DbSession, principal: CurrentPrincipal):
    """Partner docking status: every partner's feed for the port office, one's own otherwise."""
    return docking.statuses(session, actor=principal, now=utcnow())


def _feed_read(feed) -> DcsaFeedRead:  # type: ignore[no-untyped-def]
    return DcsaFeedRead(id=feed.id, org_id=feed.org_id, name=feed.name,
                        callback_path=f"/api/v1/dcsa/callbacks/{feed.callback_token}",
                        carrier_subscription_id=feed.carrier_subscription_id, active=feed.active,
                        created_at=feed.created_at, last_notified_at=feed.last_notified_at)


@router.post("/organisations/{org_id}/dcsa-feeds", response_model=DcsaFeedIssued, status_code=201,
             tags=["dcsa"])
def create_dcsa_feed(org_id: Id, body: DcsaFeedCreate, session: DbSession, principal: PersonPrincipal):
    """Set up a DCSA Track & Trace push subscription: register the returned callback address and
    secret with the carrier (`POST /v2/event-subscriptions`)."""
    issued = feeds.create_feed(session, actor=principal, org_id=org_id, name=body.name, now=utcnow(),
                               secret_b64=body.secret,
                               carrier_subscription_id=body.carrier_subscription_id)
    return DcsaFeedIssued(**_feed_read(issued.feed).model_dump(), secret=issued.secret_b64)


@router.get("/organisations/{org_id}/dcsa-feeds", response_model=list[DcsaFeedRead], tags=["dcsa"])
def list_dcsa_feeds(org_id: Id, session: DbSession, principal: PersonPrincipal):
    return [_feed_read(f) for f in feeds.list_feeds(session, actor=principal, org_id=org_id)]


@router.post("/dcsa-feeds/{feed_id}/deactivate", response_model=DcsaFeedRead, tags=["dcsa"])
def deactivate_dcsa_feed(feed_id: Id, session: DbSession, principal: PersonPrincipal):
    return _feed_read(feeds.deactivate_feed(session, actor=principal, feed_id=feed_id))


@router.post("/dcsa/callbacks/{token}", status_code=204, tags=["dcsa"],
             openapi_extra=_content("application/json"))
def dcsa_callback(
    token: str, body: Body, session: DbSession, request: Request, background: BackgroundTasks,
    notification_signature: Annotated[str | None, Header()] = None,
    subscription_id: Annotated[str | None, Header()] = None,
) -> Response:
    """The carrier's push (DCSA T&T 2.2 callback): an event array signed with
    `Notification-Signature: sha256=<HMAC of the raw body>`. Answers 204 once stored."""
    report = feeds.receive(session, token=token, body=body, signature=notification_signature,
                           subscription_id=subscription_id, now=utcnow())
    _after_ingest(report, background, request)
    return Response(status_code=204)


@router.head("/dcsa/callbacks/{token}", status_code=204, tags=["dcsa"])
def dcsa_callback_check(token: str, session: DbSession) -> Response:
    feeds.check_callback(session, token=token)
    return Response(status_code=204)
