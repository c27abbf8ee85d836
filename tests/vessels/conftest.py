"""Vessel-clearance fixtures: a carrier is the call's carrier once its own feed names the call."""

from __future__ import annotations

from tests.events.helpers import ev, jsonl

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def report_call(kouan, source: str, call: str, org_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """``source`` sends one estimated arrival of ``call`` from its own feed."""
    port = call.rsplit("/", 1)[-1]
    body = jsonl(ev(f"eta-{call}", "TRANSPORT_ARRIVED", classifier="EST", transport_call=call, port=port))
    with transaction(kouan.sessions, actor=system("tests")) as s:
        report = events_service.ingest(s, source=source, org_id=org_id, data=body, fmt="jsonl",
                                       channel="test", now=utcnow(), actor="tests")
    assert report.stored == 1, report
