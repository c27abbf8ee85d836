"""Any JSON posted as a declaration, and anything typed into the declaration form: a 201 or a 4xx
problem naming what is wrong, never a 5xx (12 of ~116 malformed bodies were 500s, issue 12)."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factories import login, valid_uscc

EXAMPLES = int(os.environ.get("KOUAN_FUZZ_FORM_EXAMPLES", "40"))
hostile = st.one_of(st.text(max_size=30), st.sampled_from(
    ["", "\x00", "\ud800", "9" * 5000, "1e999", "-1", "NaN", "Infinity", "0.0001", "1E+16", "CNDAL", "I", "E",
     "2601111000", "two_step", "advance"]))
json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | hostile,
                          lambda kids: st.lists(kids, max_size=3) | st.dictionaries(hostile, kids, max_size=3),
                          max_leaves=6)
ITEM = {"hs_code": "2601111000", "description": "铁矿砂", "quantity": "10", "unit": "TNE", "value": "100",
        "currency": "CNY", "origin": "AU"}
DRAFT = {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司", "port": "CNDAL",
         "items": [ITEM], "modes": [], "containers": ["CSQU3054383"], "bill_of_lading": "COSU6300000001"}


@st.composite
def drafts(draw):  # type: ignore[no-untyped-def]
    body = json.loads(json.dumps(DRAFT))
    for name in draw(st.lists(st.sampled_from([*DRAFT, "transport_call", "documents", "warehouse", "bonded_zone",
                                               "unknown"]), max_size=4)):
        body[name] = draw(json_value)
    for name in draw(st.lists(st.sampled_from(sorted(ITEM)), max_size=3)):
        body["items"] = [dict(ITEM, **{name: draw(json_value)})] if isinstance(body.get("items"), list) else body.get("items")
    return body


def _settings():  # type: ignore[no-untyped-def]
    return settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def test_any_json_declaration_body_is_a_201_or_a_4xx_problem(client, world, backend):
    headers = {"X-CSRF-Token": login(client, world.trader_a.admin), "Content-Type": "application/json"}

    @_settings()
    @given(body=drafts() | json_value)
    def run(body) -> None:  # type: ignore[no-untyped-def]
        r = client.post("/api/v1/declarations", content=json.dumps(body), headers=headers)
        assert r.status_code == 201 or 400 <= r.status_code < 500, (r.status_code, body, r.text[:300])
        if r.status_code != 201:
            assert r.headers["content-type"].startswith("application/problem+json")

    run()


def test_anything_typed_into_the_declaration_form_is_a_page_never_a_5xx(client, world, backend):
    token = login(client, world.trader_a.admin)
    fields = ["direction", "consignee_uscc", "consignee_name", "port", "hs_code", "description", "quantity", "unit",
              "value", "currency", "origin", "containers", "bill_of_lading", "modes"]

    typed = hostile.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t))  # a form cannot carry them

    @_settings()
    @given(form=st.dictionaries(st.sampled_from(fields), typed, max_size=len(fields)))
    def run(form) -> None:  # type: ignore[no-untyped-def]
        data = {**{k: str(v) for k, v in DRAFT.items() if isinstance(v, str)}, **form, "csrf_token": token}
        r = client.post("/declarations/new", data=data, follow_redirects=False)
        assert r.status_code < 500, (r.status_code, form, r.text[:300])

    run()
