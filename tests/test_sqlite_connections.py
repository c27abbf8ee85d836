"""Every SQLite connection Kouan opens is set up for a shared store written in batches."""

from sqlalchemy import text

from kouan.db.session import SQLITE_CACHE_KIB, make_engine


def test_a_sqlite_connection_has_wal_foreign_keys_and_a_large_page_cache(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        with engine.connect() as c:
            assert c.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert c.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert c.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
            assert c.execute(text("PRAGMA cache_size")).scalar_one() == -SQLITE_CACHE_KIB
    finally:
        engine.dispose()
