"""Count what reaches the database: scaling is guarded by statements sent, never by timings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement ``engine`` sends while the block runs (executemany counts once)."""
    sent: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)
