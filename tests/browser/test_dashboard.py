"""The port office's dashboard, its drill-down, the consignment Gantt view and the public bulletin,
driven in Chromium: every chart must have drawn (a painted canvas, the right series names in the
page's language), and the figures must be those of ``kouan kpi`` / ``kouan bulletin``."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from tests.browser.harness import CJK

from kouan.clearance.clocks import GAC
from kouan.dashboard import labels
from kouan.kit.clock import CHINA_TZ
from kouan.web.i18n import gettext

pytestmark = pytest.mark.browser

CHARTS = ("trend", "segments", "ports", "facilitation", "docking")
BULLETIN_MONTH = "2022-03"  # the month Liaoning's published figures (39.93 h / 0.84 h) calibrate


def translator(locale: str):  # type: ignore[no-untyped-def]
    return lambda message: gettext(locale, message)


def expected_series(chart: str, t, segments: dict[str, list[str]],  # type: ignore[no-untyped-def]
                    directions: tuple[str, ...] = ("I", "E")) -> list[str]:
    """The series each chart must draw, translated with the UI catalog."""
    names = [t(labels.DIRECTIONS[d]) for d in directions]
    by_chart = {
        "trend": [s for n in names for s in (n, f"{t(labels.NATIONAL)} · {n}", f"{t(labels.HALVED)} · {n}")],
        "segments": [t(labels.SEGMENTS[s]) for d in directions for s in segments[d]],
        "ports": [f"{t(labels.MEAN)} · {n}" for n in names],
        "facilitation": [t(labels.ADVANCE_RATE), t(labels.TWO_STEP_SHARE), t(labels.TWO_STEP_COUNT)],
        "docking": [t(labels.EVENTS_PER_DAY), t(labels.ACTUAL_SHARE), t(labels.QUARANTINE_RATE),
                    t(labels.VALID_CONTAINERS)],
    }
    return list(dict.fromkeys(by_chart[chart]))


def bulletin_series(t) -> list[str]:  # type: ignore[no-untyped-def]
    names = [t(labels.DIRECTIONS[d]) for d in ("I", "E")]
    return [s for n in names for s in (n, f"{t(labels.HALVED)} · {n}")]


@pytest.fixture(scope="module")
def clock_segments() -> dict[str, list[str]]:
    """The GAC clock's segment names per direction (the dashboard's default clock)."""
    return {d: list(GAC.for_direction(d).segment_names) for d in ("I", "E")}


def _table_figures(table) -> list[tuple[str, str, str, float, str | None]]:  # type: ignore[no-untyped-def]
    """(panel, category, series, value, drill-down href) for every row of a chart's data table."""
    return table.evaluate("""(t) => [...t.querySelectorAll('tbody tr')].map((tr) => {
        const td = tr.querySelectorAll('td'); const a = td[3].querySelector('a.drill');
        return [td[0].textContent, td[1].textContent, td[2].textContent, Number(td[3].dataset.value),
                a ? a.getAttribute('href') : null]; })""")


def test_every_dashboard_chart_draws_with_its_series_named_in_chinese(ui, clock_segments):
    ui.log_in("port.admin", next_path="/dashboard")
    t = translator("zh_CN")
    assert t("Dashboard") in ui.nav_texts()
    for name in CHARTS:
        chart = ui.chart(name)
        chart.assert_drawn()
        assert chart.series == expected_series(name, t, clock_segments), name
        assert all(CJK.search(s) for s in chart.series), f"{name}: untranslated series {chart.series}"
    ui.shot("dashboard-zh")
    for name in CHARTS:
        card = ui.page.locator(".chart-card", has=ui.page.locator(f"#chart-{name}"))
        assert card.locator("a.export-csv").count() == 1 and card.locator("button.export-png").count() == 1
        assert ui.chart_table(name).locator("tbody tr").count() > 0, f"{name}: empty data table"
    ui.page.emulate_media(media="print")
    assert ui.page.locator("header nav").is_hidden()
    assert ui.page.locator("form#dashboard-filters").is_hidden()
    ui.page.emulate_media(media="screen")


