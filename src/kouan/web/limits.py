"""Request body limits, enforced while the body is read and before anything else looks at it.

A pure ASGI middleware, outermost in the app: a declared ``Content-Length`` over the route's limit
is refused with 413 at once, without reading a byte; a body without one (chunked) is counted as
it streams and refused the moment it passes the limit. Authentication, CSRF and the routes' own
parsing all run later, so an anonymous sender can make Kouan hold at most one route limit (plus
one network chunk) in memory.

The limits come from one table: ``ROUTES`` names each route class by method and path, and the
sizes of the classes are settings (``KOUAN_MAX_BODY_*``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kouan.config import Settings

# (method, full-match path pattern, limit class). The first match wins; any other HTML page
# (a path outside /api/) is a form, anything else the default.
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", r"/api/v1/events(/dcsa|/edifact)?", "ingest"),
    ("POST", r"/api/v1/dcsa/callbacks/[^/]+", "ingest"),
    ("POST", r"/api/v1/declarations(/.*)?", "declaration"),
    ("POST", r"/declarations/new", "declaration"),
    ("POST", r"/fees/publish/import", "declaration"),  # a fee list's CSV or Excel file (1 MiB)
    ("POST", r"/login", "form"),
)
_COMPILED = tuple((method, re.compile(path), kind) for method, path, kind in ROUTES)


@dataclass(frozen=True)
class Limits:
    ingest: int
    declaration: int
    form: int
    default: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(ingest=settings.max_body_ingest, declaration=settings.max_body_declaration,
                   form=settings.max_body_form, default=settings.max_body_default)

    def for_request(self, method: str, path: str) -> int:
        for m, pattern, kind in _COMPILED:
            if m == method and pattern.fullmatch(path):
                return int(getattr(self, kind))
        return self.default if path.startswith("/api/") else self.form


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit. An ``HTTPException`` so that
    FastAPI's body parsing passes it on (it turns any other error into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_detail(limit))
        self.limit = limit


def too_large_detail(limit: int) -> str:
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
    return f"the request body is larger than this address accepts (at most {size})"


def problem_body(limit: int, path: str) -> bytes:
    return json.dumps({"type": "/problems/payload-too-large", "title": "Content too large",
                       "status": 413, "detail": too_large_detail(limit), "instance": path,
                       "limit_bytes": limit}).encode()


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length; count what comes
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit, scope["path"])  # not one byte of the body is read
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit, scope["path"])


async def _refuse(send: Send, limit: int, path: str) -> None:
    body = problem_body(limit, path)
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
        # the unread rest of the body makes the connection unusable for another request
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
