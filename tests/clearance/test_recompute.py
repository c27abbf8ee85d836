"""The set-based full recompute (kouan.analytics.cases) gives exactly the rows of the Python path
(clearance.domain.compute over consignments.timeline), on SQLite and PostgreSQL, and compiles for
DuckDB over a Parquet export of the raw tables."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from tests.conftest import _wipe
from tests.events.helpers import jsonl
from typer.testing import CliRunner

from kouan.analytics import cases as analytics_cases
from kouan.analytics import engines
from kouan.clearance import service
from kouan.clearance.clocks import BUILT_IN, GAC, from_dict
from kouan.clearance.models import ClearanceCase
from kouan.cli import app as cli_app
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

ACTOR = system("tests")
T0 = datetime.fromisoformat("2022-03-31T08:00:00+08:00")  # near a month end: Beijing vs UTC month
COLUMNS = analytics_cases.OUTPUT_COLUMNS
FLOATS = {"hours", "seg_1", "seg_2", "seg_3", "seg_4"}

# A user clock reading every scope and both picks, with three boundaries.
WIDE = from_dict({
    "name": "wide", "title": "every scope",
    "imports": {"start": [{"milestones": ["TRANSPORT_ARRIVED"], "scope": "call"},
                          {"milestones": ["MANIFEST_FILED", "DISCHARGED"], "scope": "consignment"}],
                "end": {"milestones": ["GATE_OUT", "CUSTOMS_RELEASED"], "scope": "consignment", "pick": "last"},
                "boundaries": [["a", {"milestones": ["DISCHARGED"], "scope": "containers"}],
                               ["b", {"milestones": ["DECLARATION_LODGED"], "scope": "declaration",
                                      "pick": "last"}],
                               ["c", {"milestones": ["CUSTOMS_RELEASED"], "scope": "declaration"}]]},
    "exports": {"start": [{"milestones": ["GOODS_ARRIVED_AT_PORT"], "scope": "containers"}],
                "end": {"milestones": ["LOADED", "TRANSPORT_DEPARTED"], "scope": "containers"},
                "boundaries": []},
})
CLOCKS = [*BUILT_IN.values(), WIDE]


def box(i: int) -> str:
    body = f"KOAU{i:06d}"
    return body + str(iso6346_check_digit(body))


def decl(i: int, direction: str) -> str:
    return f"0900{2022}{'1' if direction == 'I' else '0'}{i:09d}"


def ingest(kouan, events, batches=1):
    size = max(1, math.ceil(len(events) / batches))
    for k in range(0, len(events), size):
        with transaction(kouan.sessions, actor=ACTOR) as s:
            events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=jsonl(*events[k:k + size]),
                                  fmt="jsonl", channel="test", now=utcnow(), actor="tests")


def rows(kouan, clocks=CLOCKS) -> dict[tuple[str, str], dict]:
    names = [c.name for c in clocks]
    with kouan.sessions() as s:
        found = s.scalars(select(ClearanceCase).where(ClearanceCase.clock.in_(names))).all()
        return {(c.declaration, c.clock): {k: getattr(c, k) for k in COLUMNS} for c in found}


def python_rows(kouan, clocks=CLOCKS):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.recompute_all(s, now=utcnow(), clocks=clocks)
    return rows(kouan, clocks)


def set_rows(kouan, clocks=CLOCKS, engine="auto"):
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.recompute_all_set_based(s, now=utcnow(), clocks=clocks, engine=engine)
    return rows(kouan, clocks)


def assert_same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, expected in want.items():
        for column in COLUMNS:
            a, b = got[key][column], expected[column]
            if column in FLOATS and a is not None and b is not None:
                assert abs(a - b) <= 1e-9, (key, column, a, b)
            else:
                assert a == b, (key, column, a, b)


def both_paths(kouan, clocks=CLOCKS, *, sqlite_store: bool = True):
    """The Python path, then every set-based engine of the store (SQLite: DuckDB reading the file
    through its SQLite scanner, DuckDB over Arrow and the query on SQLite itself; PostgreSQL: the
    query on PostgreSQL), all equal. ``sqlite_store=False`` leaves out the query on SQLite itself,
    which no deployment runs (SQLite's planner takes seconds a clock even on a tiny store) and
    which the fixed cases below still check."""
    want = python_rows(kouan, clocks)
    sqlite_engines = ("scan", "duckdb", "store") if sqlite_store else ("scan", "duckdb")
    engines_ = sqlite_engines if kouan.engine.dialect.name == "sqlite" else ("store",)
    for engine in engines_:
        got = set_rows(kouan, clocks, engine)
        assert_same(got, want)
    return got


# --- random logs --------------------------------------------------------------------------

MILESTONES = ["TRANSPORT_ENTRY_DECLARED", "TRANSPORT_ARRIVED", "TRANSPORT_DEPARTED", "MANIFEST_FILED",
              "GOODS_ARRIVED_AT_PORT", "DISCHARGED", "LOADED", "DECLARATION_LODGED",
              "DECLARATION_COMPLETED", "CUSTOMS_RELEASED", "GATE_OUT", "INSPECTION_DONE"]
PORTS = [None, "CNDAL", "CNYIK"]
DECLS = [decl(i, d) for i, d in enumerate("IIIEEE")]
BLS = [f"BL{i}" for i in range(4)]
BOXES = [box(i) for i in range(4)]
CALLS = ["9321483/V1/CNDAL", "9321483/V1E/CNDAL", "9321483/V2/CNYIK", "9321483/V2E/CNYIK",
         "9300001/V9/CNDAL"]  # V1/V1E and V2/V2E are DCSA import/export voyages of one call


@st.composite
def instants(draw) -> str:
    t = T0 + timedelta(minutes=15 * draw(st.integers(-300, 500)))
    t += timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 1, 123456, 999999])))
    return t.isoformat()


@st.composite
def attrs(draw) -> dict:
    out: dict = {}
    choice = draw(st.sampled_from(["none", "modes", "mode", "empty_modes", "hs", "group", "all"]))
    if choice in ("modes", "all"):
        out["facilitation_modes"] = draw(st.lists(st.sampled_from(["two_step", "advance", "aeo"]),
                                                  min_size=1, max_size=2))
    if choice == "empty_modes":
        out["facilitation_modes"] = []
    if choice in ("mode", "empty_modes", "all"):
        out["facilitation_mode"] = draw(st.sampled_from(["advance", ""]))
    if choice in ("hs", "all"):
        out["hs_code"] = draw(st.sampled_from(["2601110000", "8471300000", "9999000000", "0000", "x1"]))
    if choice in ("group", "all"):
        out["commodity_group"] = draw(st.sampled_from(["ore", ""]))
    return out


@st.composite
def events(draw, i: int) -> dict:
    milestone = draw(st.sampled_from(MILESTONES))
    refs: dict = {}
    if draw(st.booleans()):
        refs["declaration"] = draw(st.sampled_from(DECLS))
    if draw(st.booleans()):
        refs["bill_of_lading"] = draw(st.sampled_from(BLS))
    if draw(st.booleans()):
        refs["container"] = draw(st.lists(st.sampled_from(BOXES), min_size=1, max_size=2, unique=True))
    if draw(st.booleans()) or not refs:
        refs["transport_call"] = draw(st.lists(st.sampled_from(CALLS), min_size=1, max_size=2, unique=True))
    e = {"event_id": f"e{i}", "milestone": milestone, "occurred_at": draw(instants()), "refs": refs,
         "classifier": draw(st.sampled_from(["ACT", "ACT", "ACT", "EST"]))}
    if port := draw(st.sampled_from(PORTS)):
        e["port"] = port
    if milestone == "DECLARATION_LODGED":
        e["attrs"] = draw(attrs())
    return e


@st.composite
def skeleton(draw, k: int) -> list[dict]:
    """A plausible shipment, so that most random logs have closed cases to compare."""
    d, bl = DECLS[k], BLS[k % len(BLS)]
    boxes = draw(st.lists(st.sampled_from(BOXES), min_size=1, max_size=2, unique=True))
    call = draw(st.sampled_from(CALLS))
    port = call.rsplit("/", 1)[1]
    return [
        {"event_id": f"s{k}-mf", "milestone": "MANIFEST_FILED", "occurred_at": draw(instants()),
         "refs": {"bill_of_lading": bl, "transport_call": call, "container": boxes}, "port": port},
        {"event_id": f"s{k}-lodged", "milestone": "DECLARATION_LODGED", "occurred_at": draw(instants()),
         "refs": {"declaration": d, "bill_of_lading": bl}, "attrs": draw(attrs()),
         **({"port": port} if draw(st.booleans()) else {})},
        {"event_id": f"s{k}-rel", "milestone": "CUSTOMS_RELEASED", "occurred_at": draw(instants()),
         "refs": {"declaration": d}},
        {"event_id": f"s{k}-arr", "milestone": draw(st.sampled_from(["TRANSPORT_ARRIVED",
                                                                       "TRANSPORT_ENTRY_DECLARED"])),
         "occurred_at": draw(instants()), "refs": {"transport_call": [call]}, "port": port},
        {"event_id": f"s{k}-gi", "milestone": "GOODS_ARRIVED_AT_PORT", "occurred_at": draw(instants()),
         "refs": {"container": boxes[0]}, "port": port},
    ]


@st.composite
def random_logs(draw) -> tuple[list[dict], int]:
    log = [e for k in range(draw(st.integers(0, 4))) for e in draw(skeleton(k))]
    log += [draw(events(i)) for i in range(draw(st.integers(1, 25)))]
    log = draw(st.permutations(log))
    return log, draw(st.integers(1, 3))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(log=random_logs())
def test_the_set_based_recompute_equals_the_python_path_on_random_logs(kouan, log):
    events, batches = log
    _wipe(kouan)
    ingest(kouan, events, batches)
    both_paths(kouan, sqlite_store=False)


# --- the cases that are easy to get wrong -------------------------------------------------

def ev(event_id, milestone, hours, port="CNDAL", classifier="ACT", attrs=None, **refs):
    e = {"event_id": event_id, "milestone": milestone, "classifier": classifier,
         "occurred_at": (T0 + timedelta(hours=hours)).isoformat(), "refs": refs}
    if port:
        e["port"] = port
    if attrs:
        e["attrs"] = attrs
    return e


def test_a_container_reused_across_trips_counts_only_within_each_trip(kouan):
    d1, d2 = decl(1, "E"), decl(2, "E")
    c = box(7)
    ingest(kouan, [
        ev("l1", "DECLARATION_LODGED", 0, declaration=d1, container=c),
        ev("gi1", "GOODS_ARRIVED_AT_PORT", 2, container=c),
        ev("r1", "CUSTOMS_RELEASED", 3, declaration=d1),
        # 40 days later the same box carries another export.
        ev("gi2", "GOODS_ARRIVED_AT_PORT", 24 * 40 + 5.5, container=c),
        ev("l2", "DECLARATION_LODGED", 24 * 40 + 5, declaration=d2, container=c,
           attrs={"facilitation_modes": ["advance"], "hs_code": "8471300000"}),
        ev("r2", "CUSTOMS_RELEASED", 24 * 40 + 6, declaration=d2),
        ev("gi0", "GOODS_ARRIVED_AT_PORT", -24 * 31, container=c),  # before trip 1's window
    ])
    got = both_paths(kouan)
    first, second = got[(d1, "gac")], got[(d2, "gac")]
    assert (first["status"], first["hours"]) == ("closed", 1.0)  # gate-in at 2 h → release at 3 h
    assert (second["status"], second["hours"]) == ("closed", 0.5)  # gate-in at +5.5 → release at +6
    assert (second["facilitation_mode"], second["commodity_group"]) == ("advance", "machinery")
    assert got[(d1, "trs")]["hours"] == 1.0  # trip 1's first gate-in: not gi0, not gi2
    assert first["consignment_id"] != second["consignment_id"]


def test_dcsa_call_aliases_and_the_port_of_the_call(kouan):
    d = decl(3, "I")
    imp_key, exp_key = "9321483/2103N/CNDAL", "9321483/2104S/CNDAL"
    ingest(kouan, [
        # The carrier names the call by both voyages; the manifest names only the export one.
        ev("arr", "TRANSPORT_ARRIVED", 0, transport_call=[imp_key, exp_key]),
        ev("entry", "TRANSPORT_ENTRY_DECLARED", -3, transport_call=imp_key, port="CNDAL"),
        ev("entry-yk", "TRANSPORT_ENTRY_DECLARED", -9, transport_call=imp_key, port="CNYIK"),
        ev("mf", "MANIFEST_FILED", -20, bill_of_lading="BLX", transport_call=exp_key),
        ev("lodged", "DECLARATION_LODGED", 4, declaration=d, bill_of_lading="BLX", port=None,
           attrs={"facilitation_mode": "two_step", "commodity_group": "ore"}),
        ev("rel", "CUSTOMS_RELEASED", 10, declaration=d, port=None),
    ])
    got = both_paths(kouan)
    case = got[(d, "gac")]
    # No declaration event has a port: the first call event with one gives it (entry-yk, CNYIK);
    # the call events at CNYIK then decide the start.
    assert case["port"] == "CNYIK" and case["province"] == "CN-LN"
    assert case["hours"] == 19.0 and (case["seg_1"], case["seg_2"]) == (13.0, 6.0)
    assert (case["facilitation_mode"], case["commodity_group"]) == ("two_step", "ore")


def test_advance_declarations_release_before_start_open_and_incomplete(kouan):
    advance, early, opened, incomplete = (decl(i, "I") for i in (4, 5, 6, 7))
    call = "9300001/V9/CNDAL"
    ingest(kouan, [
        ev("arr", "TRANSPORT_ARRIVED", 10, transport_call=call),
        ev("entry", "TRANSPORT_ENTRY_DECLARED", 8, transport_call=call),
        ev("mf", "MANIFEST_FILED", -48, transport_call=call, bill_of_lading=["B4", "B5", "B6"]),
        # Advance declaration: lodged two days before the vessel's entry, released after it.
        ev("l4", "DECLARATION_LODGED", -40, declaration=advance, bill_of_lading="B4",
           attrs={"facilitation_modes": ["advance", "two_step"]}),
        ev("r4", "CUSTOMS_RELEASED", 18, declaration=advance),
        # Released before the clock started: zero hours, never negative.
        ev("l5", "DECLARATION_LODGED", 1, declaration=early, bill_of_lading="B5"),
        ev("r5", "CUSTOMS_RELEASED", 5, declaration=early),
        # Not released (an estimate does not count): open.
        ev("l6", "DECLARATION_LODGED", 9, declaration=opened, bill_of_lading="B6"),
        ev("r6", "CUSTOMS_RELEASED", 30, declaration=opened, classifier="EST"),
        # Released, but no call ever seen: incomplete.
        ev("l7", "DECLARATION_LODGED", 9, declaration=incomplete, bill_of_lading="B7"),
        ev("r7", "CUSTOMS_RELEASED", 16.5, declaration=incomplete),
    ])
    got = both_paths(kouan)
    a = got[(advance, "gac")]
    assert (a["status"], a["hours"], a["seg_1"], a["seg_2"]) == ("closed", 10.0, 0.0, 10.0)
    assert a["facilitation_mode"] == "advance"
    e = got[(early, "gac")]
    assert (e["status"], e["hours"], e["end_at"]) == ("closed", 0.0, e["start_at"])
    assert got[(opened, "gac")]["status"] == "open" and got[(opened, "gac")]["month"] is None
    i = got[(incomplete, "gac")]
    assert (i["status"], i["start_at"], i["hours"]) == ("incomplete", None, None)
    assert i["end_at"] is not None
    # Released at 02:00 on 1 April Beijing time, still 31 March in UTC: the month is Beijing's.
    assert a["month"] == "2022-04"


def test_the_set_based_recompute_replaces_only_its_clocks_rows(kouan):
    d = decl(8, "I")
    ingest(kouan, [ev("l", "DECLARATION_LODGED", 0, declaration=d),
                   ev("r", "CUSTOMS_RELEASED", 1, declaration=d)])
    python_rows(kouan)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        report = service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC])
    assert (report.cases, report.consignments) == (1, 1)
    assert set(rows(kouan)) == {(d, c.name) for c in CLOCKS}


# --- DuckDB: the benchmark's engine ------------------------------------------------------

def test_the_expression_compiles_for_duckdb_and_agrees_over_parquet(kouan, tmp_path: Path):
    d = decl(9, "E")
    c = box(9)
    ingest(kouan, [ev("l", "DECLARATION_LODGED", 0, declaration=d, container=c,
                      attrs={"facilitation_modes": ["aeo"], "hs_code": "2601110000"}),
                   ev("gi", "GOODS_ARRIVED_AT_PORT", 1.25, container=c),
                   ev("r", "CUSTOMS_RELEASED", 3, declaration=d)])
    want = python_rows(kouan)
    url = kouan.settings.effective_database_url
    native = engines.connect("sqlite" if url.startswith("sqlite") else "postgres", url)
    duck = duckdb.connect()
    unbound = {}
    try:
        for name in analytics_cases.TABLES:
            path = tmp_path / f"{name}.parquet"
            table = native.table(name)
            if name == "event":  # JSON travels as text in Parquet
                table = table.mutate(attrs=table.attrs.cast("string"), refs=table.refs.cast("string"))
            table.to_parquet(path)
            duck.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
            unbound[name] = ibis.table(table.schema(), name=name)
    finally:
        native.disconnect()
    for clock in CLOCKS:
        sql = ibis.to_sql(analytics_cases.cases_expr(unbound, clock), dialect="duckdb")
        assert "epoch_us" in sql.lower()
        cursor = duck.execute(str(sql))
        names = [c[0] for c in cursor.description]
        result = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        for row in result:
            for col in ("start_at", "end_at"):
                if row[col] is not None and row[col].tzinfo is None:
                    row[col] = row[col].replace(tzinfo=UTC)
        got = {(r["declaration"], r["clock"]): r for r in result}
        assert_same(got, {k: v for k, v in want.items() if k[1] == clock.name})


@pytest.mark.parametrize("clock", CLOCKS, ids=lambda c: c.name)
def test_every_clock_compiles_on_every_engine_without_a_database(clock):
    schema = {
        "event": {"id": "int64", "milestone": "string", "classifier": "string",
                  "occurred_at": "timestamp('UTC')", "port": "string", "attrs": "json",
                  "authority": "string"},
        "event_ref": {"event_pk": "int64", "kind": "string", "key": "string"},
        "consignment_member": {"kind": "string", "key": "string", "consignment_id": "int64"},
        "consignment_hub": {"consignment_id": "int64", "kind": "string", "key": "string",
                            "linked_at": "timestamp('UTC')"},
        "transport_call_alias": {"key": "string", "canonical": "string"},
        "port": {"locode": "string", "province": "string"},
    }
    tables = {n: ibis.table(s, name=n) for n, s in schema.items()}
    for engine in ("duckdb", "postgres", "sqlite"):
        expr = analytics_cases.cases_expr(tables, clock, engine=engine)
        assert tuple(expr.columns) == COLUMNS
        assert ibis.to_sql(expr, dialect=engine)


def test_the_set_based_recompute_names_a_wrong_engine(kouan):
    with transaction(kouan.sessions, actor=ACTOR) as s, pytest.raises(ValueError, match="'spark'"):
        service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC], engine="spark")
    if kouan.engine.dialect.name != "sqlite":
        with transaction(kouan.sessions, actor=ACTOR) as s, pytest.raises(ValueError, match="SQLite store"):
            service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC], engine="duckdb")


def test_a_call_shared_by_many_consignments_starts_each_of_their_clocks(kouan):
    """Manifests and discharges name the call too; only pure call events may meet the call's
    consignments (joining the others first made the SQLite query quadratic in a call's size)."""
    call = "9300001/V9/CNDAL"
    log = [ev("entry", "TRANSPORT_ENTRY_DECLARED", 0, transport_call=call),
           ev("arr", "TRANSPORT_ARRIVED", 2, transport_call=call)]
    for i in range(40):
        d, bl = decl(100 + i, "I"), f"BLM{i}"
        log += [ev(f"mf{i}", "MANIFEST_FILED", -10, bill_of_lading=bl, transport_call=call, container=box(100 + i)),
                ev(f"dis{i}", "DISCHARGED", 3, container=box(100 + i), transport_call=call, bill_of_lading=bl),
                ev(f"l{i}", "DECLARATION_LODGED", 1, declaration=d, bill_of_lading=bl),
                ev(f"r{i}", "CUSTOMS_RELEASED", 4 + i, declaration=d)]
    ingest(kouan, log)
    got = both_paths(kouan, [GAC])
    assert sorted(got[(decl(100 + i, "I"), "gac")]["hours"] for i in range(40)) == [4.0 + i for i in range(40)]


def test_on_sqlite_the_recompute_reads_the_events_of_its_own_transaction(kouan):
    """With uncommitted events the default engine on SQLite is DuckDB over the session's own reads
    (the scanner would not see them), and the scan engine refuses rather than miss them."""
    if kouan.engine.dialect.name != "sqlite":
        pytest.skip("the DuckDB engines read a SQLite store")
    d = decl(60, "I")
    with transaction(kouan.sessions, actor=ACTOR) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, fmt="jsonl", channel="test", now=utcnow(),
                              actor="tests", data=jsonl(ev("l", "DECLARATION_LODGED", 0, declaration=d),
                                                        ev("r", "CUSTOMS_RELEASED", 1, declaration=d)))
        with pytest.raises(ValueError, match="commit"):
            service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC], engine="scan")
        report = service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC])
    assert report.cases == 1
    assert rows(kouan, [GAC])[(d, "gac")]["status"] == "incomplete"  # released, no call seen