def test_the_month_not_over_yet_is_drawn_dashed_and_labelled_partial(ui):
    """The month not over yet keeps its trend figure, with a "(未完)" label and a dashed segment;
    no other month is marked."""
    now = datetime.now(CHINA_TZ).strftime("%Y-%m")
    ui.log_in("port.admin", next_path=f"/dashboard?to={now}")
    ui.chart("trend").assert_drawn()
    option = ui.page.evaluate("""() => { const o = window.kouanCharts.trend.getOption();
        return {categories: o.xAxis.map((a) => a.data),
                series: o.series.map((s) => ({id: String(s.id), name: s.name, data: s.data,
                                             dashed: s.lineStyle && s.lineStyle.type}))}; }""")
    partial = gettext("zh_CN", labels.PARTIAL_MONTH) % {"month": now}
    for categories in option["categories"]:
        assert [c for c in categories if "未完" in c] == [partial] and categories[-1] == partial, categories
    names = {gettext("zh_CN", labels.DIRECTIONS[d]) for d in ("I", "E")}
    with_figure = {series for _panel, month, series, _v, _href in _table_figures(ui.chart_table("trend"))
                   if month == partial and series in names}
    tails = [s for s in option["series"] if s["id"].startswith("partial:")]
    assert {s["name"] for s in tails} == with_figure and all(s["dashed"] == "dashed" for s in tails)
    for s in tails:  # the last complete month and the partial one, nothing else
        assert s["data"][-1] is not None and sum(v is not None for v in s["data"]) <= 2
        [solid] = [o for o in option["series"] if o["name"] == s["name"] and o["id"] != s["id"]]
        assert solid["data"][-1] is None and solid["dashed"] == "solid"  # the solid line stops before
    ui.shot("dashboard-partial-month")


def test_switching_to_english_redraws_every_chart_with_english_series_names(ui, clock_segments):
    ui.log_in("port.admin", next_path="/dashboard")
    zh = {name: ui.chart(name).series for name in CHARTS}
    ui.follow("header .lang-switch a[hreflang=en]")
    assert urlparse(ui.page.url).path == "/dashboard"
    assert "Dashboard" in ui.nav_texts() and "Partner docking" in ui.nav_texts()
    t = translator("en")
    for name in CHARTS:
        chart = ui.chart(name)
        chart.assert_drawn()
        assert chart.series == expected_series(name, t, clock_segments), name
        assert not any(CJK.search(s) for s in chart.series), f"{name}: Chinese left in {chart.series}"
        assert len(chart.series) == len(zh[name]) and chart.series != zh[name]
    ui.shot("dashboard-en")


def test_the_filter_form_narrows_the_trend_to_the_figures_of_kouan_kpi(ui, live_server, clock_segments):
    ui.log_in("port.admin", next_path="/dashboard")
    form = ui.page.locator("form#dashboard-filters")
    for field in ("port", "region", "from", "to", "direction", "mode"):
        assert form.locator(f"[name={field}]").count() == 1, f"filter field {field} missing"
    form.locator("select[name=region]").select_option("CN-LN")
    form.locator("input[name=from]").fill("2022-01")
    form.locator("input[name=to]").fill("2022-06")
    form.locator("select[name=direction]").select_option("I")
    ui.follow(form.locator("button[type=submit]"))
    query = parse_qs(urlparse(ui.page.url).query)
    assert query["from"] == ["2022-01"] and query["to"] == ["2022-06"] and query["direction"] == ["I"]
    chart = ui.chart("trend")
    chart.assert_drawn()
    assert chart.series == expected_series("trend", translator("zh_CN"), clock_segments, ("I",))
    kpi = json.loads(live_server.kouan("kpi", "--from", "2022-01-01", "--to", "2022-06-30",
                                       "--region", "CN-LN", "--by", "month,direction", "--json"))
    expected = {r["month"]: r["mean_h"] for r in kpi["rows"]
                if r["direction"] == "I" and r["n"] and r["month"]}
    import_name = gettext("zh_CN", labels.DIRECTIONS["I"])
    shown = {month: value for _panel, month, series, value, _href in _table_figures(ui.chart_table("trend"))
             if series == import_name}
    assert shown.keys() == expected.keys() and len(shown) == 6
    assert shown == pytest.approx(expected, rel=1e-9)
    assert shown["2022-03"] == pytest.approx(39.93)
    ui.shot("dashboard-filtered")


