"""The export-credit-insurance channel (issue #17 part 3), on SQLite and PostgreSQL: an exporter
applies, the commerce bureau's rule decides eligibility, the insurer decides through its API key,
Kouan tells the insurer's system by a signed webhook delivered by the job queue (received here by a
real HTTP server, retried after a failure), the exporter reports a loss, the bureau reads figures."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from tests.factories import _org, bearer, login, valid_uscc

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.insurance import webhook
from kouan.insurance.models import InsuranceApplication, InsurerWebhook
from kouan.jobs import service as jobs_service
from kouan.jobs.models import Job
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system

NOW = datetime.now(UTC)


class Receiver:
    """A real local HTTP server standing in for the insurer's system: answers the scripted statuses
    in turn (then 200) and keeps every request it got."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:  # type: ignore[no-untyped-def]
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kouan/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = Receiver([500])
    yield r
    r.close()


@pytest.fixture
def eci(kouan, world):  # type: ignore[no-untyped-def]
    """An insurer (with an ``insurance:write`` key), a second insurer, a commerce bureau, and an
    ``insurance:write`` key for trader A."""
    with transaction(kouan.sessions, actor=system("tests")) as s:
        insurer = _org(s, "SINOSURE", "中国信保辽宁分公司", "insurer", uscc=valid_uscc(7, "210100"))
        other = _org(s, "PICC", "人保财险", "insurer", uscc=valid_uscc(8, "210100"))
        bureau = _org(s, "LNCOM", "辽宁省商务厅", "commerce_bureau")
        keys = {}
        for name, org, scopes in (("insurer", insurer, ["insurance:write", "read"]),
                                  ("insurer_read", insurer, ["read"]),
                                  ("other", other, ["insurance:write", "read"]),
                                  ("trader", world.trader_a, ["insurance:write", "read"])):
            keys[name] = partners_service.create_api_key(s, actor=system("tests"), org_id=org.id, name=name,
                                                         scopes=scopes, now=utcnow()).secret
    return {"insurer": insurer, "other": other, "bureau": bureau, "keys": keys}


def application(**over):  # type: ignore[no-untyped-def]
    body = {"insurer": "SINOSURE", "contact_name": "陈经理", "contact_phone": "0411-8888 6666",
            "export_value_usd": "1250000.00", "product": "海参罐头 canned sea cucumber",
            "buyers": [{"name": "Tanaka Trading", "country": "JP", "payment_terms": "OA", "credit_days": 90,
                        "requested_usd": "150000"},
                       {"name": "Busan Foods", "country": "KR", "payment_terms": "DA", "credit_days": 60}],
            "consent": True}
    return {**body, **over}


