"""Choose the adapter for a message: one place that knows every format's entry point."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from kouan.events.domain import CanonicalEvent, ParseResult, Rejection
from kouan.events.formats import canonical, dcsa, edifact
from kouan.kit.clock import CHINA_TZ
from kouan.kit.jsonutil import jsonable
from kouan.kit.text import text_problem

FORMATS = ("json", "jsonl", "csv", "dcsa", "edifact")

_ADAPTERS: dict[str, Callable[[bytes, ZoneInfo], ParseResult]] = {
    "json": lambda data, tz: canonical.parse_json(data, tz=tz),
    "jsonl": lambda data, tz: canonical.parse_jsonl(data, tz=tz),
    "csv": lambda data, tz: canonical.parse_csv(data, tz=tz),
    "dcsa": lambda data, tz: dcsa.parse_events(data),
    "edifact": lambda data, tz: edifact.parse(data, tz=tz),
}


def detect(data: bytes, fmt: str = "auto") -> str:
    return canonical.sniff(data) if fmt == "auto" else fmt


def parse(data: bytes, fmt: str, *, tz: ZoneInfo = CHINA_TZ) -> ParseResult:
    """Parse with the named adapter. An adapter that crashes never loses the message: the whole
    message is returned as one rejection, so it is quarantined with the reason. Whatever the adapter
    let through, no text that storage refuses reaches it (``storable``)."""
    adapter = _ADAPTERS.get(fmt)
    if adapter is None:
        return storable(ParseResult(rejections=[Rejection(
            reason=f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", where="message",
            raw=data.decode("utf-8", errors="replace"))]))
    try:
        return storable(adapter(data, tz))
    except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine, not drop, the input
        return storable(ParseResult(rejections=[Rejection(
            reason=f"the {fmt} adapter failed: {type(exc).__name__}: {exc}", where="message",
            raw=data.decode("utf-8", errors="replace"))]))


def _texts(e: CanonicalEvent) -> Iterator[tuple[str, str]]:
    yield "event_id", e.event_id
    if e.original_code:
        yield "original code", e.original_code
    if e.port:
        yield "port", e.port
    for r in e.refs:
        yield f"reference ({r.kind.value})", r.key
    if e.attrs:
        yield from _attr_texts("attrs", e.attrs)


def _attr_texts(where: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield where, str(k)
            yield from _attr_texts(f"{where}.{k}", v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _attr_texts(where, v)


def _unstorable(e: CanonicalEvent) -> str | None:
    texts = list(_texts(e))
    if text_problem("".join(t for _w, t in texts)) is None:  # the usual case: one scan of all the text
        return None
    for where, text in texts:
        if problem := text_problem(text):
            return f"{where} {problem}"
    return None


def _keepable(raw: str) -> str:
    """The verbatim text as PostgreSQL can keep it: a NUL becomes U+FFFD (text cannot hold NUL)."""
    return raw.replace("\x00", "\ufffd") if "\x00" in raw else raw


def storable(result: ParseResult) -> ParseResult:
    """``result`` with every event whose text storage refuses (a NUL, a lone surrogate: PostgreSQL
    refused the whole batch with a 500) turned into a rejection, and rejections' raw text keepable.
    An adapter that checks text itself loses nothing here; one that does not loses no batch."""
    events, rejections = [], [Rejection(r.reason, r.where, _keepable(r.raw)) for r in result.rejections]
    for e in result.events:
        if (problem := _unstorable(e)) is None:
            events.append(e)
        else:
            raw = json.dumps(jsonable({"event_id": e.event_id, "milestone": e.milestone, "refs": e.refs,
                                       "attrs": e.attrs, "port": e.port}), default=str)
            rejections.append(Rejection(problem, _keepable(e.location or "event")[:255], raw))
    return ParseResult(events=events, rejections=rejections)
