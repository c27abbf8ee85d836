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


def test_the_call_event_migration_fills_what_ingestion_writes(tmp_path):
    """Migration c0a1b2c3d4f1 fills ``call_event`` from the stored events with exactly the rows the
    ingest path writes for them: an event naming only calls, a vessel milestone naming a call and a
    box, never a box's discharge."""
    from alembic import command
    from sqlalchemy import select
    from tests.conftest import make_settings
    from tests.events.helpers import ev, jsonl

    from kouan.bootstrap import build
    from kouan.db.session import transaction
    from kouan.events import service as events_service
    from kouan.events.authority import KOUAN
    from kouan.events.models import CallEvent
    from kouan.kit.clock import utcnow
    from kouan.partners.domain import system

    k = build(make_settings(f"sqlite:///{tmp_path / 'c.sqlite3'}", tmp_path))
    migrate.upgrade(k.engine)
    a, b = "9321483/2103N/CNDAL", "9321483/2104S/CNDAL"
    log = jsonl(ev("arr", "TRANSPORT_ARRIVED", 0, transport_call=[a, b]),
                ev("chk", "TRANSPORT_CHECK_DONE", 1, transport_call=a, container="MSCU1234565"),
                ev("dis", "DISCHARGED", 2, transport_call=a, container="MSCU1234565"),
                ev("man", "MANIFEST_FILED", 3, transport_call=b),
                ev("lod", "DECLARATION_LODGED", 4, declaration="090020221000012345"))
    with transaction(k.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=log, fmt="jsonl",
                              channel="test", now=utcnow(), actor="tests")

    def rows() -> set[tuple[str, str]]:
        from kouan.events.models import Event

        with k.sessions() as s:
            return set(s.execute(select(CallEvent.key, Event.event_id).join(Event, Event.id == CallEvent.event_pk)))

    written = rows()
    assert written == {(a, "arr"), (b, "arr"), (a, "chk"), (b, "man")}
    cfg = migrate.alembic_config(str(k.engine.url))
    from alembic.script import ScriptDirectory

    command.downgrade(cfg, ScriptDirectory.from_config(cfg).get_revision("c0a1b2c3d4f1").down_revision)
    command.upgrade(cfg, "head")
    assert rows() == written
    k.dispose()
