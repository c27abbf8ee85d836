"""Where a person lands after logging in: the dashboard, for every role that may open it; a
``next=`` still wins, but only when it is a path on this site."""

from __future__ import annotations

import pytest
from tests.factories import PASSWORD, _csrf_from, login

from kouan.dashboard import access
from kouan.partners.domain import OrgKind


def post_login(client, username: str, next: str | None = None):  # type: ignore[no-untyped-def]
    token = _csrf_from(client.get("/login", params={} if next is None else {"next": next}).text)
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data, follow_redirects=False)


@pytest.mark.parametrize("who", ["port_office", "customs", "trader_a", "terminal"])
def test_a_person_whose_role_opens_the_dashboard_lands_there(client, world, who):
    r = post_login(client, getattr(world, who).admin)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_the_login_form_carries_no_next_unless_one_was_given(client):
    assert 'name="next" value=""' in client.get("/login").text
    assert 'name="next" value="/docking"' in client.get("/login?next=/docking").text


def test_home_sends_a_logged_in_person_to_the_dashboard_and_shows_visitors_the_home_page(client, world):
    visitor = client.get("/", follow_redirects=False)
    assert visitor.status_code == 200 and "通关物流评估" in visitor.text
    login(client, world.port_office.admin)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"


def test_a_local_next_still_wins(client, world):
    r = post_login(client, world.port_office.admin, next="/docking?x=1")
    assert r.status_code == 303 and r.headers["location"] == "/docking?x=1"


@pytest.mark.parametrize("target", ["//evil.example/steal", "/\\evil.example", "/\\/evil.example",
                                    "https://evil.example/", "/\t/evil.example", "/ /evil.example",
                                    "evil.example"])
def test_a_next_off_this_site_is_ignored(client, world, target):
    """Browsers read ``/\\host`` as ``//host`` and drop tabs: such a ``next`` goes home (and on)."""
    r = post_login(client, world.port_office.admin, next=target)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_others_keep_their_landing_page(client, world, monkeypatch):
    """If a role may not open the dashboard, its people land where they did before: home."""
    monkeypatch.setattr(access, "can_view", lambda p: p is not None and p.org_kind != OrgKind.TRADER)
    r = post_login(client, world.trader_a.admin)
    assert r.status_code == 303 and r.headers["location"] == "/"
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 200 and "通关物流评估" in home.text
    assert client.get("/dashboard", follow_redirects=False).status_code == 403
    client.cookies.clear()
    assert post_login(client, world.port_office.admin).headers["location"] == "/dashboard"
