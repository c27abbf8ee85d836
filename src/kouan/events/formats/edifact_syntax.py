"""EDIFACT syntax layer for the EDIFACT adapter: bytes → envelopes → messages → segments.

pydifact (0.2.3) is the segment parser: each segment's elements and components, with the release
character applied, come from pydifact's ``Tokenizer`` and ``Parser.convert_tokens_to_raw_segments``.
What pydifact's happy path cannot take from real partner files is done here, before pydifact sees
a single segment:

* **splitting the file into segments** ourselves, so that one bad spot costs one message, not the
  whole file (pydifact raises on the first problem and has no notion of where a message ends);
* **UNA** service string advice anywhere a segment may start (one per interchange when several
  interchanges are concatenated), with any separators; pydifact only looks for one UNA;
* **newline-terminated segments** (no apostrophe): decided per interchange from the UNB line;
* **leading whitespace / indentation / CRLF** between segments, and lines wrapped at a fixed width
  inside a segment (the line break is not data);
* **envelopes**: UNB…UNZ repeated in one file, UNG…UNE functional groups, UNH…UNT messages, with
  their control counts and references checked here (pydifact checks none of them);
* **truncation and garbage**: a message cut off before its UNT, text outside any interchange, a
  trailing garbage line — each becomes a rejection with where it is and the verbatim text.

It also holds the DTM date/time reader and the readers of the segments every mapper shares (TDT
vessel, RFF references, EQD/SGP equipment), so ``edifact`` keeps to the message mappings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from itertools import takewhile

from pydifact.control import Characters
from pydifact.parser import Parser, TokenIterator
from pydifact.tokenizer import Tokenizer

from kouan.events.domain import (
    Direction,
    Ref,
    RefKind,
    Rejection,
    bl_key,
    container_key,
    vessel_call_key,
)
from kouan.kit.ids import check_container, check_declaration_number, check_imo

# \x1a is the DOS end-of-file marker some mailbox systems still append; \x00 pads fixed blocks.
_BLANK = " \t\r\n\x0b\x0c\x1a\x00\ufeff"
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
# The directories' longest data element is an..512 (free text) and real segments stay under a few
# hundred characters; these caps are far above both and far below what costs time or memory.
MAX_SEGMENT = 32 * 1024
MAX_ELEMENT = 4 * 1024


class SegmentError(ValueError):
    """A segment pydifact cannot read; the message holding it is rejected."""


@dataclass(frozen=True)
class Separators:
    component: str = ":"
    data: str = "+"
    decimal: str = "."
    release: str | None = "?"
    terminator: str = "'"

    @classmethod
    def from_una(cls, chars: str) -> Separators | str:
        """Separators from the six characters after ``UNA``, or a sentence saying what is wrong."""
        if len(chars) < 6:
            return "the UNA service string advice is cut short (it needs 6 characters)"
        comp, data, dec, rel, _reserved, term = chars[:6]
        release = None if rel == " " else rel  # a space means "no release character"
        specials = [comp, data, term] + ([release] if release else [])
        if len(set(specials)) != len(specials):
            return f"the UNA service string advice {chars[:6]!r} uses one character twice"
        if any(c.isalnum() or (c in _BLANK and c != "\n") for c in specials):
            return f"the UNA service string advice {chars[:6]!r} uses a letter, digit or blank"
        return cls(comp, data, dec, release, term)

    def characters(self) -> Characters:
        # pydifact always wants a release character: a control char never seen in text stands in.
        return Characters(self.component, self.data, self.decimal, self.release or "\x01", " ",
                          self.terminator)


@dataclass(frozen=True)
class RawSegment:
    text: str  # without terminator and line breaks
    start: int  # offsets into the decoded file text
    end: int
    terminated: bool
    seps: Separators
    problem: str | None = None

    @property
    def tag(self) -> str:
        if self.text.startswith("UNA"):
            return "UNA"
        head = self.text.split(self.seps.data, 1)[0].split(self.seps.component, 1)[0].strip()
        return head if _TAG.fullmatch(head) else ""


@dataclass(frozen=True)
class Seg:
    """A parsed segment: ``val(2, 1)`` is element 2, component 1, as EDIFACT guides count."""

    tag: str
    elements: tuple[tuple[str, ...], ...]
    index: int  # position in the message, UNH = 1 (as UNT counts)
    raw: RawSegment

    def val(self, element: int, component: int = 1) -> str:
        if element < 1 or component < 1 or element > len(self.elements):
            return ""
        comps = self.elements[element - 1]
        return comps[component - 1].strip() if component <= len(comps) else ""


def parse_segment(raw: RawSegment, index: int = 0) -> Seg:
    """Elements of one segment, read by pydifact's tokenizer (release character handled there).
    A segment or a component longer than any EDIFACT directory allows is refused unread."""
    if raw.problem:
        raise SegmentError(raw.problem)
    tokens = TokenIterator(Tokenizer().get_tokens(raw.text + raw.seps.terminator,
                                                  raw.seps.characters()))
    try:
        parts = next(Parser().convert_tokens_to_raw_segments(tokens))
    except StopIteration as exc:
        raise SegmentError("the segment is empty") from exc
    except Exception as exc:  # pydifact raises several types; the message is rejected either way
        raise SegmentError(f"pydifact cannot read the segment: {exc}") from exc
    tag = parts[0] if parts and isinstance(parts[0], str) else ""
    if not _TAG.fullmatch(tag.strip()):
        raise SegmentError(f"{raw.text[:20]!r} does not start with a segment tag")
    elements = tuple(tuple(p) if isinstance(p, list) else (p,) for p in parts[1:])
    for number, element in enumerate(elements, 1):
        if (longest := max(map(len, element), default=0)) > MAX_ELEMENT:
            raise SegmentError(f"element {number} is {longest:,} characters long; "
                               f"at most {MAX_ELEMENT:,} are read")
    return Seg(tag.strip(), elements, index, raw)


def decode(data: bytes) -> str:
    """UTF-8 when it decodes (UNOW/UNOY and many UNOC files in practice), else ISO 8859-1, which
    maps every byte, so the verbatim text of a rejected message can always be kept."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --- splitting ------------------------------------------------------------------------------