def set_webhook(client, world_org, url: str) -> str:  # type: ignore[no-untyped-def]
    csrf = login(client, world_org.admin)
    r = client.post("/api/v1/insurance/webhook", json={"url": url}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return r.json()["secret"]


def drain(kouan):  # type: ignore[no-untyped-def]
    return jobs_service.drain(kouan.sessions, policy=jobs_service.Policy(backoff_seconds=0))


def test_an_application_goes_from_submitted_to_issued_with_the_insurer_acting_only_through_its_api_key(
        client, kouan, world, eci, receiver):
    secret = set_webhook(client, eci["insurer"], receiver.url)
    r = client.post("/api/v1/insurance/applications", json=application(), headers=bearer(eci["keys"]["trader"]))
    assert r.status_code == 201, r.text
    app = r.json()
    ref = app["reference"]
    assert app["status"] == "in_review" and app["city_code"] == "210200"
    assert all(c["passed"] for c in app["eligibility"])

    # Kouan tells the insurer's system: the first delivery fails (500), the job retries and succeeds.
    outcomes = drain(kouan)
    assert [o.status for o in outcomes] == ["queued", "done"]
    assert len(receiver.got) == 2
    now = int(time.time())
    for headers, body in receiver.got:
        assert headers["kouan-event"] == "application.submitted"
        assert webhook.verify(secret, body, headers["kouan-signature"], now=now)
        assert not webhook.verify(secret, body + b" ", headers["kouan-signature"], now=now)
        assert not webhook.verify("whsec_wrong", body, headers["kouan-signature"], now=now)
        assert json.loads(body)["reference"] == ref
    with kouan.sessions() as s:
        job = s.scalar(select(Job).where(Job.kind == "insurance.webhook"))
        assert job.status == "done" and job.attempts == 2 and "HTTP 500" in (job.last_error or "")
        assert secret not in (job.last_error or "")
        assert s.scalar(select(InsuranceApplication.webhook_delivered_at)) is not None

    # The insurer works only through its key: its queue, the application, the decision.
    key = bearer(eci["keys"]["insurer"])
    queue = client.get("/api/v1/insurance/applications?status=in_review", headers=key).json()
    assert [a["reference"] for a in queue] == [ref]
    assert client.get(f"/api/v1/insurance/applications/{ref}", headers=key).json()["uscc"] == valid_uscc(1)
    r = client.post(f"/api/v1/insurance/applications/{ref}/issue", headers=key,
                    json={"policy_number": "SINO-LN-2026-000123", "cover_usd": ["150000", "80000.50"]})
    assert r.status_code == 200, r.text
    issued = r.json()
    assert issued["status"] == "issued" and issued["policy_number"] == "SINO-LN-2026-000123"
    assert Decimal(issued["total_cover_usd"]) == Decimal("230000.50")
    assert [b["cover_usd"] for b in issued["buyers"]] == ["150000.00", "80000.50"]
    # A second decision is refused with the status it is in.
    r = client.post(f"/api/v1/insurance/applications/{ref}/reject", headers=key, json={"reasons": ["x"]})
    assert r.status_code == 409 and r.json()["current_status"] == "issued"

    # Every state change is in the audit trail, by who made it.
    with kouan.sessions() as s:
        trail = s.execute(select(AuditEntry.action, AuditEntry.actor, AuditEntry.after)
                          .where(AuditEntry.entity == "insurance_application").order_by(AuditEntry.id)).all()
    statuses = [(a, (after or {}).get("status")) for a, _actor, after in trail]
    assert statuses[:3] == [("insurance_application.create", "submitted"),
                            ("insurance_application.update", "in_review"),
                            ("insurance_application.update", "issued")]
    assert trail[2].actor.startswith("apikey:")


def test_only_an_insurance_write_key_of_the_addressed_insurer_decides(client, kouan, world, eci):
    ref = client.post("/api/v1/insurance/applications", json=application(),
                      headers=bearer(eci["keys"]["trader"])).json()["reference"]
    decision = {"policy_number": "P-1", "cover_usd": ["1", None]}
    r = client.post(f"/api/v1/insurance/applications/{ref}/issue", headers=bearer(eci["keys"]["insurer_read"]),
                    json=decision)
    assert r.status_code == 403 and r.json()["code"] == "route_policy"
    # Another insurer, and another trader, do not even see it.
    assert client.post(f"/api/v1/insurance/applications/{ref}/issue", headers=bearer(eci["keys"]["other"]),
                       json=decision).status_code == 404
    assert client.get(f"/api/v1/insurance/applications/{ref}", headers=bearer(eci["keys"]["other"])).status_code == 404
    assert client.get("/api/v1/insurance/applications", headers=bearer(eci["keys"]["other"])).json() == []
    assert client.get(f"/api/v1/insurance/applications/{ref}", headers=bearer(world.trader_b.key)).status_code == 404
    # A trader's key may not issue at all.
    r = client.post(f"/api/v1/insurance/applications/{ref}/issue", headers=bearer(eci["keys"]["trader"]), json=decision)
    assert r.status_code == 403


def test_the_bureau_rule_and_prior_cover_make_an_application_ineligible_with_reasons(client, kouan, world, eci):
    csrf = login(client, eci["bureau"].staff)
    r = client.post("/api/v1/insurance/rule", json={"export_ceiling_usd": "1000000"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["province"] == "*"
    client.cookies.clear()
    key = bearer(eci["keys"]["trader"])
    over = client.post("/api/v1/insurance/applications", json=application(), headers=key).json()
    assert over["status"] == "ineligible"
    assert over["reasons"] == ["prior-year exports of USD 1,250,000.00 exceed the ceiling of USD 1,000,000.00"]
    first = client.post("/api/v1/insurance/applications", json=application(export_value_usd="900000"), headers=key)
    assert first.json()["status"] == "in_review"
    again = client.post("/api/v1/insurance/applications", json=application(export_value_usd="900000"), headers=key)
    assert again.json()["status"] == "ineligible"
    assert again.json()["reasons"] == [f"already covered by application {first.json()['reference']}"]
    # Nothing is announced for an ineligible application.
    with kouan.sessions() as s:
        assert s.scalar(select(Job.payload).where(Job.kind == "insurance.webhook").limit(5)) is not None
        assert len(s.scalars(select(Job).where(Job.kind == "insurance.webhook")).all()) == 1


def test_a_missing_consent_or_bad_buyer_is_a_422_naming_the_field(client, world, eci):
    bad = application(consent=False, buyers=[{"name": "X", "country": "japan", "payment_terms": "CASH"}])
    r = client.post("/api/v1/insurance/applications", json=bad, headers=bearer(eci["keys"]["trader"]))
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert {"/consent", "/buyers/0/payment_terms"} <= pointers


def _export(s, org_id: int, number: str, value: str, currency: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    from kouan.declarations.models import DeclarationRecord

    s.add(DeclarationRecord(number=number, direction="E", status="released", modes=[], declarant_org_id=org_id,
                            consignee_uscc=valid_uscc(1), consignee_name="甲", port="CNDAL", customs_district="0900",
                            containers=[], dutiable_value=Decimal(value), currency=currency, created_at=at,
                            updated_at=at))


def test_the_export_value_is_prefilled_from_export_declarations_and_a_change_needs_a_reason(client, kouan, world, eci):
    last = utcnow().year - 1
    with transaction(kouan.sessions, actor=system("tests")) as s:
        _export(s, world.trader_a.id, "090020250000000001", "400000.00", "USD", datetime(last, 3, 1, tzinfo=UTC))
        _export(s, world.trader_a.id, "090020250000000002", "250000.50", "USD", datetime(last, 9, 1, tzinfo=UTC))
        _export(s, world.trader_a.id, "090020250000000003", "99.00", "EUR", datetime(last, 9, 2, tzinfo=UTC))
        _export(s, world.trader_a.id, "090020250000000004", "777.00", "USD", datetime(last - 1, 9, 2, tzinfo=UTC))
    key = bearer(eci["keys"]["trader"])
    pre = client.get("/api/v1/insurance/prefill", headers=key).json()
    assert pre["year"] == last and Decimal(pre["export_value_usd"]) == Decimal("650000.50")
    assert pre["declarations"] == 3 and pre["other_currencies"] == {"EUR": "99.00"}
    assert Decimal(pre["ceiling_usd"]) == Decimal("3000000")
    # Without a value, the prefill is taken; a different value needs a reason.
    body = application()
    del body["export_value_usd"]
    taken = client.post("/api/v1/insurance/applications", json=body, headers=key).json()
    assert Decimal(taken["export_value_usd"]) == Decimal("650000.50") == Decimal(taken["prefilled_value_usd"])
    r = client.post("/api/v1/insurance/applications", json=application(), headers=key)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/value_reason"
    r = client.post("/api/v1/insurance/applications", json=application(value_reason="Exports through an agent"),
                    headers=key)
    assert r.status_code == 201 and r.json()["value_reason"] == "Exports through an agent"


def test_a_loss_is_reported_against_an_issued_policy_and_announced_and_the_bureau_sees_the_figures(
        client, kouan, world, eci):
    key, ins = bearer(eci["keys"]["trader"]), bearer(eci["keys"]["insurer"])
    ref = client.post("/api/v1/insurance/applications", json=application(), headers=key).json()["reference"]
    loss = {"buyer": "Tanaka Trading", "amount_usd": "42000", "due_date": "2026-10-31", "cause": "default",
            "description": "90 days overdue"}
    assert client.post(f"/api/v1/insurance/applications/{ref}/loss-notices", json=loss, headers=key).status_code == 409
    client.post(f"/api/v1/insurance/applications/{ref}/issue", headers=ins,
                json={"policy_number": "P-9", "cover_usd": ["150000", "0"]})
    r = client.post(f"/api/v1/insurance/applications/{ref}/loss-notices",
                    json={**loss, "buyer": "Busan Foods"}, headers=key)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/buyer"  # not covered
    r = client.post(f"/api/v1/insurance/applications/{ref}/loss-notices", json=loss, headers=key)
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/insurance/applications/{ref}", headers=ins).json()["loss_notices"][0]["buyer"] == \
        "Tanaka Trading"
    with kouan.sessions() as s:
        kinds = [p["event"] for p in s.scalars(select(Job.payload).where(Job.kind == "insurance.webhook"))]
    assert sorted(kinds) == ["application.submitted", "loss.notified"]

    csrf = login(client, eci["bureau"].staff)
    rows = client.get("/api/v1/insurance/statistics").json()
    month = utcnow().astimezone(__import__("kouan.kit.clock", fromlist=["CHINA_TZ"]).CHINA_TZ).strftime("%Y-%m")
    assert rows == [{"city_code": "210200", "city": "大连市", "month": month, "applications": 1, "ineligible": 0,
                     "in_review": 0, "issued": 1, "rejected": 0, "cover_usd": "150000.00"}]
    assert csrf
    client.cookies.clear()
    assert client.get("/api/v1/insurance/statistics", headers=key).status_code == 403


def test_the_webhook_secret_is_shown_once_and_never_in_the_audit_trail(client, kouan, world, eci):
    secret = set_webhook(client, eci["insurer"], "https://eci.example.com/hooks")
    login(client, eci["insurer"].admin)
    shown = client.get("/api/v1/insurance/webhook").json()
    assert shown["secret"] is None and shown["secret_hint"] == webhook.masked(secret) and secret not in json.dumps(shown)
    page = client.get("/insurance").text
    assert secret not in page and webhook.masked(secret) in page
    with kouan.sessions() as s:
        after = s.scalar(select(AuditEntry.after).where(AuditEntry.entity == "insurer_webhook"))
        assert after["secret"] == "***"
        assert s.scalar(select(InsurerWebhook.secret)) == secret  # kept: HMAC signing needs it


def test_a_signature_older_than_the_tolerance_is_refused():
    body = b'{"event":"application.submitted"}'
    header = webhook.sign("whsec_abc", body, 1_700_000_000)
    assert webhook.verify("whsec_abc", body, header, now=1_700_000_100)
    assert not webhook.verify("whsec_abc", body, header, now=1_700_000_000 + 301)
    assert not webhook.verify("whsec_abc", body, "garbage", now=1_700_000_000)


def test_the_pages_let_the_exporter_apply_and_the_insurer_issue_in_both_languages(client, kouan, world, eci):
    csrf = login(client, world.trader_a.staff)
    assert "出口信用保险" in client.get("/insurance?lang=zh_CN").text
    form = {"csrf_token": csrf, "insurer": str(eci["insurer"].id), "contact_name": "陈", "contact_phone": "0411-88886666",
            "export_value_usd": "500000", "product": "蓝莓 blueberries", "consent": "yes",
            "buyer_name": ["Tanaka Trading", ""], "buyer_country": ["JP", ""], "buyer_terms": ["OA", "OA"],
            "buyer_days": ["90", "90"], "buyer_requested": ["100000", ""]}
    r = client.post("/insurance/new", data={**form, "consent": ""}, follow_redirects=False)
    assert r.status_code == 422 and "/consent" in r.text
    r = client.post("/insurance/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    ref = r.headers["location"].rsplit("/", 1)[1]
    assert "With the insurer" in client.get(f"/insurance/{ref}?lang=en").text
    client.cookies.clear()
    csrf = login(client, eci["insurer"].staff)
    assert ref in client.get("/insurance").text
    r = client.post(f"/insurance/{ref}/issue", data={"csrf_token": csrf, "policy_number": "SINO-9",
                                                     "cover_usd": ["100000"]}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/insurance/{ref}?lang=zh_CN").text
    assert "SINO-9" in page and "已出单" in page
    client.cookies.clear()
    login(client, eci["bureau"].staff)
    stats = client.get("/insurance/statistics?lang=en").text
    assert "大连市" in stats and "USD 100,000.00" in stats
