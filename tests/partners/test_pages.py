"""The login and organisation pages: CSRF-protected forms, the same rules as the API."""

import re

from tests.factories import PASSWORD, _csrf_from, login


def test_login_needs_the_csrf_token(client, world):
    r = client.post("/login", data={"username": world.trader_a.admin, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 403
    assert "person_id" not in str(client.cookies)


def test_a_wrong_password_is_refused_in_the_page_language(client, world):
    token = _csrf_from(client.get("/login").text)
    r = client.post("/login", data={"username": world.trader_a.admin, "password": "nope-nope-nope",
                                    "csrf_token": token})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    token = _csrf_from(client.get("/login?lang=en").text)
    r = client.post("/login", data={"username": world.trader_a.admin, "password": "nope-nope-nope",
                                    "csrf_token": token})
    assert "wrong username or password" in r.text


def test_the_login_redirect_stays_on_this_site(client, world):
    token = _csrf_from(client.get("/login").text)
    r = client.post("/login", follow_redirects=False, data={
        "username": world.trader_a.admin, "password": PASSWORD, "csrf_token": token,
        "next": "//evil.example/steal"})
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_pages_that_need_a_login_redirect_to_it(client):
    r = client.get("/orgs/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/orgs/1"


def test_an_admin_issues_a_key_on_the_page_and_sees_it_once(client, world):
    login(client, world.terminal.admin)
    page = client.get(f"/orgs/{world.terminal.id}")
    token = _csrf_from(page.text)
    r = client.post(f"/orgs/{world.terminal.id}/api-keys", data={"name": "TOS", "csrf_token": token})
    assert r.status_code == 200
    secret = re.search(r'data-testid="issued-secret">([^<]+)<', r.text).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = client.get(f"/orgs/{world.terminal.id}").text
    assert secret not in again and "TOS" in again


def test_a_form_post_without_csrf_changes_nothing(client, world):
    login(client, world.terminal.admin)
    r = client.post(f"/orgs/{world.terminal.id}/people",
                    data={"username": "sneaky", "display_name": "x", "password": PASSWORD})
    assert r.status_code == 403
    assert "sneaky" not in client.get(f"/orgs/{world.terminal.id}").text


def test_a_trader_cannot_open_another_traders_page(client, world):
    login(client, world.trader_a.admin)
    assert client.get(f"/orgs/{world.trader_b.id}").status_code == 404


def test_the_port_office_onboards_through_the_form_and_sees_field_errors(client, world):
    login(client, world.port_office.admin)
    token = _csrf_from(client.get("/orgs").text)
    r = client.post("/orgs", data={"code": "NEWCO", "name": "新公司", "kind": "trader",
                                   "uscc": "91110000600037341M", "csrf_token": token})
    assert r.status_code == 422
    assert "/uscc" in r.text and "check character" in r.text
    r = client.post("/orgs", data={"code": "NEWCO", "name": "新公司", "kind": "trader",
                                   "uscc": "91110000600037341L", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "新公司" in client.get(r.headers["location"]).text


def test_logout_ends_the_session(client, world):
    token = login(client, world.trader_a.admin)
    assert client.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/api/v1/me").status_code == 401


def test_a_login_works_when_the_organisation_has_left_the_identity_map(client, world, monkeypatch):
    # The identity map holds objects weakly: the organisation loaded while checking the password may
    # be gone when the principal is built, and its reload must not flush the person (here rehashed to
    # new Argon2 parameters, an audited change) before the actor is known.
    from kouan.partners import service
    from kouan.partners.models import Organisation

    original = service.principal_for_person

    def forgetful(session, person):
        for obj in [o for o in session.identity_map.values() if isinstance(o, Organisation)]:
            session.expunge(obj)
        return original(session, person)

    monkeypatch.setattr(service, "principal_for_person", forgetful)
    class Rehashing(type(service._hasher)):
        def check_needs_rehash(self, hash):  # noqa: A002 - argon2's name
            return True  # new parameters: the login rewrites the hash, an audited change

    monkeypatch.setattr(service, "_hasher", Rehashing())
    token = _csrf_from(client.get("/login").text)
    r = client.post("/login", follow_redirects=False, data={
        "username": world.trader_a.admin, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    assert client.get("/api/v1/me").json()["kind"] == "person"