def _skip_blank(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _BLANK:
        pos += 1
    return pos


def _starts_segment(text: str, pos: int, seps: Separators) -> bool:
    if text.startswith("UNA", pos):
        return True
    if not _TAG.match(text, pos):
        return False
    nxt = text[pos + 3: pos + 4]
    return nxt in ("", seps.data, seps.terminator, "\r", "\n")


def _newline_mode(text: str, pos: int, seps: Separators) -> bool:
    """True when the line starting at ``pos`` ends without a segment terminator: the sender
    ends segments with line breaks only."""
    i = pos
    while i < len(text) and text[i] not in "\r\n":
        if text[i] == seps.release:
            i += 2
            continue
        if text[i] == seps.terminator:
            return False
        i += 1
    return i < len(text)


def _fixed_width(text: str) -> bool:
    """Records of one width (legacy mailboxes wrap at 80, 128…): every line break is padding."""
    widths = {len(line.rstrip("\r")) for line in text.split("\n")[:-1]}
    return text.count("\n") >= 2 and len(widths) == 1 and min(widths) >= 40


@cache
def _specials(seps: Separators) -> re.Pattern[str]:
    """The characters ``_scan`` must look at; the runs between them are copied whole."""
    chars = {seps.terminator, "\r", "\n"} | ({seps.release} if seps.release else set())
    return re.compile("[" + re.escape("".join(sorted(chars))) + "]")


def _scan(text: str, pos: int, seps: Separators, newline_mode: bool, wrapped: bool = False
          ) -> tuple[str, int, str, int]:
    """One segment from ``pos``: (text, end offset, how it ended: term / newline / eof, length).
    Past ``MAX_SEGMENT`` characters the text is no longer kept, only measured to its end, so a
    segment of 50 MB costs a scan (at the speed of ``re``) and no copy."""
    chars: list[str] = []
    i, n, size, special = pos, len(text), 0, _specials(seps)
    while i < n:
        m = special.search(text, i)
        j = m.start() if m else n
        if j > i:
            if size < MAX_SEGMENT:
                chars.append(text[i: min(j, i + MAX_SEGMENT - size)])
            size, i = size + j - i, j
            if m is None:
                break
        c = text[i]
        if c == seps.release and i + 1 < n:
            chars.append(text[i: i + 2]) if size < MAX_SEGMENT else None
            size, i = size + 2, i + 2
            continue
        if c == seps.terminator and not newline_mode:
            return "".join(chars), i + 1, "term", size
        if c in "\r\n":
            nxt = _skip_blank(text, i)
            if newline_mode or (not wrapped and (nxt >= n or _starts_segment(text, nxt, seps))):
                body = "".join(chars)
                if newline_mode and body.endswith(seps.terminator):
                    body = body[:-1]  # a stray terminator before the line break
                return body, i, "newline", size
            i += 1  # a line wrapped at a fixed width: the break is not data
            continue
        chars.append(c) if size < MAX_SEGMENT else None
        size, i = size + 1, i + 1
    return "".join(chars), n, "eof", size


def _read_una(text: str, pos: int) -> tuple[RawSegment, Separators | None]:
    chars = text[pos + 3: pos + 9]
    seps = Separators.from_una(chars)
    end = min(pos + 9, len(text))
    if isinstance(seps, str):
        return RawSegment(text[pos:end], pos, end, True, Separators(), problem=seps), None
    return RawSegment(text[pos:end], pos, end, True, seps), seps


def split_segments(text: str) -> list[RawSegment]:
    out: list[RawSegment] = []
    seps, pos, mode, wrapped = Separators(), 0, None, _fixed_width(text)
    while (pos := _skip_blank(text, pos)) < len(text):
        if text.startswith("UNA", pos):
            seg, new = _read_una(text, pos)
            out.append(seg)
            seps, mode, pos = new or Separators(), None, seg.end
            continue
        if mode is None or text.startswith("UNB", pos):
            mode = not wrapped and _newline_mode(text, pos, seps)
        body, end, how, size = _scan(text, pos, seps, mode, wrapped)
        terminated = how != "eof" or mode
        problem = (f"the segment is {size:,} characters long (line {_line(text, pos)}); "
                   f"at most {MAX_SEGMENT:,} are read" if size > MAX_SEGMENT else None)
        out.append(RawSegment(body.strip(_BLANK), pos, end, bool(terminated), seps, problem))
        pos = end
    return out


# --- envelopes ------------------------------------------------------------------------------


@dataclass
class Interchange:
    number: int
    ref: str = ""
    sender: str = ""
    date: str = ""
    time: str = ""
    flags: list[str] = field(default_factory=list)
    messages: int = 0
    groups: int = 0


@dataclass
class RawMessage:
    interchange: Interchange
    number: int
    segments: list[RawSegment]
    raw: str
    group_ref: str = ""
    problem: str | None = None  # the envelope is broken: the whole message is rejected
    where: str = ""
    flags: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"interchange {self.interchange.number} message {self.number}"


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _quiet(raw: RawSegment) -> Seg | None:
    try:
        return parse_segment(raw)
    except SegmentError:
        return None


class _Walker:
    """Walks the segments of a file through UNB/UNG/UNH/UNT/UNE/UNZ, keeping every message —
    complete or not — and every stretch of text that belongs to none."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.messages: list[RawMessage] = []
        self.rejections: list[Rejection] = []
        self.ichg: Interchange | None = None
        self.open = False  # an interchange is open (UNB seen, no UNZ yet)
        self.group_ref = ""
        self.group_count = 0
        self.msg: list[RawSegment] | None = None
        self.garbage: list[RawSegment] = []

    def feed(self, seg: RawSegment) -> None:
        tag = seg.tag
        if tag in ("UNA", "UNB", "UNG", "UNE", "UNZ", "UNH") or self.msg is not None:
            self._flush_garbage()
        handler = getattr(self, f"_on_{tag.lower()}", None) if tag.startswith("UN") else None
        if handler is not None:
            handler(seg)
        elif self.msg is not None:
            self.msg.append(seg)
        else:
            self.garbage.append(seg)

    def finish(self) -> None:
        self._truncate("at the end of the file")
        if self.open and self.ichg is not None:
            self.ichg.flags.append(
                f"interchange {self.ichg.ref!r} has no UNZ trailer: the file may be truncated")
        self._flush_garbage()

    # -- envelope segments
    def _on_una(self, seg: RawSegment) -> None:
        self._truncate("before a new UNA service string advice")
        self._close_open_interchange()
        if seg.problem:
            self.rejections.append(Rejection(
                f"{seg.problem}; default separators are used for what follows",
                f"line {_line(self.text, seg.start)} (UNA)", self.text[seg.start: seg.end]))

    def _on_unb(self, seg: RawSegment) -> None:
        self._truncate("before the next interchange (UNB)")
        self._close_open_interchange()
        number = self.ichg.number + 1 if self.ichg else 1
        self.ichg, self.open = Interchange(number), True
        unb = _quiet(seg)
        if unb is None:
            self.ichg.flags.append("the UNB interchange header cannot be read")
            return
        self.ichg.ref, self.ichg.sender = unb.val(5), unb.val(2)
        self.ichg.date, self.ichg.time = unb.val(4, 1), unb.val(4, 2)

    def _on_ung(self, seg: RawSegment) -> None:
        self._truncate("before a functional group header (UNG)")
        ichg = self._interchange()
        ichg.groups += 1
        ung = _quiet(seg)
        self.group_ref, self.group_count = (ung.val(5) if ung else ""), 0

    def _on_une(self, seg: RawSegment) -> None:
        self._truncate("before the functional group trailer (UNE)")
        une = _quiet(seg)
        declared = une.val(1) if une else ""
        if self.ichg is not None and declared != str(self.group_count):
            self.ichg.flags.append(f"functional group {self.group_ref!r}: UNE says {declared!r} "
                                   f"messages, the group has {self.group_count}")
        self.group_ref = ""

    def _on_unz(self, seg: RawSegment) -> None:
        self._truncate("before the interchange trailer (UNZ)")
        if self.ichg is None or not self.open:
            self.garbage.append(seg)
            return
        unz = _quiet(seg)
        count = self.ichg.groups or self.ichg.messages
        if unz is None or unz.val(1) != str(count) and unz.val(1).lstrip("0") != str(count):
            got = unz.val(1) if unz else "?"
            self.ichg.flags.append(f"UNZ says {got!r} messages or groups, "
                                   f"the interchange has {count}")
        if unz is not None and unz.val(2) != self.ichg.ref:
            self.ichg.flags.append(f"UNZ reference {unz.val(2)!r} does not match "
                                   f"UNB reference {self.ichg.ref!r}")
        self.open = False

    def _on_unh(self, seg: RawSegment) -> None:
        self._truncate("before the next message (UNH)")
        self._interchange().messages += 1
        self.group_count += 1 if self.group_ref else 0
        self.msg = [seg]

    def _on_unt(self, seg: RawSegment) -> None:
        if self.msg is None:
            self.garbage.append(seg)
            return
        message = self._new_message(self.msg + [seg])
        self.msg = None
        _check_trailer(message)
        self.messages.append(message)

    # -- helpers
    def _interchange(self) -> Interchange:
        if self.ichg is None or not self.open:
            number = self.ichg.number + 1 if self.ichg else 1
            self.ichg, self.open = Interchange(number), True
            self.ichg.flags.append("the message is not inside an interchange (no UNB header)")
        return self.ichg

    def _close_open_interchange(self) -> None:
        if self.open and self.ichg is not None:
            self.ichg.flags.append(f"interchange {self.ichg.ref!r} has no UNZ trailer")
        self.open = False

    def _new_message(self, segs: list[RawSegment]) -> RawMessage:
        assert self.ichg is not None
        raw = self.text[segs[0].start: segs[-1].end]
        return RawMessage(self.ichg, self.ichg.messages, segs, raw, self.group_ref)

    def _truncate(self, context: str) -> None:
        """A message still open when something else starts (or the file ends) was cut off."""
        if self.msg is None:
            return
        message = self._new_message(self.msg)
        self.msg = None
        last = message.segments[-1]
        unh = _quiet(message.segments[0])
        kind = f"{unh.val(2) or 'message'} {unh.val(1)!r}" if unh else "message"
        n, tag = len(message.segments), last.tag or "?"
        end = (f"its last segment, {n} ({tag}), is cut off" if not last.terminated
               else f"its last segment is {n} ({tag})")
        message.problem = (f"{kind} is incomplete: it ends without a UNT trailer {context} "
                           f"(the file was probably truncated); {end}")
        message.where = f"{message.prefix} segment {n} ({tag})"
        self.messages.append(message)

    def _flush_garbage(self) -> None:
        if not self.garbage:
            return
        first, last = self.garbage[0], self.garbage[-1]
        self.garbage = []
        if self.ichg is None:
            place = "before the first interchange"
        elif self.open:
            place = f"inside interchange {self.ichg.number} but outside any message"
        else:
            place = f"after interchange {self.ichg.number}"
        raw = self.text[first.start: last.end]
        self.rejections.append(Rejection(
            f"text {place} is not an EDIFACT message and was not read",
            f"line {_line(self.text, first.start)}", raw))


def _check_trailer(message: RawMessage) -> None:
    """UNT must count the message's segments (UNH and UNT included) and repeat UNH's reference."""
    unh, unt = _quiet(message.segments[0]), _quiet(message.segments[-1])
    n = len(message.segments)
    where = f"{message.prefix} segment {n} (UNT)"
    if unh is None or unt is None:
        message.problem, message.where = "the UNH or UNT segment cannot be read", where
        return
    declared = unt.val(1)
    if not declared.isdigit():
        message.problem = f"the UNT segment count {declared!r} is not a number"
        message.where = f"{where} element 1"
        return
    if int(declared) != n:
        # A complete UNH…UNT pair whose count is off is a sender's counting bug far more often
        # than a loss (real samples count UNB in, or are edited by hand): the segments present
        # are all there is to read, so keep the events and say so. A cut-off message (no UNT)
        # is still rejected.
        message.flags.append(f"UNT says {int(declared)} segments, the message has {n}: "
                             "the count is wrong; events kept")
    if unt.val(2) != unh.val(1):
        message.problem = (f"the UNT reference {unt.val(2)!r} does not match the UNH "
                           f"reference {unh.val(1)!r}")
        message.where = f"{where} element 2"


def read_envelopes(text: str) -> tuple[list[RawMessage], list[Rejection]]:
    """Every message of the file (complete or marked broken) and the text that is in none."""
    walker = _Walker(text)
    for seg in split_segments(text):
        walker.feed(seg)
    walker.finish()
    return walker.messages, walker.rejections


# --- dates ----------------------------------------------------------------------------------

_PATTERNS = {"101": ("%y%m%d", 6), "102": ("%Y%m%d", 8), "201": ("%y%m%d%H%M", 10),
             "202": ("%y%m%d%H%M%S", 12), "203": ("%Y%m%d%H%M", 12), "204": ("%Y%m%d%H%M%S", 14)}
_BY_LENGTH = {6: "101", 8: "102", 10: "201", 12: "203", 14: "204"}
_ZONED = {"301": "201", "302": "202", "303": "203", "304": "204"}
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})?")


def _zone(suffix: str, tz: tzinfo) -> tzinfo | str:
    suffix = suffix.strip().upper()
    if suffix in ("", "LT", "LOC"):
        return tz
    if suffix in ("UTC", "GMT", "Z", "UT"):
        return UTC
    m = _OFFSET.fullmatch(suffix)
    if m and int(m[2]) <= 14:
        delta = timedelta(hours=int(m[2]), minutes=int(m[3] or 0))
        return timezone(-delta if m[1] == "-" else delta)
    return f"time zone {suffix!r} is not understood"


def parse_dtm(value: str, fmt: str, tz: tzinfo) -> tuple[datetime | None, str | None]:
    """An aware datetime from a DTM value and format code (2379), or a sentence saying why not.
    Times without a zone are port local time in ``tz``. A value whose length fits another
    common format than the one declared is read by its length (real feeds mix them up)."""
    value, fmt = value.strip(), fmt.strip() or ""
    base = _ZONED.get(fmt, fmt)
    if base and base not in _PATTERNS:
        return None, f"date/time format {fmt!r} is not supported"
    digits, suffix = value, ""
    if fmt in _ZONED:
        digits, suffix = value[: _PATTERNS[base][1]], value[_PATTERNS[base][1]:]
    if not digits.isdigit():
        return None, f"{value!r} is not a date/time"
    if not base or len(digits) != _PATTERNS[base][1]:
        base = _BY_LENGTH.get(len(digits), "")
        if not base:
            return None, f"{value!r} does not fit date/time format {fmt or '(none)'}"
    zone = _zone(suffix, tz)
    if isinstance(zone, str):
        return None, zone
    try:
        naive = datetime.strptime(digits, _PATTERNS[base][0])
    except ValueError:
        return None, f"{value!r} is not a valid date/time"
    return naive.replace(tzinfo=zone), None


# --- segment readers shared by the message mappers ------------------------------------

BL_QUALIFIERS = ("BM", "BH", "MB")  # bill of lading, house B/L, master B/L (1153)
FULL_EMPTY = {"4": "empty", "5": "full", "7": "full", "8": "full"}  # 8169
EQ_STATUS = {"1": "continental", "2": "export", "3": "import", "4": "remain on board",
              "5": "shifter", "6": "transhipment"}  # 8249


@dataclass
class Vessel:
    ident: str = ""
    voyage: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def call(self, port: str | None, flags: list[str]) -> Ref | None:
        flags.extend(self.flags)
        missing = [w for w, v in (("vessel", self.ident), ("voyage", self.voyage),
                                  ("port", port)) if not v]
        if missing:
            if self.ident or self.voyage:
                flags.append(f"transport call not identified: no {' or '.join(missing)}")
            return None
        return Ref(RefKind.TRANSPORT_CALL, vessel_call_key(self.ident, self.voyage, port or ""))


TRANSPORT_GROUP = {"RFF", "LOC", "DTM", "MEA", "FTX", "COM"}


def split(segs: Sequence[Seg], triggers: Iterable[str]) -> tuple[list[Seg], list[list[Seg]]]:
    """Segments before the first trigger, and one group per trigger segment."""
    tags = set(triggers)
    return split_where(segs, lambda s: s.tag in tags)


def split_where(segs: Sequence[Seg], starts: Callable[[Seg], bool]
                ) -> tuple[list[Seg], list[list[Seg]]]:
    """``split`` for groups led by a qualified segment (e.g. LOC+147), not a tag alone."""
    head: list[Seg] = []
    groups: list[list[Seg]] = []
    for s in segs:
        if starts(s):
            groups.append([s])
        elif groups:
            groups[-1].append(s)
        else:
            head.append(s)
    return head, groups


def transport_group(segs: Sequence[Seg]) -> list[Seg]:
    """The first TDT with the LOC/DTM/RFF… segments that follow it (its segment group)."""
    start = next((i for i, s in enumerate(segs) if s.tag == "TDT"), None)
    if start is None:
        return []
    return [segs[start], *takewhile(lambda t: t.tag in TRANSPORT_GROUP, segs[start + 1:])]


def read_vessel(group: Sequence[Seg]) -> Vessel:
    if not group:
        return Vessel()
    tdt = group[0]
    ident, qualifier, name = tdt.val(8, 1).upper(), tdt.val(8, 2), tdt.val(8, 4).upper()
    voyage = tdt.val(2) or next((s.val(1, 2) for s in group
                                 if s.tag == "RFF" and s.val(1, 1) in ("VON", "CRN")), "")
    v = Vessel(voyage=voyage.upper())
    digits = ident.removeprefix("IMO").strip()
    if len(digits) == 7 and digits.isdigit() and qualifier != "103":
        v.ident, v.attrs["vessel_imo"] = digits, digits
        if problem := check_imo(digits):
            v.flags.append(problem)
    elif ident:
        v.ident, v.attrs["vessel_call_sign"] = ident, ident
    else:
        v.ident = name
    extra = {"vessel_name": name, "voyage": v.voyage, "carrier": tdt.val(5, 1)}
    v.attrs.update({k: x for k, x in extra.items() if x})
    return v


def read_refs(segs: Iterable[Seg], flags: list[str]) -> tuple[list[Ref], list[str]]:
    """Object refs from RFF (B/L, booking, declaration) and the other references as text."""
    refs: list[Ref] = []
    other: list[str] = []
    for s in segs:
        if s.tag != "RFF" or not s.val(1, 2):
            continue
        qualifier, value = s.val(1, 1).upper(), s.val(1, 2)
        if qualifier in BL_QUALIFIERS:
            refs.append(Ref(RefKind.BILL_OF_LADING, bl_key(value)))
        elif qualifier == "BN":
            refs.append(Ref(RefKind.BOOKING, bl_key(value)))
        elif qualifier == "ABT":
            key = bl_key(value)
            if problem := check_declaration_number(key):
                flags.append(problem)
            refs.append(Ref(RefKind.DECLARATION, key))
        else:
            other.append(f"{qualifier}:{value}")
    return refs, other


def container_ref(value: str, flags: list[str]) -> Ref | None:
    key = container_key(value)
    if not key:
        return None
    if problem := check_container(key):
        flags.append(problem)  # real feeds carry bad numbers: keep the event, say what is wrong
    return Ref(RefKind.CONTAINER, key)


def read_equipment(segs: Iterable[Seg], flags: list[str]) -> tuple[list[Ref], dict[str, object]]:
    """Containers named by EQD (and SGP) segments, with size-type, status and full/empty."""
    refs: list[Ref] = []
    attrs: dict[str, object] = {}
    for s in segs:
        if s.tag == "SGP" or (s.tag == "EQD" and s.val(1) in ("CN", "")):
            ref = container_ref(s.val(2) if s.tag == "EQD" else s.val(1), flags)
            refs.extend([ref] if ref else [])
        if s.tag == "EQD":
            extra = {"iso_size_type": s.val(3), "equipment_status": EQ_STATUS.get(s.val(5)),
                     "full_empty": FULL_EMPTY.get(s.val(6), s.val(6))}
            attrs.update({k: v for k, v in extra.items() if v})
        if s.tag == "SEL" and s.val(1):
            attrs.setdefault("seals", []).append(s.val(1))  # type: ignore[union-attr]
    return refs, attrs


_TO_KG = {"KGM": 1.0, "TNE": 1000.0, "LBR": 0.45359237}  # 6411 units of a weight
_WEIGHTS = {"WT": "weight_kg", "VGM": "vgm_kg"}  # 6311 weight (BAPLIE: gross), SOLAS VGM


def read_weights(segs: Iterable[Seg], flags: list[str]) -> dict[str, object]:
    """Weights from MEA (``weight_kg``, SOLAS verified gross mass ``vgm_kg``), in kilograms;
    a weight in an unknown unit or that is not a number is flagged and left out."""
    out: dict[str, object] = {}
    for s in segs:
        name = _WEIGHTS.get(s.val(1).upper()) if s.tag == "MEA" else None
        if name is None:
            continue
        unit, text = s.val(3, 1).upper(), s.val(3, 2)
        try:
            value = float(text.replace(s.raw.seps.decimal, "."))
        except ValueError:
            flags.append(f"MEA+{s.val(1)}: weight {text!r} is not a number")
            continue
        if unit not in _TO_KG:
            flags.append(f"MEA+{s.val(1)}: weight unit {unit!r} is not KGM, TNE or LBR; "
                         "the weight is not kept")
            continue
        kg = round(value * _TO_KG[unit], 1)
        out.setdefault(name, int(kg) if kg.is_integer() else kg)
    return out


def direction_of(status: str) -> Direction | None:
    return {"2": Direction.EXPORT, "3": Direction.IMPORT}.get(status)


def merge(attrs: dict[str, object], *more: dict[str, object]) -> dict[str, object]:
    for extra in more:
        attrs.update({k: v for k, v in extra.items() if v})
    return attrs

