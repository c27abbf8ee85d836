"""Engines for the analytics tests: one case table written to SQLite, PostgreSQL and Parquet.

One SparkSession serves every Spark test (startup takes seconds); PostgreSQL gets a throwaway
``kouan_an_*`` database, dropped at the end.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from tests.analytics.oracle import Row, random_cases, write_parquet, write_sql

from kouan.analytics import engines

ADMIN_URL = os.environ.get(
    "KOUAN_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    "duckdb",
    pytest.param("spark", marks=pytest.mark.spark),
]


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    session = engines.spark_session()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def shared_cases() -> list[Row]:
    """Eighty cases over three months, both directions, ties, open cases, a second clock."""
    return random_cases(random.Random(20240301), 80)


@pytest.fixture(scope="session")
def postgres_url(shared_cases: list[Row]) -> Iterator[str]:
    if "postgres" not in os.environ.get("KOUAN_TEST_BACKENDS", "sqlite,postgres"):
        pytest.skip("PostgreSQL disabled by KOUAN_TEST_BACKENDS")
    name = f"kouan_an_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        write_sql(url, shared_cases)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(shared_cases: list[Row], tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kouan.sqlite3'}"
    write_sql(url, shared_cases)
    return url


@pytest.fixture(scope="session")
def parquet_dir(shared_cases: list[Row], tmp_path_factory: pytest.TempPathFactory) -> str:
    # Hive-partitioned by district: values like 0900 must come back as strings, not 900.
    export = tmp_path_factory.mktemp("export")
    return str(write_parquet(shared_cases, export, partition_by=["customs_district"]))


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[object]:
    """A connection of each kind to the same shared case table."""
    kind = request.param
    if kind == "spark":
        request.getfixturevalue("spark_session")
    target = {
        "sqlite": "sqlite_url", "postgres": "postgres_url", "duckdb": "parquet_dir", "spark": "parquet_dir",
    }[kind]
    con = engines.connect(kind, request.getfixturevalue(target))
    yield con
    if kind != "spark":  # disconnecting the Spark backend would stop the shared session
        con.disconnect()
