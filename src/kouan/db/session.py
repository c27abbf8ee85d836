"""Engine and session factory. The caller (request, CLI command, ingest batch) owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, Table, create_engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

SQLITE_CACHE_KIB = 64 * 1024


def make_engine(url: str, **kwargs: object) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache instead of SQLite's 2 MB: an ingest batch inserts into indexes filled in
    # random order ((source, event_id), (milestone, occurred_at), event_ref's key), which outgrow
    # 2 MB within a batch; `kouan events import` of 200k events went from 27.5 s to 23-25 s.
    # Per connection and grown only as used.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)



@contextmanager
def transaction(factory: sessionmaker[Session], *, actor: str = "system") -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back (and re-raise) on any error."""
    with factory() as session:
        session.info["actor"] = actor
        with session.begin():
            yield session


def allocate_ids(session: Session, table: Table, n: int) -> list[int]:
    """``n`` new primary keys for ``table``, ascending, so rows can be inserted without a RETURNING
    round trip. PostgreSQL draws them from the column's sequence (safe under concurrency); SQLite
    continues after the largest id, which is safe because a SQLite write transaction holds the
    database's only write lock (call this after the transaction's first write)."""
    if n <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sql = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
        return sorted(session.scalars(sql, {"t": table.name, "n": n}))
    top = session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(top + 1, top + 1 + n))
