"""HTML pages shared by every feature: home, login, logout, language switch, health."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text

from kouan.audit import service as audit_service
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import N_, KouanError, NotAuthenticated, TooManyRequests
from kouan.partners import service as partners_service
from kouan.partners import throttle
from kouan.web import csrf, i18n
from kouan.web import sessions as web_sessions
from kouan.web.deps import DbSession, get_kouan, load_person_principal
from kouan.web.features import FEATURES
from kouan.web.landing import HOME, landing_page
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never redirect a login to another host. Browsers read a
    backslash as a slash (``/\\evil.example`` is ``//evil.example``), so none is accepted, nor a
    control character or a space."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if (parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(c <= " " or c == "\x7f" for c in target)):
        return "/"
    return target


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    try:
        with get_kouan(request).engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/")
def home(request: Request, session: DbSession):
    principal = load_person_principal(request, session)
    landing = landing_page(principal)
    if landing != HOME:  # a logged-in person goes on to their own page
        return RedirectResponse(landing, status_code=303)
    return render(request, "home.html", {"features": FEATURES})


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    # No next=: the form sends none either, and the login lands on the person's own page.
    return render(request, "login.html", {"next": _safe_next(next) if next else "", "error": None})


def _login_page(request: Request, next: str, username: str, error: KouanError, status: int,
                headers: dict[str, str] | None = None):
    response = render(request, "login.html", {"next": _safe_next(next) if next else "", "error": error,
                                              "username": username}, status=status)
    response.headers.update(headers or {})
    return response


def _locked(lock: throttle.Lock, now: datetime) -> tuple[KouanError, dict[str, str]]:
    until = lock.until.astimezone(CHINA_TZ).strftime("%H:%M")
    detail = (N_("too many failed logins for this username: it is locked until %(until)s "
                 "(Beijing time), even with the right password") if lock.on_user else
              N_("too many failed logins from this address: logins from it are locked until "
                 "%(until)s (Beijing time)"))
    return TooManyRequests(detail, params={"until": until}), {"Retry-After": str(lock.seconds_left(now))}


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
):
    csrf.verify(request, csrf_token)
    now, address, username = utcnow(), web_sessions.client_address(request), username.strip()
    session.info["actor"] = web_sessions.anonymous(request)  # a lockout is audited
    lock = throttle.login_lock(session, username=username, address=address, now=now)
    if lock is None:  # a locked username is refused before its password is even checked
        try:
            person = partners_service.authenticate_person(session, username=username, password=password,
                                                          now=now)
        except NotAuthenticated as exc:
            rules = web_sessions.rules(web_sessions.settings_of(request))
            lock = throttle.login_failed(session, username=username, address=address, rules=rules, now=now)
            if lock is None:
                return _login_page(request, next, username, exc, 401)
    if lock is not None:
        error, headers = _locked(lock, now)
        return _login_page(request, next, username, error, 429, headers)
    principal = partners_service.principal_for_person(session, person)
    session.info["actor"] = principal
    throttle.login_succeeded(session, username=username)
    audit_service.record(session, action="person.login", entity="person",
                         entity_id=str(person.id), subject_org_id=person.org_id)
    request.session.clear()  # the state cookie: nothing from before the login is kept
    csrf.rotate(request)
    target = _safe_next(next) if next else landing_page(principal)
    response = RedirectResponse(target, status_code=303)
    web_sessions.begin(request, response, session, person_id=person.id)
    if person.locale in i18n.LOCALES:
        response.set_cookie(i18n.LANG_COOKIE, person.locale, max_age=365 * 86400, samesite="lax")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form()] = ""):
    csrf.verify(request, csrf_token)
    principal = load_person_principal(request, session)
    response = RedirectResponse("/", status_code=303)
    session.info["actor"] = principal or web_sessions.anonymous(request)
    person_id = web_sessions.finish(request, response, session)
    if principal is not None and person_id is not None:
        audit_service.record(session, action="person.logout", entity="person",
                             entity_id=str(person_id), subject_org_id=principal.org_id)
    request.session.clear()
    csrf.rotate(request)
    return response


@router.get("/lang/{locale}")
def switch_language(locale: str, next: str | None = None):
    chosen = i18n.normalise(locale) or i18n.DEFAULT_LOCALE
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(i18n.LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax")
    return response
