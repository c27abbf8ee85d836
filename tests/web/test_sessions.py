"""Login sessions live on the server: logout and a password change end them; they expire."""

import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import PASSWORD, _csrf_from, login

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import sessions
from kouan.partners.domain import system
from kouan.partners.models import Person, WebSession
from kouan.web.sessions import SESSION_COOKIE


def _person_id(kouan, username):
    with kouan.sessions() as s:
        return s.scalar(select(Person.id).where(Person.username == username))


def _copy(app, cookie):
    other = TestClient(app)
    other.cookies.set(SESSION_COOKIE, cookie)
    return other


def test_the_cookie_taken_before_logout_no_longer_answers(app, client, world):
    token = login(client, world.trader_a.admin)
    stolen = client.cookies.get(SESSION_COOKIE)
    assert _copy(app, stolen).get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/api/v1/me").status_code == 401
    assert _copy(app, stolen).get("/api/v1/me").status_code == 401


def test_the_cookie_carries_only_an_opaque_token_whose_hash_is_stored(kouan, client, world):
    login(client, world.trader_a.admin)
    cookie = client.cookies.get(SESSION_COOKIE)
    with kouan.sessions() as s:
        [row] = s.scalars(select(WebSession)).all()
    assert row.token_hash == hashlib.sha256(cookie.encode()).hexdigest()
    assert cookie not in row.token_hash and len(cookie) >= 40
    assert row.person_id == _person_id(kouan, world.trader_a.admin)


def test_the_session_id_rotates_at_login(app, client, world):
    login(client, world.trader_a.admin)
    first = client.cookies.get(SESSION_COOKIE)
    login(client, world.trader_a.admin)
    assert client.cookies.get(SESSION_COOKIE) != first
    assert _copy(app, first).get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200


def test_a_password_change_ends_every_session_of_that_person(app, client, world, kouan):
    csrf = login(client, world.trader_a.admin)
    elsewhere = TestClient(app)
    login(elsewhere, world.trader_a.admin)
    bystander = TestClient(app)
    login(bystander, world.trader_b.admin)
    me = _person_id(kouan, world.trader_a.admin)
    r = client.patch(f"/api/v1/people/{me}", json={"password": "a-brand-new-secret"},
                     headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert bystander.get("/api/v1/me").status_code == 200  # another person's session stays
    with kouan.sessions() as s:
        ended = s.scalar(select(AuditEntry).where(AuditEntry.action == "person.sessions_ended"))
    assert ended.entity_id == str(me) and ended.after == {"sessions": 2, "reason": "password changed"}
    login(client, world.trader_a.admin, "a-brand-new-secret")
    assert client.get("/api/v1/me").status_code == 200


def test_a_session_ends_when_idle_and_at_its_absolute_expiry(kouan, world):
    policy = sessions.SessionPolicy(idle=timedelta(hours=2), absolute=timedelta(hours=12))
    person = _person_id(kouan, world.trader_a.admin)
    t0 = utcnow()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        token = sessions.start(s, person_id=person, now=t0, policy=policy)
        idle = sessions.start(s, person_id=person, now=t0, policy=policy)
    for hours in range(1, 12):  # used every hour: alive until the twelfth
        with transaction(kouan.sessions, actor=system("tests")) as s:
            assert sessions.resolve(s, token=token, now=t0 + timedelta(hours=hours), policy=policy)
    with transaction(kouan.sessions, actor=system("tests")) as s:
        assert sessions.resolve(s, token=token, now=t0 + timedelta(hours=12), policy=policy) is None
        assert sessions.resolve(s, token=idle, now=t0 + timedelta(hours=2), policy=policy) is None
    with kouan.sessions() as s:
        assert s.scalars(select(WebSession)).all() == []  # ended sessions are deleted


def test_the_session_cookie_is_httponly_lax_and_secure_when_configured(kouan, world):
    from kouan.web.app import create_app

    for secure in (False, True):
        app = create_app(kouan.settings.model_copy(update={"secure_cookies": secure}), kouan)
        with TestClient(app, base_url="https://testserver") as c:
            token = _csrf_from(c.get("/login").text)
            r = c.post("/login", data={"username": world.trader_a.admin, "password": PASSWORD,
                                       "csrf_token": token}, follow_redirects=False)
            cookie = next(v for v in r.headers.get_list("set-cookie") if v.startswith(SESSION_COOKIE))
            flags = {f.strip().lower() for f in cookie.split(";")}
            assert "httponly" in flags and "samesite=lax" in flags
            assert ("secure" in flags) is secure
