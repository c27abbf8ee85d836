from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.partners.models import ApiKey, Organisation, Person


def get_org(session: Session, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def get_org_by_code(session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.code == code))


def get_org_by_uscc(session: Session, uscc: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.uscc == uscc))


def list_orgs(session: Session, *, only_id: int | None = None, kind: str | None = None) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.id)
    if only_id is not None:
        stmt = stmt.where(Organisation.id == only_id)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return list(session.scalars(stmt))


def get_person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def get_person_by_username(session: Session, username: str) -> Person | None:
    return session.scalar(select(Person).where(Person.username == username))


def list_people(session: Session, org_id: int) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.org_id == org_id).order_by(Person.id)))


def get_key(session: Session, key_id: int) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def get_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def list_keys(session: Session, org_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id)))
