"""Failed logins and API keys are counted in the database and locked out past a limit."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import PASSWORD, _csrf_from, bearer

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import service
from kouan.partners.domain import system
from kouan.web import deps, pages


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(pages, "utcnow", c)
    monkeypatch.setattr(deps, "utcnow", c)
    return c


def _try(client, username, password):
    token = _csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def _lockouts(kouan):
    with kouan.sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.lockout")))


def test_thirty_wrong_passwords_lock_the_username_even_for_the_right_one_until_it_ends(
        client, world, kouan, clock):
    results = [_try(client, world.trader_a.admin, "wrong-password!").status_code for _ in range(30)]
    assert results[:9] == [401] * 9 and set(results[9:]) == {429}
    refused = _try(client, world.trader_a.admin, PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert "该用户名登录失败次数过多" in refused.text  # said in the page's language
    client.get("/lang/en")
    assert "locked until" in _try(client, world.trader_a.admin, PASSWORD).text
    [audit] = _lockouts(kouan)  # one lockout, audited for the person's organisation
    assert audit.entity_id == f"user:{world.trader_a.admin}" and audit.subject_org_id == world.trader_a.id
    clock.now += timedelta(minutes=16)
    assert _try(client, world.trader_a.admin, PASSWORD).status_code == 303


def test_the_lock_is_per_username_and_a_success_forgives_earlier_failures(client, world, clock):
    for _ in range(9):
        assert _try(client, world.trader_a.admin, "wrong-password!").status_code == 401
    assert _try(client, world.trader_b.admin, PASSWORD).status_code == 303  # another account
    assert _try(client, world.trader_a.admin, PASSWORD).status_code == 303
    for _ in range(9):  # the count started again
        assert _try(client, world.trader_a.admin, "wrong-password!").status_code == 401


def test_guesses_at_many_usernames_from_one_address_lock_the_address(kouan, world, clock):
    from kouan.web.app import create_app

    app = create_app(kouan.settings.model_copy(update={"login_failures_per_address": 5}), kouan)
    with TestClient(app) as client:
        for i in range(5):
            assert _try(client, f"nobody{i}", "wrong-password!").status_code in (401, 429)
        r = _try(client, world.trader_b.admin, PASSWORD)
        assert r.status_code == 429 and "来自此地址" in r.text
    assert [a.entity_id for a in _lockouts(kouan)] == ["ip:testclient"]


def test_failed_api_keys_from_one_address_are_throttled_with_retry_after(kouan, world, clock):
    from kouan.web.app import create_app

    with transaction(kouan.sessions, actor=system("tests")) as s:
        good = service.create_api_key(s, actor=system("tests"), org_id=world.terminal.id, name="TOS",
                                      now=utcnow()).secret
    app = create_app(kouan.settings.model_copy(update={"key_failures_per_address": 3}), kouan)
    with TestClient(app) as client:
        assert client.get("/api/v1/me", headers=bearer(good)).status_code == 200
        bad = [client.get("/api/v1/me", headers=bearer(f"kouan_{'0' * 12}_guess{i}")).status_code
               for i in range(3)]
        assert bad == [401, 401, 401]
        r = client.get("/api/v1/me", headers=bearer(good))
        assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(r.headers["retry-after"]) <= 15 * 60 and r.json()["retry_after"] > 0
        assert [a.entity_id for a in _lockouts(kouan)] == ["key-ip:testclient"]
        clock.now += timedelta(minutes=16)
        assert client.get("/api/v1/me", headers=bearer(good)).status_code == 200


def test_two_server_workers_count_the_same_failures(kouan, world, clock):
    from kouan.web.app import create_app

    # two apps on one database stand for two worker processes: nothing is counted in memory
    workers = [TestClient(create_app(kouan.settings, kouan)) for _ in range(2)]
    codes = [_try(workers[i % 2], world.trader_a.admin, "wrong-password!").status_code for i in range(10)]
    assert codes == [401] * 9 + [429]
    assert all(_try(w, world.trader_a.admin, PASSWORD).status_code == 429 for w in workers)
