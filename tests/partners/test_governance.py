"""Who may change what of an organisation: the attributes that grant rights (district, kind, home
port, USCC, credit rating, active) are set by the port office (the rating also by customs of the
enterprise's district), never by the organisation itself (issue #12, finding 3)."""

from __future__ import annotations

import pytest
from tests.factories import bearer, login, other_district_officer

from kouan.partners.domain import OrgKind, Principal, Role
from kouan.partners.governance import may_change


def _patch(client, org_id, body, csrf):  # type: ignore[no-untyped-def]
    return client.patch(f"/api/v1/organisations/{org_id}", json=body, headers={"X-CSRF-Token": csrf})


def test_a_customs_admin_cannot_move_its_own_district(client, world):
    csrf = login(client, world.customs.admin)
    r = _patch(client, world.customs.id, {"customs_district": "2200"}, csrf)
    assert r.status_code == 403 and r.json()["code"] == "org_field_governed"
    assert r.json()["fields"] == ["customs_district"]
    assert client.get(f"/api/v1/organisations/{world.customs.id}").json()["customs_district"] == "0900"


def test_a_trader_cannot_raise_its_own_credit_rating_but_may_rename_itself(client, world):
    csrf = login(client, world.trader_a.admin)
    r = _patch(client, world.trader_a.id, {"credit_rating": "advanced"}, csrf)
    assert r.status_code == 403 and r.json()["fields"] == ["credit_rating"]
    for field, value in (("kind", "customs"), ("home_port", "CNSHA"), ("active", False),
                         ("uscc", "91210200MA0XXXXX1X")):
        assert _patch(client, world.trader_a.id, {field: value}, csrf).status_code == 403, field
    renamed = _patch(client, world.trader_a.id, {"name": "甲贸易（新）", "province": "CN-LN"}, csrf)
    assert renamed.status_code == 200 and renamed.json()["credit_rating"] is None
    # An unchanged governed value in the same body is no change, so the form can send it back.
    same = _patch(client, world.trader_a.id, {"name": "甲贸易", "credit_rating": None}, csrf)
    assert same.status_code == 200


def test_an_api_key_changes_no_organisation(client, world):
    r = client.patch(f"/api/v1/organisations/{world.trader_a.id}", json={"name": "x"},
                     headers=bearer(world.trader_a.key))
    assert r.status_code == 403


def test_the_port_office_sets_the_district_and_customs_of_that_district_rate_the_trader(client, world, kouan):
    csrf = login(client, world.port_office.admin)
    r = _patch(client, world.trader_a.id, {"customs_district": "0900", "credit_rating": "general"}, csrf)
    assert r.status_code == 200 and r.json()["customs_district"] == "0900"
    client.cookies.clear()
    csrf = login(client, world.customs.staff)
    rated = _patch(client, world.trader_a.id, {"credit_rating": "advanced"}, csrf)
    assert rated.status_code == 200 and rated.json()["credit_rating"] == "advanced"
    assert _patch(client, world.trader_a.id, {"name": "海关改名"}, csrf).status_code == 403
    assert _patch(client, world.trader_b.id, {"credit_rating": "dishonest"}, csrf).status_code == 404
    client.cookies.clear()
    csrf = login(client, other_district_officer(kouan))
    assert _patch(client, world.trader_a.id, {"credit_rating": "dishonest"}, csrf).status_code == 404


def test_the_organisation_page_offers_the_rating_only_to_the_port_office(client, world):
    csrf = login(client, world.trader_a.admin)
    page = client.get(f"/orgs/{world.trader_a.id}")
    assert f'action="/orgs/{world.trader_a.id}"' in page.text and 'name="credit_rating"' not in page.text
    forged = client.post(f"/orgs/{world.trader_a.id}", data={"name": "甲", "credit_rating": "advanced",
                                                              "csrf_token": csrf})
    assert forged.status_code == 403
    ok = client.post(f"/orgs/{world.trader_a.id}", data={"name": "甲贸易（页面）", "csrf_token": csrf},
                     follow_redirects=False)
    assert ok.status_code == 303
    client.cookies.clear()
    csrf = login(client, world.port_office.admin)
    assert 'name="credit_rating"' in client.get(f"/orgs/{world.trader_a.id}").text
    r = client.post(f"/orgs/{world.trader_a.id}", data={"name": "甲贸易", "credit_rating": "dishonest",
                                                         "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/v1/organisations/{world.trader_a.id}").json()["credit_rating"] == "dishonest"


@pytest.mark.parametrize("field", ["customs_district", "kind", "credit_rating", "home_port", "code", "active", "uscc"])
def test_no_organisation_grants_itself_rights(field):
    for kind in OrgKind:
        admin = Principal(kind="person", id=1, org_id=7, org_kind=kind, role=Role.ADMIN)
        expected = kind in (OrgKind.OPERATOR, OrgKind.PORT_OFFICE)
        assert may_change(admin, field, own=True, rater=False) is expected, (kind, field)
