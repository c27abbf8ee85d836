"""Test fixtures. Storage tests run on SQLite *and* PostgreSQL.

The database is built by running the real migrations. PostgreSQL: a throwaway database per run
(and per xdist worker) on the server at KOUAN_TEST_POSTGRES_ADMIN_URL, dropped at the end.
Set KOUAN_TEST_BACKENDS=sqlite to run without PostgreSQL (CI never does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kouan.bootstrap import Kouan, build
from kouan.config import Settings
from kouan.db import migrate
from kouan.db.registry import metadata

ADMIN_URL = os.environ.get(
    "KOUAN_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [b for b in os.environ.get("KOUAN_TEST_BACKENDS", "sqlite,postgres").split(",") if b]
# Reference tables are loaded once by the migration run and kept between tests.
KEEP_TABLES = {"port", "customs_district", "alembic_version"}


def _postgres_database(tmp_name: str) -> Iterator[str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{tmp_name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=tmp_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{tmp_name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "kouan.sqlite3"
        yield f"sqlite:///{path}"
    elif request.param == "postgres":
        yield from _postgres_database(f"kouan_test_{worker}_{uuid.uuid4().hex[:8]}")
    else:
        raise ValueError(f"unknown backend {request.param!r}")


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(
        database_url=database_url, data_dir=data_dir, secret_key="test-secret-key-not-for-production",
        environment="test", argon2_time_cost=1, argon2_memory_kib=1024,
        # No worker thread in the app under test: a test runs the jobs where it expects their
        # effect (run_jobs below), so no thread races its assertions.
        **{"worker_in_process": False, **overrides},
    )


@pytest.fixture(scope="session")
def migrated_kouan(database_url, tmp_path_factory) -> Iterator[Kouan]:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url, tmp_path_factory.mktemp("data"))
    kouan = build(settings)
    migrate.upgrade(kouan.engine)
    yield kouan
    kouan.dispose()


def _wipe(kouan: Kouan) -> None:
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with kouan.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def kouan(migrated_kouan) -> Iterator[Kouan]:  # type: ignore[no-untyped-def]
    """A migrated Kouan whose non-reference tables are empty at the start of each test."""
    _wipe(migrated_kouan)
    yield migrated_kouan


@pytest.fixture
def backend(kouan) -> str:  # type: ignore[no-untyped-def]
    return kouan.engine.dialect.name


@pytest.fixture
def app(kouan):  # type: ignore[no-untyped-def]
    from kouan.web.app import create_app

    return create_app(kouan.settings, kouan)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def world(kouan):  # type: ignore[no-untyped-def]
    """The personas: a port office, two traders A and B, a terminal, Dalian customs."""
    from tests.factories import build_world

    return build_world(kouan)

