"""One migration history for SQLite and PostgreSQL, and it matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kouan.db import migrate
from kouan.db.registry import metadata


def test_the_migrations_match_the_models(kouan):
    with kouan.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_the_database_is_at_head(kouan):
    assert migrate.current_revision(kouan.engine) == migrate.head_revision()


def test_upgrade_is_idempotent_and_reloads_reference_data(kouan):
    first = migrate.upgrade(kouan.engine)
    second = migrate.upgrade(kouan.engine)
    assert first == second and second.ports > 1600 and second.districts == 42


def test_downgrade_to_base_and_back(tmp_path):
    from tests.conftest import make_settings

    from kouan.bootstrap import build

    k = build(make_settings(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path))
    migrate.upgrade(k.engine)
    from alembic import command

    cfg = migrate.alembic_config(str(k.engine.url))
    command.downgrade(cfg, "base")
    assert migrate.current_revision(k.engine) is None
    migrate.upgrade(k.engine)
    assert migrate.current_revision(k.engine) == migrate.head_revision()
