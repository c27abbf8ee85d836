"""The desk through its API and pages: an enterprise logs a ticket, the port office dispatches it,
the unit acknowledges and resolves, the enterprise reopens; who sees what; zh/en pages."""

from __future__ import annotations

from sqlalchemy import select
from tests.factories import bearer, login

from kouan.audit.models import AuditEntry

TICKET = {"category": "inspection", "subject": "查验等待超过 24 小时", "body": "box waits for inspection",
          "refs": ["csqu3054383", "COSU6300000077"], "port": "CNDAL"}


def as_person(client, username):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    return {"X-CSRF-Token": login(client, username)}


def test_a_ticket_goes_from_logged_to_resolved_and_reopened(client, world, kouan):
    trader = as_person(client, world.trader_a.admin)
    r = client.post("/api/v1/desk/tickets", json=TICKET, headers=trader)
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["status"] == "open" and t["refs"] == ["COSU6300000077", "CSQU3054383"] and t["response_hours"] == 24
    tid = t["id"]
    assert client.post(f"/api/v1/desk/tickets/{tid}/actions/dispatch", json={"unit": "DLCUS"},
                       headers=trader).status_code == 403
    desk = as_person(client, world.port_office.staff)
    bad = client.post(f"/api/v1/desk/tickets/{tid}/actions/dispatch", json={"unit": "TRADERB"}, headers=desk)
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/unit"
    sent = client.post(f"/api/v1/desk/tickets/{tid}/actions/dispatch", json={"unit": "DLCUS"}, headers=desk)
    assert sent.status_code == 200 and sent.json()["unit"] == "DLCUS" and sent.json()["status"] == "dispatched"
    terminal = as_person(client, world.terminal.admin)
    assert client.get(f"/api/v1/desk/tickets/{tid}", headers=terminal).status_code == 404
    unit = as_person(client, world.customs.staff)
    assert client.post(f"/api/v1/desk/tickets/{tid}/actions/acknowledge", headers=unit).json()["status"] == "acknowledged"
    no_answer = client.post(f"/api/v1/desk/tickets/{tid}/actions/resolve", json={}, headers=unit)
    assert no_answer.status_code == 422
    done = client.post(f"/api/v1/desk/tickets/{tid}/actions/resolve", json={"note": "inspected and released"},
                       headers=unit)
    assert done.status_code == 200 and done.json()["answer"] == "inspected and released"
    again = client.post(f"/api/v1/desk/tickets/{tid}/actions/acknowledge", headers=unit)
    assert again.status_code == 409 and again.json()["code"] == "ticket_step_not_allowed"
    trader = as_person(client, world.trader_a.admin)
    reopened = client.post(f"/api/v1/desk/tickets/{tid}/actions/reopen", json={"note": "still held"}, headers=trader)
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    steps = [s["action"] for s in reopened.json()["steps"]]
    assert steps == ["created", "dispatch", "acknowledge", "resolve", "reopen"]
    with kouan.sessions() as s:
        audited = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.entity == "desk_ticket")
                                               .order_by(AuditEntry.id))]
    assert audited == ["desk_ticket.create"] + ["desk_ticket.update"] * 4


def test_an_enterprise_sees_only_its_own_tickets(client, world):
    a = as_person(client, world.trader_a.admin)
    tid = client.post("/api/v1/desk/tickets", json=TICKET, headers=a).json()["id"]
    b = as_person(client, world.trader_b.admin)
    assert client.get(f"/api/v1/desk/tickets/{tid}", headers=b).status_code == 404
    assert client.get("/api/v1/desk/tickets", headers=b).json() == []
    assert client.post(f"/api/v1/desk/tickets/{tid}/actions/close", headers=b).status_code == 404
    assert client.get("/api/v1/desk/tickets", headers=bearer(world.trader_a.key)).json()[0]["id"] == tid
    assert client.get("/api/v1/desk/tickets", headers=bearer(world.customs.key)).json() == []  # not dispatched
    assert client.get("/api/v1/desk/sla-report?from=2026-01-01&to=2026-12-31", headers=b).status_code == 403
    po = as_person(client, world.port_office.admin)
    assert client.get("/api/v1/desk/sla-report?from=2026-01-01&to=2026-12-31", headers=po).status_code == 200


def test_the_port_office_sets_a_categorys_clocks(client, world):
    trader = as_person(client, world.trader_a.admin)
    assert client.put("/api/v1/desk/sla/fees", json={"response_hours": 2, "resolution_hours": 8},
                      headers=trader).status_code == 403
    po = as_person(client, world.port_office.admin)
    r = client.put("/api/v1/desk/sla/fees", json={"response_hours": 2, "resolution_hours": 8}, headers=po)
    assert r.status_code == 200 and r.json() == {"category": "fees", "response_hours": 2, "resolution_hours": 8}
    assert client.put("/api/v1/desk/sla/fees", json={"response_hours": 9, "resolution_hours": 8},
                      headers=po).status_code == 422
    trader = as_person(client, world.trader_a.admin)
    t = client.post("/api/v1/desk/tickets", json={**TICKET, "category": "fees"}, headers=trader).json()
    assert (t["response_hours"], t["resolution_hours"]) == (2, 8)


def test_the_desk_pages_in_chinese_and_english(client, world):
    token = login(client, world.trader_a.admin)
    page = client.get("/desk")
    assert page.status_code == 200 and "24 小时通关快速反应" in page.text and "反映问题" in page.text
    r = client.post("/desk", data={"csrf_token": token, "category": "delay", "subject": "gate", "body": "late",
                                   "refs": "CSQU3054383", "port": "CNDAL"}, follow_redirects=False)
    assert r.status_code == 303
    detail = client.get(r.headers["location"] + "?lang=en")
    assert "CSQU3054383" in detail.text and "Respond by" in detail.text and "open" in detail.text
    bad = client.post("/desk", data={"csrf_token": token, "category": "x", "subject": "s", "body": "b"})
    assert bad.status_code == 422 and "unknown category" in bad.text
    client.cookies.clear()
    token = login(client, world.port_office.staff)
    tid = r.headers["location"].rsplit("/", 1)[1]
    sent = client.post(f"/desk/{tid}/actions/dispatch", data={"csrf_token": token, "unit": "DLCUS"},
                       follow_redirects=False)
    assert sent.status_code == 303
    assert "已分派" in client.get(f"/desk/{tid}?lang=zh_CN").text
    assert client.get("/desk/report").status_code == 200
    client.cookies.clear()
    login(client, world.trader_b.admin)
    assert client.get(f"/desk/{tid}").status_code == 404
    assert client.get("/desk/report").status_code == 403
