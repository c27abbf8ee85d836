"""Portable column types that need neither the ORM nor a dialect: ``kouan.db.base`` re-exports
them for the models, and the lightweight table descriptions of the read paths (``kpi_store``) use
them without importing the mapped classes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant stored as UTC on every database.

    SQLite has no time zones; PostgreSQL's ``timestamptz`` has. Either way Python sees an aware
    UTC ``datetime``, and a naive value is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
