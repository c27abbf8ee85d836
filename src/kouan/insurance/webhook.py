"""Signed webhooks to an insurer's system: how Kouan signs, and how a receiver verifies.

Each delivery is a ``POST`` of a JSON body with the headers

    Kouan-Event: application.submitted
    Kouan-Delivery: <job id>
    Kouan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

where ``v1`` is HMAC-SHA256, keyed with the shared secret (its UTF-8 bytes), over
``"<t>." + body`` (the exact bytes sent). The timestamp is signed with the body so that a captured
delivery cannot be replayed later: a receiver refuses a ``t`` older than its tolerance (5 minutes
by default). Standard library only, so a receiver can copy ``verify``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

HEADER = "Kouan-Signature"
EVENT_HEADER = "Kouan-Event"
DELIVERY_HEADER = "Kouan-Delivery"
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10.0


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def masked(secret: str) -> str:
    """What a log or a page may show of a secret: its kind and last four characters."""
    return f"whsec_…{secret[-4:]}" if secret else ""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether ``header`` (``Kouan-Signature``) signs ``body`` with ``secret`` within ``tolerance``."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx; the job is retried with backoff. Never holds the secret."""

    url: str
    reason: str

    def __str__(self) -> str:
        return f"webhook delivery to {self.url} failed: {self.reason}"


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``body``; the status on 2xx, else ``DeliveryFailed``."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only, checked at registration
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(url, f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryFailed(url, type(exc).__name__ + ": " + str(getattr(exc, "reason", exc))) from None
