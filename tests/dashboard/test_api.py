"""The chart endpoints draw exactly what `kouan kpi` (and `kouan facilitation`, the docking view)
answer for the same filters; CSV carries the same numbers; labels follow the language."""

from __future__ import annotations

import json
from functools import partial

import pytest
from tests.dashboard.helpers import cases, csv_rows, seed
from tests.factories import bearer, login
from typer.testing import CliRunner

from kouan.cli import app as cli_app
from kouan.dashboard import filters

RANGE = {"from": "2022-02", "to": "2022-03"}
# (dashboard query, the same filters as `kouan kpi` options)
COMBINATIONS = [
    ({"region": "CN-LN"}, ["--region", "CN-LN"]),
    ({"region": "CN"}, []),
    ({"region": "CN-LN", "port": "CNDAL"}, ["--region", "CN-LN", "--port", "CNDAL"]),
    ({"region": "CN-LN", "direction": "I"}, ["--region", "CN-LN"]),
    ({"region": "CN-LN", "mode": "advance"}, ["--region", "CN-LN"]),
    ({"region": "CN", "direction": "E", "mode": "standard"}, []),
]


@pytest.fixture
def seeded(kouan, world, client):
    seed(kouan)
    login(client, world.port_office.admin)
    return kouan


def kouan_kpi(kouan, tmp_path, *args: str) -> list[dict]:
    env = {"KOUAN_DATABASE_URL": kouan.settings.effective_database_url, "KOUAN_DATA_DIR": str(tmp_path)}
    r = CliRunner().invoke(cli_app, ["kpi", "--from", "2022-02-01", "--to", "2022-03-31", *args, "--json"],
                           env=env)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["rows"]


def picked(rows: list[dict], query: dict) -> list[dict]:
    """The CLI rows the dashboard's direction and mode filters choose."""
    return [r for r in rows if r["n"] > 0
            and ("direction" not in query or r["direction"] == query["direction"])
            and ("mode" not in query or r["facilitation_mode"] == query["mode"])]


def by_mode(query: dict) -> str:
    return ",facilitation_mode" if "mode" in query else ""


def drawn(data: dict) -> dict[tuple[str, str, str], float]:
    """(panel, category, series) -> value, for every figure the chart draws."""
    return {(p["title"], p["categories"][i], s["name"]): v
            for p in data["panels"] for s in p["series"] for i, v in enumerate(s["values"]) if v is not None}


@pytest.mark.parametrize(("query", "options"), COMBINATIONS)
def test_the_trend_draws_the_monthly_means_of_kouan_kpi(seeded, client, tmp_path, query, options):
    rows = picked(kouan_kpi(seeded, tmp_path, *options, "--by", "month,direction" + by_mode(query)), query)
    data = client.get("/api/v1/dashboard/trend", params={**RANGE, **query, "lang": "en"}).json()
    names = {"I": "Import", "E": "Export"}
    expected = {(names[r["direction"]], r["month"], names[r["direction"]]): r["mean_h"] for r in rows}
    measured = {k: v for k, v in drawn(data).items() if k[2] in names.values()}
    assert measured == pytest.approx(expected) and expected


@pytest.mark.parametrize(("query", "options"), COMBINATIONS)
def test_the_segments_are_kouan_kpis_segment_means_and_add_up(seeded, client, tmp_path, query, options):
    rows = picked(kouan_kpi(seeded, tmp_path, *options, "--by", "direction" + by_mode(query)), query)
    data = client.get("/api/v1/dashboard/segments", params={**RANGE, **query}).json()
    panels = {p["title"]: p for p in data["panels"]}
    for r in rows:
        panel = panels[{"I": "进口", "E": "出口"}[r["direction"]]]
        values = [s["values"][0] for s in panel["series"]]
        assert values == pytest.approx(list(r["segments"].values()))
        # each figure is rounded at the edge (two decimals): the sum may differ by a cent a segment
        assert sum(values) == pytest.approx(r["mean_h"], abs=0.005 * (len(values) + 1))
    assert rows


