"""The enterprise portal and the customs queue: CSRF-protected forms over the same service rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.events.helpers import jsonl
from tests.factories import _csrf_from, bearer, login, other_district_officer, valid_uscc

from kouan.db.session import transaction
from kouan.declarations import domain
from kouan.declarations.models import DeclarationRecord
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

CALL = "9321483/2211N/CNDAL"


def form(**kw):  # type: ignore[no-untyped-def]
    data = {"direction": "I", "consignee_uscc": valid_uscc(1), "consignee_name": "甲贸易公司",
            "port": "CNDAL", "transport_call": CALL, "bill_of_lading": "COSU6300000077",
            "containers": "CSQU3054383", "hs_code": ["2601111000", ""], "description": ["铁矿砂", ""],
            "quantity": ["1000", ""], "unit": ["TNE", ""], "value": ["1000000", ""], "origin": ["AU", ""]}
    data.update(kw)
    return data


def draft(client, **kw) -> str:  # type: ignore[no-untyped-def]
    """Draft through the form as whoever is logged in; returns the declaration number."""
    token = _csrf_from(client.get("/declarations/new").text)
    r = client.post("/declarations/new", data={**form(**kw), "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def press(client, number: str, action: str, **extra):  # type: ignore[no-untyped-def]
    """Press a button on the detail page (the token comes from the page, as a browser's would)."""
    token = _csrf_from(client.get(f"/declarations/{number}").text)
    return client.post(f"/declarations/{number}/actions/{action}", data={"csrf_token": token, **extra},
                       follow_redirects=False)


def refused_on_the_page(client, number: str, action: str, **extra) -> str:  # type: ignore[no-untyped-def]
    """Press a button the rules refuse: the browser is sent back to the detail page (post/redirect/get),
    which shows the refusal; returns that page."""
    r = press(client, number, action, **extra)
    assert r.status_code == 303 and r.headers["location"] == f"/declarations/{number}", r.text
    return client.get(r.headers["location"]).text


def buttons(html: str, number: str) -> list[str]:
    return re.findall(rf'action="/declarations/{number}/actions/([a-z_]+)"', html)


def as_user(client, username: str) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    login(client, username)


@pytest.fixture
def trader(client, world):  # type: ignore[no-untyped-def]
    login(client, world.trader_a.admin)
    return world.trader_a


@pytest.mark.parametrize("path", ["/declarations", "/declarations/new", "/declarations/090020221000000001",
                                  "/customs/queue"])
def test_the_pages_need_a_login(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"


def test_a_trader_drafts_through_the_form_sees_field_errors_and_lodges(client, world, trader):
    page = client.get("/declarations/new")
    assert page.status_code == 200 and "两步申报" in page.text and 'name="modes"' in page.text
    assert client.post("/declarations/new", data=form()).status_code == 403  # no CSRF token
    assert client.get("/declarations").text.count("/declarations/0900") == 0
    token = _csrf_from(page.text)
    bad = client.post("/declarations/new", data={**form(
        consignee_uscc="91110000600037341M", containers="CSQU3054384", port="CNXXX",
        hs_code=["26011", ""], quantity=["0", ""]), "csrf_token": token})
    assert bad.status_code == 422
    for pointer in ("/items/0/hs_code", "/items/0/quantity", "/consignee_uscc", "/port", "/containers/0"):
        assert f'data-pointer="{pointer}"' in bad.text
    assert 'value="26011"' in bad.text  # the typed values come back for correction
    number = draft(client)
    detail = client.get(f"/declarations/{number}").text
    assert "铁矿砂" in detail and "草稿" in detail
    assert buttons(detail, number) == ["lodge"]  # no summary declaration without the two-step mode
    assert press(client, number, "lodge").status_code == 303
    lodged = client.get(f"/declarations/{number}").text
    assert "已申报" in lodged and '<span class="receipt"' in lodged and buttons(lodged, number) == []
    assert "<td>申报</td>" in lodged  # the DECLARATION_LODGED event on the timeline
    listing = client.get("/declarations").text
    assert f"/declarations/{number}" in listing and "已申报" in listing
    assert 'href="/declarations"' in listing and 'href="/customs/queue"' not in listing


def test_the_districts_officer_works_the_queue_with_buttons(client, world, trader):
    number = draft(client)
    press(client, number, "lodge")
    assert press(client, number, "accept").status_code == 403  # a trader does not decide
    as_user(client, world.customs.admin)
    queue = client.get("/customs/queue")
    assert queue.status_code == 200 and f"/declarations/{number}" in queue.text
    assert 'href="/customs/queue"' in queue.text and 'href="/declarations"' not in queue.text
    assert buttons(client.get(f"/declarations/{number}").text, number) == ["accept", "return", "hold"]
    assert press(client, number, "accept").status_code == 303
    accepted = client.get(f"/declarations/{number}").text
    assert "release" in buttons(accepted, number) and "lodge" not in buttons(accepted, number)
    assert press(client, number, "release").status_code == 303
    released = client.get(f"/declarations/{number}").text
    assert "已放行" in released and "海关放行" in released
    assert f"/declarations/{number}" not in client.get("/customs/queue").text


def test_an_illegal_button_shows_the_reason_and_the_allowed_steps_on_the_page(client, world, trader):
    number = draft(client)
    press(client, number, "lodge")
    as_user(client, world.customs.admin)
    page = refused_on_the_page(client, number, "release")  # forged: release is not a button while lodged
    refused = page.split('data-testid="refused"', 1)[1].split("</div>", 1)[0]
    assert "报关单当前状态为“已申报”，不能执行“放行”" in refused and 'data-code="not_allowed"' in refused
    assert "not allowed" not in refused  # no English reason on a Chinese page
    assert "已申报" in refused and "审结、退单、挂起" in refused
    assert buttons(page, number) == ["accept", "return", "hold"]


def test_another_trader_and_another_districts_officer_get_404(client, world, kouan, trader):
    number = draft(client)
    as_user(client, world.trader_b.admin)
    assert client.get(f"/declarations/{number}").status_code == 404
    token = _csrf_from(client.get("/declarations").text)
    r = client.post(f"/declarations/{number}/actions/lodge", data={"csrf_token": token})
    assert r.status_code == 404
    assert number not in client.get("/declarations").text
    other_district_officer(kouan)
    as_user(client, "sy.officer")
    assert client.get(f"/declarations/{number}").status_code == 404
    assert number not in client.get("/customs/queue").text


def test_a_two_step_past_its_deadline_is_highlighted_with_the_late_fee(client, world, kouan, trader):
    entry = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)
    events = [{"event_id": "entry", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": "CNDAL",
               "occurred_at": entry.isoformat(), "refs": {"transport_call": CALL}}]
    r = client.post("/api/v1/events", content=jsonl(*events),
                    headers={**bearer(world.carrier.key), "Content-Type": "application/x-ndjson"})
    assert (r.json()["stored"], r.json()["claims"]) == (1, 0)  # the carrier's entry declaration
    number = draft(client, modes=["two_step"])
    with transaction(kouan.sessions, actor=system("tests")) as s:
        s.scalars(select(DeclarationRecord)).one().consignee_credit = "general"
    assert press(client, number, "lodge_summary").status_code == 303
    listing = client.get("/declarations").text
    row = listing.split(f"/declarations/{number}", 1)[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in row
    days = domain.late_days(entry, utcnow())
    fee = domain.late_fee(Decimal("1000000"), days)
    assert days > 0 and f"逾期 {days} 天，滞报金 {fee} 元" in row + listing


def test_the_english_switch_shows_english_labels(client, world, trader):
    number = draft(client)
    page = client.get(f"/declarations/{number}?lang=en").text
    assert '<html lang="en">' in page
    assert "Declaration" in page and "Draft" in page and ">Lodge<" in page and "Timeline" in page
    assert "草稿" not in page
    assert "Declarations" in client.get("/declarations").text


def test_every_status_action_mode_and_obligation_is_marked_for_translation():
    from kouan.web import vocabulary

    assert set(vocabulary.DECLARATION_STATUSES) == {s.value for s in domain.Status}
    assert set(vocabulary.DECLARATION_ACTIONS) == {a.value for a in domain.Action}
    assert set(vocabulary.FACILITATION_MODES) == {m.value for m in domain.Mode} | {"standard"}
    assert set(vocabulary.OBLIGATION_KINDS) == {"amend", "verify", "lab"}


def test_the_navigation_shows_each_role_its_own_work(client, world):
    from tests.factories import login as log_in

    log_in(client, world.port_office.admin)
    page = client.get("/").text
    assert 'href="/customs/queue"' in page and 'href="/declarations"' not in page
    client.cookies.clear()
    log_in(client, world.trader_a.admin)
    page = client.get("/").text
    assert 'href="/declarations"' in page and 'href="/customs/queue"' not in page
