"""The FastAPI application: ``create_app(settings)``. Built per process, never at import."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from kouan import __version__
from kouan.audit import api as audit_api
from kouan.bootstrap import Kouan, build
from kouan.clearance import api as clearance_api
from kouan.config import Settings, get_settings
from kouan.consignments import api as consignments_api
from kouan.consignments import pages as consignments_pages
from kouan.dashboard import api as dashboard_api
from kouan.dashboard import pages as dashboard_pages
from kouan.declarations import api as declarations_api
from kouan.declarations import pages as declarations_pages
from kouan.events import api as events_api
from kouan.events import pages as events_pages
from kouan.partners import api as partners_api
from kouan.partners import pages as partners_pages
from kouan.ports import api as ports_api
from kouan.vessels import api as vessels_api
from kouan.web import authz, i18n, pages, problems
from kouan.web.deps import SESSION_COOKIE, LoginRequired
from kouan.web.templating import render_error_page

DESCRIPTION = """
Kouan (口岸) is a single window for port clearance: partners push events, Kouan links them into
consignments and measures clearance time. Partner systems authenticate with
`Authorization: Bearer <API key>`; people use a login session. Errors are RFC 9457
`application/problem+json` documents whose `errors[].pointer` names the bad field.
"""


def create_app(settings: Settings | None = None, kouan: Kouan | None = None) -> FastAPI:
    settings = settings or get_settings()
    kouan = kouan or build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        yield
        kouan.dispose()

    # Every route passes the one policy table (web/policy.py) before its handler runs.
    app = FastAPI(title="Kouan 口岸 API", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, dependencies=[Depends(authz.route_guard)])
    app.state.kouan = kouan

    @app.middleware("http")
    async def choose_locale(request: Request, call_next):  # type: ignore[no-untyped-def]
        asked = i18n.normalise(request.query_params.get("lang"))
        request.state.locale = (
            asked or i18n.normalise(request.cookies.get(i18n.LANG_COOKIE)) or settings.default_locale
        )
        response = await call_next(request)
        response.headers.setdefault("Content-Language", i18n.HTML_LANG[request.state.locale])
        if asked:
            response.set_cookie(i18n.LANG_COOKIE, asked, max_age=365 * 86400, samesite="lax")
        return response

    app.add_middleware(
        SessionMiddleware, secret_key=settings.effective_secret_key, session_cookie=SESSION_COOKIE,
        same_site="lax", https_only=settings.secure_cookies, max_age=12 * 3600,
    )

    problems.install(app, render_error_page)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired):  # type: ignore[no-untyped-def]
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    for router in (pages.router, partners_pages.router, partners_api.router, ports_api.router,
                   audit_api.router, events_api.router, consignments_api.router,
                   consignments_pages.router, events_pages.router, clearance_api.router,
                   declarations_api.router, vessels_api.router, declarations_pages.router,
                   dashboard_api.router, dashboard_pages.router):
        app.include_router(router)
    static = resources.files("kouan") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    authz.check_complete(app)  # a route the policy table does not name cannot be served
    return app