@pytest.mark.parametrize(("query", "options"), COMBINATIONS)
def test_the_port_ranking_draws_kouan_kpi_by_port(seeded, client, tmp_path, query, options):
    rows = picked(kouan_kpi(seeded, tmp_path, *options, "--by", "port,direction" + by_mode(query)), query)
    data = client.get("/api/v1/dashboard/ports", params={**RANGE, **query, "lang": "en"}).json()
    # a port is named, its UN/LOCODE after the name: "Dalian (CNDAL)"
    got = {(p["title"], cat.rsplit("(", 1)[-1].rstrip(")")): s["values"][i]
           for p in data["panels"] for s in p["series"] for i, cat in enumerate(p["categories"])}
    names = {"I": "Import", "E": "Export"}
    assert got == pytest.approx({(names[r["direction"]], r["port"]): r["mean_h"] for r in rows})
    for p in data["panels"]:
        values = p["series"][0]["values"]
        assert values == sorted(values, reverse=True), "slowest port first"


def test_the_facilitation_chart_draws_kouan_facilitation(seeded, client, tmp_path):
    env = {"KOUAN_DATABASE_URL": seeded.settings.effective_database_url, "KOUAN_DATA_DIR": str(tmp_path)}
    r = CliRunner().invoke(cli_app, ["facilitation", "--from-month", "2022-02", "--to-month", "2022-03",
                                     "--region", "CN-LN", "--by", "month", "--json"], env=env)
    assert r.exit_code == 0, r.output
    rows = {row["month"]: row for row in json.loads(r.stdout)["rows"]}
    data = client.get("/api/v1/dashboard/facilitation", params={**RANGE, "region": "CN-LN",
                                                                 "lang": "en"}).json()
    [panel] = data["panels"]
    series = {s["name"]: s["values"] for s in panel["series"]}
    assert panel["categories"] == ["2022-02", "2022-03"]
    for i, month in enumerate(panel["categories"]):
        assert series["Two-step declarations"][i] == rows[month]["two_step"]
        assert series["Two-step share"][i] == pytest.approx(rows[month]["two_step_share"] * 100)
        rate = rows[month]["advance_rate"]
        assert series["Advance-declaration rate"][i] == (None if rate is None else pytest.approx(rate * 100))
    assert series["Two-step declarations"] == [0, 1]  # case 3, March


def test_the_docking_chart_draws_the_docking_view(seeded, client):
    status = {s["source"]: s for s in client.get("/api/v1/docking").json()}
    data = client.get("/api/v1/dashboard/docking", params={"lang": "en"}).json()
    [panel] = data["panels"]
    assert sorted(status) == ["DCT", "TRADERA", "TRADERB"]
    # each partner by its organisation's name, not its code
    assert sorted(panel["categories"]) == sorted(s["organisation"] for s in status.values())
    per_day = dict(zip(panel["categories"], panel["series"][0]["values"], strict=True))
    assert per_day == {s["organisation"]: s["events_per_day"] for s in status.values()}


