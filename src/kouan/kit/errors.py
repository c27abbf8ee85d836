"""Errors that domain and service code raise; the web layer renders them as RFC 9457 problems.

Services never raise HTTP exceptions: they raise a ``KouanError`` subclass that carries its
HTTP status and problem type, and one handler in ``kouan.web.problems`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """One thing wrong with one field. ``pointer`` is a JSON pointer (RFC 6901) or a location."""

    pointer: str
    detail: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pointer": self.pointer, "detail": self.detail}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass
class KouanError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status = 400
    type = "about:blank"
    title = "Bad request"

    def __str__(self) -> str:
        return self.detail


class InvalidInput(KouanError):
    status = 422
    type = "/problems/invalid-input"
    title = "Invalid input"


class NotFound(KouanError):
    status = 404
    type = "/problems/not-found"
    title = "Not found"


class Conflict(KouanError):
    status = 409
    type = "/problems/conflict"
    title = "Conflict"


class NotAuthenticated(KouanError):
    status = 401
    type = "/problems/not-authenticated"
    title = "Not authenticated"


class Forbidden(KouanError):
    status = 403
    type = "/problems/forbidden"
    title = "Forbidden"
