"""Where a person lands after logging in: the page of their organisation's kind in the one table
``web.landing.LANDING``; a ``next=`` still wins, but only when it is a path on this site. The home
page lists ``web.features.FEATURES`` and nothing that is not there."""

from __future__ import annotations

import pytest
from tests.factories import PASSWORD, _csrf_from, login

from kouan.dashboard import access
from kouan.db.session import transaction
from kouan.demo import service as demo_service
from kouan.kit.clock import utcnow
from kouan.partners.domain import OrgKind, system
from kouan.web.features import FEATURES
from kouan.web.landing import LANDING


def post_login(client, username: str, next: str | None = None):  # type: ignore[no-untyped-def]
    token = _csrf_from(client.get("/login", params={} if next is None else {"next": next}).text)
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data, follow_redirects=False)


@pytest.mark.parametrize(("who", "page"), [("port_office", "/dashboard"), ("customs", "/customs/queue"),
                                           ("trader_a", "/declarations"), ("terminal", "/slots"),
                                           ("carrier", "/docking")])
def test_a_person_lands_on_the_page_of_their_kind(client, world, who, page):
    r = post_login(client, getattr(world, who).admin)
    assert r.status_code == 303 and r.headers["location"] == page
    assert client.get(page).status_code == 200


def test_every_kind_has_one_landing_page():
    assert set(LANDING) == set(OrgKind)


def test_every_demo_login_lands_on_a_page_made_for_its_role_and_it_opens(kouan, client):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        logins = demo_service.load(s, actor=system("tests"), now=utcnow())
    kinds = {o.code: o.kind for o in demo_service.ORGS}
    org_of = {p.username: p.org_code for p in demo_service.PEOPLE}
    landed = {}
    for demo in logins:
        client.cookies.clear()
        token = _csrf_from(client.get("/login").text)
        r = client.post("/login", data={"username": demo.username, "password": demo.password,
                                        "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303, demo.username
        page = r.headers["location"]
        kind = kinds[org_of[demo.username]]
        assert page.split("#")[0] == LANDING[kind].split("#")[0].split("{")[0] + (
            page.split("/")[-1] if "{org_id}" in LANDING[kind] else ""), (demo.username, page)
        opened = client.get(page.split("#")[0])
        assert opened.status_code == 200, (demo.username, page, opened.text[:300])
        landed[kind] = page
    # the roles that got only the generic dashboard before: each its own page now
    for kind in (OrgKind.FEE_PUBLISHER, OrgKind.INSURER, OrgKind.COMMERCE_BUREAU):
        assert landed[kind] != "/dashboard", kind


def test_the_home_page_lists_what_works_and_nothing_else(client):
    home = client.get("/").text
    for feature in FEATURES:
        assert f'href="{feature.href}"' in home
        assert client.get(feature.href, follow_redirects=False).status_code in (200, 303)
    en = client.get("/?lang=en").text
    assert all(feature.title in en for feature in FEATURES)
    for unbuilt in ("what-if", "simulator"):  # not built yet: the home page does not claim it
        assert unbuilt not in en


def test_the_login_form_carries_no_next_unless_one_was_given(client):
    assert 'name="next" value=""' in client.get("/login").text
    assert 'name="next" value="/docking"' in client.get("/login?next=/docking").text


def test_home_sends_a_logged_in_person_to_their_page_and_shows_visitors_the_home_page(client, world):
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


def test_a_role_that_may_not_open_the_dashboard_is_refused_it_and_still_lands_on_its_page(
        client, world, monkeypatch):
    monkeypatch.setattr(access, "can_view", lambda p: p is not None and p.org_kind != OrgKind.TRADER)
    r = post_login(client, world.trader_a.admin)
    assert r.status_code == 303 and r.headers["location"] == "/declarations"
    assert client.get("/dashboard", follow_redirects=False).status_code == 403
    client.cookies.clear()
    assert post_login(client, world.port_office.admin).headers["location"] == "/dashboard"


def test_the_readmes_landing_table_is_the_one_in_code():
    from pathlib import Path

    from kouan.web.landing import markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README's landing table is stale: paste web.landing.markdown_table()"
