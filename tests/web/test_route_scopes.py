"""Scopes are enforced on every route from the policy table (issue #12, finding 4): an
``events:write``-only key reads nothing, a ``read``-only key changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.factories import bearer

from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system
from kouan.web import policy


def _key(kouan, org_id: int, *scopes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        issued = partners_service.create_api_key(s, actor=system("tests"), org_id=org_id, name="k",
                                                 scopes=list(scopes), now=utcnow())
    return bearer(issued.secret)


READS = ["/api/v1/declarations", "/api/v1/declarations/090020221000000001", "/api/v1/appointments",
         "/api/v1/appointments/APT1", "/api/v1/quarantine", "/api/v1/quarantine/1", "/api/v1/docking",
         "/api/v1/vessel-clearances", "/api/v1/consignments/COSU6300000077", "/api/v1/organisations",
         "/api/v1/dashboard/docking", "/api/v1/kpi"]


@pytest.mark.parametrize("path", READS)
def test_an_events_write_only_key_reads_nothing(client, kouan, world, path):
    r = client.get(path, headers=_key(kouan, world.terminal.id, "events:write"))
    assert r.status_code == 403 and r.json()["code"] == "route_policy", r.text
    assert "'read'" in r.json()["detail"]


def test_a_read_only_key_opens_no_vessel_clearance_and_runs_no_arrival_match(client, kouan, world):
    reader = _key(kouan, world.customs.id, "read")
    for path, body in (("/api/v1/vessel-clearances", {"transport_call": "9321483/2301N/CNDAL", "port": "CNDAL"}),
                       ("/api/v1/declarations/match-arrivals", None),
                       ("/api/v1/declarations", {})):
        r = client.post(path, json=body, headers=reader)
        assert r.status_code == 403 and r.json()["code"] == "route_policy", (path, r.text)
    writer = _key(kouan, world.customs.id, "declarations:write")
    assert client.post("/api/v1/declarations/match-arrivals", headers=writer).status_code == 200


def test_lodging_needs_declarations_write_and_sending_needs_events_write(client, kouan, world):
    reader = _key(kouan, world.trader_a.id, "read")
    assert client.post("/api/v1/declarations", json={}, headers=reader).status_code == 403
    lodger = _key(kouan, world.trader_a.id, "declarations:write")
    assert client.post("/api/v1/declarations", json={}, headers=lodger).status_code == 422  # past the gate
    assert client.post("/api/v1/events", content=b"", headers=lodger).status_code == 403
    assert client.get("/api/v1/me", headers=lodger).json()["scopes"] == ["declarations:write"]


def test_a_key_is_refused_where_only_people_act(client, kouan, world):
    # A trader's key may hold every scope (a port office's only reads): still no person.
    key = _key(kouan, world.trader_a.id, "read", "events:write", "declarations:write")
    for method, path in (("GET", "/api/v1/audit"), ("POST", f"/api/v1/organisations/{world.trader_a.id}/api-keys"),
                         ("PATCH", f"/api/v1/organisations/{world.trader_a.id}"), ("POST", "/api/v1/organisations")):
        r = client.request(method, path, json={}, headers=key)
        assert r.status_code == 403 and r.json()["code"] == "route_policy", (method, path)


def test_every_api_route_that_reads_organisations_data_asks_for_the_read_scope():
    for (method, path), rule in policy.ROUTES.items():
        if method == "GET" and path.startswith("/api/") and not rule.public and rule.scopes:
            assert policy.Scope.READ in rule.scopes, path


def test_the_readmes_route_table_is_generated_from_the_policy():
    table = policy.as_markdown()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert table in readme, "README's route table is stale: paste `python -m kouan.web.policy` into it"
    assert all(f"`{method} {path}`" in table for method, path in policy.ROUTES)
    assert "| `POST /api/v1/vessel-clearances` | operator, port_office, shipping_line (admin, staff) | " \
           "`declarations:write` (shipping_line) |" in table