def test_on_a_committed_sqlite_store_the_default_engine_scans_the_file(kouan, monkeypatch):
    if kouan.engine.dialect.name != "sqlite":
        pytest.skip("the scanner reads a SQLite store")
    d = decl(62, "E")
    ingest(kouan, [ev("l", "DECLARATION_LODGED", 0, declaration=d), ev("r", "CUSTOMS_RELEASED", 2, declaration=d)])
    scanned = []
    real = analytics_cases.replace_cases_scan
    monkeypatch.setattr(analytics_cases, "replace_cases_scan",
                        lambda path, clocks, **kw: scanned.append(path) or real(path, clocks, **kw))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        report = service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC])
    assert report.cases == 1 and len(scanned) == 1
    case = rows(kouan, [GAC])[(d, "gac")]
    assert (case["status"], case["hours"]) == ("closed", 2.0)  # an export's clock starts at lodgement


def test_a_failed_scan_says_why(tmp_path):
    from kouan.analytics import sqlite_scan

    with pytest.raises(sqlite_scan.ScanError, match="exit"):
        analytics_cases.replace_cases_scan(str(tmp_path / "missing.sqlite3"), [GAC],
                                           updated_at="2026-11-27 00:00:00.000000", reindex_rows=1)


def test_cases_refresh_all_set_based_recomputes_every_case_from_the_cli(kouan, tmp_path):
    d = decl(61, "E")
    ingest(kouan, [ev("l", "DECLARATION_LODGED", 0, declaration=d),
                   ev("r", "CUSTOMS_RELEASED", 2.5, declaration=d)])
    env = {"KOUAN_DATABASE_URL": kouan.settings.effective_database_url, "KOUAN_DATA_DIR": str(tmp_path)}
    alone = CliRunner().invoke(cli_app, ["cases", "refresh", "--set-based"], env=env)
    assert alone.exit_code == 2 and "--all" in alone.output
    r = CliRunner().invoke(cli_app, ["cases", "refresh", "--all", "--set-based"], env=env)
    assert r.exit_code == 0, r.output
    assert "1 consignments" in r.output
    assert rows(kouan, [GAC])[(d, "gac")]["hours"] == 2.5


