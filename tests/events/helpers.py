"""Build canonical JSON Lines for ingestion tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

BASE = datetime.fromisoformat("2022-03-01T08:00:00+08:00")


def ev(event_id: str, milestone: str, hours: float = 0, **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"event_id": event_id, "milestone": milestone,
                         "occurred_at": (BASE + timedelta(hours=hours)).isoformat()}
    refs = {k: kw.pop(k) for k in ("declaration", "bill_of_lading", "container", "transport_call",
                                   "booking") if k in kw}
    if refs:
        e["refs"] = refs
    e.update(kw)
    return e


def jsonl(*events: dict[str, Any] | str) -> bytes:
    return "\n".join(e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)
                     for e in events).encode() + b"\n"


CALL = "9321483/2103N/CNDAL"
DECL = "090020221000012345"


def shipment() -> list[dict[str, Any]]:
    """One import: vessel entry and arrival, manifest (B/L ↔ call ↔ containers), discharge,
    declaration, release and gate-out — as three different partners would report it."""
    return [
        ev("call-entry", "TRANSPORT_ENTRY_DECLARED", -2, transport_call=CALL, port="CNDAL"),
        ev("call-arri", "TRANSPORT_ARRIVED", 0, transport_call=CALL, port="CNDAL"),
        ev("mf-1", "MANIFEST_FILED", -30, bill_of_lading="COSU6300000001", transport_call=CALL,
           container=["CSQU3054383", "MSKU9070323"], port="CNDAL", direction="I"),
        ev("disc-1", "DISCHARGED", 3, container="CSQU3054383", transport_call=CALL, port="CNDAL"),
        ev("disc-2", "DISCHARGED", 4, container="MSKU9070323", transport_call=CALL, port="CNDAL"),
        ev("decl-1", "DECLARATION_LODGED", 5, declaration=DECL, bill_of_lading="COSU6300000001"),
        ev("rel-1", "CUSTOMS_RELEASED", 20, declaration=DECL),
        ev("gto-1", "GATE_OUT", 26, container="CSQU3054383", port="CNDAL"),
    ]


# Who states each of ``shipment()``'s facts (events.authority): the carrier its vessel's call and
# manifest, the declarant its lodgement, Dalian customs the release, the terminal the rest.
STATED_BY = {"TRANSPORT_ENTRY_DECLARED": "carrier", "MANIFEST_FILED": "carrier",
             "DECLARATION_LODGED": "trader_a", "CUSTOMS_RELEASED": "customs"}


def by_sender(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The events grouped by the persona (a ``tests.factories.World`` attribute) entitled to them."""
    out: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        out.setdefault(STATED_BY.get(e["milestone"], "terminal"), []).append(e)
    return out
