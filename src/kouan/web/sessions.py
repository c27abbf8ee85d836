"""The login cookie and the failure throttle, at the web boundary.

Two cookies, for two jobs:

* ``kouan_session`` carries only the opaque token of a server-side session (``partners.sessions``):
  HttpOnly, SameSite=Lax, Secure when ``KOUAN_SECURE_COOKIES``. Logout deletes the session, a
  password change deletes all of the person's, so a copied cookie dies with them.
* ``kouan_state`` is Starlette's signed ``SessionMiddleware`` cookie. It holds no identity, only
  the CSRF synchroniser token (which the login form needs before anyone is logged in) and a
  refused action's message for the page it redirects to.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kouan.config import Settings
from kouan.kit.clock import utcnow
from kouan.partners import sessions as store
from kouan.partners.domain import Principal
from kouan.partners.models import WebSession
from kouan.partners.throttle import Rule, Rules

SESSION_COOKIE = "kouan_session"
STATE_COOKIE = "kouan_state"
_CHECKED = "web_session_checked"


def settings_of(request: Request) -> Settings:
    """The app's settings (``create_app`` may be given other settings than its Kouan's)."""
    return getattr(request.app.state, "settings", None) or request.app.state.kouan.settings


def policy(settings: Settings) -> store.SessionPolicy:
    return store.SessionPolicy(idle=timedelta(minutes=settings.session_idle_minutes),
                               absolute=timedelta(hours=settings.session_max_hours))


def rules(settings: Settings) -> Rules:
    window, lockout = (timedelta(minutes=settings.failure_window_minutes),
                       timedelta(minutes=settings.lockout_minutes))
    return Rules(per_user=Rule(settings.login_failures_per_user, window, lockout),
                 per_address=Rule(settings.login_failures_per_address, window, lockout),
                 keys_per_address=Rule(settings.key_failures_per_address, window, lockout))


def client_address(request: Request) -> str | None:
    """The peer's address (behind a proxy: run uvicorn with --proxy-headers and
    --forwarded-allow-ips so that this is the client's, not the proxy's)."""
    return request.client.host if request.client else None


def anonymous(request: Request) -> Principal:
    """Who acts before anyone is authenticated: the audit names the address."""
    return Principal(kind="anonymous", id=None, org_id=None, org_kind=None,
                     name=f"ip:{client_address(request) or 'unknown'}")


def current(request: Request, session: Session) -> WebSession | None:
    """The live server-side session the request's cookie opens (looked up once per request)."""
    if hasattr(request.state, _CHECKED):
        return getattr(request.state, _CHECKED)
    token = request.cookies.get(SESSION_COOKIE)
    found = (store.resolve(session, token=token, now=utcnow(), policy=policy(settings_of(request)))
             if token else None)
    setattr(request.state, _CHECKED, found)
    return found


def begin(request: Request, response: Response, session: Session, *, person_id: int) -> None:
    """Log in: a new token every time (the session id rotates at login), and the session the
    browser came with, if any, is ended."""
    if old := request.cookies.get(SESSION_COOKIE):
        store.end(session, token=old)
    settings = settings_of(request)
    token = store.start(session, person_id=person_id, now=utcnow(), policy=policy(settings))
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_max_hours * 3600, path="/",
                        httponly=True, samesite="lax", secure=settings.secure_cookies)


def finish(request: Request, response: Response, session: Session) -> int | None:
    """Log out: the session is deleted on the server, the cookie in the browser."""
    person_id = store.end(session, token=request.cookies.get(SESSION_COOKIE) or "")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings_of(request).secure_cookies)
    return person_id
