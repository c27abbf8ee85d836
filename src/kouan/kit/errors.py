"""Errors that domain and service code raise; the web layer renders them as RFC 9457 problems.

Services never raise HTTP exceptions: they raise a ``KouanError`` subclass that carries its
HTTP status and problem type, and one handler in ``kouan.web.problems`` renders it.

A detail is an English sentence: the API's ``detail`` as it is, and the msgid a page translates.
One with a variable part is a stable template and its ``params``
(``NotFound(N_("no organisation %(org_id)s"), params={"org_id": 10})``): ``detail`` is then the
filled-in English, ``template`` the msgid. Mark details with ``N_`` so Babel extracts them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - Babel's conventional marker name
    return message


class _Worded:
    """A ``detail`` given as an English template (the msgid) with its ``params``: ``detail`` becomes
    the filled-in English, ``template`` keeps the msgid, ``say`` words it in another language."""

    detail: str
    params: dict[str, Any]

    def __post_init__(self) -> None:
        self.template = self.detail
        if self.params:
            self.detail = self.template % self.params

    def say(self, translate: Callable[[str], str]) -> str:
        """The detail in the language of ``translate`` (a catalog's gettext): the template translated
        and filled in; the English detail when the catalog lacks it or its placeholders do not fit."""
        if not self.template:
            return self.template  # gettext("") is the catalog's header
        words = translate(self.template)
        if not self.params:
            return words
        try:
            return words % self.params
        except (KeyError, ValueError, TypeError):
            return self.detail


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

    def say(self, translate: Callable[[str], str]) -> str:
        """The detail in the language of ``translate``: through the catalog as it is."""
        return translate(self.detail) if self.detail else self.detail  # gettext("") is the header


@dataclass
class TemplatedFieldError(_Worded, FieldError):
    """A field error whose detail has a variable part: ``detail`` is given as a template (the msgid)
    and filled in with ``params``, as for ``KouanError``."""

    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class KouanError(_Worded, Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

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


class TooManyRequests(KouanError):
    """Too many failed attempts: ``extra["retry_after"]`` seconds until the next may be tried
    (the web layer sends it as ``Retry-After`` too)."""

    status = 429
    type = "/problems/too-many-requests"
    title = "Too many requests"
