"""`kouan declarations match-arrivals` releases an advance declaration once the vessel arrives."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.declarations.test_api import CALL, draft, officer
from tests.events.helpers import jsonl
from tests.factories import bearer, login, run_jobs

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

NDJSON = {"Content-Type": "application/x-ndjson"}


def push(client, world, *events):
    """Each fact from the partner entitled to state it (events.authority): what happens at Dalian
    from its terminal, the vessel's calls elsewhere from its carrier."""
    for key, mine in ((world.terminal.key, [e for e in events if e.get("port", "CNDAL") == "CNDAL"]),
                      (world.carrier.key, [e for e in events if e.get("port", "CNDAL") != "CNDAL"])):
        if mine:
            r = client.post("/api/v1/events", content=jsonl(*mine), headers={**bearer(key), **NDJSON})
            assert r.status_code == 200 and r.json()["stored"] == len(mine) and r.json()["claims"] == 0
            run_jobs(client.app.state.kouan)  # the batch's follow-ups, as the server's worker runs them


def test_an_advance_declaration_is_released_when_the_arrival_is_matched(client, world, kouan, tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    push(client, world, {"event_id": "dep", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                         "occurred_at": (now - timedelta(days=5)).isoformat(),
                         "refs": {"transport_call": "9321483/2211N/AUPHE"}})
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    number = client.post("/api/v1/declarations", json=draft(modes=["advance"]), headers=trader).json()["number"]
    assert client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader).json()["receipt"] == "L"
    client.post(f"/api/v1/declarations/{number}/actions/accept", headers=officer(client, world))
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    cmd = [sys.executable, "-m", "kouan.cli", "declarations", "match-arrivals"]
    before = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert before.returncode == 0 and "released 0" in before.stdout  # not arrived yet
    # The arrival reaches the store without the HTTP hook (which would match it by itself).
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, channel="test", now=utcnow(), actor="tests",
                              data=jsonl({"event_id": "arri", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                                          "occurred_at": now.isoformat(), "refs": {"transport_call": CALL}}))
    after = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert after.returncode == 0 and number in after.stdout, after.stderr
    assert client.get(f"/api/v1/declarations/{number}").json()["receipt"] == "P"
    with kouan.sessions() as s:
        last = s.scalars(select(Event).where(Event.source == "kouan").order_by(Event.id.desc())).first()
    assert last.milestone == "CUSTOMS_RELEASED" and last.attrs["release_kind"] == "formal"


def test_pushing_the_arrival_releases_the_advance_declaration_by_itself(client, world, kouan):
    now = datetime.now(UTC).replace(microsecond=0)
    push(client, world, {"event_id": "dep", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                         "occurred_at": (now - timedelta(days=5)).isoformat(),
                         "refs": {"transport_call": "9321483/2211N/AUPHE"}})
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    number = client.post("/api/v1/declarations", json=draft(modes=["advance"]), headers=trader).json()["number"]
    client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader)
    h = officer(client, world)
    assert client.post(f"/api/v1/declarations/{number}/actions/accept", headers=h).json()["receipt"] == "G"
    push(client, world, {"event_id": "arri", "milestone": "TRANSPORT_ARRIVED", "port": "CNDAL",
                         "occurred_at": now.isoformat(), "refs": {"transport_call": CALL}})
    assert client.get(f"/api/v1/declarations/{number}", headers=h).json()["receipt"] == "P"
