"""What no stored text may hold, and the bounds of stored numbers. Standard library only.

PostgreSQL refuses a NUL in any text value, and neither database can encode a lone UTF-16 surrogate
(JSON's ``"\\ud800"`` decodes to one): either reached the driver and became a 500. Every text that
comes in is checked here first, so the caller hears which field is wrong.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_BIGINT = 2**63 - 1  # the largest BIGINT (and SQLite INTEGER): an OFFSET's bound
MAX_ID = 2**31 - 1  # the largest INTEGER, the type of every id a route takes (PostgreSQL refuses more)
# SQLite keeps a NUMERIC value as an 8-byte float: 15 significant digits survive the round trip
# exactly, more do not (9999999999999999.99 came back as 1E+16), so no store takes more.
EXACT_DIGITS = 15

_BAD = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    found = _BAD.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (U+0000)"
    return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is no character"


def numeric_misfit(value: Decimal, *, precision: int, scale: int) -> tuple[str, int] | None:
    """How a finite ``value`` does not fit a ``NUMERIC(precision, scale)`` column, or None:
    ``("digits", n)`` when it has more than n digits before the point, ``("places", n)`` when more
    than n decimal places (refused rather than silently rounded by the database), and
    ``("significant", EXACT_DIGITS)`` when more significant digits than every store keeps exactly."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int), "only finite numbers have digits"
    whole = 0 if not any(digits) else len(digits) + exponent
    if whole > precision - scale:
        return ("digits", precision - scale)
    if -exponent > scale and value != value.quantize(Decimal(1).scaleb(-scale)):
        return ("places", scale)
    if len(value.normalize().as_tuple().digits) > EXACT_DIGITS:
        return ("significant", EXACT_DIGITS)
    return None
