"""Organisations, people and API keys over HTTP: isolation between organisations, keys, audit."""

from sqlalchemy import select
from tests.factories import PASSWORD, bearer, login, valid_uscc

from kouan.audit.models import AuditEntry


def audit_rows(kouan, **where):
    with kouan.sessions() as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditEntry, k) == v)
        return list(s.scalars(stmt))


def test_a_person_of_a_cannot_list_bs_people(client, world):
    login(client, world.trader_a.admin)
    assert client.get(f"/api/v1/organisations/{world.trader_a.id}/people").status_code == 200
    r = client.get(f"/api/v1/organisations/{world.trader_b.id}/people")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_person_of_a_cannot_add_people_to_b(client, world):
    csrf = login(client, world.trader_a.admin)
    r = client.post(f"/api/v1/organisations/{world.trader_b.id}/people",
                    json={"username": "intruder", "display_name": "x", "password": PASSWORD},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404
    # B's people are unchanged: only B's admin and staff exist.
    client.cookies.clear()
    login(client, world.trader_b.admin)
    names = {p["username"] for p in client.get(f"/api/v1/organisations/{world.trader_b.id}/people").json()}
    assert names == {world.trader_b.admin, world.trader_b.staff}


def test_a_person_of_a_cannot_change_bs_person(client, world):
    csrf = login(client, world.trader_a.admin)
    r = client.patch(f"/api/v1/people/{world.trader_b.admin_id}", json={"role": "viewer"},
                     headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404


def test_a_person_of_a_cannot_list_issue_or_revoke_bs_keys(client, world):
    csrf = login(client, world.trader_a.admin)
    assert client.get(f"/api/v1/organisations/{world.trader_b.id}/api-keys").status_code == 404
    r = client.post(f"/api/v1/organisations/{world.trader_b.id}/api-keys", json={"name": "x"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404
    r = client.post(f"/api/v1/api-keys/{world.trader_b.key_id}/revoke", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404
    # B's key still works.
    assert client.get("/api/v1/me", headers=bearer(world.trader_b.key)).status_code == 200


def test_staff_cannot_issue_keys_for_their_own_organisation(client, world):
    csrf = login(client, world.trader_a.staff)
    r = client.post(f"/api/v1/organisations/{world.trader_a.id}/api-keys", json={"name": "x"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403


def test_a_partner_key_of_a_cannot_act_for_b(client, world):
    key_a = bearer(world.trader_a.key)
    me = client.get("/api/v1/me", headers=key_a).json()
    assert me["org_id"] == world.trader_a.id and me["kind"] == "apikey"
    assert client.get(f"/api/v1/organisations/{world.trader_b.id}", headers=key_a).status_code == 404
    orgs = client.get("/api/v1/organisations", headers=key_a).json()
    assert [o["id"] for o in orgs] == [world.trader_a.id]
    # A key manages nothing, not even its own organisation.
    r = client.post(f"/api/v1/organisations/{world.trader_a.id}/people", headers=key_a,
                    json={"username": "bot", "display_name": "bot", "password": PASSWORD})
    assert r.status_code == 403
    r = client.patch(f"/api/v1/organisations/{world.trader_b.id}", headers=key_a, json={"name": "x"})
    assert r.status_code == 403


def test_a_revoked_key_gets_401(client, world):
    key_a = bearer(world.terminal.key)
    assert client.get("/api/v1/me", headers=key_a).status_code == 200
    csrf = login(client, world.terminal.admin)
    r = client.post(f"/api/v1/api-keys/{world.terminal.key_id}/revoke", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["revoked_at"]
    client.cookies.clear()
    r = client.get("/api/v1/me", headers=key_a)
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_an_unknown_or_malformed_key_gets_401(client, world):
    assert client.get("/api/v1/me", headers=bearer("kouan_000000000000_nope")).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(world.trader_a.key + "x")).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_the_key_records_when_it_was_last_used(client, world, kouan):
    client.get("/api/v1/me", headers=bearer(world.trader_a.key))
    login(client, world.trader_a.admin)
    keys = client.get(f"/api/v1/organisations/{world.trader_a.id}/api-keys").json()
    assert keys[0]["last_used_at"] is not None


def test_an_issued_key_is_shown_once_and_stored_hashed(client, world, kouan):
    csrf = login(client, world.trader_a.admin)
    r = client.post(f"/api/v1/organisations/{world.trader_a.id}/api-keys",
                    json={"name": "ERP", "scopes": ["events:write"]}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    secret = r.json()["secret"]
    assert secret.startswith("kouan_")
    listed = client.get(f"/api/v1/organisations/{world.trader_a.id}/api-keys").json()
    assert all("secret" not in k for k in listed)
    from kouan.partners.models import ApiKey

    with kouan.sessions() as s:
        stored = s.scalars(select(ApiKey.key_hash)).all()
    assert secret not in stored and all(len(h) == 64 for h in stored)
    # The new key is limited to its scope: it may push events but not read organisations.
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 403


def test_an_invalid_uscc_gets_422_naming_the_field(client, world):
    csrf = login(client, world.port_office.admin)
    r = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf}, json={
        "code": "NEWCO", "name": "新公司", "kind": "trader", "uscc": "91110000600037341M"})
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["status"] == 422
    assert [e["pointer"] for e in body["errors"]] == ["/uscc"]
    assert "check character" in body["errors"][0]["detail"]


def test_a_trader_without_uscc_gets_422_naming_the_field(client, world):
    csrf = login(client, world.port_office.admin)
    r = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf},
                    json={"code": "NEWCO", "name": "新公司", "kind": "trader"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/uscc"


def test_a_malformed_body_names_the_field(client, world):
    csrf = login(client, world.port_office.admin)
    r = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf},
                    json={"code": "NEWCO", "name": "x", "kind": "spaceport"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "/kind"


def test_the_port_office_onboards_an_organisation(client, world):
    csrf = login(client, world.port_office.admin)
    r = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf}, json={
        "code": "YKCT", "name": "营口集装箱码头", "kind": "terminal", "uscc": valid_uscc(77),
        "home_port": "CNYIK", "customs_district": "0900"})
    assert r.status_code == 201, r.text
    assert r.json()["home_port"] == "CNYIK"
    codes = {o["code"] for o in client.get("/api/v1/organisations").json()}
    assert {"YKCT", "TRADERA", "TRADERB", "DCT", "DLCUS", "LNPO"} <= codes


def test_a_trader_cannot_onboard_organisations(client, world):
    csrf = login(client, world.trader_a.admin)
    r = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf}, json={
        "code": "EVIL", "name": "x", "kind": "trader", "uscc": valid_uscc(78)})
    assert r.status_code == 403


def test_cookie_requests_that_change_state_need_the_csrf_header(client, world):
    login(client, world.trader_a.admin)
    r = client.patch(f"/api/v1/organisations/{world.trader_a.id}", json={"name": "改名"})
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]


def test_every_change_leaves_an_audit_row(client, world, kouan):
    before = len(audit_rows(kouan))
    csrf = login(client, world.trader_a.admin)  # a login is audited too
    h = {"X-CSRF-Token": csrf}
    client.patch(f"/api/v1/organisations/{world.trader_a.id}", json={"name": "甲贸易（新）"}, headers=h)
    new = client.post(f"/api/v1/organisations/{world.trader_a.id}/people", headers=h,
                      json={"username": "a.clerk", "display_name": "Clerk", "password": PASSWORD}).json()
    client.patch(f"/api/v1/people/{new['id']}", json={"role": "viewer", "password": "another-password-1"},
                 headers=h)
    key = client.post(f"/api/v1/organisations/{world.trader_a.id}/api-keys", json={"name": "ERP"},
                      headers=h).json()
    client.post(f"/api/v1/api-keys/{key['id']}/revoke", headers=h)
    rows = audit_rows(kouan)[before:]
    assert [r.action for r in rows] == [
        "person.login", "organisation.update", "person.create", "person.update",
        "api_key.create", "api_key.update",
    ]
    actor = f"person:{world.trader_a.admin_id}"
    assert all(r.actor == actor and r.actor_org_id == world.trader_a.id for r in rows)
    org_update = rows[1]
    assert org_update.before == {"name": "甲贸易公司"} and org_update.after == {"name": "甲贸易（新）"}
    person_update = rows[3]
    assert person_update.before["role"] == "staff" and person_update.after["role"] == "viewer"
    assert person_update.after["password_hash"] == "***"  # recorded as changed, never stored
    assert rows[4].after["key_hash"] == "***"
    assert rows[5].after["revoked_at"] is not None


def test_each_organisation_reads_only_its_own_audit_trail(client, world):
    login(client, world.trader_a.admin)
    entries = client.get("/api/v1/audit").json()
    assert entries and all(
        world.trader_a.id in (e["subject_org_id"], e["actor_org_id"]) for e in entries
    )
    client.cookies.clear()
    login(client, world.port_office.admin)
    orgs = {e["subject_org_id"] for e in client.get("/api/v1/audit?limit=1000").json()}
    assert {world.trader_a.id, world.trader_b.id} <= orgs


def test_the_ports_api_lists_liaoning_sea_ports(client):
    ports = client.get("/api/v1/ports", params={"province": "CN-LN", "function": "sea",
                                                "limit": 500}).json()
    codes = {p["locode"] for p in ports}
    assert {"CNDAL", "CNYIK", "CNDDG", "CNJNZ", "CNPAJ", "CNHUD"} <= codes
    assert all(p["province"] == "CN-LN" and "sea" in p["functions"].split(",") for p in ports)
    dalian = client.get("/api/v1/ports/cndal").json()
    assert dalian["name_zh"] == "大连" and dalian["customs_district"] == "0900"
    assert client.get("/api/v1/ports/XXXXX").status_code == 404


def test_the_customs_districts_include_dalian_and_shenyang(client):
    districts = {d["code"]: d for d in client.get("/api/v1/customs-districts?province=CN-LN").json()}
    assert set(districts) == {"0800", "0900"}
    assert districts["0900"]["name_zh"] == "大连海关"


def test_a_deactivated_person_can_no_longer_use_their_session(client, world):
    from fastapi.testclient import TestClient

    other = TestClient(client.app)
    login(other, world.trader_a.staff)
    assert other.get("/api/v1/me").status_code == 200
    csrf = login(client, world.trader_a.admin)
    staff = [p for p in client.get(f"/api/v1/organisations/{world.trader_a.id}/people").json()
             if p["username"] == world.trader_a.staff][0]
    r = client.patch(f"/api/v1/people/{staff['id']}", json={"active": False},
                     headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    assert other.get("/api/v1/me").status_code == 401


def test_ports_whose_names_contain_commas_are_loaded_whole(client):
    # The source CSV breaks its quoting on these rows; the loader repairs them.
    haicang = client.get("/api/v1/ports/CNXMH").json()
    assert haicang["name"] == "Haicang, Xiamen"
    assert haicang["province"] == "CN-FJ" and haicang["function_code"] == "1----6--"
    assert haicang["functions"] == "sea,multimodal"
