"""Request dependencies: the database session (the request owns the transaction) and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from kouan.bootstrap import Kouan
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.kit.errors import N_, Forbidden, NotAuthenticated, TooManyRequests
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service
from kouan.partners import throttle
from kouan.partners.domain import Principal, Scope, has_scope
from kouan.web import csrf
from kouan.web import sessions as web_sessions
from kouan.web.sessions import SESSION_COOKIE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="A partner API key: `Authorization: Bearer kouan_…`")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="A person's login session; state changes also need X-CSRF-Token")


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """Who the page header names."""

    id: int
    username: str
    display_name: str


def get_kouan(request: Request) -> Kouan:
    return request.app.state.kouan


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    with get_kouan(request).sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def load_person_principal(request: Request, session: Session) -> Principal | None:
    """The person whose live server-side session the cookie opens, or None."""
    found = web_sessions.current(request, session)
    if found is None:
        return None
    person = partners_repo.get_person(session, found.person_id)
    org = partners_repo.get_org(session, person.org_id) if person else None
    if person is None or not person.active or org is None or not org.active:
        return None
    # A plain copy for the page header: error pages render after the request's session is closed,
    # when the ORM row can no longer load anything (a detached instance raised, and every error page
    # a logged-in person met became a 500).
    request.state.person = LoggedIn(id=person.id, username=person.username, display_name=person.display_name)
    request.state.principal = partners_service.principal_for_person(session, person)
    return request.state.principal


def _key_principal(request: Request, session: Session, secret: str) -> Principal:
    """A bearer key, refused with 429 while its address is locked out for failed keys. A failure is
    counted in a transaction of its own: the request's is rolled back by the 401."""
    now, address = utcnow(), web_sessions.client_address(request)
    if lock := throttle.key_lock(session, address=address, now=now):
        seconds = lock.seconds_left(now)
        raise TooManyRequests(
            N_("too many failed API keys from this address: try again in %(seconds)s seconds"),
            params={"seconds": seconds}, extra={"retry_after": seconds})
    try:
        return partners_service.authenticate_key(session, secret=secret, now=now)
    except NotAuthenticated:
        rules = web_sessions.rules(web_sessions.settings_of(request))
        with transaction(get_kouan(request).sessions, actor=web_sessions.anonymous(request)) as own:  # type: ignore[arg-type]
            throttle.key_failed(own, address=address, rules=rules, now=now)
        raise


def current_principal(
    request: Request,
    session: DbSession,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    _session_cookie: Annotated[str | None, Depends(_cookie)] = None,
) -> Principal:
    if request.headers.get("authorization"):
        if bearer is None or bearer.scheme.lower() != "bearer" or not bearer.credentials:
            raise NotAuthenticated("send the API key as 'Authorization: Bearer <key>'")
        principal = _key_principal(request, session, bearer.credentials)
    else:
        found = load_person_principal(request, session)
        if found is None:
            raise NotAuthenticated("log in, or send a partner API key")
        principal = found
        if request.method not in SAFE_METHODS:
            csrf.verify(request, request.headers.get(csrf.HEADER))
    session.info["actor"] = principal
    request.state.principal = principal
    return principal


def authenticated(
    request: Request,
    session: DbSession,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    _session_cookie: Annotated[str | None, Depends(_cookie)] = None,
) -> Principal:
    """The caller the route guard (``web.authz``) already authenticated, else ``current_principal``."""
    guarded = getattr(request.state, "guarded_principal", None)
    if guarded is not None:
        return guarded
    return current_principal(request, session, bearer, _session_cookie)


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require_scope(scope: Scope):  # type: ignore[no-untyped-def]
    """A second check of the scope the route table (``web.policy.ROUTES``) already asks for."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not has_scope(principal, scope):
            raise Forbidden(f"this API key lacks the {scope.value!r} scope")
        return principal

    return check


def require_person(principal: CurrentPrincipal) -> Principal:
    if not principal.is_person:
        raise Forbidden(N_("only a person may do this, not an API key"))
    return principal


PersonPrincipal = Annotated[Principal, Depends(require_person)]
ReadPrincipal = Annotated[Principal, Depends(require_scope(Scope.READ))]


class LoginRequired(Exception):
    """A page needs a logged-in person; the app redirects to /login?next=…"""


def page_principal(request: Request, session: DbSession) -> Principal:
    principal = load_person_principal(request, session)
    if principal is None:
        raise LoginRequired
    session.info["actor"] = principal
    request.state.principal = principal
    return principal


def page_person(request: Request, session: DbSession) -> Principal:
    """The person the route guard already loaded, else ``page_principal``."""
    guarded = getattr(request.state, "guarded_principal", None)
    return guarded if guarded is not None else page_principal(request, session)


PagePrincipal = Annotated[Principal, Depends(page_person)]
