"""``GET /api/v1/gathering/{ref}``: the one-stop vessel-schedule and port-gathering view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kouan.gathering import service
from kouan.kit.clock import utcnow
from kouan.web.deps import DbSession, ReadPrincipal

router = APIRouter(prefix="/api/v1", tags=["vessel schedule and port gathering"])


class CallRead(BaseModel):
    transport_call: str
    port: str | None
    vessel: str | None
    voyage: str | None
    arrival: dict[str, datetime] = Field(description="EST / PLN / ACT")
    departure: dict[str, datetime] = Field(description="EST / PLN / ACT")
    cutoff: datetime | None = Field(None, description="集港截止, where a partner sent one")
    cutoff_source: str | None = None


class OneStopRead(BaseModel):
    ref: str
    whole: bool = Field(description="false: the caller sees only its own events; no box counts")
    bookings: list[str]
    bills_of_lading: list[str]
    declarations: list[str]
    calls: list[CallRead]
    containers: int | None
    containers_at_port: int | None
    declared_at: datetime | None
    declared_in_advance: bool | None
    prompt: str | None
    advance_rates: list[dict[str, Any]] | None = None
    seed_figure: dict[str, Any] = service.SEED_FIGURE


def to_read(v: service.OneStop, now: datetime) -> OneStopRead:
    return OneStopRead(
        ref=v.ref,
        whole=v.whole,
        bookings=v.bookings,
        bills_of_lading=v.bills,
        declarations=v.declarations,
        calls=[
            CallRead(
                transport_call=c.key,
                port=c.port,
                vessel=c.vessel,
                voyage=c.voyage,
                arrival=c.times.get("TRANSPORT_ARRIVED", {}),
                departure=c.times.get("TRANSPORT_DEPARTED", {}),
                cutoff=c.cutoff,
                cutoff_source=c.cutoff_source,
            )
            for c in v.calls
        ],
        containers=v.containers,
        containers_at_port=v.at_port,
        declared_at=v.declared_at,
        declared_in_advance=v.advance,
        prompt=v.prompt(now),
    )


@router.get("/gathering/{ref:path}", response_model=OneStopRead)
def one_stop(ref: str, request: Request, session: DbSession, principal: ReadPrincipal, rates: bool = False):
    """A booking's or B/L's vessel call (estimated, planned and actual times, cut-off), how many of
    its boxes have reached the port, and whether to declare in advance. ``?rates=true`` adds the
    call port's export advance-declaration rate by month (beside ``seed_figure``)."""
    now = utcnow()
    view = service.one_stop(session, actor=principal, ref=ref)
    out = to_read(view, now)
    if rates and view.port:
        out.advance_rates = service.advance_rates(session, port=view.port)
    return out
