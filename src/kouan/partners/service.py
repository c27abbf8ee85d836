"""Use cases for organisations, people and API keys. Callers own the transaction.

Permission rules live in ``partners.domain``; every function here checks them against the acting
``Principal`` so that the API, the pages and the CLI share one set of rules.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from kouan.audit import service as audit
from kouan.kit import ids
from kouan.kit.errors import (
    N_,
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TemplatedFieldError,
)
from kouan.partners import governance, hashing
from kouan.partners import repository as repo
from kouan.partners import sessions as web_sessions_store
from kouan.partners.domain import (
    USCC_REQUIRED,
    OrgKind,
    Principal,
    Role,
    Scope,
    can_create_org,
    can_manage_org,
    can_view_org,
    default_key_scopes,
    key_scope_allowed,
    sees_all_organisations,
)
from kouan.partners.models import ApiKey, Organisation, Person
from kouan.ports.models import CustomsDistrict, Port

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def configure_password_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Argon2id cost. Production keeps argon2-cffi's defaults; the test suite lowers them."""
    global _hasher, _dummy_hash
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        _dummy_hash = None


if (_recorded := hashing.cost()) is not None:  # bootstrap.build ran before this import
    configure_password_hashing(time_cost=_recorded[0], memory_kib=_recorded[1])


def _timing_dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("kouan-timing-equaliser")
    return _dummy_hash
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
KEY_PREFIX = "kouan_"
MIN_PASSWORD = 10
CREDIT_RATINGS = ("advanced", "general", "dishonest")  # 高级认证 / 一般信用 / 失信


# --- organisations -------------------------------------------------------------------------


@dataclass
class OrgFields:
    code: str
    name: str
    kind: str
    name_en: str | None = None
    uscc: str | None = None
    province: str | None = None
    customs_district: str | None = None
    home_port: str | None = None
    timezone: str = "Asia/Shanghai"
    credit_rating: str | None = None
    fleet: list[str] | None = None  # IMO numbers of the vessels a shipping line operates
    carrier_codes: list[str] | None = None  # SCAC codes that begin its B/L numbers