def test_rebuild_gives_refresh_s_cases_and_clears_only_the_marks_it_covered(kouan):
    from kouan.clearance.models import DirtyConsignment

    d1, d2 = decl(62, "E"), decl(63, "E")
    ingest(kouan, [ev("l1", "DECLARATION_LODGED", 0, declaration=d1), ev("r1", "CUSTOMS_RELEASED", 1.5, declaration=d1),
                   ev("l2", "DECLARATION_LODGED", 0, declaration=d2), ev("r2", "CUSTOMS_RELEASED", 4, declaration=d2)])
    with transaction(kouan.sessions, actor=ACTOR) as s:
        assert len(s.scalars(select(DirtyConsignment)).all()) == 2
        report = service.rebuild(s, now=utcnow(), clocks=[GAC])
        assert report.cases == 2 and s.scalars(select(DirtyConsignment)).all() == []
    rebuilt = rows(kouan, [GAC])
    assert {k: v["hours"] for k, v in rebuilt.items()} == {(d1, "gac"): 1.5, (d2, "gac"): 4.0}
    assert_same(rebuilt, python_rows(kouan, [GAC]))


def test_a_large_scan_rebuilds_the_case_indexes_and_keeps_other_clocks(kouan, monkeypatch):
    """From SQLITE_REINDEX_ROWS cases on, the scan's process drops the case indexes, copies and
    builds them again: the same indexes after, the same rows as the Python path, other clocks'
    rows untouched."""
    if kouan.engine.dialect.name != "sqlite":
        pytest.skip("the scanner reads a SQLite store")
    log = []
    for i in range(6):
        d = decl(70 + i, "IE"[i % 2])
        log += [ev(f"l{i}", "DECLARATION_LODGED", i, declaration=d), ev(f"r{i}", "CUSTOMS_RELEASED", 2 * i + 1, declaration=d)]
    ingest(kouan, log)
    want = python_rows(kouan, CLOCKS)
    index_sql = text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'clearance_case'")
    with kouan.sessions() as s:
        before = s.execute(index_sql).all()
    monkeypatch.setattr(service, "SQLITE_REINDEX_ROWS", 1)
    got = set_rows(kouan, [GAC], engine="scan")
    with kouan.sessions() as s:
        assert s.execute(index_sql).all() == before
    assert_same(got, {k: v for k, v in want.items() if k[1] == "gac"})
    assert_same(rows(kouan, CLOCKS), want)  # the other clocks' rows are still there


