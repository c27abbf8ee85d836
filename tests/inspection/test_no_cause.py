"""无因不查: an inspection order that cites no rule hit, recorded draw or written officer reason is
refused on every path — the declaration action (API and page), the inspection API, the service,
the CLI — and nothing is written; with a cause it is ordered, emitted and audited."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select
from tests.declarations.test_api import officer
from tests.declarations.test_pages import as_user, press, refused_on_the_page
from tests.inspection.helpers import new_draft, person, step

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.declarations import service as decl_service
from kouan.events.models import Event
from kouan.inspection.models import InspectionOrder
from kouan.kit.clock import utcnow
from kouan.partners.domain import OrgKind, system

REASON = "manifest weight differs from the B/L by 8 % (舱单与提单重量不符)"


@pytest.fixture
def accepted(client, world, kouan) -> str:  # type: ignore[no-untyped-def]
    number = new_draft(client, world)
    assert step(kouan, person(world.trader_a, OrgKind.TRADER), number, "lodge") == "lodged"
    assert step(kouan, person(world.customs, OrgKind.CUSTOMS), number, "accept") == "accepted"
    return number


def _orders(kouan) -> list[InspectionOrder]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return list(s.scalars(select(InspectionOrder)))


def test_the_api_refuses_an_order_without_cause_and_takes_one_with_a_written_reason(client, world, kouan, accepted):
    h = officer(client, world)
    for body in (None, {"reason": ""}, {"reason": "see file"}):  # "see file" is no reason
        r = client.post(f"/api/v1/declarations/{accepted}/actions/order_inspection", json=body, headers=h)
        assert r.status_code == 409 and r.json()["code"] == "inspection_without_cause", r.text
        assert "order_inspection" in r.json()["allowed_actions"]
    r = client.post(f"/api/v1/declarations/{accepted}/inspections", json={}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "inspection_without_cause"
    assert _orders(kouan) == []
    r = client.post(f"/api/v1/declarations/{accepted}/inspections", json={"reason": REASON, "method": "lab"},
                    headers=h)
    assert r.status_code == 201, r.text
    assert (r.json()["cause"], r.json()["officer_reason"], r.json()["method"]) == (["officer"], REASON, "lab")
    assert client.get(f"/api/v1/declarations/{accepted}", headers=h).json()["status"] == "inspection"
    with kouan.sessions() as s:
        ordered = s.scalars(select(Event).where(Event.milestone == "INSPECTION_ORDERED")).one()
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "inspection_order")).all()
    assert ordered.attrs["cause"] == ["officer"] and len(audited) == 1


def test_the_page_refuses_an_order_without_cause_and_shows_why(client, world, kouan, accepted):
    as_user(client, world.customs.admin)
    page = refused_on_the_page(client, accepted, "order_inspection")
    assert "无因不查" in page and _orders(kouan) == []
    client.cookies.set("kouan_lang", "en")
    assert "no inspection without cause" in refused_on_the_page(client, accepted, "order_inspection", reason="x")
    assert press(client, accepted, "order_inspection", reason=REASON, method="physical").status_code == 303
    (o,) = _orders(kouan)
    assert o.cause == ["officer"] and o.officer_reason == REASON and o.method == "physical"


def test_the_service_refuses_an_order_without_cause_whoever_orders_it(world, kouan, accepted):
    for actor in (person(world.customs, OrgKind.CUSTOMS), system("import")):
        with transaction(kouan.sessions, actor=actor) as s:
            with pytest.raises(decl_service.IllegalTransitionError) as exc:
                decl_service.act(s, actor=actor, number=accepted, action="order_inspection", now=utcnow())
            assert exc.value.extra["code"] == "inspection_without_cause"
            with pytest.raises(decl_service.IllegalTransitionError):
                decl_service.act(s, actor=actor, number=accepted, action="order_inspection", now=utcnow(),
                                 reason="   short   ")
    assert _orders(kouan) == []
    assert step(kouan, system("import"), accepted, "order_inspection", reason=REASON) == "inspection"


def test_the_cli_refuses_an_order_without_cause(kouan, accepted, tmp_path):
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path))
    cmd = [sys.executable, "-m", "kouan.cli", "inspection", "order", accepted]
    refused = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "inspection_without_cause" in refused.stdout, refused.stdout + refused.stderr
    ordered = subprocess.run([*cmd, "--reason", REASON], env=env, capture_output=True, text=True, timeout=120)
    assert ordered.returncode == 0, ordered.stdout + ordered.stderr
    (o,) = _orders(kouan)
    assert o.officer_reason == REASON and "cli:inspection" in o.ordered_by
