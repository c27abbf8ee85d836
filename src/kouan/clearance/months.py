"""A statement's month as the user writes it: ``kouan kpi --month`` checks it without importing the
bulletins' reference figures (their mapped class); ``bulletins.check_month`` is this function."""

from __future__ import annotations

import re

from kouan.kit.errors import N_, FieldError, InvalidInput


def check_month(month: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", month)
    if not m:
        raise InvalidInput(N_("the month is not valid"), errors=[FieldError("month", "YYYY-MM", month)])
    return int(m.group(1)), int(m.group(2))