def test_a_trend_figure_drills_down_to_its_declarations_and_a_consignment_gantt_chart(ui):
    ui.log_in("port.admin", next_path="/dashboard")
    ui.chart("trend").assert_drawn()
    first = ui.chart_table("trend").locator("a.drill").first
    figure = float(first.inner_text())
    ui.follow(first)
    assert urlparse(ui.page.url).path == "/dashboard/declarations"
    n = int(ui.page.locator("#drill-n").inner_text())
    assert n > 0
    assert float(ui.page.locator("#drill-mean").inner_text()) == pytest.approx(figure, abs=0.005)
    links = ui.page.locator("table#drill-table a.consignment-link")
    assert 0 < links.count() <= n
    if links.count() == n:  # all on one page: the rows average to the figure clicked
        hours = [float(h) for h in ui.page.locator("table#drill-table td.num").all_inner_texts()]
        assert sum(hours) / len(hours) == pytest.approx(figure, abs=0.01)
    ui.shot("drill-down")
    declaration = links.first.inner_text().strip()
    ui.follow(links.first)
    assert urlparse(ui.page.url).path == f"/consignments/{declaration}"
    gantt = ui.chart("gantt")
    gantt.assert_drawn()
    t = translator("zh_CN")
    assert gantt.series[0] == t(labels.SPAN) and t(labels.CLASSIFIERS["ACT"]) in gantt.series
    assert any(declaration in row for row in ui.chart_table("gantt").locator("tbody tr").all_inner_texts())
    ui.shot("consignment-gantt")


def test_the_chart_exports_give_the_tables_numbers_as_csv_and_the_picture_as_png(ui):
    ui.log_in("port.admin", next_path="/dashboard")
    ui.chart("ports").assert_drawn()
    figures = _table_figures(ui.chart_table("ports"))
    card = ui.page.locator(".chart-card", has=ui.page.locator("#chart-ports"))
    with ui.page.expect_download() as csv_download:
        card.locator("a.export-csv").click()
    text = open(csv_download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(figures) + 1
    exported = [(r[1], r[2], float(r[3])) for r in rows[1:]]
    assert exported == [(f[1], f[2], pytest.approx(f[3])) for f in figures]
    with ui.page.expect_download() as png_download:
        card.locator("button.export-png").click()
    with open(png_download.value.path(), "rb") as fh:
        picture = fh.read()
    assert picture[:8] == b"\x89PNG\r\n\x1a\n" and len(picture) > 10_000
    assert png_download.value.suggested_filename.endswith(".png")


def test_the_public_bulletin_reads_without_login_and_prints_without_the_navigation(ui, live_server):
    ui.open("/bulletins")
    assert ui.page.locator("header .who").count() == 0
    link = ui.page.locator(f"#bulletin-index a.bulletin-link[href='/bulletins/CN-LN/{BULLETIN_MONTH}']")
    assert link.count() == 1, f"no Liaoning bulletin listed for {BULLETIN_MONTH}"
    ui.follow(link)
    sentence = ui.page.locator("#bulletin-sentence").inner_text().strip()
    cli = live_server.kouan("bulletin", "--month", BULLETIN_MONTH, "--region", "CN-LN", "--lang", "zh")
    assert sentence and sentence in cli
    assert "39.93" in sentence and "0.84" in sentence
    chart = ui.chart("bulletin")
    chart.assert_drawn()
    assert chart.series == bulletin_series(translator("zh_CN"))
    ui.shot("bulletin")
    assert ui.page.locator("header nav").is_visible()
    ui.page.emulate_media(media="print")
    assert ui.page.locator("header nav").is_hidden()
    assert ui.page.locator("#bulletin-sentence").is_visible()
    assert ui.page.locator("#chart-bulletin canvas").first.is_visible()
    ui.shot("bulletin-print")
    ui.page.emulate_media(media="screen")


def test_the_public_bulletin_switches_to_english_with_the_sentence_of_kouan_bulletin(ui, live_server):
    ui.open(f"/bulletins/CN-LN/{BULLETIN_MONTH}")
    ui.follow("header .lang-switch a[hreflang=en]")
    assert urlparse(ui.page.url).path == f"/bulletins/CN-LN/{BULLETIN_MONTH}"
    sentence = ui.page.locator("#bulletin-sentence").inner_text().strip()
    cli = live_server.kouan("bulletin", "--month", BULLETIN_MONTH, "--region", "CN-LN", "--lang", "en")
    assert sentence.startswith("In March 2022") and sentence in cli
    chart = ui.chart("bulletin")
    chart.assert_drawn()
    assert chart.series == bulletin_series(translator("en"))
    assert not any(CJK.search(s) for s in chart.series)
    ui.shot("bulletin-en")
