"""Declarations for the inspection tests: drafted over the API, stepped by the service at chosen
times (so that clearance clocks see hours, not seconds)."""

from __future__ import annotations

from datetime import datetime

from tests.declarations.test_api import draft
from tests.events.helpers import jsonl
from tests.factories import Org, login

from kouan.db.session import transaction
from kouan.declarations import service as decl_service
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.kit.clock import utcnow
from kouan.partners.domain import OrgKind, Principal, Role, system

CALL = "9321483/2211N/CNDAL"


def person(org: Org, kind: OrgKind) -> Principal:
    return Principal(kind="person", id=org.admin_id, org_id=org.id, org_kind=kind, role=Role.ADMIN,
                     name=org.admin, org_code=org.code)


def item(hs: str, origin: str = "AU", value: str = "1000000") -> dict:
    return {"hs_code": hs, "description": "货物", "quantity": "1000", "unit": "TNE", "value": value, "origin": origin}


def new_draft(client, world, **kw) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    r = client.post("/api/v1/declarations", json=draft(**kw), headers=h)
    assert r.status_code == 201, r.text
    return r.json()["number"]


def step(kouan, actor: Principal, number: str, action: str, at: datetime | None = None, **kw):  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=actor) as s:
        return decl_service.act(s, actor=actor, number=number, action=action, now=at or utcnow(), **kw).status


def vessel_entry(kouan, at: datetime) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="COSCO", org_id=None, sender=KOUAN, channel="test", now=at, actor="tests",
                              data=jsonl({"event_id": "entry", "milestone": "TRANSPORT_ENTRY_DECLARED",
                                          "port": "CNDAL", "occurred_at": at.isoformat(),
                                          "refs": {"transport_call": CALL}}))
