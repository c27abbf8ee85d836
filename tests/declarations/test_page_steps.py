"""The declaration pages offer only what the rules may allow: the steps a declaration's modes can
take, the draft form to those who lodge, a refusal shown after a redirect (no resubmitting on a
reload); lists in the page's language, form errors counted like the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.declarations.test_cli import push
from tests.declarations.test_pages import as_user, buttons, draft, form, press, refused_on_the_page
from tests.factories import _csrf_from, login

HTML = {"Accept": "text/html"}


def refused_block(page: str) -> str:
    return page.split('data-testid="refused"', 1)[1].split("</div>", 1)[0]


def accepted_advance(client, world) -> str:  # type: ignore[no-untyped-def]
    """An advance import lodged while its vessel is at sea and accepted by the district's officer,
    who is logged in on return."""
    departed = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5)
    push(client, world, {"event_id": "dep", "milestone": "TRANSPORT_DEPARTED", "port": "AUPHE",
                         "occurred_at": departed.isoformat(), "refs": {"transport_call": "9321483/2211N/AUPHE"}})
    as_user(client, world.trader_a.admin)
    number = draft(client, modes=["advance"])
    assert press(client, number, "lodge").status_code == 303
    as_user(client, world.customs.admin)
    assert press(client, number, "accept").status_code == 303
    return number


def test_an_officer_gets_only_the_steps_the_declarations_modes_can_take(client, world):
    number = accepted_advance(client, world)
    page = client.get(f"/declarations/{number}").text
    # Release and the arrival match wait for the vessel (finding 10); no movement, no store, no port
    # release.
    assert buttons(page, number) == ["order_inspection", "hold"]
    assert 'name="seal"' not in page
    api = client.get(f"/api/v1/declarations/{number}").json()
    assert api["allowed_actions"] == ["order_inspection", "hold"]


def test_a_refused_step_redirects_to_the_page_which_shows_the_reason_once(client, world):
    number = accepted_advance(client, world)
    page = refused_on_the_page(client, number, "approve_store")  # forged: not a button here
    refused = refused_block(page)
    assert "仅附条件提离的报关单需认可存放场所" in refused
    assert "布控查验、挂起" in refused and "认可存放场所（附条件提离）" not in refused
    assert 'data-testid="refused"' not in client.get(f"/declarations/{number}").text  # a reload: no refusal
    client.cookies.set("kouan_lang", "en")
    english = refused_block(refused_on_the_page(client, number, "start_movement", seal="SEAL42"))
    assert "Order inspection, Hold" in english and "、" not in english
    api = client.post(f"/api/v1/declarations/{number}/actions/approve_store",
                      headers={"X-CSRF-Token": _csrf_from(client.get(f"/declarations/{number}").text)})
    assert api.status_code == 409 and api.json()["allowed_actions"] == ["order_inspection", "hold"]


@pytest.mark.parametrize("who", ["customs", "terminal", "port_office"])
def test_only_traders_and_brokers_get_the_draft_form(client, world, who):
    login(client, getattr(world, who).admin)
    assert 'href="/declarations/new"' not in client.get("/declarations").text
    refused = client.get("/declarations/new", headers=HTML)
    assert refused.status_code == 403 and 'name="consignee_uscc"' not in refused.text
    assert "报关单由进出口企业或报关行申报" in refused.text
    assert client.get("/declarations/new").status_code == 403  # the API-style answer too


def test_a_trader_gets_the_draft_button_and_form(client, world):
    login(client, world.trader_a.staff)
    assert 'href="/declarations/new"' in client.get("/declarations").text
    assert client.get("/declarations/new").status_code == 200


def test_the_list_joins_the_modes_in_the_pages_language(client, world):
    login(client, world.trader_a.admin)
    draft(client, modes=["advance", "ship_side_pickup"])
    assert "提前申报、船边直提/抵港直装" in client.get("/declarations").text
    english = client.get("/declarations?lang=en").text
    assert "Advance declaration, Ship-side pick-up / direct loading" in english and "、" not in english


def test_the_form_error_summary_counts_items_and_containers_from_one(client, world):
    login(client, world.trader_a.admin)
    token = _csrf_from(client.get("/declarations/new").text)
    data = {**form(hs_code=["2601111000", "26011"], description=["铁矿砂", "铁矿砂"], quantity=["1000", "5"],
                   unit=["TNE", "TNE"], value=["1000000", "10"], origin=["AU", "AU"],
                   containers="CSQU3054383 CSQU3054384"), "csrf_token": token}
    bad = client.post("/declarations/new", data=data)
    assert bad.status_code == 422
    summary = bad.text.split('data-testid="errors"', 1)[1].split("</div>", 1)[0]
    assert "商品项 #2 · 商品编码" in summary and "集装箱 #2" in summary
    assert "/items/1/hs_code" not in summary and "/containers/1" not in summary
    # The fields still carry the API's pointers (counted from 0), as the API returns them.
    assert 'data-pointer="/items/1/hs_code"' in bad.text and 'data-pointer="/containers/1"' in bad.text
    client.cookies.set("kouan_lang", "en")
    english = client.post("/declarations/new", data=data).text.split('data-testid="errors"', 1)[1]
    assert "Items #2 · HS code" in english.split("</div>", 1)[0]
