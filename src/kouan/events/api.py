"""/api/v1/events: partners push events; the source is always the caller's organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from kouan.events import docking, service
from kouan.events import repository as repo
from kouan.events.schemas import (
    DockingStatusRead,
    IngestSummary,
    QuarantinedDetail,
    QuarantinedRead,
    RetrySummary,
)
from kouan.kit.clock import utcnow
from kouan.kit.errors import Forbidden, KouanError, NotFound
from kouan.partners.domain import Principal, can_send_events, sees_all_organisations
from kouan.web.deps import CurrentPrincipal, DbSession, PersonPrincipal

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


def _ingest(session, principal: Principal, body: bytes, fmt: str) -> IngestSummary:  # type: ignore[no-untyped-def]
    report = service.ingest(session, source=principal.org_code or "", org_id=principal.org_id,
                            data=body, fmt=fmt, channel="http", now=utcnow(), actor=principal.label)
    return IngestSummary(**report.as_dict())


def _content(*types: str) -> dict:
    return {"requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}}
                                                          for t in types}}}


@router.post("/events", response_model=IngestSummary,
             openapi_extra=_content("application/json", "application/x-ndjson", "text/csv"))
def post_events(request: Request, body: Body, session: DbSession, principal: Sender) -> IngestSummary:
    """Canonical events as a JSON array, JSON Lines (`application/x-ndjson`) or CSV (`text/csv`).
    Bad lines are quarantined with their reason; the good ones beside them are stored."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = {"application/x-ndjson": "jsonl", "application/jsonl": "jsonl", "text/csv": "csv",
           "application/json": "json"}.get(ctype, "auto")
    return _ingest(session, principal, body, fmt)


@router.post("/events/dcsa", response_model=IngestSummary, openapi_extra=_content("application/json"))
def post_dcsa_events(body: Body, session: DbSession, principal: Sender) -> IngestSummary:
    """A DCSA Track & Trace 2.2 event list, as returned by the carrier's `GET /v2/events`."""
    return _ingest(session, principal, body, "dcsa")


@router.post("/events/edifact", response_model=IngestSummary,
             openapi_extra=_content("application/edifact", "text/plain"))
def post_edifact(body: Body, session: DbSession, principal: Sender) -> IngestSummary:
    """A raw UN/EDIFACT interchange (CODECO, COARRI, IFTSTA, CUSCAR, CUSRES, BERMAN)."""
    return _ingest(session, principal, body, "edifact")


def _visible_source(principal: Principal) -> str | None:
    return None if sees_all_organisations(principal) else (principal.org_code or "\x00")


@router.get("/quarantine", response_model=list[QuarantinedRead], tags=["quarantine"])
def list_quarantine(
    session: DbSession, principal: CurrentPrincipal,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = "open",
    source: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
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
def get_quarantined(qid: int, session: DbSession, principal: CurrentPrincipal):
    return _get_visible(session, principal, qid)


@router.post("/quarantine/{qid}/retry", response_model=RetrySummary, tags=["quarantine"])
def retry_quarantined(qid: int, session: DbSession, principal: PersonPrincipal):
    """Parse the message again, e.g. after a mapping fix; what parses now is stored."""
    msg = _get_visible(session, principal, qid)
    report = service.retry_quarantined(session, [msg], actor=principal.label, now=utcnow())
    return RetrySummary(**report.__dict__)


@router.get("/docking", response_model=list[DockingStatusRead], tags=["docking"])
def docking_status(session: DbSession, principal: CurrentPrincipal):
    """Partner docking status: every partner's feed for the port office, one's own otherwise."""
    return docking.statuses(session, actor=principal, now=utcnow())
