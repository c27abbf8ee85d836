"""The same KPI on SQLite, PostgreSQL, DuckDB (Parquet) and Spark (Parquet) equals the oracle."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from tests.analytics.oracle import ARROW_SCHEMA, PORTS, Row, assert_same_kpi, reference_kpi

from kouan.analytics import engines
from kouan.analytics.run import kpi, parquet_export

GROUPINGS = [
    [],
    ["month", "direction"],
    ["port", "customs_district"],
    ["province", "facilitation_mode", "commodity_group"],
]


@pytest.mark.parametrize("by", GROUPINGS, ids=lambda by: "+".join(by) or "overall")
def test_every_engine_gives_the_oracle_kpi(engine, shared_cases: list[Row], by: list[str]) -> None:
    assert_same_kpi(kpi(engine, by), reference_kpi(shared_cases, by))


def test_every_engine_agrees_with_duckdb_in_memory(engine, shared_cases: list[Row]) -> None:
    baseline = kpi(ibis.memtable(pa.Table.from_pylist(shared_cases, schema=ARROW_SCHEMA)), ["month"])
    assert_same_kpi(kpi(engine, ["month"]), baseline)


def test_the_case_table_has_the_contract_types_on_every_engine(engine) -> None:
    schema = engines.clearance_case(engine).schema()
    assert schema["customs_district"].is_string() and schema["hours"].is_floating()
    assert list(schema.names) == list(engines.CLEARANCE_CASE.names)


def test_a_sqlite_export_read_by_duckdb_gives_the_same_kpi(sqlite_url: str, tmp_path) -> None:
    source = engines.connect("sqlite", sqlite_url)
    parquet_export(source, tmp_path)
    exported = engines.connect("duckdb", str(tmp_path))
    assert_same_kpi(kpi(exported, ["month", "direction"]), kpi(source, ["month", "direction"]))


def test_another_clock_is_counted_on_its_own(shared_cases: list[Row], sqlite_url: str) -> None:
    con = engines.connect("sqlite", sqlite_url)
    expected = reference_kpi(shared_cases, ["direction"], clock="wco_trs")
    assert_same_kpi(kpi(con, ["direction"], clock="wco_trs"), expected)


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/data/kouan.sqlite3", "/data/kouan.sqlite3"),
        ("sqlite:///rel/kouan.sqlite3", "rel/kouan.sqlite3"),
        ("sqlite:////abs/kouan.sqlite3", "/abs/kouan.sqlite3"),
        ("sqlite+pysqlite:////abs/k%20s.db?timeout=5", "/abs/k s.db"),
        ("sqlite://", ":memory:"),
    ],
)
def test_it_reads_sqlalchemy_sqlite_urls(target: str, path: str) -> None:
    assert engines.sqlite_path(target) == path


def test_it_turns_a_sqlalchemy_postgres_url_into_connect_arguments() -> None:
    params = engines.postgres_params("postgresql+psycopg://kouan:p%40ss@db.example:6543/kouan?sslmode=require")
    assert params == {
        "host": "db.example", "port": 6543, "user": "kouan", "password": "p@ss", "database": "kouan",
        "sslmode": "require",
    }


@pytest.mark.parametrize(("kind", "target"), [("oracle", "x"), ("postgres", "mysql://h/db"), ("sqlite", "pg://x")])
def test_it_refuses_unknown_engines_and_foreign_urls(kind: str, target: str) -> None:
    with pytest.raises(ValueError, match="unknown engine|not a"):
        engines.connect(kind, target)


def test_it_says_where_the_parquet_dataset_was_expected(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="clearance_case"):
        engines.connect("duckdb", str(tmp_path))


@pytest.mark.parametrize("by", [["month"], ["month", "direction"], ["direction", "month", "port"]])
def test_on_sqlite_months_are_answered_by_index_seeks_equal_to_the_window_path(
    sqlite_url: str, shared_cases: list[Row], by: list[str]
) -> None:
    from kouan.analytics import metrics, run

    con = engines.connect("sqlite", sqlite_url)
    table = engines.clearance_case(con)
    for filtered in (table, table.filter(table.direction == "I"), table.filter(table.port == PORTS[0])):
        assert run._sqlite_backend(filtered) is not None
        seek = run._stats_by_seek(run._sqlite_backend(filtered), filtered, by, "gac")
        window = run._by_group(metrics.clearance_stats(filtered, by, clock="gac"), by)
        assert seek.keys() == window.keys() and seek
        for group, want in window.items():
            for name in ("n", "mean_h", "median_h", "p90_h", "seg_1"):
                got = seek[group][name]
                assert (got is None and want[name] is None) or got == pytest.approx(want[name], abs=1e-9)
    assert run._sqlite_backend(ibis.memtable(pa.Table.from_pylist(shared_cases, schema=ARROW_SCHEMA))) is None
    con.disconnect()
