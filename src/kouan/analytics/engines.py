"""The only engine switch (STYLE.md §7.2 rule 6): connect to a backend and find ``clearance_case``.

Kinds and targets:

- ``sqlite``: a file path or a SQLAlchemy-style URL (``sqlite:///rel.db``, ``sqlite:////abs.db``).
- ``postgres``: a SQLAlchemy URL (``postgresql+psycopg://user:pw@host:5432/db``).
- ``duckdb``: an export directory holding the ``clearance_case`` Parquet dataset (see
  ``run.parquet_export``), plain files or hive-partitioned sub-directories.
- ``spark``: the same export directory, read by a local SparkSession.

Version trap, checked with ibis-framework 12.0.0: ``create_table(name, <pyarrow or pandas
data>)`` fails on DuckDB ("syntax error at or near EXISTS") and SQLite ("incomplete input") with
sqlglot 30.18.0 up to at least 30.30.0, because ibis emits ``DROP VIEW IF EXISTS`` without a name.
sqlglot 27.29.0 (the pin in constraints.txt) and every release up to 30.17.0 work. Keep sqlglot
below 30.18 until ibis supports it. ``ibis.memtable`` executed directly works on every version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import ibis
import ibis.expr.datatypes as dt
from ibis.backends import BaseBackend

from kouan.analytics.tables import CLEARANCE_CASE, TABLE_NAME

KINDS = ("sqlite", "postgres", "duckdb", "spark")

# Spark settings for a laptop or a test run: two cores, few shuffle partitions (the default 200
# makes every small group-by start 200 tasks), UTC so timestamps never shift, no web UI.
SPARK_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Partition values such as customs_district=0900 must stay strings, not become 900.
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def connect(kind: str, target: str) -> BaseBackend:
    """Connect to ``target`` with the engine ``kind``; ``clearance_case(con)`` then gives the table."""
    if kind == "sqlite":
        return ibis.sqlite.connect(sqlite_path(target))
    if kind == "postgres":
        return ibis.postgres.connect(**postgres_params(target))
    if kind == "duckdb":
        con = ibis.duckdb.connect()
        # hive_types_autocast off for the same reason as Spark's partition type inference.
        con.read_parquet(
            _parquet_glob(target), table_name=TABLE_NAME, hive_partitioning=True, hive_types_autocast=False
        )
        return con
    if kind == "spark":
        con = ibis.pyspark.connect(spark_session())
        con.read_parquet(str(_dataset_dir(target)), table_name=TABLE_NAME)
        return con
    raise ValueError(f"unknown engine {kind!r}: expected one of {', '.join(KINDS)}")


def connect_store(database_url: str) -> BaseBackend:
    """The operational store (SQLite or PostgreSQL) named by its SQLAlchemy URL."""
    return connect("sqlite" if database_url.startswith("sqlite") else "postgres", database_url)


def sqlite_path(target: str) -> str:
    """The file path in ``target``: a plain path or ``sqlite[+driver]:///path`` (``:memory:`` if empty)."""
    scheme, sep, rest = target.partition("://")
    if not sep:
        return target
    if scheme.split("+")[0] != "sqlite":
        raise ValueError(f"not a SQLite URL: {target!r}")
    # SQLAlchemy form: sqlite:///relative.db, sqlite:////absolute.db, sqlite:// for memory.
    path = rest[1:] if rest.startswith("/") else rest
    return unquote(path.split("?")[0]) or ":memory:"


def postgres_params(target: str) -> dict[str, Any]:
    """Keyword arguments for ``ibis.postgres.connect`` from a SQLAlchemy or libpq URL."""
    url = urlsplit(target)
    if url.scheme.split("+")[0] not in {"postgresql", "postgres"}:
        raise ValueError(f"not a PostgreSQL URL: {target!r}")
    params: dict[str, Any] = {
        "host": url.hostname or "localhost",
        "port": url.port or 5432,
        "user": unquote(url.username) if url.username else None,
        "password": unquote(url.password) if url.password else None,
        "database": unquote(url.path.lstrip("/")) or None,
    }
    # Remaining query parameters (sslmode, connect_timeout...) go through to psycopg.
    params |= dict(parse_qsl(url.query))
    return params


def spark_session() -> Any:
    """The local SparkSession (created once per process; later calls return the same one)."""
    # Imported here, not at module top: pyspark is the optional 'spark' extra and starts a JVM.
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("kouan-analytics")
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def clearance_case(con: BaseBackend) -> ibis.Table:
    """The ``clearance_case`` table on ``con``, columns in schema order with the schema's types.

    String and float columns are cast when an engine reports another type (a Parquet partition
    column, an all-null column SQLite cannot type); timestamps are left as each engine has them,
    since the metrics never read them and each engine spells "UTC" differently.
    """
    table = con.table(TABLE_NAME)
    columns = {}
    for name, wanted in CLEARANCE_CASE.items():
        column = table[name]
        have = column.type()
        # A VARCHAR(7) is a string: casting it anyway would hide the column from the store's
        # indexes (SQLite cannot use an index on CAST(month AS TEXT)).
        same = (have.is_string() and wanted.is_string()) or (
            have.copy(nullable=True) == wanted.copy(nullable=True))
        if not isinstance(wanted, dt.Timestamp) and not same:
            column = column.cast(wanted)
        columns[name] = column
    return table.select(**columns)


def _dataset_dir(target: str) -> Path:
    directory = Path(target) / TABLE_NAME
    if not directory.is_dir():
        raise FileNotFoundError(f"no {TABLE_NAME} dataset under {target!r} (expected {directory})")
    return directory


def _parquet_glob(target: str) -> str:
    return str(_dataset_dir(target) / "**" / "*.parquet")
