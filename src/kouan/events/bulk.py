"""Lean bulk writes for ingestion: pre-converted tuples straight to the database driver, inside the
session's own transaction.

why: SQLAlchemy Core builds and converts every parameter of every row in Python (a type processor
per datetime and JSON column, a dict per row): that was the largest share of ingestion time. Here
rows are tuples already in the form the driver stores — SQLite gets one ``executemany``,
PostgreSQL one ``COPY … FROM STDIN`` — on the connection the session is using, so a failure still
rolls back the whole batch. Only ingestion's insert-only tables go this way; everything else keeps
the ORM.

Values must already be what the ORM would have written: times through :meth:`Bulk.ts` (SQLite:
naive UTC text exactly as SQLAlchemy's ``DateTime`` stores it; PostgreSQL: the aware datetime) and
JSON columns through :func:`json_text`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session


def json_text(value: Any) -> str:
    """JSON for a JSON column: compact UTF-8 (SQLAlchemy's ``json.dumps`` spaces and escapes it, and
    reads either back the same); what orjson cannot write (an integer over 64 bits) goes through
    ``json``."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value)


def sqlite_ts(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite ``DateTime`` text of an aware instant: UTC, always with microseconds
    (``YYYY-MM-DD HH:MM:SS.ffffff``, the first 26 characters of the UTC ISO form)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def pg_ts(value: datetime | None) -> datetime | None:
    return value


class Bulk:
    """Insert rows into a table through the driver connection of ``session``'s transaction."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.ts = pg_ts if self.postgres else sqlite_ts

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple], *,
               ignore_conflicts: bool = False) -> None:
        """Insert ``rows``; ``ignore_conflicts`` skips rows whose key is already there (PostgreSQL
        then uses ``executemany``, as ``COPY`` cannot skip)."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgres and not ignore_conflicts:
            driver = self.connection.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s" if self.postgres else "?"] * len(columns))
        tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        self.connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks}){tail}", list(rows))

    def execute_many(self, sql: str, rows: Sequence[tuple]) -> None:
        """Run ``sql`` (``?`` placeholders) once per row."""
        if rows:
            self.connection.exec_driver_sql(sql.replace("?", "%s") if self.postgres else sql, list(rows))
