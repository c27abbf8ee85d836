from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime


class Organisation(Base):
    __tablename__ = "organisation"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short partner code: the ``source`` of every event this organisation sends.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    province: Mapped[str | None] = mapped_column(String(6))
    customs_district: Mapped[str | None] = mapped_column(ForeignKey("customs_district.code"))
    home_port: Mapped[str | None] = mapped_column(ForeignKey("port.locode"))
    # Local time zone of the partner's systems (EDIFACT times carry none).
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    credit_rating: Mapped[str | None] = mapped_column(String(16))
    # Set by the port office only (events.authority reads them): the IMO numbers of the vessels a
    # shipping line operates, and its carrier (SCAC) codes, which begin its B/L numbers.
    fleet: Mapped[list[str] | None] = mapped_column(JSONType)
    carrier_codes: Mapped[list[str] | None] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    __tablename__ = "person"
    __audited__ = True
    __audit_redact__ = frozenset({"password_hash"})
    # A login is audited as its own "person.login" row.
    __audit_ignore__ = frozenset({"last_login_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """A partner system's key. The secret is shown once; only its SHA-256 is kept."""

    __tablename__ = "api_key"
    __audited__ = True
    __audit_redact__ = frozenset({"key_hash"})
    # last_used_at changes on every call: not a state change worth an audit row.
    __audit_ignore__ = frozenset({"last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A person's login session. The browser holds a random token; only its SHA-256 is kept, so a
    copy of the database opens no session. Logout and a password change delete the row."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # absolute end; the idle end is last_seen_at + the idle timeout
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuthFailure(Base):
    """One failed login or API-key attempt, counted per key (``user:<name>``, ``ip:<address>``,
    ``key-ip:<address>``) within the failure window; kept in the database so that every server
    worker counts the same failures."""

    __tablename__ = "auth_failure"
    __table_args__ = (Index("ix_auth_failure_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuthLockout(Base):
    """A key refused until ``locked_until`` after too many failures (each one is also audited)."""

    __tablename__ = "auth_lockout"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