def test_the_csv_holds_the_numbers_drawn_with_a_bom_and_chinese_headers(seeded, client):
    params = {**RANGE, "region": "CN-LN", "direction": "I"}
    data = client.get("/api/v1/dashboard/trend", params=params).json()
    r = client.get("/api/v1/dashboard/trend", params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = csv_rows(r.content)
    assert rows[0] == ["分图", "月份", "系列", "数值", "未完月份"]  # the trend says which month is partial
    from_csv = {(panel, cat, series): float(v) for panel, cat, series, v, _partial in rows[1:]}
    assert from_csv == drawn(data) and {r[4] for r in rows[1:]} == {"false"}
    assert from_csv[("进口", "2022-03", "进口")] == pytest.approx(
        sum(c.hours for c in cases(direction="I", month="2022-03") if c.port != "CNSHA") / 4)


def test_labels_follow_the_language(seeded, client):
    zh = client.get("/api/v1/dashboard/trend", params=RANGE).json()
    en = client.get("/api/v1/dashboard/trend", params={**RANGE, "lang": "en"}).json()
    assert zh["title"] == "逐月整体通关时间" and en["title"] == "Overall clearance time by month"
    assert zh["series_names"][:3] == ["进口", "全国平均 · 进口", "2017年水平减半 · 进口"]
    assert en["series_names"][:3] == ["Import", "National average · Import", "Half of 2017 · Import"]
    assert en["panels"][0]["value_name"] == "Hours (h)"


def test_the_national_average_and_half_of_2017_are_drawn_beside_the_trend(seeded, client):
    data = client.get("/api/v1/dashboard/trend", params={**RANGE, "lang": "en"}).json()
    got = drawn(data)
    assert got[("Import", "2022-03", "National average · Import")] == 40.09
    assert ("Import", "2022-02", "National average · Import") not in got  # no published figure
    assert got[("Export", "2022-02", "Half of 2017 · Export")] == pytest.approx(12.29 / 2, abs=0.005)


def test_charts_need_a_login_or_a_read_key(kouan, world, client):
    seed(kouan)
    assert client.get("/api/v1/dashboard/trend").status_code == 401
    r = client.get("/api/v1/dashboard/ports", params=RANGE, headers=bearer(world.terminal.key))
    assert r.status_code == 200 and not r.json()["empty"]


def test_bad_filters_are_named(seeded, client):
    r = client.get("/api/v1/dashboard/trend", params={"from": "2022-13", "direction": "X", "mode": "fast",
                                                      "port": "dalian", "region": "CN-ZZ"})
    assert r.status_code == 422
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert pointers == {"from", "direction", "mode", "port", "region"}
    r = client.get("/api/v1/dashboard/trend", params={"from": "2022-03", "to": "2022-02"})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "from"


def test_without_a_range_the_history_up_to_the_latest_data_is_shown(seeded, client):
    data = client.get("/api/v1/dashboard/trend").json()
    assert data["filters"]["to"] == "2022-03" and data["filters"]["from"] == "2022-02"
    assert data["panels"][0]["categories"] == ["2022-02", "2022-03"]


def test_the_default_range_is_the_last_twelve_months_with_data_not_before_2017():
    parse = partial(filters.parse, {}, modes=("advance",), regions={"CN-LN"})
    assert parse(default_last="2017-05", default_first="2015-06").first_month == "2017-01"
    assert parse(default_last="2022-03", default_first="2017-01").first_month == "2021-04"
    assert parse(default_last="2022-03", default_first="2022-02").first_month == "2022-02"
    assert parse(default_last="2026-11", default_first=None).first_month == "2025-12"


def test_an_empty_range_is_empty_not_an_error(seeded, client):
    data = client.get("/api/v1/dashboard/trend", params={"from": "2019-01", "to": "2019-03"}).json()
    assert data["empty"] is True and data["table"]["rows"] == []


def test_a_trader_sees_only_its_own_feed_in_the_docking_chart(kouan, world, client):
    seed(kouan)
    login(client, world.trader_a.admin)
    [panel] = client.get("/api/v1/dashboard/docking").json()["panels"]
    assert panel["categories"] == ["甲贸易公司"]  # TRADERA, by its name


def test_the_facilitation_rates_ignore_the_mode_filter_and_say_so(seeded, client):
    plain = client.get("/api/v1/dashboard/facilitation", params=RANGE).json()
    moded = client.get("/api/v1/dashboard/facilitation", params={**RANGE, "mode": "advance"}).json()
    assert moded["panels"] == plain["panels"]
    assert plain["notes"] == [] and "便利化模式" in moded["notes"][0]
