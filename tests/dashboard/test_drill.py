"""The declarations behind a figure: the same count and mean as the figure, and only what the
principal may see."""

from __future__ import annotations

import re
from statistics import mean

import pytest
from tests.dashboard.helpers import cases, csv_rows, drill_links, seed
from tests.factories import login

RANGE = {"from": "2022-02", "to": "2022-03", "region": "CN-LN"}


@pytest.fixture
def seeded(kouan, world):
    seed(kouan)
    return world


def trend_figure(client, month: str, direction: str, **query: str) -> tuple[float, str]:
    data = client.get("/api/v1/dashboard/trend", params={**RANGE, **query}).json()
    name = {"I": "进口", "E": "出口"}[direction]
    [panel] = [p for p in data["panels"] if p["title"] == name]
    series = panel["series"][0]
    i = panel["categories"].index(month)
    return series["values"][i], series["drill"][i]


def shown(html: str, element: str) -> str:
    m = re.search(rf'id="{element}">([^<]*)<', html)
    assert m, f"#{element} on the page"
    return m.group(1).strip()


def test_the_drill_down_lists_the_cases_behind_the_figure_with_its_n_and_mean(seeded, client):
    login(client, seeded.port_office.admin)
    value, url = trend_figure(client, "2022-03", "I")
    page = client.get(url)
    assert page.status_code == 200
    behind = [c for c in cases(direction="I", month="2022-03") if c.port != "CNSHA"]
    assert shown(page.text, "drill-n") == str(len(behind))
    assert shown(page.text, "drill-mean") == f"{value:.2f}" == f"{mean(c.hours for c in behind):.2f}"
    assert sorted(drill_links(page.text)) == sorted(f"/consignments/{c.declaration}" for c in behind)
    assert 'id="drill-table"' in page.text


def test_a_port_bar_drills_to_that_ports_cases(seeded, client):
    login(client, seeded.port_office.admin)
    data = client.get("/api/v1/dashboard/ports", params={**RANGE, "direction": "I"}).json()
    [panel] = data["panels"]
    i = [c.rsplit("(", 1)[-1].rstrip(")") for c in panel["categories"]].index("CNYIK")
    listed = client.get(panel["series"][0]["drill"][i].replace("/dashboard/", "/api/v1/dashboard/")).json()
    assert listed["n"] == 2 and listed["mean_h"] == pytest.approx(panel["series"][0]["values"][i])
    assert {r["port"] for r in listed["rows"]} == {"CNYIK"}


def test_a_mode_filter_narrows_the_figure_and_its_cases_alike(seeded, client):
    login(client, seeded.port_office.admin)
    value, url = trend_figure(client, "2022-03", "I", mode="advance")
    listed = client.get(url.replace("/dashboard/", "/api/v1/dashboard/")).json()
    assert value == 40.0 and listed["n"] == 1 and listed["mean_h"] == value
    assert listed["rows"][0]["facilitation_mode"] == "advance"


def test_a_trader_sees_only_its_own_declarations_behind_a_figure(seeded, client):
    login(client, seeded.trader_a.admin)
    _value, url = trend_figure(client, "2022-03", "I")
    page = client.get(url)
    own = cases(direction="I", month="2022-03", lodged_by="TRADERA")
    assert sorted(drill_links(page.text)) == sorted(f"/consignments/{c.declaration}" for c in own)
    for other in cases(lodged_by="TRADERB"):
        assert other.declaration not in page.text
    assert shown(page.text, "drill-n") == str(len(own))
    assert f"该数字共涉及4票，您可见{len(own)}票" in page.text  # the figure's own total, stated beside
    listed = client.get(url.replace("/dashboard/", "/api/v1/dashboard/")).json()
    assert listed["restricted"] is True and listed["figure_n"] == 4 and listed["n"] == len(own)


def test_customs_see_their_districts_declarations_only(seeded, client):
    login(client, seeded.customs.admin)
    listed = client.get("/api/v1/dashboard/declarations",
                        params={**RANGE, "region": "CN", "month": "2022-03", "direction": "I"}).json()
    assert listed["figure_n"] == 5  # four in Liaoning, one in Shanghai
    assert {r["declaration"][:4] for r in listed["rows"]} == {"0900"} and listed["n"] == 4


def test_the_drill_down_sorts_by_hours_and_exports_csv(seeded, client):
    login(client, seeded.port_office.admin)
    params = {**RANGE, "direction": "I"}
    up = client.get("/api/v1/dashboard/declarations", params={**params, "order": "asc"}).json()
    hours = [r["hours"] for r in up["rows"]]
    assert hours == sorted(hours) and len(hours) == 6
    r = client.get("/api/v1/dashboard/declarations", params={**params, "format": "csv"})
    rows = csv_rows(r.content)
    assert rows[0][:3] == ["报关单", "口岸", "进出口"]
    assert [float(row[6]) for row in rows[1:]] == sorted(hours, reverse=True)
    assert client.get("/api/v1/dashboard/declarations", params={**params, "sort": "colour"}).status_code == 422


def test_the_drill_down_page_needs_a_login(seeded, client):
    r = client.get("/dashboard/declarations", params=RANGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/dashboard/declarations")


def test_the_drill_down_pages_through_every_case_once(seeded, client, monkeypatch):
    from kouan.dashboard import drill

    monkeypatch.setattr(drill, "PER_PAGE", 4)
    login(client, seeded.port_office.admin)
    params = {**RANGE, "direction": "I"}
    first = client.get("/api/v1/dashboard/declarations", params=params).json()
    second = client.get("/api/v1/dashboard/declarations", params={**params, "page": 2}).json()
    assert first["pages"] == 2 and len(first["rows"]) == 4 and len(second["rows"]) == 2
    listed = [r["declaration"] for r in first["rows"] + second["rows"]]
    assert sorted(listed) == sorted(c.declaration for c in cases(direction="I") if c.port != "CNSHA")
