"""The pages that exist without the dashboard, driven in Chromium: login, language, consignments,
partner docking, declarations."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlparse

import pytest

from kouan.demo.service import synthetic_uscc
from kouan.web.i18n import gettext

pytestmark = pytest.mark.browser

NAV = ("Dashboard", "Partner docking", "Consignments", "Organisations")  # logged in: the brand leads home


def _zh(msgid: str) -> str:
    return gettext("zh_CN", msgid)


def _a_liaoning_declaration(database) -> str:  # type: ignore[no-untyped-def]
    with sqlite3.connect(database) as db:
        row = db.execute("SELECT declaration FROM clearance_case WHERE province = 'CN-LN' "
                         "AND status = 'closed' ORDER BY month DESC, declaration LIMIT 1").fetchone()
    assert row, "the demo log has no closed Liaoning declaration"
    return str(row[0])


def test_a_visitor_sees_the_home_page_in_chinese_and_the_port_office_lands_on_the_dashboard(ui, live_server):
    ui.open("/")
    assert ui.page.locator("html").get_attribute("lang") == "zh-CN"
    assert ui.page.locator("header .session a[href='/login']").inner_text() == _zh("Log in")
    ui.shot("home-visitor")
    ui.log_in("port.admin")  # lands on the dashboard, and the home link leads there too
    assert ui.page.locator("header .who").inner_text() == live_server.logins["port.admin"]["display_name"]
    nav = ui.nav_texts()
    assert all(_zh(label) in nav for label in NAV), nav
    assert _zh("Home") not in nav  # it would lead to the dashboard too
    ui.chart("trend").assert_drawn()
    ui.shot("landing-port-office")
    ui.follow("header a.brand")
    assert urlparse(ui.page.url).path == "/dashboard"


def test_a_wrong_password_is_refused_with_a_message_and_no_session(ui):
    ui.open("/login")
    ui.page.fill("input[name=username]", "port.admin")
    ui.page.fill("input[name=password]", "not-the-password")
    with ui.expecting(401):
        ui.follow("form.stacked button[type=submit]")
    assert ui.page.locator("p.error[role=alert]").inner_text().strip()
    assert ui.page.locator("header .who").count() == 0
    ui.shot("login-refused")


def test_switching_to_english_and_back_changes_the_navigation_and_keeps_the_page(ui):
    ui.log_in("port.admin", next_path="/docking")
    assert _zh("Partner docking") in ui.nav_texts()
    ui.follow("header .lang-switch a[hreflang=en]")
    assert urlparse(ui.page.url).path == "/docking"
    assert ui.page.locator("html").get_attribute("lang") == "en"
    assert [label for label in NAV if label in ui.nav_texts()] == list(NAV)
    assert ui.page.locator("h1").inner_text() == "Partner docking"
    ui.shot("docking-en")
    ui.follow("header .lang-switch a[hreflang=zh-CN]")
    assert ui.page.locator("h1").inner_text() == _zh("Partner docking")


def test_the_docking_page_lists_every_demo_feed_with_its_volume(ui):
    ui.log_in("port.admin", next_path="/docking")
    rows = ui.page.locator("[data-testid=docking-table] tbody tr")
    # each feed by its organisation's name, the partner code as secondary text
    sources = [rows.nth(i).locator("td small.code").inner_text() for i in range(rows.count())
               if rows.nth(i).locator("td small.code").count()]
    assert {"DCT", "COSCO", "DLCUS", "DLBROKER"} <= set(sources), sources
    assert _zh("大连集装箱码头有限公司") in rows.first.locator("td strong").inner_text() or \
        "大连集装箱码头有限公司" in [rows.nth(i).locator("td strong").inner_text() for i in range(rows.count())]
    events = [int(rows.nth(i).locator("td").nth(3).inner_text()) for i in range(rows.count())]
    assert all(n > 0 for n in events), events
    ui.shot("docking")


def test_a_consignment_found_by_its_declaration_shows_its_timeline_by_object(ui, live_server):
    number = _a_liaoning_declaration(live_server.database)
    ui.log_in("port.admin", next_path="/consignments")
    ui.page.fill("input[name=ref]", number)
    ui.follow("form.inline-form button[type=submit]")
    assert urlparse(ui.page.url).path == f"/consignments/{number}"
    objects = ui.page.locator("section.timeline-object")
    assert objects.count() >= 2  # at least the declaration and its bill of lading or container
    assert number in ui.page.locator("section.timeline-object code").all_inner_texts()
    assert ui.page.locator("section.timeline-object tbody tr").count() >= 3
    ui.shot("consignment")


def test_an_unknown_consignment_reference_answers_not_found_on_the_search_page(ui):
    ui.log_in("port.admin", next_path="/consignments")
    with ui.expecting(404):
        ui.open("/consignments/NOSUCHREF0000", status=404)
    assert ui.page.locator("p.error[role=alert] code").inner_text() == "NOSUCHREF0000"


def test_a_broker_drafts_a_declaration_in_the_browser_and_sees_it_listed(ui):
    ui.log_in("broker.li", next_path="/declarations")
    ui.follow("a.button[href='/declarations/new']")
    ui.page.select_option("select[name=direction]", "I")
    ui.page.fill("input[name=consignee_uscc]", synthetic_uscc("210200", 100000107))
    ui.page.fill("input[name=consignee_name]", "辽宁海润进出口贸易有限公司")
    ui.page.fill("input[name=port]", "CNDAL")
    ui.page.locator("input[name=hs_code]").first.fill("2601111000")
    ui.page.locator("input[name=description]").first.fill("铁矿砂")
    ui.page.locator("input[name=quantity]").first.fill("1000")
    ui.page.locator("input[name=unit]").first.fill("TNE")
    ui.page.locator("input[name=value]").first.fill("850000")
    ui.page.locator("input[name=origin]").first.fill("AU")
    ui.shot("declaration-form")
    ui.follow("form[action='/declarations/new'] button[type=submit]")
    number = urlparse(ui.page.url).path.removeprefix("/declarations/")
    assert number.isdigit() and len(number) == 18, ui.page.url
    ui.shot("declaration-draft")
    ui.open("/declarations")
    assert number in ui.page.locator("table.grid tbody a").all_inner_texts()
