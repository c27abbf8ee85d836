"""The port office's supervision (督导检查): last update, completeness, caps, unlisted charges,
inspection rounds with findings linked to versions, rectification, closure, overdue."""

from __future__ import annotations

import json

import pytest
from tests.factories import login
from tests.fees.conftest import csv_of

DUES = (
    "CNDAL,DLTALLYX,PORT_DUES,货物港务费,Port dues,government,container,20,,,foreign,,40,CNY,,,,2022-01-01,"
)
TALLY = "CNDAL,DLTALLYX,TALLY_DOCS,理货单证费,Tally documents,market,voyage,,,,,,193,CNY,,,,2022-01-01,"


@pytest.fixture
def office(app, client, kouan, fees, world, tmp_path):  # type: ignore[no-untyped-def]
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "caps": [
                    {
                        "item": "PORT_DUES",
                        "unit": "container",
                        "size": "20",
                        "rate": "32",
                        "basis": "demo cap",
                    }
                ]
            }
        )
    )
    app.state.settings = app.state.settings.model_copy(update={"fee_rules_file": rules})
    r = client.post("/api/v1/fees/import", content=csv_of(DUES, TALLY), headers=fees.a.writer)
    assert r.status_code == 200, r.text
    token = login(client, world.port_office.admin)
    return {"X-CSRF-Token": token}


def test_the_overview_names_missing_required_items_and_items_above_cap(client, office):
    [c] = client.get("/api/v1/fees/supervision", params={"port": "CNDAL", "on": "2022-03-01"}).json()
    assert c["payee"] == "DLTALLYX" and c["missing"] == ["TALLY"]
    assert c["above_cap"] == [
        {"item": "PORT_DUES", "band": "20', foreign", "rate": "40.00", "cap": "32.00", "basis": "demo cap"}
    ]
    assert c["last_update"] and c["version"] == 1


def test_charges_that_no_list_holds_are_named(client, office):
    charges = [
        {"port": "CNDAL", "payee": "DLTALLYX", "item": "TALLY_DOCS", "on": "2022-03-01", "amount": "193"},
        {
            "port": "CNDAL",
            "payee": "DLTALLYX",
            "item": "EXTRA",
            "on": "2022-03-01",
            "amount": "50",
            "reference": "INV-7",
        },
        {"port": "CNDAL", "payee": "DLTALLYX", "item": "TALLY_DOCS", "on": "2021-06-01"},
    ]
    r = client.post("/api/v1/fees/supervision/charges", json=charges, headers=office)
    assert r.status_code == 200, r.text
    assert [(c["item"], c["on"]) for c in r.json()] == [("EXTRA", "2022-03-01"), ("TALLY_DOCS", "2021-06-01")]


def test_an_inspection_round_draws_findings_and_closes_once_they_are_rectified(client, fees, office):
    r = client.post(
        "/api/v1/fees/inspections",
        headers=office,
        json={"title": "2022 Q1 督导检查", "ports": ["CNDAL"], "deadline": "2022-03-31", "on": "2022-03-01"},
    )
    assert r.status_code == 201, r.text
    insp = r.json()
    kinds = sorted((f["kind"], f["item"], f["version"]) for f in insp["findings"])
    assert kinds == [("above_cap", "PORT_DUES", 1), ("missing_item", "TALLY", 1)]
    assert insp["overdue"] == 2  # the deadline 2022-03-31 has passed
    first = insp["findings"][0]["id"]
    refused = client.post(
        f"/api/v1/fees/findings/{first}/resolve", headers=office, json={"outcome": "rectified"}
    )
    assert refused.status_code == 409  # no newer version yet
    assert client.post(f"/api/v1/fees/inspections/{insp['id']}/close", headers=office).status_code == 409
    fixed = csv_of(
        DUES.replace(",40,", ",32,").replace("2022-01-01", "2022-04-01"),
        TALLY.replace("2022-01-01", "2022-04-01"),
        "CNDAL,DLTALLYX,TALLY,理箱,Tally,market,container,20,,,foreign,,14,CNY,,,,2022-04-01,",
    )
    assert client.post("/api/v1/fees/import", content=fixed, headers=fees.a.writer).status_code == 200
    for f in insp["findings"]:
        done = client.post(
            f"/api/v1/fees/findings/{f['id']}/resolve",
            headers=office,
            json={"outcome": "rectified", "resolution": "v2"},
        )
        assert done.status_code == 200 and done.json()["resolved_version"] == 2 and not done.json()["overdue"]
    closed = client.post(f"/api/v1/fees/inspections/{insp['id']}/close", headers=office)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.get("/fees/supervision").status_code == 200


def test_supervision_is_the_port_offices_only(client, fees, office, world):
    client.cookies.clear()
    assert client.get("/api/v1/fees/supervision", headers=fees.a.reader).status_code == 403
    token = login(client, world.trader_a.admin)
    r = client.post(
        "/api/v1/fees/inspections",
        headers={"X-CSRF-Token": token},
        json={"title": "x", "ports": ["CNDAL"], "deadline": "2030-01-01"},
    )
    assert r.status_code == 403


def test_a_manual_finding_links_a_version_and_a_waiver_needs_a_reason(client, office):
    insp = client.post(
        "/api/v1/fees/inspections",
        headers=office,
        json={"title": "spot check", "ports": ["CNYIK"], "deadline": "2099-01-01", "on": "2022-03-01"},
    ).json()
    assert insp["findings"] == []
    f = client.post(
        f"/api/v1/fees/inspections/{insp['id']}/findings",
        headers=office,
        json={
            "port": "CNDAL",
            "payee": "DLTALLYX",
            "version": 1,
            "kind": "other",
            "detail": "service content vague",
        },
    )
    assert f.status_code == 201 and f.json()["version"] == 1 and not f.json()["overdue"]
    fid = f.json()["id"]
    assert (
        client.post(
            f"/api/v1/fees/findings/{fid}/resolve", headers=office, json={"outcome": "waived"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/fees/findings/{fid}/resolve",
            headers=office,
            json={"outcome": "waived", "resolution": "explained"},
        ).json()["status"]
        == "waived"
    )


def test_the_port_office_opens_resolves_and_closes_a_round_on_its_page(client, office):
    import re

    page = client.get("/fees/supervision")
    assert page.status_code == 200 and "DLTALLYX" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/fees/supervision/inspections",
        follow_redirects=False,
        data={"csrf_token": token, "title": "页面检查", "ports": ["CNDAL"], "deadline": "2099-01-01"},
    )
    assert r.status_code == 303, r.text
    [insp] = client.get("/api/v1/fees/inspections").json()
    assert insp["title"] == "页面检查" and len(insp["findings"]) == 2
    refused = client.post(f"/fees/supervision/inspections/{insp['id']}/close", data={"csrf_token": token})
    assert refused.status_code == 409 and "仍有 2 项问题未整改" in refused.text
    for f in insp["findings"]:
        done = client.post(
            f"/fees/supervision/findings/{f['id']}",
            follow_redirects=False,
            data={"csrf_token": token, "outcome": "waived", "resolution": "已说明"},
        )
        assert done.status_code == 303
    closed = client.post(
        f"/fees/supervision/inspections/{insp['id']}/close",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert client.get(f"/api/v1/fees/inspections/{insp['id']}").json()["status"] == "closed"
