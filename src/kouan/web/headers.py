"""Security headers on every response (pages, API, static files, errors, the 413 of web/limits).

The pages run no inline script: every ``<script>`` is a file under /static, and the one inline
``<script type="application/json">`` (dashboard/_chart.html) is data the browser never executes.
Style *attributes* are allowed (``style-src-attr``) because ECharts writes its tooltips as HTML
with inline styles; ``<style>`` elements and foreign stylesheets are not. Swagger UI at /docs
(files of a package, web/apidocs) starts with an inline script, so the docs pages
get their own policy: still nothing from another host.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-elem 'self'",
    "style-src-attr 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
))
DOCS_CSP = "; ".join((
    "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:", "font-src 'self' data:", "worker-src 'self' blob:", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
))
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})

COMMON = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        # HSTS only where Kouan is served over HTTPS (KOUAN_SECURE_COOKIES), never on the demo's http
        self.extra = (("strict-transport-security", "max-age=31536000"),) if https else ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else PAGE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (("content-security-policy", csp), *COMMON, *self.extra):
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
