"""`kouan kpi` and `kouan bulletin` end to end: events in, the seed's sentence out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from tests.events.helpers import jsonl
from tests.factories import run_jobs

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN as AS_KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

KOUAN = [sys.executable, "-m", "kouan.cli"]
MARCH = datetime.fromisoformat("2022-03-05T08:00:00+08:00")


def declaration(serial: int, direction: str) -> str:
    return f"0900{2022}{'1' if direction == 'I' else '0'}{serial:09d}"


def import_case(i: int, hours: float, port: str = "CNDAL") -> list[dict]:
    d, call = declaration(i, "I"), f"9321483/{i:04d}N/{port}"
    start = MARCH + timedelta(days=i % 20)
    return [
        {"event_id": f"entry-{i}", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": port,
         "occurred_at": start.isoformat(), "refs": {"transport_call": call}},
        {"event_id": f"mf-{i}", "milestone": "MANIFEST_FILED", "port": port,
         "occurred_at": (start - timedelta(days=3)).isoformat(),
         "refs": {"transport_call": call, "bill_of_lading": f"BLI{i}"}},
        {"event_id": f"lodged-{i}", "milestone": "DECLARATION_LODGED", "port": port,
         "occurred_at": (start + timedelta(hours=hours / 4)).isoformat(),
         "refs": {"declaration": d, "bill_of_lading": f"BLI{i}"}},
        {"event_id": f"rel-{i}", "milestone": "CUSTOMS_RELEASED", "port": port,
         "occurred_at": (start + timedelta(hours=hours)).isoformat(), "refs": {"declaration": d}},
    ]


def export_case(i: int, hours: float, port: str = "CNDAL") -> list[dict]:
    d = declaration(i, "E")
    body = f"KOAU{i:06d}"
    box = body + str(iso6346_check_digit(body))
    start = MARCH + timedelta(days=i % 20, hours=5)
    return [
        {"event_id": f"xl-{i}", "milestone": "DECLARATION_LODGED", "port": port,
         "occurred_at": (start - timedelta(hours=2)).isoformat(),
         "refs": {"declaration": d, "booking": f"BK{i}", "container": box}},
        {"event_id": f"xg-{i}", "milestone": "GOODS_ARRIVED_AT_PORT", "port": port,
         "occurred_at": start.isoformat(), "refs": {"container": box}},
        {"event_id": f"xr-{i}", "milestone": "CUSTOMS_RELEASED", "port": port,
         "occurred_at": (start + timedelta(hours=hours)).isoformat(), "refs": {"declaration": d}},
    ]


def seed_log() -> list[dict]:
    """Liaoning, March 2022: import hours averaging 39.93, export hours averaging 0.84."""
    imports = [30.0, 35.0, 40.0, 45.0, 49.65]  # mean 39.93
    exports = [0.5, 0.7, 0.9, 1.26]  # mean 0.84
    events = [e for i, h in enumerate(imports) for e in import_case(i, h)]
    events += [e for i, h in enumerate(exports) for e in export_case(100 + i, h)]
    events += import_case(50, 10.0, port="CNSHA")  # Shanghai is not Liaoning
    return events


@pytest.fixture
def env(kouan, tmp_path, world):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=AS_KOUAN, data=jsonl(*seed_log()), fmt="jsonl",
                              channel="test", now=utcnow(), actor="tests")
    run_jobs(kouan)  # the case refresh the worker runs after the commit
    csv = tmp_path / "national.csv"
    csv.write_text("scope,month,direction,hours\nCN,2022-03,I,40.09\nCN,2022-03,E,1.36\n"
                   "CN,2017,I,97.39\nCN,2017,E,12.29\n")
    e = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
             KOUAN_DATA_DIR=str(tmp_path))
    r = subprocess.run([*KOUAN, "benchmarks", "import", str(csv)], env=e, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return e


def kouan_cli(env, *args) -> str:
    r = subprocess.run([*KOUAN, *args], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_the_bulletin_states_the_seed_figures(env):
    text = kouan_cli(env, "bulletin", "--month", "2022-03", "--region", "CN-LN")
    assert ("2022年3月，辽宁省进口、出口整体通关时间分别为39.93小时和0.84小时，"
            "较全国平均水平分别快0.16和0.52小时") in text
    assert "实现“比2017年压缩一半”目标" in text
    english = kouan_cli(env, "bulletin", "--month", "2022-03", "--region", "CN-LN", "--lang", "en",
                        "--format", "markdown")
    assert english.startswith("# Overall clearance time bulletin: Liaoning, March 2022")
    assert "0.16 and 0.52 hours faster" in english


def test_kpi_json_carries_the_clock_and_the_statistics(env):
    data = json.loads(kouan_cli(env, "kpi", "--month", "2022-03", "--region", "CN-LN",
                                "--by", "direction", "--json"))
    assert data["clock"]["name"] == "gac"
    rows = {r["direction"]: r for r in data["rows"]}
    assert rows["I"]["n"] == 5 and rows["I"]["mean_h"] == pytest.approx(39.93)
    assert rows["I"]["median_h"] == pytest.approx(40.0) and rows["I"]["p90_h"] == pytest.approx(47.79)
    assert sum(rows["I"]["segments"].values()) == pytest.approx(39.93)
    assert set(rows["I"]["segments"]) == {"preparation", "customs"}
    assert rows["E"]["n"] == 4 and rows["E"]["mean_h"] == pytest.approx(0.84)


def test_kpi_by_port_sees_shanghai_outside_liaoning(env):
    data = json.loads(kouan_cli(env, "kpi", "--month", "2022-03", "--by", "port,direction", "--json"))
    ports = {(r["port"], r["direction"]): r["n"] for r in data["rows"]}
    assert ports == {("CNDAL", "E"): 4, ("CNDAL", "I"): 5, ("CNSHA", "I"): 1}


def test_kpi_on_duckdb_equals_the_native_store(env):
    native = json.loads(kouan_cli(env, "kpi", "--month", "2022-03", "--by", "direction", "--json"))
    duck = json.loads(kouan_cli(env, "kpi", "--month", "2022-03", "--by", "direction", "--json",
                                "--engine", "duckdb"))
    for a, b in zip(native["rows"], duck["rows"], strict=True):
        assert a["n"] == b["n"] and a["mean_h"] == pytest.approx(b["mean_h"], abs=1e-6)
        assert a["p90_h"] == pytest.approx(b["p90_h"], abs=1e-6)


def test_bad_options_are_named(env):
    r = subprocess.run([*KOUAN, "kpi", "--by", "colour"], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "colour" in r.stderr
    r = subprocess.run([*KOUAN, "bulletin", "--month", "2022-13"], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "month" in r.stderr


def test_the_api_answers_like_the_cli(env, client, world):
    from tests.factories import bearer

    cli = json.loads(kouan_cli(env, "kpi", "--month", "2022-03", "--by", "direction", "--json"))
    api = client.get("/api/v1/kpi", params={"month": "2022-03", "by": "direction"},
                     headers=bearer(world.terminal.key))
    assert api.status_code == 200
    assert api.json() == cli
    assert client.get("/api/v1/kpi", params={"by": "colour"},
                      headers=bearer(world.terminal.key)).status_code == 422
    assert client.get("/api/v1/kpi").status_code == 401


def test_the_bulletin_is_public(env, client):
    r = client.get("/api/v1/bulletin", params={"month": "2022-03", "region": "CN-LN"})
    assert r.status_code == 200
    assert "39.93小时和0.84小时" in r.json()["text"]
    assert r.json()["figures"]["national_import_h"] == 40.09


def test_only_the_port_office_imports_reference_figures(env, client, world):
    from tests.factories import login

    csv = "scope,month,direction,hours\nCN,2022-04,I,38.5\n"
    csrf = login(client, world.trader_a.admin)
    r = client.post("/api/v1/reference-figures", content=csv, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    client.cookies.clear()
    csrf = login(client, world.port_office.admin)
    r = client.post("/api/v1/reference-figures", content=csv, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and any(f["period"] == "2022-04" for f in r.json())
    bad = client.post("/api/v1/reference-figures", content="scope,month,direction,hours\nCN,x,I,1\n",
                      headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "line 2/month"


def test_export_parquet_partitions_events_by_month_and_port(env, tmp_path):
    import duckdb

    out = tmp_path / "export"
    kouan_cli(env, "export", "parquet", str(out))
    parts = sorted(p.relative_to(out / "event").parts[:2] for p in (out / "event").rglob("*.parquet"))
    assert ("month=2022-03", "port=CNDAL") in parts and ("month=2022-03", "port=CNSHA") in parts
    n = duckdb.sql(f"select count(*) from read_parquet('{out}/event/**/*.parquet', hive_partitioning=1)")
    assert n.fetchall()[0][0] == len(seed_log())
    refs = duckdb.sql(f"select refs from read_parquet('{out}/event/**/*.parquet') where event_id = 'rel-0'")
    assert json.loads(refs.fetchall()[0][0]) == [["declaration", declaration(0, "I")]]
    assert (out / "clearance_case").is_dir()


def test_a_user_defined_clock_is_computed_and_queried(env, tmp_path):
    clock = json.loads(kouan_cli(env, "clocks", "show", "trs"))
    clock.update(name="lodged_to_release", title="lodged → release")
    lodged = {"milestones": ["DECLARATION_LODGED"], "scope": "declaration", "pick": "first"}
    for direction in ("imports", "exports"):
        clock[direction].update(start=[lodged], boundaries=[], last_segment="customs")
    f = tmp_path / "clock.json"
    f.write_text(json.dumps(clock))
    assert "cases computed" in kouan_cli(env, "clocks", "add", str(f))
    data = json.loads(kouan_cli(env, "kpi", "--month", "2022-03", "--region", "CN-LN", "--by",
                                "direction", "--clock", "lodged_to_release", "--json"))
    assert data["clock"]["name"] == "lodged_to_release"
    rows = {r["direction"]: r for r in data["rows"]}
    # imports were lodged a quarter of the way to release (test data): 3/4 of 39.93 h remain
    assert rows["I"]["mean_h"] == pytest.approx(39.93 * 0.75, abs=0.005)  # two decimals at the edge
    again = subprocess.run([*KOUAN, "clocks", "add", str(f)], env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "exists" in again.stderr
    r = subprocess.run([*KOUAN, "kpi", "--clock", "nope"], env=env, capture_output=True, text=True)
    assert r.returncode == 2 and "lodged_to_release" in r.stderr


def test_kpi_json_over_a_date_range(env):
    data = json.loads(kouan_cli(env, "kpi", "--from", "2022-03-01", "--to", "2022-03-31", "--region", "CN-LN",
                                "--by", "direction", "--json"))
    assert data["filters"]["period"]["date_from"] == "2022-03-01"
    assert {r["direction"]: r["n"] for r in data["rows"]} == {"I": 5, "E": 4}
