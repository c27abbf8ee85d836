"""The month not over yet (Asia/Shanghai) keeps its trend and facilitation figures, marked partial:
in the axis label, as ``partial`` on its figures in the JSON, and in a CSV column."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.dashboard.helpers import csv_rows, seed
from tests.factories import login

from kouan.dashboard import api as dashboard_api

RANGE = {"from": "2022-02", "to": "2022-03", "region": "CN-LN"}
MARCH_EVENING = datetime.fromisoformat("2022-03-31T15:30:00+00:00")  # 23:30 on 31 March in Beijing
APRIL_NIGHT = datetime.fromisoformat("2022-03-31T16:30:00+00:00")  # still March in UTC, April in Beijing


@pytest.fixture
def seeded(kouan, world, client):
    seed(kouan)
    login(client, world.port_office.admin)
    return world


def at(monkeypatch, now: datetime | None) -> None:
    if now is not None:
        monkeypatch.setattr(dashboard_api, "utcnow", lambda: now)


def chart(client, name: str, lang: str = "en", **query: str) -> dict:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/dashboard/{name}", params={**RANGE, **query, "lang": lang})
    assert r.status_code == 200, r.text
    return r.json()


def trend(client, lang: str = "en", **query: str) -> dict:  # type: ignore[no-untyped-def]
    return chart(client, "trend", lang, **query)


def test_the_current_month_keeps_its_figure_marked_partial(seeded, client, monkeypatch):
    later = trend(client)  # today: March 2022 is long over
    at(monkeypatch, MARCH_EVENING)
    data = trend(client)
    for panel, full in zip(data["panels"], later["panels"], strict=True):
        assert panel["categories"] == ["2022-02", "2022-03 (partial)"]
        measured, national, halved = panel["series"]
        assert measured["partial"] == [False, True]
        assert measured["values"] == full["series"][0]["values"] and measured["values"][1] is not None
        assert national["partial"] is None and halved["partial"] is None
    flagged = {(r[0], r[1], r[2]) for r in data["table"]["rows"] if r[5]}
    assert flagged == {(p["title"], "2022-03 (partial)", p["series"][0]["name"]) for p in data["panels"]}
    zh = trend(client, lang="zh-CN")
    assert zh["panels"][0]["categories"] == ["2022-02", "2022-03（未完）"]


def test_the_csv_has_a_partial_column_true_only_for_the_current_months_figures(seeded, client, monkeypatch):
    at(monkeypatch, MARCH_EVENING)
    rows = csv_rows(client.get("/api/v1/dashboard/trend", params={**RANGE, "lang": "en", "format": "csv"}).content)
    assert rows[0] == ["Panel", "Month", "Series", "Numeric value", "Partial month"]
    partial = {(r[0], r[2]) for r in rows[1:] if r[4] == "true"}
    assert partial == {("Import", "Import"), ("Export", "Export")}
    assert all(r[1] == "2022-03 (partial)" for r in rows[1:] if r[4] == "true")
    assert {r[4] for r in rows[1:]} == {"true", "false"}


def test_only_the_month_containing_now_in_beijing_is_partial(seeded, client, monkeypatch):
    at(monkeypatch, APRIL_NIGHT)
    data = trend(client)
    assert data["panels"][0]["categories"] == ["2022-02", "2022-03"]
    assert not any(r[5] for r in data["table"]["rows"])
    longer = trend(client, to="2022-04")
    assert longer["panels"][0]["categories"] == ["2022-02", "2022-03", "2022-04 (partial)"]
    assert longer["panels"][0]["series"][0]["partial"] == [False, False, True]


def test_months_that_are_over_are_not_partial(seeded, client):
    data = trend(client)
    assert data["panels"][0]["categories"] == ["2022-02", "2022-03"]
    assert all(p["series"][0]["partial"] == [False, False] for p in data["panels"])
    rows = csv_rows(client.get("/api/v1/dashboard/trend", params={**RANGE, "format": "csv"}).content)
    assert {r[4] for r in rows[1:]} == {"false"}


def facilitation(client, lang: str = "en", **query: str) -> dict:  # type: ignore[no-untyped-def]
    return chart(client, "facilitation", lang, **query)


def test_the_facilitation_chart_marks_the_current_month_partial_too(seeded, client, monkeypatch):
    later = facilitation(client)  # today: March 2022 is long over
    [full] = later["panels"]
    assert full["categories"] == ["2022-02", "2022-03"]
    assert all(s["partial"] == [False, False] for s in full["series"])
    at(monkeypatch, MARCH_EVENING)
    data = facilitation(client)
    [panel] = data["panels"]
    assert panel["categories"] == ["2022-02", "2022-03 (partial)"]
    for series, complete in zip(panel["series"], full["series"], strict=True):
        assert series["partial"] == [False, True], series["name"]
        assert series["values"] == complete["values"]  # the figure stays, only marked
    assert panel["series"][2]["values"][1] == 1  # case 3: a two-step declaration in March
    flagged = {(r[1], r[2]) for r in data["table"]["rows"] if r[5]}
    assert flagged == {("2022-03 (partial)", s["name"]) for s in panel["series"] if s["values"][1] is not None}
    assert not any(r[5] for r in data["table"]["rows"] if r[1] == "2022-02")
    zh = facilitation(client, lang="zh-CN")
    assert zh["panels"][0]["categories"] == ["2022-02", "2022-03（未完）"]


def test_the_facilitation_csv_has_the_partial_column(seeded, client, monkeypatch):
    at(monkeypatch, MARCH_EVENING)
    body = client.get("/api/v1/dashboard/facilitation", params={**RANGE, "lang": "en", "format": "csv"}).content
    rows = csv_rows(body)
    assert rows[0] == ["Panel", "Month", "Series", "Numeric value", "Partial month"]
    assert {r[4] for r in rows[1:]} == {"true", "false"}
    assert all((r[1] == "2022-03 (partial)") == (r[4] == "true") for r in rows[1:])
    at(monkeypatch, APRIL_NIGHT)
    rows = csv_rows(client.get("/api/v1/dashboard/facilitation",
                               params={**RANGE, "lang": "en", "format": "csv"}).content)
    assert {r[4] for r in rows[1:]} == {"false"} and {r[1] for r in rows[1:]} == {"2022-02", "2022-03"}
