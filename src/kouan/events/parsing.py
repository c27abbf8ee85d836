"""Choose the adapter for a message: one place that knows every format's entry point."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from kouan.events.domain import ParseResult, Rejection
from kouan.events.formats import canonical, dcsa, edifact
from kouan.kit.clock import CHINA_TZ

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
    message is returned as one rejection, so it is quarantined with the reason."""
    adapter = _ADAPTERS.get(fmt)
    if adapter is None:
        return ParseResult(rejections=[Rejection(
            reason=f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", where="message",
            raw=data.decode("utf-8", errors="replace"))])
    try:
        return adapter(data, tz)
    except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine, not drop, the input
        return ParseResult(rejections=[Rejection(
            reason=f"the {fmt} adapter failed: {type(exc).__name__}: {exc}", where="message",
            raw=data.decode("utf-8", errors="replace"))])
