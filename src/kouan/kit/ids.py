"""Identifier validation: say exactly what is wrong, never silently fix.

Each ``check_*`` returns ``None`` when the value is valid, or a sentence saying what is wrong.
"""

from __future__ import annotations

import re

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as _uscc

_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_ISO6346 = re.compile(r"^[A-Z]{3}[UJZR][0-9]{7}$")
_HS10 = re.compile(r"^[0-9]{10}$")
_DECLARATION = re.compile(r"^[0-9]{4}[0-9]{4}[0-9][0-9]{9}$")


def compact_uscc(value: str) -> str:
    return _uscc.compact(value)


def check_uscc(value: str) -> str | None:
    """Unified Social Credit Code (统一社会信用代码, GB 32100-2015), 18 characters with a check character."""
    try:
        _uscc.validate(value)
    except stdnum_exceptions.InvalidLength:
        return f"a USCC has 18 characters, {value!r} has {len(_uscc.compact(value))}"
    except stdnum_exceptions.InvalidFormat:
        return f"{value!r} is not in the USCC format (registration authority, type, region, code)"
    except stdnum_exceptions.InvalidChecksum:
        return f"the check character of USCC {value!r} is wrong"
    except stdnum_exceptions.ValidationError as exc:  # pragma: no cover - future stdnum errors
        return f"{value!r} is not a valid USCC: {exc}"
    return None


def check_locode(value: str) -> str | None:
    if not _LOCODE.match(value):
        return f"{value!r} is not a UN/LOCODE (2-letter country + 3 letters or digits 2-9)"
    return None


def _iso6346_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    v = ord(ch) - ord("A") + 10
    return v + ((v - 1) // 10 if v > 10 else 0)  # skip multiples of 11


# why a table: a batch checks hundreds of thousands of distinct boxes; per character arithmetic
# was most of the parse time of a wide tally.
_ISO6346_VALUES = {ch: _iso6346_value(ch) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def iso6346_check_digit(owner_serial: str) -> int:
    """Check digit of the first 10 characters of a container number (ISO 6346 Annex A)."""
    table = _ISO6346_VALUES
    try:
        total = sum([table[ch] << i for i, ch in enumerate(owner_serial)])
    except KeyError:
        total = sum(_iso6346_value(ch) << i for i, ch in enumerate(owner_serial))
    return total % 11 % 10


def check_container(value: str) -> str | None:
    if not _ISO6346.match(value):
        return f"{value!r} is not an ISO 6346 container number (owner code + U/J/Z/R + 7 digits)"
    expected = iso6346_check_digit(value[:10])
    if int(value[10]) != expected:
        return f"container {value!r} has check digit {value[10]}, ISO 6346 gives {expected}"
    return None


def check_imo(value: str) -> str | None:
    digits = value.removeprefix("IMO").strip()
    if not re.fullmatch(r"[0-9]{7}", digits):
        return f"{value!r} is not an IMO number (7 digits)"
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    if total % 10 != int(digits[6]):
        return f"IMO number {value!r} has check digit {digits[6]}, expected {total % 10}"
    return None


def check_hs_code(value: str) -> str | None:
    if not _HS10.match(value):
        return f"{value!r} is not a 10-digit China HS code"
    return None


def check_declaration_number(value: str) -> str | None:
    """18 digits: 4-digit customs office, 4-digit year, I/E flag (1 import, 0 export), 9-digit serial."""
    if not _DECLARATION.match(value):
        return f"{value!r} is not an 18-digit declaration number"
    if value[8] not in "01":
        return f"declaration {value!r}: position 9 must be 1 (import) or 0 (export)"
    return None
