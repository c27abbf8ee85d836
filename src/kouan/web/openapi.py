"""The OpenAPI document says every answer a route can give: ``install(app)`` post-processes it.

FastAPI documents each route's success and its request-validation 422 (as ``application/json``).
Kouan's errors are RFC 9457 problems, and any route can answer some of them before its own code
runs (no credentials, a missing scope, an unknown id, a wrong method, a too-large or wrongly typed
body, a rate limit): schemathesis counted 36 undocumented status codes and 13 undocumented content
types. Here, once, for every operation:
- the problem answers 400, 401, 403, 404, 405, 409, 413, 415, 422 and 429 as
  ``application/problem+json`` with one ``Problem`` schema (the 422 replacing FastAPI's);
- a success that can also come as CSV (a ``format`` query parameter allowing ``csv``) lists
  ``text/csv`` beside JSON;
- a 204 has no body.
``allowed_methods`` gives the 405 handler (``problems``) every method a path documents: Starlette's
Allow names only those of the first route matching the path (GET /api/v1/organisations hid POST).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

PROBLEM = "application/problem+json"
ERROR_STATUSES = {
    "400": "Bad request", "401": "Not authenticated (no or bad credentials)",
    "403": "Forbidden (the credential may not do this)", "404": "Not found (or not visible to the caller)",
    "405": "Method not allowed", "409": "Conflict (an illegal step, or a change made meanwhile)",
    "413": "Payload too large", "415": "Unsupported media type",
    "422": "Invalid input (errors[].pointer names the field)",
    "429": "Too many requests",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["pointer", "detail"],
            "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}, "value": {},
                           "code": {"type": "string"}, "params": {"type": "object"}}}},
    },
    "additionalProperties": True,  # e.g. current_status and allowed_actions of a refused step
}
CSV = {"text/csv": {"schema": {"type": "string"}}}


def _allows_csv(operation: dict[str, Any]) -> bool:
    for p in operation.get("parameters", []):
        if p.get("in") == "query" and p.get("name") == "format" and "csv" in str(p.get("schema", {})):
            return True
    return False


def _document(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in ERROR_STATUSES.items():
        responses[status] = {"description": description,
                             "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, answer in responses.items():
        if status == "204":
            answer.pop("content", None)
        elif status.startswith("2") and _allows_csv(operation):
            answer.setdefault("content", {}).update(CSV)


def document(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (FastAPI's document) with Kouan's answers added to every operation."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced by the problem
        schemas.pop(name, None)
    for item in spec.get("paths", {}).values():
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                _document(operation)
    return spec


def allowed_methods(spec: dict[str, Any], path: str) -> set[str]:
    """The methods ``spec`` documents for a concrete ``path`` (its templates' ``{x}`` match one segment)."""
    found: set[str] = set()
    for template, item in spec.get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"  # {x}: a segment
        if re.match(pattern, path):
            found |= {m.upper() for m in item if m in {"get", "put", "post", "delete", "patch", "head"}}
    return found


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built by FastAPI once, completed once)."""
    fastapi_document = app.openapi
    done: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not done:
            done.append(document(fastapi_document()))
        return done[0]

    app.openapi = openapi  # type: ignore[method-assign]
