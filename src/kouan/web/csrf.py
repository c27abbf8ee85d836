"""CSRF protection for cookie-authenticated requests (synchroniser token kept in the session).

Forms carry ``csrf_token``; cookie-authenticated API calls that change state send ``X-CSRF-Token``.
Bearer-key requests carry no cookie and need no token.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from kouan.kit.errors import N_, Forbidden

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token(request: Request) -> str:
    value = request.session.get(SESSION_KEY)
    if not value:
        value = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = value
    return value


def verify(request: Request, supplied: str | None) -> None:
    expected = request.session.get(SESSION_KEY)
    if not expected or not supplied or not hmac.compare_digest(expected, supplied):
        raise Forbidden(N_("the form has expired or did not come from Kouan (CSRF token missing or wrong)"))


def rotate(request: Request) -> str:
    """A new token at login and logout, so a token seen before login is useless after it."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return request.session[SESSION_KEY]
