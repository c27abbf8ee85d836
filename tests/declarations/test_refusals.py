"""Refusals carry a stable code and parameters: the API returns them, pages translate them."""

from __future__ import annotations

from tests.declarations.test_api import draft, officer
from tests.declarations.test_pages import form, refused_on_the_page
from tests.factories import _csrf_from, login


def test_an_api_refusal_has_the_code_params_state_and_next_steps(client, world):
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    number = client.post("/api/v1/declarations", json=draft(modes=["two_step"]), headers=trader).json()["number"]
    r = client.post(f"/api/v1/declarations/{number}/actions/lodge", headers=trader)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == "/problems/illegal-transition" and body["code"] == "two_step_starts_with_summary"
    assert body["detail"] == "a two-step declaration starts with its summary (lodge_summary)"
    assert body["current_status"] == "draft" and body["allowed_actions"] == ["lodge_summary"]
    h = officer(client, world)
    r = client.post(f"/api/v1/declarations/{number}/actions/close", headers=h).json()
    assert (r["code"], r["params"]) == ("not_allowed", {"action": "close", "status": "draft"})


def test_a_validation_error_names_the_field_with_a_code(client, world):
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    r = client.post("/api/v1/declarations", headers=trader, json=draft(
        items=[{"hs_code": "26011", "description": "", "quantity": "0", "unit": "TNE", "value": "1"}]))
    errors = {e["pointer"]: e for e in r.json()["errors"]}
    assert errors["/items/0/hs_code"]["code"] == "hs_code_invalid"
    assert errors["/items/0/hs_code"]["params"]["value"] == "26011"
    assert errors["/items/0/description"]["code"] == "description_missing"
    assert errors["/items/0/quantity"]["code"] == "number_positive"


def test_a_chinese_page_shows_chinese_reasons_and_the_english_page_english_ones(client, world):
    login(client, world.trader_a.admin)
    token = _csrf_from(client.get("/declarations/new").text)
    bad = client.post("/declarations/new", data={**form(hs_code=["26011", ""], quantity=["0", ""],
                                                        modes=["ship_side_pickup"]), "csrf_token": token})
    assert bad.status_code == 422
    assert "商品编号 26011 无效" in bad.text and "应为大于 0 的数字" in bad.text
    assert "船边直提/抵港直装须同时选择提前申报" in bad.text and "10-digit" not in bad.text
    token = _csrf_from(client.get("/declarations/new").text)
    r = client.post("/declarations/new", data={**form(modes=["two_step"]), "csrf_token": token},
                    follow_redirects=False)
    number = r.headers["location"].rsplit("/", 1)[1]
    refused = refused_on_the_page(client, number, "lodge")
    assert "两步申报应先提交概要申报" in refused and "starts with its summary" not in refused
    client.cookies.set("kouan_lang", "en")
    english = refused_on_the_page(client, number, "lodge")
    assert "a two-step declaration starts with its summary (lodge_summary)" in english
