"""Failed logins and API-key attempts: counted, and past a limit locked out for a while.

Counters live in the database (``auth_failure``, ``auth_lockout``), not in a worker's memory, so
that several server workers on PostgreSQL count the same failures. Each failure is one inserted
row; when a key's failures within the window reach its limit, a lockout row is written (and
audited) and the key's failures are cleared, so the count starts again once the lockout is over.
Only inserts and deletes: no read-modify-write race to lose a count between workers (two workers
crossing the limit at once write two lockouts, which is harmless).

Keys: ``user:<username>`` and ``ip:<address>`` for logins, ``key-ip:<address>`` for API keys.
A locked key is refused before the password or key is even checked, so the right password is
refused too until the lockout ends. Callers own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kouan.audit import service as audit_service
from kouan.partners import repository as repo
from kouan.partners.models import AuthFailure, AuthLockout

MAX_KEY = 128


@dataclass(frozen=True)
class Rule:
    limit: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class Rules:
    per_user: Rule
    per_address: Rule
    keys_per_address: Rule


@dataclass(frozen=True)
class Lock:
    key: str
    until: datetime

    @property
    def on_user(self) -> bool:
        return self.key.startswith("user:")

    def seconds_left(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def user_key(username: str) -> str:
    return f"user:{username.strip().lower()}"[:MAX_KEY]


def address_key(address: str | None, *, api_key: bool = False) -> str:
    return f"{'key-ip' if api_key else 'ip'}:{address or 'unknown'}"[:MAX_KEY]


def locked(session: Session, keys: list[str], *, now: datetime) -> Lock | None:
    """The lockout that holds longest among ``keys``, if any holds now."""
    row = session.execute(
        select(AuthLockout.key, AuthLockout.locked_until)
        .where(AuthLockout.key.in_(keys), AuthLockout.locked_until > now)
        .order_by(AuthLockout.locked_until.desc()).limit(1)
    ).first()
    return Lock(row[0], row[1]) if row else None


def record_failure(session: Session, key: str, rule: Rule, *, now: datetime,
                   subject_org_id: int | None = None) -> Lock | None:
    """Count one failure for ``key``; the lockout it triggers, if it reaches the limit."""
    session.execute(delete(AuthFailure).where(AuthFailure.at <= now - rule.window))
    session.execute(delete(AuthLockout).where(AuthLockout.locked_until <= now))
    session.add(AuthFailure(key=key, at=now))
    session.flush()
    count = session.scalar(select(func.count()).select_from(AuthFailure)
                           .where(AuthFailure.key == key, AuthFailure.at > now - rule.window))
    if (count or 0) < rule.limit:
        return None
    lock = Lock(key, now + rule.lockout)
    session.add(AuthLockout(key=key, locked_at=now, locked_until=lock.until))
    session.execute(delete(AuthFailure).where(AuthFailure.key == key))
    session.flush()
    audit_service.record(session, action="auth.lockout", entity="auth_lockout", entity_id=key[:64],
                         subject_org_id=subject_org_id,
                         after={"key": key, "failures": count, "locked_until": lock.until})
    return lock


def login_failed(session: Session, *, username: str, address: str | None, rules: Rules,
                 now: datetime) -> Lock | None:
    """A wrong password (or unknown username): counted for the username and the address. A
    username's lockout is audited for its organisation too, so its admins see it."""
    person = repo.get_person_by_username(session, username.strip())
    by_user = record_failure(session, user_key(username), rules.per_user, now=now,
                             subject_org_id=person.org_id if person else None)
    by_address = record_failure(session, address_key(address), rules.per_address, now=now)
    return by_user or by_address


def login_succeeded(session: Session, *, username: str) -> None:
    """The username's failures are forgiven; the address's are not (one account of one's own must
    not reset the count of guesses at everybody else's)."""
    session.execute(delete(AuthFailure).where(AuthFailure.key == user_key(username)))


def login_lock(session: Session, *, username: str, address: str | None, now: datetime) -> Lock | None:
    return locked(session, [user_key(username), address_key(address)], now=now)


def key_lock(session: Session, *, address: str | None, now: datetime) -> Lock | None:
    return locked(session, [address_key(address, api_key=True)], now=now)


def key_failed(session: Session, *, address: str | None, rules: Rules, now: datetime) -> Lock | None:
    return record_failure(session, address_key(address, api_key=True), rules.keys_per_address, now=now)
