"""Secrets never reach the server's access log.

Kouan takes no secret in a query string and API keys travel in the ``Authorization`` header,
which uvicorn does not log. One secret is in a path, by the DCSA push protocol: the callback
token of ``/api/v1/dcsa/callbacks/{token}`` (whoever knows it may post a feed's notifications,
signed). uvicorn's access log prints the path and query string of every request, so this filter
masks the token, and the value of any query parameter whose name says it is a secret (a partner
who puts its key in the URL by mistake).
"""

from __future__ import annotations

import logging
import re

_CALLBACK = re.compile(r"(/dcsa/callbacks/)[^/?#\s]+")
_SECRET_PARAM = re.compile(r"([?&](?:[^=&]*(?:token|key|secret|password|signature|session)[^=&]*)=)[^&#\s]*",
                           re.IGNORECASE)
MASK = "***"


def redact(text: str) -> str:
    return _SECRET_PARAM.sub(rf"\g<1>{MASK}", _CALLBACK.sub(rf"\g<1>{MASK}", text))


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Filter uvicorn's access log (idempotent: create_app runs once per app, tests build many)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