def test_a_failed_recompute_in_the_session_keeps_the_case_indexes_and_rows(kouan, monkeypatch):
    """On the in-session path the indexes are dropped in the caller's transaction even when it had
    written nothing yet (SQLite would run the DDL in autocommit): a failure brings them back."""
    if kouan.engine.dialect.name != "sqlite":
        pytest.skip("the DuckDB engines read a SQLite store")
    d = decl(80, "E")
    ingest(kouan, [ev("l", "DECLARATION_LODGED", 0, declaration=d), ev("r", "CUSTOMS_RELEASED", 3, declaration=d)])
    want = python_rows(kouan, CLOCKS)
    index_sql = text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'clearance_case'")
    with kouan.sessions() as s:
        before = s.scalars(index_sql).all()
    monkeypatch.setattr(service, "SQLITE_REINDEX_ROWS", 1)

    def broken(*_args, **_kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_insert_sqlite", broken)
    with pytest.raises(RuntimeError, match="disk full"), transaction(kouan.sessions, actor=ACTOR) as s:
        service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC], engine="duckdb")
    with kouan.sessions() as s:
        assert s.scalars(index_sql).all() == before
    assert_same(rows(kouan, CLOCKS), want)


def test_refresh_of_most_of_the_store_takes_the_set_based_pass_with_the_same_cases(kouan, monkeypatch):
    """Once at least REBUILD_FROM consignments, and REBUILD_SHARE of all, are marked (a large import),
    ``refresh`` recomputes set-based (``rebuild``) rather than one by one: the same cases, every mark
    cleared. Below the share it stays on the per-consignment path."""
    from kouan.clearance.models import DirtyConsignment

    log = []
    for i in range(4):
        d = decl(80 + i, "IE"[i % 2])
        log += [ev(f"l{i}", "DECLARATION_LODGED", i, declaration=d),
                ev(f"r{i}", "CUSTOMS_RELEASED", 3 * i + 1, declaration=d)]
    ingest(kouan, log)
    want = python_rows(kouan, CLOCKS)  # recomputed one by one; every mark cleared
    with transaction(kouan.sessions, actor=ACTOR) as s:  # the import marks every consignment again
        every = sorted(s.scalars(select(ClearanceCase.consignment_id).distinct()))
        s.execute(DirtyConsignment.__table__.insert(), [{"consignment_id": i} for i in every])
    assert len(every) == 4
    taken = []
    real = service.rebuild
    monkeypatch.setattr(service, "rebuild", lambda s, **kw: taken.append(kw) or real(s, **kw))
    monkeypatch.setattr(service, "REBUILD_FROM", 3)
    monkeypatch.setattr(service, "REBUILD_SHARE", 0.9)  # 4 of 4 marked
    with transaction(kouan.sessions, actor=ACTOR) as s:
        report = service.refresh(s, now=utcnow(), clocks=CLOCKS)
        assert s.scalars(select(DirtyConsignment)).all() == []
    assert len(taken) == 1 and report.consignments == 4
    assert_same(rows(kouan, CLOCKS), want)
    # 2 of 4 marked: below the share, one by one
    ids = []
    with transaction(kouan.sessions, actor=ACTOR) as s:
        ids = sorted(s.scalars(select(ClearanceCase.consignment_id).distinct()))[:2]
        s.execute(DirtyConsignment.__table__.insert(), [{"consignment_id": i} for i in ids])
    monkeypatch.setattr(service, "REBUILD_FROM", 2)
    with transaction(kouan.sessions, actor=ACTOR) as s:
        report = service.refresh(s, now=utcnow(), clocks=CLOCKS)
    assert len(taken) == 1 and report.consignments == 2
    assert_same(rows(kouan, CLOCKS), want)
