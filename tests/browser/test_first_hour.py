"""A new user's first hour, in Chromium (issue 14): the API docs offline, one month on the dashboard
at a glance, every demo login on its own page, the English top bar on one line, zh-CN and en."""

from __future__ import annotations

import struct
from urllib.parse import urlparse

import pytest

from kouan.dashboard import labels
from kouan.web.i18n import gettext

pytestmark = pytest.mark.browser


def _offline(ui) -> list[str]:  # type: ignore[no-untyped-def]
    """Every request to another host is refused (as on an intranet); returns the ones tried."""
    ours = urlparse(ui.base_url).netloc
    tried: list[str] = []

    def route(r):  # type: ignore[no-untyped-def]
        if urlparse(r.request.url).netloc in (ours, "") or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            tried.append(r.request.url)
            r.abort("internetdisconnected")

    ui.page.context.route("**/*", route)
    return tried


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_api_docs_render_with_no_network(ui, locale):
    tried = _offline(ui)
    ui.open("/" if locale == "zh_CN" else "/?lang=en")
    ui.follow("header nav a[href='/docs']")  # the nav's API link
    ui.page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Kouan" in ui.page.locator(".swagger-ui .info .title").inner_text()
    assert ui.page.locator(".swagger-ui .opblock").count() > 50  # every operation listed
    ui.open("/redoc")  # leads to the same page
    assert urlparse(ui.page.url).path == "/docs"
    assert tried == []
    ui.shot(f"docs-{locale}")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_one_month_reads_at_a_glance_beside_the_national_figure_and_the_2017_line(ui, locale):
    t = lambda m: gettext(locale, m)  # noqa: E731
    ui.log_in("port.admin", next_path="/dashboard")
    ui.open("/dashboard?region=CN-LN&from=2022-03&to=2022-03&direction=I"
            + ("&lang=en" if locale == "en" else ""))
    ui.chart("trend").assert_drawn()
    headline = ui.page.locator("[data-testid=headline] .headline-item[data-direction=I]")
    assert headline.locator(".headline-figure").inner_text().startswith("39.93")
    assert t(labels.NATIONAL) in headline.locator(".headline-national").inner_text()
    assert "40.09" in headline.locator(".headline-national").inner_text()  # the national March 2022
    assert t(labels.HALVED) in headline.locator(".headline-halved").inner_text()
    lines = ui.page.evaluate("""() => window.kouanCharts.trend.getOption().series
        .filter((s) => s.markLine && s.markLine.data && s.markLine.data.length)
        .map((s) => [s.name, s.markLine.data[0].yAxis])""")
    names = {name for name, _y in lines}
    assert any(t(labels.NATIONAL) in n for n in names) and any(t(labels.HALVED) in n for n in names), lines
    for name in ("trend", "segments", "ports", "facilitation"):
        period = ui.page.locator(f"[data-testid=period-{name}]").inner_text()
        assert "2022-03" in period and ("辽宁" if locale == "zh_CN" else "Liaoning") in period, period
    card = ui.page.locator(".chart-card", has=ui.page.locator("#chart-trend"))
    with ui.page.expect_download() as png:
        card.locator("button.export-png").click()
    assert png.value.suggested_filename == "kouan-trend-CN-LN-2022-03_2022-03.png"
    with open(png.value.path(), "rb") as fh:
        picture = fh.read()
    width, height = struct.unpack(">II", picture[16:24])
    canvas = ui.page.evaluate("() => window.kouanCharts.trend.getHeight()")
    assert picture[:8] == b"\x89PNG\r\n\x1a\n" and height >= 2 * canvas + 100  # the title band on top
    ui.shot(f"single-month-{locale}")


def test_the_default_range_is_the_last_twelve_complete_months(ui):
    ui.log_in("port.admin", next_path="/dashboard")
    form = ui.page.locator("form#dashboard-filters")
    first, last = form.locator("input[name=from]").input_value(), form.locator("input[name=to]").input_value()
    months = (int(last[:4]) * 12 + int(last[5:])) - (int(first[:4]) * 12 + int(first[5:])) + 1
    assert months == 12, (first, last)
    ui.chart("trend").assert_drawn()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_demo_login_lands_on_the_page_made_for_its_role(ui, live_server, locale):
    for username, login in live_server.logins.items():
        ui.page.context.clear_cookies()
        if locale == "en":
            ui.open("/?lang=en")
        ui.open("/login")
        ui.page.fill("input[name=username]", username)
        ui.page.fill("input[name=password]", login["password"])
        ui.follow("form.stacked button[type=submit]")
        opens = login["opens"]
        assert urlparse(ui.page.url).path == urlparse(opens).path, (username, ui.page.url, opens)
        assert ui.page.locator("html").get_attribute("lang") == ("en" if locale == "en" else "zh-CN")
        assert ui.page.locator("main h1").count() == 1, username
    ui.shot(f"last-landing-{locale}")


def test_the_english_top_bar_stays_on_one_line_at_1366_pixels(ui):
    ui.log_in("port.admin", next_path="/dashboard")
    ui.open("/dashboard?lang=en")
    assert ui.page.viewport_size["width"] == 1366
    boxes = ui.page.evaluate("""() => [...document.querySelectorAll('header nav a, header .session > *')]
        .map((el) => el.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => r.top)""")
    assert max(boxes) - min(boxes) < 12, boxes  # every link and the session on one row
    ui.shot("topbar-en")


def test_a_first_visit_follows_the_browsers_language(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()