def _validate_org(session: Session, f: OrgFields, *, existing: Organisation | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if not _CODE.match(f.code):
        errors.append(FieldError("/code", N_("2-32 characters: upper-case letters, digits, _ or -"), f.code))
    elif (other := repo.get_org_by_code(session, f.code)) and other is not existing:
        errors.append(TemplatedFieldError("/code", N_("organisation code %(code)r is taken"), f.code,
                                          params={"code": f.code}))
    if not f.name.strip():
        errors.append(FieldError("/name", N_("a name is required")))
    try:
        kind = OrgKind(f.kind)
    except ValueError:
        kinds = ", ".join(k.value for k in OrgKind)
        errors.append(FieldError("/kind", f"unknown kind; one of {kinds}", f.kind))
        kind = None
    if f.uscc:
        if problem := ids.check_uscc(f.uscc):
            errors.append(FieldError("/uscc", problem, f.uscc))
        elif (other := repo.get_org_by_uscc(session, ids.compact_uscc(f.uscc))) and other is not existing:
            errors.append(FieldError("/uscc", N_("another organisation has this USCC"), f.uscc))
    elif kind in USCC_REQUIRED:
        errors.append(TemplatedFieldError("/uscc", N_("a %(kind)s registered in China needs its USCC"),
                                          params={"kind": kind.value}))
    if f.customs_district and session.get(CustomsDistrict, f.customs_district) is None:
        errors.append(FieldError("/customs_district", N_("unknown customs district code"),
                                 f.customs_district))
    if kind == OrgKind.CUSTOMS and not f.customs_district:
        errors.append(FieldError("/customs_district", N_("a customs organisation names its district")))
    if f.home_port and session.get(Port, f.home_port) is None:
        errors.append(FieldError("/home_port", N_("unknown UN/LOCODE"), f.home_port))
    if f.province and not re.fullmatch(r"CN-[A-Z]{2}", f.province):
        errors.append(FieldError("/province", N_("an ISO 3166-2 code such as CN-LN"), f.province))
    try:
        ZoneInfo(f.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("/timezone", N_("unknown IANA time zone"), f.timezone))
    if f.fleet and (bad := [v for v in f.fleet if not re.fullmatch(r"\d{7}", str(v))]):
        errors.append(FieldError("/fleet", N_("IMO numbers: seven digits each"), bad[0]))
    if f.carrier_codes and (bad := [c for c in f.carrier_codes if not re.fullmatch(r"[A-Za-z]{2,4}", c)]):
        errors.append(FieldError("/carrier_codes", N_("carrier (SCAC) codes: two to four letters"), bad[0]))
    if f.credit_rating and f.credit_rating not in CREDIT_RATINGS:
        errors.append(FieldError("/credit_rating", f"one of {', '.join(CREDIT_RATINGS)}", f.credit_rating))
    return errors


def create_org(session: Session, *, actor: Principal, fields: OrgFields, now: datetime) -> Organisation:
    if not can_create_org(actor):
        raise Forbidden(N_("only the port office's administrators create organisations"))
    if errors := _validate_org(session, fields, existing=None):
        raise InvalidInput(N_("the organisation is not valid"), errors=errors)
    org = Organisation(
        code=fields.code, name=fields.name.strip(), name_en=fields.name_en, kind=fields.kind,
        uscc=ids.compact_uscc(fields.uscc) if fields.uscc else None, province=fields.province,
        customs_district=fields.customs_district, home_port=fields.home_port,
        timezone=fields.timezone, credit_rating=fields.credit_rating, active=True, created_at=now,
        fleet=sorted(set(fields.fleet)) if fields.fleet else None,
        carrier_codes=sorted({c.upper() for c in fields.carrier_codes}) if fields.carrier_codes else None,
    )
    session.add(org)
    session.flush()
    return org


def get_org(session: Session, *, actor: Principal, org_id: int) -> Organisation:
    org = repo.get_org(session, org_id)
    # Someone else's organisation is "not found", not "forbidden": ids are not to be probed.
    if org is None or not can_view_org(actor, org_id):
        raise NotFound(N_("no organisation %(org_id)s"), params={"org_id": org_id})
    return org


def list_orgs(session: Session, *, actor: Principal, kind: str | None = None) -> list[Organisation]:
    if sees_all_organisations(actor):
        return repo.list_orgs(session, kind=kind)
    if actor.org_id is None:
        return []
    return repo.list_orgs(session, only_id=actor.org_id, kind=kind)


def _district_of(session: Session, org_id: int | None) -> str | None:
    org = repo.get_org(session, org_id) if org_id else None
    return org.customs_district if org else None


def update_org(
    session: Session, *, actor: Principal, org_id: int, changes: dict[str, object]
) -> Organisation:
    """Change an organisation: its own admins what describes it, the port office everything, customs
    the credit rating of its district's enterprises (``partners.governance``)."""
    org = repo.get_org(session, org_id)
    rater = org is not None and governance.rates(
        actor, org_kind=org.kind, org_district=org.customs_district,
        actor_district=_district_of(session, actor.org_id))
    if org is None or not (can_view_org(actor, org_id) or rater):
        raise NotFound(N_("no organisation %(org_id)s"), params={"org_id": org_id})
    if not (can_manage_org(actor, org_id) or rater):
        raise Forbidden(N_("you may not change this organisation"))
    moved = [k for k, v in changes.items() if getattr(org, k) != v]
    if denied := governance.refused(actor, moved, own=actor.org_id == org_id, rater=rater):
        raise Forbidden(N_("only the port office changes %(fields)s"), params={"fields": ", ".join(denied)},
                        extra={"code": "org_field_governed", "fields": denied})
    current = OrgFields(
        code=org.code, name=org.name, kind=org.kind, name_en=org.name_en, uscc=org.uscc,
        province=org.province, customs_district=org.customs_district, home_port=org.home_port,
        timezone=org.timezone, credit_rating=org.credit_rating, fleet=org.fleet,
        carrier_codes=org.carrier_codes,
    )
    changes = dict(changes)
    active = changes.pop("active", None)
    for key, value in changes.items():
        setattr(current, key, value)
    if errors := _validate_org(session, current, existing=org):
        raise InvalidInput(N_("the organisation is not valid"), errors=errors)
    for key in changes:
        value = getattr(current, key)
        setattr(org, key, ids.compact_uscc(value) if key == "uscc" and value else value)
    if active is not None:
        org.active = bool(active)
    session.flush()
    return org


# --- people --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password_rules(password: str, pointer: str = "/password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD:
        return [TemplatedFieldError(pointer, N_("at least %(n)s characters"), params={"n": MIN_PASSWORD})]
    return []


def create_person(
    session: Session, *, actor: Principal, org_id: int, username: str, display_name: str,
    password: str, role: str = Role.STAFF, email: str | None = None, now: datetime,
) -> Person:
    get_org(session, actor=actor, org_id=org_id)
    if not can_manage_org(actor, org_id):
        raise Forbidden(N_("only an administrator of this organisation adds people"))
    errors = _check_password_rules(password)
    if not _USERNAME.match(username):
        errors.append(FieldError("/username", N_("3-64 characters: lower-case letters, digits, . _ -"),
                                 username))
    elif repo.get_person_by_username(session, username):
        errors.append(TemplatedFieldError("/username", N_("username %(username)r is taken"), username,
                                          params={"username": username}))
    if role not in {r.value for r in Role}:
        errors.append(FieldError("/role", f"one of {', '.join(r.value for r in Role)}", role))
    if not display_name.strip():
        errors.append(FieldError("/display_name", N_("a name is required")))
    if errors:
        raise InvalidInput(N_("the person is not valid"), errors=errors)
    person = Person(
        org_id=org_id, username=username, display_name=display_name.strip(), email=email,
        password_hash=hash_password(password), role=role, active=True, created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def list_people(session: Session, *, actor: Principal, org_id: int) -> list[Person]:
    get_org(session, actor=actor, org_id=org_id)
    return repo.list_people(session, org_id)


def get_person(session: Session, *, actor: Principal, person_id: int) -> Person:
    person = repo.get_person(session, person_id)
    if person is None or not can_view_org(actor, person.org_id):
        raise NotFound(N_("no person %(person_id)s"), params={"person_id": person_id})
    return person


def update_person(
    session: Session, *, actor: Principal, person_id: int, changes: dict[str, object]
) -> Person:
    person = get_person(session, actor=actor, person_id=person_id)
    is_self = actor.is_person and actor.id == person.id
    admin = can_manage_org(actor, person.org_id)
    if not admin and not (is_self and set(changes) <= {"display_name", "email", "password", "locale"}):
        raise Forbidden(N_("you may not change this person"))
    errors: list[FieldError] = []
    if "role" in changes and changes["role"] not in {r.value for r in Role}:
        errors.append(FieldError("/role", f"one of {', '.join(r.value for r in Role)}", changes["role"]))
    if "password" in changes:
        errors += _check_password_rules(str(changes["password"]))
    if is_self and changes.get("active") is False:
        errors.append(FieldError("/active", N_("you cannot deactivate yourself")))
    if errors:
        raise InvalidInput(N_("the change is not valid"), errors=errors)
    for key, value in changes.items():
        if key == "password":
            person.password_hash = hash_password(str(value))
        else:
            setattr(person, key, value)
    session.flush()
    if "password" in changes or changes.get("active") is False:
        _end_sessions(session, person, reason="password changed" if "password" in changes else "deactivated")
    return person


def _end_sessions(session: Session, person: Person, *, reason: str) -> None:
    """A new password (or a deactivation) ends every login of the person, this one included: a
    cookie copied before the change must open nothing after it."""
    ended = web_sessions_store.end_all(session, person_id=person.id)
    if ended:
        audit.record(session, action="person.sessions_ended", entity="person", entity_id=str(person.id),
                     subject_org_id=person.org_id, after={"sessions": ended, "reason": reason})


def authenticate_person(session: Session, *, username: str, password: str, now: datetime) -> Person:
    person = repo.get_person_by_username(session, username)
    org = repo.get_org(session, person.org_id) if person else None
    try:
        if person is None:
            _hasher.verify(_timing_dummy(), password)  # same cost whether or not the user exists
            raise VerificationError
        _hasher.verify(person.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise NotAuthenticated("wrong username or password") from None
    if not person.active or org is None or not org.active:
        raise NotAuthenticated("this account is disabled")
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    person.last_login_at = now  # flushed by the caller once it has set the acting principal
    return person


def principal_for_person(session: Session, person: Person) -> Principal:
    # A read that must never flush: at login the person is already dirty (last_login_at, maybe a
    # rehashed password) and the actor this builds is not set yet, so the audit hook would refuse
    # the flush an organisation no longer in the identity map would trigger.
    with session.no_autoflush:
        org = repo.get_org(session, person.org_id)
    assert org is not None
    return Principal(
        kind="person", id=person.id, org_id=org.id, org_kind=OrgKind(org.kind),
        role=Role(person.role), name=person.display_name, org_code=org.code,
    )


# --- API keys ------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def _scope_errors(kind: str, wanted: list[str]) -> list[FieldError]:
    """Unknown scopes, scopes the kind may not have, or none at all (partners.domain.KEY_SCOPES)."""
    if not wanted:
        return [TemplatedFieldError("/scopes", N_("a %(kind)s's key has no scope by default: name one"),
                                    params={"kind": kind})]
    errors: list[FieldError] = []
    for i, scope in enumerate(wanted):
        if scope not in {x.value for x in Scope}:
            errors.append(FieldError(f"/scopes/{i}", f"unknown scope {scope!r}", scope))
        elif not key_scope_allowed(kind, scope):
            errors.append(TemplatedFieldError(f"/scopes/{i}", N_("a %(kind)s's key may not have %(scope)s"),
                                              scope, params={"kind": kind, "scope": scope}))
    return errors


def create_api_key(
    session: Session, *, actor: Principal, org_id: int, name: str, scopes: list[str] | None = None,
    expires_at: datetime | None = None, now: datetime,
) -> IssuedKey:
    org = get_org(session, actor=actor, org_id=org_id)
    if not can_manage_org(actor, org_id):
        raise Forbidden(N_("only an administrator of this organisation issues API keys"))
    wanted = scopes or [s.value for s in default_key_scopes(org.kind)]
    errors = _scope_errors(org.kind, wanted)
    if not name.strip():
        errors.append(FieldError("/name", N_("name the system that will use the key")))
    if expires_at is not None and expires_at <= now:
        errors.append(FieldError("/expires_at", N_("the expiry is in the past")))
    if errors:
        raise InvalidInput(N_("the API key request is not valid"), errors=errors)
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        org_id=org_id, name=name.strip(), prefix=prefix, key_hash=_digest(secret),
        scopes=sorted(set(wanted)), created_at=now, created_by=actor.label, expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return IssuedKey(key=key, secret=secret)


def list_api_keys(session: Session, *, actor: Principal, org_id: int) -> list[ApiKey]:
    get_org(session, actor=actor, org_id=org_id)
    if not can_manage_org(actor, org_id) and not (actor.is_person and actor.org_id == org_id):
        raise Forbidden(N_("you may not list this organisation's keys"))
    return repo.list_keys(session, org_id)


def revoke_api_key(session: Session, *, actor: Principal, key_id: int, now: datetime) -> ApiKey:
    key = repo.get_key(session, key_id)
    if key is None or not can_view_org(actor, key.org_id):
        raise NotFound(N_("no API key %(key_id)s"), params={"key_id": key_id})
    if not can_manage_org(actor, key.org_id):
        raise Forbidden(N_("only an administrator of this organisation revokes its keys"))
    if key.revoked_at is not None:
        raise Conflict(f"API key {key_id} was revoked at {key.revoked_at.isoformat()}")
    key.revoked_at = now
    key.revoked_by = actor.label
    session.flush()
    return key


def authenticate_key(session: Session, *, secret: str, now: datetime) -> Principal:
    """Resolve a bearer key to its organisation's principal, or raise ``NotAuthenticated``."""
    match = re.fullmatch(rf"{KEY_PREFIX}([0-9a-f]{{12}})_[A-Za-z0-9_-]+", secret)
    key = repo.get_key_by_prefix(session, match.group(1)) if match else None
    if key is None or not hmac.compare_digest(key.key_hash, _digest(secret)):
        raise NotAuthenticated("unknown API key")
    if key.revoked_at is not None:
        raise NotAuthenticated("this API key has been revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise NotAuthenticated("this API key has expired")
    org = repo.get_org(session, key.org_id)
    if org is None or not org.active:
        raise NotAuthenticated("the key's organisation is disabled")
    key.last_used_at = now
    return Principal(
        kind="apikey", id=key.id, org_id=org.id, org_kind=OrgKind(org.kind),
        scopes=frozenset(key.scopes), name=f"{org.code}/{key.name}", org_code=org.code,
    )
