"""Figures where people read them carry the documented decimals (``kit.edge``): every JSON answer
of the API, every CSV export, ``kouan kpi --json``/``facilitation --json`` and the bulletin text,
walked on a log whose means are not round (39.93 h thrice, a third of an hour, ...)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from tests.dashboard import helpers
from tests.dashboard.helpers import Case
from tests.factories import login
from typer.testing import CliRunner

from kouan.cli import app as cli_app
from kouan.kit import edge

NOISY = (
    Case(1, "I", "2022-03", 39.93), Case(2, "I", "2022-03", 39.93, mode="advance"),
    Case(3, "I", "2022-03", 39.93, mode="two_step", lodged_by="TRADERB"),
    Case(4, "I", "2022-03", 10 / 3, port="CNYIK", lodged_by="TRADERB"),
    Case(5, "I", "2022-02", 0.1 + 0.2, mode="advance"), Case(6, "I", "2022-02", 44 / 7, port="CNYIK"),
    Case(7, "E", "2022-03", 0.84, mode="advance"), Case(8, "E", "2022-03", 0.84, lodged_by="TRADERB"),
    Case(9, "E", "2022-03", 0.84), Case(10, "E", "2022-02", 2 / 3, port="CNYIK"),
)
MONTH = {"month": "2022-03"}
RANGE = {"from": "2022-02", "to": "2022-03", "region": "CN-LN"}
# The query a route needs to answer with figures (else it is called bare).
PARAMS = {
    "/api/v1/bulletin": {**MONTH, "region": "CN-LN"},
    "/api/v1/dashboard/bulletin": {**MONTH, "region": "CN-LN"},
    "/api/v1/kpi": {"from": "2022-02-01", "to": "2022-03-31", "by": "month,port,direction"},
    "/api/v1/kpi/facilitation": {"first_month": "2022-02", "last_month": "2022-03"},
    "/api/v1/dashboard/gantt": {"ref": NOISY[0].declaration},
    "/api/v1/off-hours-use": {"from": "2022-02-01", "to": "2022-03-31"},
    "/api/v1/desk/sla-report": {"from": "2022-02-01", "to": "2022-03-31"},
    **{f"/api/v1/dashboard/{c}": RANGE for c in ("trend", "segments", "ports", "facilitation",
                                                "declarations")},
}
DECIMALS = re.compile(r"^-?\d+\.(\d+)$")


@pytest.fixture
def noisy(kouan, world, client, monkeypatch):
    monkeypatch.setattr(helpers, "CASES", NOISY)
    helpers.seed(kouan)
    login(client, world.port_office.admin)
    return kouan


def too_precise_json(value, key=None, where="") -> list[str]:  # type: ignore[no-untyped-def]
    if isinstance(value, bool):
        return []
    if isinstance(value, float):
        m = DECIMALS.match(repr(value))
        return [f"{where}: {value!r}"] if m and len(m.group(1)) > edge.decimals_for(key) else []
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in too_precise_json(v, k, f"{where}/{k}")]
    if isinstance(value, list):
        return [x for i, v in enumerate(value) for x in too_precise_json(v, key, f"{where}/{i}")]
    return []


def too_precise_csv(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row
            if (m := DECIMALS.match(cell)) and len(m.group(1)) > edge.HOURS]


def test_edge_rounds_the_noise_of_the_issue():
    assert edge.rounded({"mean_h": 39.93000000000001, "x": [0.8399999999999999],
                         "advance_rate": 0.123456}) == {"mean_h": 39.93, "x": [0.84], "advance_rate": 0.1235}
    assert edge.text(0.8399999999999999) == "0.84" and edge.number(-0.001) == 0.0


# GETs the caller (the port office) may not make: a publisher's payees, an exporter's prefill, an
# insurer's webhook. They carry no clearance figure.
NOT_THE_CALLERS = {"/api/v1/fees/payees", "/api/v1/insurance/prefill", "/api/v1/insurance/webhook"}


def test_every_json_and_csv_export_carries_the_documented_decimals(noisy, client, app):
    spec = client.get("/openapi.json").json()
    checked_floats = 0
    visited = []
    for path, item in spec["paths"].items():
        if "get" not in item or not path.startswith("/api/") or "{" in path:
            continue
        r = client.get(path, params=PARAMS.get(path, {}))
        if r.status_code == 403 and r.json().get("code") == "route_policy" and path in NOT_THE_CALLERS:
            continue  # another kind's own list, no figure of the port office's (web.policy)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        visited.append(path)
        body = r.json()
        assert too_precise_json(body, where=path) == [], path
        checked_floats += len(re.findall(r"\d\.\d", r.text))
        if "text/csv" in json.dumps(item["get"].get("responses", {}).get("200", {})):
            c = client.get(path, params={**PARAMS.get(path, {}), "format": "csv"})
            assert c.status_code == 200, (path, c.text[:300])
            assert too_precise_csv(c.content) == [], path
    assert {"/api/v1/kpi", "/api/v1/bulletin", "/api/v1/dashboard/trend", "/api/v1/docking",
            "/api/v1/dashboard/declarations"} <= set(visited)
    assert checked_floats > 50  # the walk met figures, not only counts
    trend = client.get("/api/v1/dashboard/trend", params={**RANGE, "format": "csv"}).content.decode("utf-8-sig")
    assert ",30.78," in trend  # (3 × 39.93 + 10/3) / 4 = 30.780833…, as people read it


def test_the_cli_json_and_the_bulletin_text_carry_the_documented_decimals(noisy, tmp_path):
    env = {"KOUAN_DATABASE_URL": noisy.settings.effective_database_url, "KOUAN_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    for args in (["kpi", "--from", "2022-02-01", "--to", "2022-03-31", "--by", "month,port,direction",
                  "--json"], ["facilitation", "--from-month", "2022-02", "--to-month", "2022-03", "--json"]):
        r = runner.invoke(cli_app, args, env=env)
        assert r.exit_code == 0, r.output
        assert too_precise_json(json.loads(r.stdout), where=args[0]) == []
    kpi = json.loads(runner.invoke(cli_app, ["kpi", "--month", "2022-03", "--region", "CN-LN", "--json"],
                                   env=env).stdout)
    assert {row["mean_h"] for row in kpi["rows"]} == {30.78, 0.84}
    for lang in ("zh", "en"):
        text = runner.invoke(cli_app, ["bulletin", "--month", "2022-03", "--lang", lang], env=env).stdout
        assert not re.search(r"\d\.\d{3,}", text), text
        # the measure by its name, not the clock's code
        assert ("海关总署整体通关时间" if lang == "zh" else "GAC overall clearance time") in text
        assert "gac" not in text
    table = runner.invoke(cli_app, ["kpi", "--month", "2022-03", "--region", "CN-LN"], env=env,
                          terminal_width=200).stdout
    assert "import" in table and "export" in table and "30.78" in table and "0.84" in table
