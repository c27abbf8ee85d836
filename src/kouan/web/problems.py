"""RFC 9457 problem details: every API error names what was wrong and where.

``KouanError`` subclasses carry their status and type; request-validation errors are turned into
JSON pointers (``/body/uscc`` → ``/uscc``) so a partner's developer sees the bad field at once.
HTML pages get a rendered error page instead, its detail translated; ``detail`` stays English.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from kouan.kit.errors import FieldError, KouanError
from kouan.kit.text import text_problem
from kouan.web.inputs import bad_place
from kouan.web.openapi import allowed_methods

PROBLEM = "application/problem+json"


def problem(
    status: int, title: str, detail: str, *, type_: str = "about:blank", instance: str | None = None,
    errors: list[FieldError] | None = None, extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie"}:
        return f"{parts[0]}:{'/'.join(str(p) for p in parts[1:])}"
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


class RefuseBadText:
    """ASGI guard: a NUL in the path or a query parameter is a 422 naming it, before any route reads
    it (PostgreSQL refuses NUL in text: ``/api/v1/declarations/%00`` was a 500). No body is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] == "http" and (where := bad_place(path, scope.get("query_string", b""))):
            why = text_problem(path) if where == "path" else "contains a NUL character (U+0000)"
            response = problem(422, "Invalid input", f"the request is not valid: {where}",
                               type_="/problems/invalid-input", errors=[FieldError(where, why or "")])
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI, render_error_page: Any) -> None:
    """Register the handlers. ``render_error_page(request, status, title, detail, error=None)`` draws
    HTML in the page's language (``error``: the ``KouanError`` whose detail it translates)."""
    app.add_middleware(RefuseBadText)

    def respond(request: Request, status: int, title: str, detail: str, **kw: Any) -> Response:
        if _wants_html(request):
            return render_error_page(request, status, title, detail)
        return problem(status, title, detail, instance=request.url.path, **kw)

    @app.exception_handler(KouanError)
    async def _kouan_error(request: Request, exc: KouanError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if _wants_html(request):  # the page translates the detail (``KouanError.say``); the API keeps English
            return render_error_page(request, exc.status, exc.title, exc.detail, error=exc)
        return problem(exc.status, exc.title, exc.detail, type_=exc.type, instance=request.url.path,
                       errors=exc.errors, extra=exc.extra, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            FieldError(_pointer(tuple(e.get("loc", ()))), e.get("msg", "invalid"))
            for e in exc.errors()
        ]
        fields = ", ".join(e.pointer for e in errors)
        return respond(request, 422, "Invalid input", f"the request is not valid: {fields}",
                       type_="/problems/invalid-input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        headers = exc.headers
        if exc.status_code == 405:  # RFC 9110 §15.5.6: Allow lists every method the path answers
            allow = set((headers or {}).get("Allow", "").replace(" ", "").split(",")) - {""}
            allow |= allowed_methods(request.app.openapi(), request.url.path)
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allow))}
        return respond(request, exc.status_code, title, str(exc.detail), headers=headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        # Services validate first; this is the race where two requests create the same thing.
        return respond(request, 409, "Conflict", "the change conflicts with data saved meanwhile",
                       type_="/problems/conflict")
