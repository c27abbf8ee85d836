"""Input that no route may pass on to storage: text with a NUL or a lone surrogate, ids beyond 64 bits.

Three central guards, so no route has to remember them:
- ``Input``, the base of every request body model: each text field (in lists and dicts too) is
  checked with ``kit.text.text_problem``; a bad one is a 422 whose pointer names the field;
- ``Id`` / ``Offset`` / ``Page``: the annotation of every integer path and query parameter, bounded
  to what its column or clause holds (a 30-digit id raised OverflowError in the SQLite driver, and
  any id past 2^31-1 "integer out of range" on PostgreSQL: both were 500s);
- ``bad_place``: where a request's path or query holds a NUL (PostgreSQL refuses NUL in text), for
  the ASGI guard ``problems.RefuseBadText``, which answers before routing and never reads the body.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Path, Query
from pydantic import BaseModel, ValidationInfo, field_validator

from kouan.kit.text import MAX_BIGINT, MAX_ID, text_problem

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a Kouan id (1 to 2^31-1, an INTEGER column)")]
Offset = Annotated[int, Query(ge=0, le=MAX_BIGINT)]
# A page number times its page size is an OFFSET: bounded far below what a BIGINT would overflow.
MAX_PAGE = 10**9
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def _check(value: Any) -> None:
    if isinstance(value, str):
        if problem := text_problem(value):
            raise ValueError(problem)
    elif isinstance(value, list | tuple):
        for v in value:
            _check(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k)
            _check(v)


class Input(BaseModel):
    """A request body: no text in it may hold a NUL or a lone surrogate."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any, _info: ValidationInfo) -> Any:
        _check(value)
        return value


def bad_place(path: str, query_string: bytes) -> str | None:
    """``path`` or ``query:<name>`` when the path or a query parameter holds what no text may."""
    if text_problem(path):
        return "path"
    query = query_string.decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if text_problem(name) or text_problem(value):
            return f"query:{name.replace(chr(0), '')}"
    return None
