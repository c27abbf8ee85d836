"""Choose the adapter for a message: one place that knows every format's entry point."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from types import ModuleType
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from kouan.events.domain import CanonicalEvent, ParseResult, Rejection
from kouan.events.formats import canonical
from kouan.kit.clock import CHINA_TZ
from kouan.kit.jsonutil import jsonable
from kouan.kit.text import text_problem

FORMATS = ("json", "jsonl", "csv", "dcsa", "edifact")
# Read in pieces of whole lines (``parse_stream``): memory stays flat whatever the file's size.
# JSON documents (json, dcsa) and EDIFACT interchanges are read whole: no incremental JSON parser is
# a dependency, and an interchange's envelope wraps all of it.
STREAMED = frozenset({"jsonl", "csv"})
PIECE_BYTES = 4 * 1024 * 1024
HEAD_BYTES = 1024 * 1024  # what ``auto`` looks at of a file larger than this
_BYTE_AT = re.compile(r"byte ([0-9]+)")



def _dcsa() -> ModuleType:
    """The DCSA adapter, imported for the first DCSA message: a canonical feed's import loads
    neither it nor the EDIFACT adapter and pydifact (``tests/test_cli_startup.py``)."""
    from kouan.events.formats import dcsa

    return dcsa


def _edifact() -> ModuleType:
    from kouan.events.formats import edifact

    return edifact


_ADAPTERS: dict[str, Callable[[bytes, ZoneInfo], ParseResult]] = {
    "json": lambda data, tz: canonical.parse_json(data, tz=tz),
    "jsonl": lambda data, tz: canonical.parse_jsonl(data, tz=tz),
    "csv": lambda data, tz: canonical.parse_csv(data, tz=tz),
    "dcsa": lambda data, tz: _dcsa().parse_events(data),
    "edifact": lambda data, tz: _edifact().parse(data, tz=tz),
}


def detect(data: bytes, fmt: str = "auto", *, whole: bool = True) -> str:
    """The format of a message (``fmt`` unless ``auto``); ``whole=False`` when ``data`` is only the
    first bytes of a larger file."""
    if fmt != "auto":
        return fmt
    return canonical.sniff(data) if whole else canonical.sniff_head(data)


def parse(data: bytes, fmt: str, *, tz: ZoneInfo = CHINA_TZ) -> ParseResult:
    """Parse with the named adapter. An adapter that crashes never loses the message: the whole
    message is returned as one rejection, so it is quarantined with the reason. Whatever the adapter
    let through, no text that storage refuses reaches it (``storable``)."""
    adapter = _ADAPTERS.get(fmt)
    if adapter is None:
        return storable(ParseResult(rejections=[Rejection(
            reason=f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", where="message",
            raw=data.decode("utf-8", errors="replace"))]))
    return _guarded(fmt, data, lambda: adapter(data, tz))


def _guarded(fmt: str, data: bytes, run: Callable[[], ParseResult]) -> ParseResult:
    try:
        return storable(run())
    except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine, not drop, the input
        return storable(ParseResult(rejections=[Rejection(
            reason=f"the {fmt} adapter failed: {type(exc).__name__}: {exc}", where="message",
            raw=data.decode("utf-8", errors="replace"))]))


def parse_stream(head: bytes, stream: BinaryIO, fmt: str, *, tz: ZoneInfo = CHINA_TZ,
                 piece_bytes: int = PIECE_BYTES) -> Iterator[ParseResult]:
    """Parse ``head`` followed by the rest of ``stream``, one ``ParseResult`` per piece of about
    ``piece_bytes`` of whole lines (JSON Lines, CSV), so a file of any size is parsed in flat memory.
    Every piece gives what ``parse`` gives for it, with lines and bytes numbered in the whole file;
    a CSV piece is read under the file's header. Other formats are read whole, as ``parse``."""
    if fmt not in STREAMED:
        yield parse(head + stream.read(), fmt, tz=tz)
        return
    header = b""
    yielded = False
    for line, at, piece in _pieces(head, stream, piece_bytes, quoted=fmt == "csv"):
        if yielded and not piece.strip():
            continue
        if fmt == "jsonl":
            result = _guarded(fmt, piece,
                              lambda p=piece, n=line: canonical.parse_jsonl(p, tz=tz, first_line=n))
        elif not header:  # the first piece holds the header
            result = _guarded(fmt, piece, lambda p=piece: canonical.parse_csv(p, tz=tz))
            header = _first_line(piece)
            if not header or canonical.csv_header_problem(header.decode("utf-8", errors="replace")):
                yield _at(result, at)
                return  # no usable header: the first piece said why; the rest cannot be read
        else:
            data = header + piece
            result = _guarded(fmt, data,
                              lambda d=data, n=line: canonical.parse_csv(d, tz=tz, first_line=n - 1))
            at -= len(header)
        yielded = True
        # why pop: a generator suspended at ``yield`` keeps its locals; the piece's events must be
        # the caller's alone, freed as soon as it has stored them (flat memory, a cheap collection).
        held = [_at(result, at)]
        del result, piece
        yield held.pop()
    if not yielded:
        yield parse(b"", fmt, tz=tz)


