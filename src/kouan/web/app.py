"""The FastAPI application: ``create_app(settings)``. Built per process, never at import."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kouan import __version__
from kouan.appointments import api as appointments_api
from kouan.appointments import pages as appointments_pages
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
from kouan.desk import api as desk_api
from kouan.desk import pages as desk_pages
from kouan.events import api as events_api
from kouan.events import pages as events_pages
from kouan.fees import api as fees_api
from kouan.fees import pages as fees_pages
from kouan.gathering import api as gathering_api
from kouan.gathering import pages as gathering_pages
from kouan.inspection import api as inspection_api
from kouan.inspection import pages as inspection_pages
from kouan.insurance import api as insurance_api
from kouan.insurance import pages as insurance_pages
from kouan.jobs import api as jobs_api
from kouan.kit.errors import TooManyRequests
from kouan.partners import api as partners_api
from kouan.partners import pages as partners_pages
from kouan.ports import api as ports_api
from kouan.vessels import api as vessels_api
from kouan.web import apidocs, authz, i18n, logredact, openapi, pages, problems
from kouan.web.deps import LoginRequired
from kouan.web.headers import SecurityHeaders
from kouan.web.limits import BodyLimit, BodyTooLarge, Limits
from kouan.web.responses import FigureJSONResponse
from kouan.web.sessions import STATE_COOKIE
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
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        # The embedded setup runs the post-commit jobs in a thread of this process; with
        # KOUAN_WORKER_IN_PROCESS=false they wait for `kouan worker` (its own process).
        worker = _start_worker(settings, kouan) if settings.worker_in_process else None
        app.state.jobs_worker = worker
        yield
        if worker is not None:
            worker.stop()
        kouan.dispose()

    # Every route passes the one policy table (web/policy.py) before its handler runs.
    app = FastAPI(title="Kouan 口岸 API", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, dependencies=[Depends(authz.route_guard)],
                  docs_url=None, redoc_url=None,  # the packaged ones of web/apidocs, no CDN
                  default_response_class=FigureJSONResponse)  # floats rounded at the edge
    apidocs.install(app)
    app.state.kouan = kouan
    app.state.settings = settings

    app.add_middleware(ChooseLocale, default=settings.default_locale)

    # The signed state cookie holds the CSRF token and a flash message, never who is logged in:
    # that is the server-side session of web/sessions.py.
    app.add_middleware(
        SessionMiddleware, secret_key=settings.effective_secret_key, session_cookie=STATE_COOKIE,
        same_site="lax", https_only=settings.secure_cookies, max_age=settings.session_max_hours * 3600,
    )
    # Outermost of the app's own middleware: a body is limited before anything else reads it.
    app.add_middleware(BodyLimit, limits=Limits.from_settings(settings))
    _wrap_outermost(app, settings)
    logredact.install()

    problems.install(app, render_error_page)
    _install_limit_handlers(app)
    openapi.install(app)  # every problem answer and content type in /openapi.json

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired):  # type: ignore[no-untyped-def]
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    for router in (pages.router, partners_pages.router, partners_api.router, ports_api.router,
                   audit_api.router, events_api.router, consignments_api.router,
                   consignments_pages.router, events_pages.router, clearance_api.router,
                   declarations_api.router, vessels_api.router, declarations_pages.router,
                   dashboard_api.router, dashboard_pages.router, jobs_api.router, fees_api.router,
                   fees_pages.router, inspection_api.router, inspection_pages.router,
                   insurance_api.router, insurance_pages.router, gathering_api.router,
                   gathering_pages.router, appointments_api.router, appointments_pages.router,
                   desk_api.router, desk_pages.router):
        app.include_router(router)
    static = resources.files("kouan") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    authz.check_complete(app)  # a route the policy table does not name cannot be served
    return app


def _start_worker(settings: Settings, kouan: Kouan):  # type: ignore[no-untyped-def]
    from kouan.jobs.service import Policy
    from kouan.jobs.worker import Worker

    worker = Worker(kouan.sessions, policy=Policy.from_settings(settings),
                    poll_seconds=settings.jobs_poll_seconds)
    worker.start()
    return worker


class ChooseLocale:
    """``request.state.locale`` from ``?lang=``, else the language cookie, else the browser's
    ``Accept-Language`` (its first language Kouan speaks), else the default; a
    ``?lang=`` sticks as the cookie. Pure ASGI, not ``@app.middleware``: Starlette's
    ``BaseHTTPMiddleware`` runs ``receive`` in a task group, which wraps the body limit's 413 in an
    exception group that FastAPI then turns into a 400."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = i18n.normalise(request.query_params.get("lang"))
        locale = (asked or i18n.normalise(request.cookies.get(i18n.LANG_COOKIE))
                  or i18n.from_accept_language(request.headers.get("accept-language")) or self.default)
        scope.setdefault("state", {})["locale"] = locale

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Language", i18n.HTML_LANG[locale])
                if asked:
                    headers.append("Set-Cookie", f"{i18n.LANG_COOKIE}={asked}; Max-Age={365 * 86400}; "
                                                 "Path=/; SameSite=lax")
            await send(message)

        await self.app(scope, receive, send_with_language)


def _wrap_outermost(app: FastAPI, settings: Settings) -> None:
    """Security headers outside even Starlette's ServerErrorMiddleware, so that an unhandled 500
    carries them too (``add_middleware`` would put them inside it)."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build(), https=settings.secure_cookies)  # type: ignore[method-assign]


def _install_limit_handlers(app: FastAPI) -> None:
    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge):  # type: ignore[no-untyped-def]
        return problems.problem(413, "Content too large", str(exc.detail),
                                type_="/problems/payload-too-large", instance=request.url.path,
                                extra={"limit_bytes": exc.limit}, headers={"Connection": "close"})

    @app.exception_handler(TooManyRequests)
    async def _too_many(request: Request, exc: TooManyRequests):  # type: ignore[no-untyped-def]
        return problems.problem(429, exc.title, exc.detail, type_=exc.type, instance=request.url.path,
                                extra=exc.extra,
                                headers={"Retry-After": str(exc.extra.get("retry_after", 60))})
