"""Finding 7 of issue 12: inputs that were 500s are 422 problems naming the field (both databases)."""

from __future__ import annotations

import json

import pytest
from tests.factories import bearer, login, valid_uscc

from kouan.kit.text import MAX_BIGINT, MAX_ID
from kouan.web.inputs import MAX_PAGE

PROBLEM = "application/problem+json"


def _item(**kw):  # type: ignore[no-untyped-def]
    return {"hs_code": "2601111000", "description": "铁矿砂", "quantity": "10", "unit": "TNE",
            "value": "100", **kw}


def _draft(**kw):  # type: ignore[no-untyped-def]
    return {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司",
            "port": "CNDAL", "items": [_item()], **kw}


@pytest.fixture
def trader(client, world):  # type: ignore[no-untyped-def]
    return {"X-CSRF-Token": login(client, world.trader_a.admin)}


def _post(client, body, headers):  # type: ignore[no-untyped-def]
    """JSON as a partner sends it: a lone surrogate travels as its ``\\ud800`` escape."""
    return client.post("/api/v1/declarations", content=json.dumps(body),
                       headers={**headers, "Content-Type": "application/json"})


def _pointers(r):  # type: ignore[no-untyped-def]
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    return [e["pointer"] for e in r.json()["errors"]]


def test_a_well_formed_draft_is_still_created(client, trader):
    assert client.post("/api/v1/declarations", json=_draft(), headers=trader).status_code == 201


BAD_TEXT = [
    (_draft(consignee_name="\ud800"), "/consignee_name"),
    (_draft(consignee_name="甲\x00乙"), "/consignee_name"),
    (_draft(items=[_item(description="iron \udfff ore")]), "/items/0/description"),
    (_draft(bill_of_lading="COSU\x00"), "/bill_of_lading"),
    (_draft(port="CN\x00DAL"), "/port"),
    (_draft(containers=["\ud83d"]), "/containers"),
]


def test_a_lone_surrogate_or_nul_in_a_declaration_field_is_a_422_naming_it(client, trader):
    for body, pointer in BAD_TEXT:
        assert pointer in _pointers(_post(client, body, trader))


BAD_NUMBERS = [
    (_item(quantity="9" * 5000), "/items/0/quantity"),
    (_item(value="1e999"), "/items/0/value"),
    (_item(quantity="1e999"), "/items/0/quantity"),
    (_item(value="1" + "0" * 16), "/items/0/value"),  # NUMERIC(18, 2): 16 digits before the point at most
    (_item(quantity="0.0001"), "/items/0/quantity"),  # NUMERIC(18, 3) would store it as 0
    (_item(value="1.005"), "/items/0/value"),
    (_item(value="1234567890123456.78"), "/items/0/value"),  # fits NUMERIC(18, 2), not SQLite's float
]


def test_a_number_its_column_cannot_hold_is_a_422_naming_it(client, trader):
    for item, pointer in BAD_NUMBERS:
        assert pointer in _pointers(_post(client, _draft(items=[item]), trader)), item


def test_the_largest_numbers_accepted_are_stored_and_read_back_exactly(client, trader):
    item = _item(quantity="999999999999.999", value="9999999999999.99")  # 15 significant digits
    r = _post(client, _draft(items=[item]), trader)
    assert r.status_code == 201, r.text
    got = client.get(f"/api/v1/declarations/{r.json()['number']}").json()["items"][0]
    assert (got["quantity"], got["value"]) == ("999999999999.999", "9999999999999.99")


def test_items_whose_total_overflows_the_dutiable_value_are_refused(client, trader):
    items = [_item(value="9999999999999990")] * 2
    assert "/items" in _pointers(_post(client, _draft(items=items), trader))


BIG_INTEGERS = [
    ("/api/v1/organisations/{n}", "path:org_id"), ("/api/v1/quarantine/{n}", "path:qid"),
    ("/api/v1/people/{n}", "path:person_id"), ("/api/v1/organisations/{n}/people", "path:org_id"),
    ("/api/v1/organisations/{n}/api-keys", "path:org_id"), ("/api/v1/organisations/{n}/dcsa-feeds", "path:org_id"),
    ("/api/v1/audit?offset={n}", "query:offset"), ("/api/v1/quarantine?offset={n}", "query:offset"),
    ("/api/v1/declarations?offset={n}", "query:offset"), ("/api/v1/ports?offset={n}", "query:offset"),
]


def test_an_integer_beyond_its_column_in_a_path_or_query_is_a_422_naming_it(client, world):
    client.headers.update({"X-CSRF-Token": login(client, world.port_office.admin)})
    for path, pointer in BIG_INTEGERS:
        top = MAX_ID if pointer.startswith("path:") else MAX_BIGINT  # ids are INTEGER columns; OFFSET 64-bit
        assert _pointers(client.get(path.format(n=top + 1))) == [pointer]
        assert _pointers(client.get(path.format(n=10**30))) == [pointer]
        assert client.get(path.format(n=top)).status_code in (200, 404), path


def test_a_page_number_beyond_any_real_page_is_a_422_and_the_last_allowed_one_answers(client, world):
    client.headers.update({"X-CSRF-Token": login(client, world.port_office.admin)})
    assert _pointers(client.get(f"/api/v1/dashboard/declarations?page={MAX_PAGE + 1}")) == ["query:page"]
    assert client.get(f"/api/v1/dashboard/declarations?page={MAX_PAGE}").status_code == 200


def test_an_integer_beyond_its_column_in_a_posted_path_is_a_422(client, world):
    # each path asked by someone its policy lets call it, so the id is what answers
    for who, paths in ((world.port_office.admin, ("/api/v1/api-keys/{n}/revoke",
                                                  "/api/v1/quarantine/{n}/retry",
                                                  "/api/v1/dcsa-feeds/{n}/deactivate")),
                       (world.customs.staff, ("/api/v1/vessel-clearances/{n}/checks",))):
        token = login(client, who)
        for path in paths:
            r = client.post(path.format(n=10**30), headers={"X-CSRF-Token": token}, json={})
            assert r.status_code == 422, r.text


NULS = [
    ("/api/v1/declarations/%00", "path"), ("/api/v1/consignments/BL%00", "path"),
    ("/api/v1/ports/%00", "path"), ("/api/v1/declarations?status=%00", "query:status"),
    ("/api/v1/ports?q=a%00", "query:q"),
]


def test_a_nul_in_a_path_or_query_is_a_422_naming_where(client, world):
    for url, pointer in NULS:
        assert _pointers(client.get(url, headers=bearer(world.terminal.key))) == [pointer], url


def test_a_method_a_path_does_not_answer_is_a_405_with_its_allow_header(client):
    r = client.request("TRACE", "/api/v1/me")
    assert r.status_code == 405
    assert r.headers["content-type"].startswith(PROBLEM)
    assert "GET" in r.headers["allow"]