def _pieces(head: bytes, stream: BinaryIO, size: int, *, quoted: bool) -> Iterator[tuple[int, int, bytes]]:
    """``(first line number, first byte offset, bytes)`` of consecutive pieces of whole lines, each
    about ``size`` bytes (a longer line is a piece of its own); with ``quoted`` (CSV) a piece never
    ends inside a quoted field (an even number of quotes before its end)."""
    buf, line, offset, eof = head, 1, 0, False
    while True:
        while not eof and len(buf) <= size:
            block = stream.read(size)
            eof = not block
            buf += block
        cut = _cut(buf, size, quoted) if len(buf) > size else len(buf)
        if cut <= 0:  # no line ends within what is read
            if not eof:
                block = stream.read(size)
                eof = not block
                buf += block
                continue
            cut = len(buf)
        if cut == 0:
            return
        piece, buf = buf[:cut], buf[cut:]
        yield line, offset, piece
        line += piece.count(b"\n")
        offset += len(piece)


def _cut(buf: bytes, size: int, quoted: bool) -> int:
    """Where the piece that starts ``buf`` ends: after its last line end within ``size`` bytes (or
    the first one after), outside any quoted field; 0 when there is none yet."""
    cut = buf.rfind(b"\n", 0, size) + 1 or buf.find(b"\n", size) + 1
    if quoted:
        quotes = buf.count(b'"', 0, cut)
        while cut and quotes % 2:
            end = buf.find(b"\n", cut) + 1
            quotes += buf.count(b'"', cut, end) if end else 0
            cut = end
    return cut


def _first_line(piece: bytes) -> bytes:
    """The CSV header: the first line that is not blank, with its line end."""
    start = 0
    while start < len(piece):
        end = piece.find(b"\n", start)
        end = len(piece) if end < 0 else end + 1
        if piece[start:end].strip():
            return piece[start:end].removeprefix(b"\xef\xbb\xbf")
        start = end
    return b""


def _at(result: ParseResult, offset: int) -> ParseResult:
    """A piece's rejections that name a byte (not UTF-8 from there) name it in the whole file."""
    if offset and any(r.where.startswith("byte ") for r in result.rejections):
        result.rejections = [
            replace(r, where=_BYTE_AT.sub(lambda m: f"byte {int(m.group(1)) + offset}", r.where, count=1))
            if r.where.startswith("byte ") else r for r in result.rejections]
    return result


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
    rejections = [Rejection(r.reason, r.where, _keepable(r.raw)) for r in result.rejections]
    if result.text_checked:
        return ParseResult(events=result.events, rejections=rejections, text_checked=True)
    events = []
    for e in result.events:
        if (problem := _unstorable(e)) is None:
            events.append(e)
        else:
            raw = json.dumps(jsonable({"event_id": e.event_id, "milestone": e.milestone, "refs": e.refs,
                                       "attrs": e.attrs, "port": e.port}), default=str)
            rejections.append(Rejection(problem, _keepable(e.location or "event")[:255], raw))
    return ParseResult(events=events, rejections=rejections)
