"""The dashboard page (login, the DOM the browser tests and dashboard.js rely on, zh and en), the
consignment Gantt view, and the public bulletin pages."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from starlette.requests import Request
from tests.dashboard.helpers import CASES, seed
from tests.factories import login
from typer.testing import CliRunner

from kouan.cli import app as cli_app
from kouan.dashboard import access, public
from kouan.dashboard.pages import dashboard_principal
from kouan.kit.clock import CHINA_TZ
from kouan.kit.errors import Forbidden
from kouan.partners.domain import OrgKind, Principal, Role
from kouan.web.landing import landing_page

CHARTS = ("trend", "segments", "ports", "facilitation", "docking")


@pytest.fixture
def seeded(kouan, world):
    seed(kouan)
    return world


def test_the_dashboard_needs_a_login(client):
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/dashboard"


def test_the_dashboard_page_carries_every_chart_its_exports_and_the_filter_form(seeded, client):
    login(client, seeded.port_office.admin)
    html = client.get("/dashboard?from=2022-02&to=2022-03&region=CN-LN").text
    for name in CHARTS:
        m = re.search(rf'<div class="chart" id="chart-{name}" data-chart="{name}" data-src="([^"]+)"', html)
        assert m, name
        src = m.group(1).replace("&amp;", "&")
        assert src.startswith(f"/api/v1/dashboard/{name}")
        assert client.get(src).status_code == 200
    assert html.count('class="export-csv') == 5 and html.count('class="export-png') == 5
    assert html.count('<details class="chart-data">') == 5
    form = html.split('<form id="dashboard-filters"')[1].split("</form>")[0]
    for name in ("port", "region", "from", "to", "direction", "mode"):
        assert f'name="{name}"' in form
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html and 'src="/static/dashboard.js"' in html
    assert 'value="2022-02"' in form and '<option value="CNDAL"' in form


def test_the_dashboard_speaks_chinese_first_and_english_on_request(seeded, client):
    login(client, seeded.port_office.admin)
    zh = client.get("/dashboard").text
    assert "通关时间仪表盘" in zh and ">仪表盘</a>" in zh and "逐月整体通关时间" in zh
    en = client.get("/dashboard?lang=en").text
    assert "Clearance-time dashboard" in en and ">Dashboard</a>" in en and "Port ranking" in en


def test_only_a_person_may_open_the_dashboard():
    person = Principal(kind="person", id=1, org_id=1, org_kind=OrgKind.TRADER, role=Role.VIEWER)
    key = Principal(kind="apikey", id=2, org_id=1, org_kind=OrgKind.TRADER, scopes=frozenset({"read"}))
    assert access.can_view(person) and not access.can_view(key) and not access.can_view(None)
    assert landing_page(person) == "/declarations" and landing_page(key) == "/"


@pytest.mark.parametrize(("locale", "refusal"), [("zh_CN", "您的角色无权打开仪表盘"),
                                                 ("en", "your role does not open the dashboard")])
def test_the_dashboard_refusal_is_in_the_pages_language(locale, refusal):
    key = Principal(kind="apikey", id=2, org_id=1, org_kind=OrgKind.TRADER, scopes=frozenset({"read"}))
    request = Request({"type": "http", "state": {"locale": locale}})
    with pytest.raises(Forbidden) as refused:
        dashboard_principal(request, key)  # no page hands it a key today: the rule still speaks
    assert refused.value.detail == refusal
    person = Principal(kind="person", id=1, org_id=1, org_kind=OrgKind.TRADER, role=Role.VIEWER)
    assert dashboard_principal(request, person) is person


def test_a_bad_filter_on_the_page_is_named_and_the_defaults_shown(seeded, client):
    login(client, seeded.port_office.admin)
    r = client.get("/dashboard?direction=sideways")
    assert r.status_code == 422 and "<code>direction</code>" in r.text
    assert 'id="chart-trend"' in r.text


def test_the_consignment_page_has_a_gantt_view_of_its_events_by_object(seeded, client):
    login(client, seeded.port_office.admin)
    decl = CASES[0].declaration
    html = client.get(f"/consignments/{decl}").text
    m = re.search(r'<div class="chart" id="chart-gantt" data-chart="gantt" data-src="([^"]+)"', html)
    assert m
    data = client.get(m.group(1).replace("&amp;", "&") + "&lang=en").json()
    assert sorted(data["objects"]) == ["Bill of lading BLI1", f"Declaration {decl}",
                                       "Transport call 9321483/0001N/CNDAL"]
    milestones = {(data["objects"][p["object"]], p["milestone"], p["time"]) for p in data["points"]}
    # case 1: entry 2022-03-06 08:00 Beijing, lodged 7.5 h later, released 30 h after the entry
    assert (f"Declaration {decl}", "Declaration lodged", "2022-03-06 15:30") in milestones
    assert (f"Declaration {decl}", "Customs released", "2022-03-07 14:00") in milestones
    assert data["series_names"] == ["Span", "Actual"]
    assert all(s["start"] <= s["end"] for s in data["spans"]) and len(data["spans"]) == 3


def test_a_consignment_the_trader_did_not_report_on_is_not_found_in_the_gantt(seeded, client):
    login(client, seeded.trader_a.admin)
    other = next(c for c in CASES if c.lodged_by == "TRADERB")
    assert client.get("/api/v1/dashboard/gantt", params={"ref": other.declaration}).status_code == 404


def kouan_bulletin(kouan, tmp_path, lang: str) -> str:
    env = {"KOUAN_DATABASE_URL": kouan.settings.effective_database_url, "KOUAN_DATA_DIR": str(tmp_path)}
    r = CliRunner().invoke(cli_app, ["bulletin", "--month", "2022-03", "--region", "CN-LN", "--lang", lang],
                           env=env)
    assert r.exit_code == 0, r.output
    return r.stdout.split("\n\n", 1)[1].split("\n")[0]


def test_the_public_bulletin_states_the_sentence_and_figures_without_login(seeded, kouan, client, tmp_path):
    index = client.get("/bulletins")
    assert index.status_code == 200 and 'href="/bulletins/CN-LN/2022-03"' in index.text
    assert 'href="/bulletins/CN-LN/2022-02"' in index.text
    liaoning = index.text.split('data-region="CN-LN"')[1].split("</table>")[0]
    row_2022 = liaoning.split("<th scope=\"row\">2022</th>")[1].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row_2022)
    assert len(cells) == 12 and "/bulletins/CN-LN/2022-02" in cells[1] and "/bulletins/CN-LN/2022-03" in cells[2]
    assert ">3月<" in cells[2] and cells[11] == "—"  # a month without released declarations has none
    page = client.get("/bulletins/CN-LN/2022-03")
    assert page.status_code == 200
    sentence = re.search(r'id="bulletin-sentence"[^>]*>([^<]+)<', page.text).group(1)
    assert sentence == kouan_bulletin(kouan, tmp_path, "zh")
    assert "进口、出口整体通关时间分别为35.00小时和1.00小时" in sentence
    row = page.text.split('data-direction="I"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["35.00", "40.09", "5.09", "97.39", "64.1%", "4"]
    assert 'id="bulletin-partial"' not in page.text
    this_month = datetime.now(CHINA_TZ).strftime("%Y-%m")
    current = client.get(f"/bulletins/CN-LN/{this_month}")
    assert current.status_code == 200 and 'id="bulletin-partial"' in current.text  # figures so far, said so
    en = client.get("/bulletins/CN-LN/2022-03?lang=en").text
    assert kouan_bulletin(kouan, tmp_path, "en") in en.replace("&#39;", "'")


def test_the_bulletin_calendar_reads_by_year_and_marks_the_month_not_over():
    entries = [public.IndexEntry("CN-LN", "辽宁", "Liaoning", m, n)
               for m, n in (("2026-11", 3), ("2026-01", 5), ("2024-12", 7))]
    [c] = public.calendars(entries, this_month="2026-11")
    assert [year for year, _cells in c.years] == [2026, 2024]  # newest first, years without any left out
    cells_2026 = dict(c.years)[2026]
    assert [cell.month if cell else None for cell in cells_2026] == ["2026-01"] + [None] * 9 + ["2026-11", None]
    assert cells_2026[10].partial and not cells_2026[0].partial and cells_2026[0].declarations == 5
    assert dict(c.years)[2024][11].month == "2024-12"


def test_the_public_bulletin_tells_nothing_beyond_the_bulletin(seeded, client):
    html = client.get("/bulletins/CN-LN/2022-03").text
    chart = client.get("/api/v1/dashboard/bulletin", params={"region": "CN-LN", "month": "2022-03"}).text
    for c in CASES:
        assert c.declaration not in html and c.declaration not in chart
    for secret in ("CNDAL", "CNYIK", "TRADERA", "/dashboard/declarations", "BLI1"):
        assert secret not in html and secret not in chart
    data = json.loads(chart)
    values = {(p["title"], s["name"]): s["values"] for p in data["panels"] for s in p["series"]}
    assert values[("进口", "进口")] == [35.0, 40.09, 97.39]


def test_bulletin_pages_refuse_a_bad_month_or_region(seeded, client):
    assert client.get("/bulletins/CN-LN/2022-13", headers={"Accept": "text/html"}).status_code == 422
    future = f"{datetime.now(CHINA_TZ).year + 1}-01"
    assert client.get(f"/bulletins/CN-LN/{future}", headers={"Accept": "text/html"}).status_code == 404
    api = client.get("/api/v1/dashboard/bulletin", params={"region": "CN-LN", "month": future})
    assert api.status_code == 404 and "has not begun" in api.json()["detail"]
    assert client.get("/bulletins/CN-XX/2022-03", headers={"Accept": "text/html"}).status_code == 422


def test_the_bulletin_prints_without_navigation_or_buttons(client):
    html = client.get("/bulletins").text
    assert 'href="/static/dashboard.css"' in html
    css = client.get("/static/dashboard.css").text
    rules = css.split("@media print", 1)[1]
    for hidden in (".topbar", "footer", "button", ".chart-actions"):
        assert hidden in rules.split("display: none")[0]
    assert "size: A4" in rules


def test_echarts_is_served_from_kouan_itself(client):
    r = client.get("/static/vendor/echarts/echarts.min.js")
    assert r.status_code == 200 and b"echarts" in r.content[:2000]
    assert client.get("/static/vendor/echarts/LICENSE").status_code == 200
