"""Jinja2 rendering: one environment per locale, each with its Babel catalog installed."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kouan import __version__
from kouan.events.domain import classifier_name, milestone_name
from kouan.kit.clock import beijing
from kouan.kit.errors import KouanError
from kouan.web import csrf, i18n
from kouan.web.names import Names


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=PackageLoader("kouan", "web/templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(version=__version__, locales=i18n.LOCALES, milestone_name=milestone_name,
                       classifier_name=classifier_name)
    # an error (KouanError, FieldError) in the page's language: ``{{ say(e) }}``
    env.globals["say"] = lambda error: error.say(i18n.translations(locale).gettext)
    # Every time on a page: ``{{ value|beijing }}`` (kit.clock.beijing), the one time-zone rule.
    env.filters["beijing"] = beijing
    return env


def locale_of(request: Request) -> str:
    return getattr(request.state, "locale", i18n.DEFAULT_LOCALE)


def nav_flags(principal: Any) -> dict[str, bool]:
    """Which role-specific links the navigation shows: enterprises lodge declarations, customs
    officers work the queue (the pages themselves still check every permission)."""
    kind = getattr(principal, "org_kind", None)
    # The port office oversees every district, so it sees the queue (read-only in practice).
    return {"declarations": kind in ("trader", "broker"),
            "customs_queue": kind in ("customs", "port_office", "operator"),
            "inspection": kind in ("customs", "port_office", "operator"),
            # terminals record the ship-side lifts, declarants book and follow their slots; customs
            # reach theirs from a declaration
            "appointments": kind in ("terminal", "port_office", "operator", "trader", "broker"),
            # 7×24 appointment clearance and the quick-response desk are everyone's (each sees its own)
            "slots": kind is not None, "desk": kind is not None,
            # export-credit insurance: exporters apply, insurers decide, the overseers follow;
            # the commerce bureau reads its figures
            "insurance": kind in ("trader", "insurer", "port_office", "operator"),
            "insurance_statistics": kind == "commerce_bureau"}


def _sessions_of(request: Request):  # type: ignore[no-untyped-def]
    kouan = getattr(getattr(request, "app", None) and request.app.state, "kouan", None)
    return kouan.sessions if kouan is not None else None


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    locale = locale_of(request)
    ctx: dict[str, Any] = {
        "request": request,
        "locale": locale,
        "html_lang": i18n.HTML_LANG[locale],
        "csrf_token": csrf.token(request),
        "user": getattr(request.state, "person", None),
        "principal": getattr(request.state, "principal", None),
        "nav": nav_flags(getattr(request.state, "principal", None)),
        "path": request.url.path,
        "names": Names(_sessions_of(request), locale),  # port, district, region, org names
    }
    ctx.update(context or {})
    html = environment(locale).get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status)


def render_error_page(
    request: Request, status: int, title: str, detail: str, *, error: KouanError | None = None
) -> HTMLResponse:
    """The error page in the request's language: a ``KouanError``'s detail through its template and
    parameters (``KouanError.say``), any other detail through the catalog as it is."""
    translate = i18n.translations(locale_of(request)).gettext
    words = error.say(translate) if error is not None else translate(detail) if detail else detail
    return render(request, "error.html", {"status": status, "title": title, "detail": words},
                  status=status)
