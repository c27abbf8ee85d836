"""Kouan's own event formats, for partners without DCSA or EDIFACT: a JSON array (or one object),
JSON Lines and CSV. Pure: bytes in, ``ParseResult`` out.

A record has the canonical-event fields of shared/DESIGN.md::

    {"event_id": "T-1", "milestone": "GATE_OUT", "classifier": "ACT",
     "occurred_at": "2024-03-01T08:30:00+08:00", "recorded_at": "...", "version": "...",
     "port": "CNDAL", "direction": "I",
     "refs": {"declaration": "090020241000012345", "bill_of_lading": ["COSU1"],
              "container": ["APZU4812090"], "transport_call": "9321483/2103N/CNDAL",
              "booking": "..."},
     "attrs": {"hs_code": "8471300000"}}

CSV has the same field names as columns; refs are ``ref_<kind>`` columns (several values
separated by ``;`` or ``|``) and ``attr_<name>`` columns go into ``attrs`` (as text).

Rules (each is a decision recorded here so partners can be told why):
- ``milestone`` and ``occurred_at`` are required; ``classifier`` defaults to ACT.
- An unknown milestone is kept as ``Milestone.OTHER`` with ``original_code`` = the value.
- A time without a UTC offset is taken to be in ``tz`` (port local time, Asia/Shanghai by default)
  and ``attrs['assumed_timezone']`` says so; a date without a time of day is rejected.
- A missing ``event_id`` is derived from the content (``content_event_id('json'|'csv', ...)``) from
  milestone, classifier, occurred_at, port, direction, refs and attrs — not recorded_at/version,
  so a re-export of the same event with a fresh recorded_at is still recognised as a duplicate.
- Declaration numbers and UN/LOCODEs must be valid (else the record is rejected); a container
  with a wrong ISO 6346 check digit is kept and flagged in ``attrs['flags']``.
- Unknown fields (JSON) or columns (CSV) are rejected rather than dropped: a typo such as
  ``occured_at`` must come back to the sender, not vanish.
- Where: ``/N/field`` (JSON pointer) for arrays, ``line N`` for JSON Lines and CSV (the CSV
  header is line 1). A bad record never stops the good ones beside it.

The JSON/time helpers at the top are shared with the DCSA adapter.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

import orjson

from kouan.events.domain import (
    CanonicalEvent,
    Classifier,
    Direction,
    Milestone,
    ParseResult,
    Ref,
    RefKind,
    Rejection,
    bl_key,
    container_key,
    content_event_id,
)
from kouan.kit.clock import CHINA_TZ
from kouan.kit.ids import check_container, check_declaration_number, check_locode

FIELDS = (
    "event_id", "milestone", "classifier", "occurred_at", "recorded_at",
    "port", "direction", "refs", "attrs", "version",
)  # fmt: skip
_FIELD_SET = frozenset(FIELDS)
_REQUIRED = ("milestone", "occurred_at")
_CSV_SCALARS = tuple(f for f in FIELDS if f not in ("refs", "attrs"))
_CSV_SPLIT = re.compile(r"[;|]")
_TIME_OF_DAY = re.compile(r"\d{4}-?\d{2}-?\d{2}[Tt ]\d{2}[0-9:.,+\-Zz ]*")
WHOLE_INPUT = "document"  # `where` of a rejection about the input as a whole
# Longest values the event store keeps (kouan.events.models): longer ones are rejected here with
# a reason rather than failing, or being cut, at storage time.
MAX_EVENT_ID = 160
MAX_CODE = 120
MAX_REF_KEY = 80
# The same container comes back in many events (manifest, discharge, gate-out …): check it once.
container_problem = lru_cache(maxsize=1 << 16)(check_container)

# The clean-record path (see ``clean_event``): values already in the form they are stored in.
_CLEAN_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
                            r"(?:[+-][0-9]{2}:[0-9]{2}|Z)")
_CLEAN_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
_CLEAN_DECLARATION = re.compile(r"[0-9]{8}[01][0-9]{9}")
_CLEAN_KEY = re.compile(r"[A-Z0-9][A-Z0-9/._-]{0,79}")  # bl_key leaves it as it is
_CLEAN_CONTAINER = re.compile(r"[A-Z0-9]{1,80}")  # container_key leaves it as it is
_MILESTONES = {m.value: m for m in Milestone}
_CLASSIFIERS = {c.value: c for c in Classifier}
_DIRECTIONS = {d.value: d for d in Direction}
_KINDS = {k.value: k for k in RefKind}
# orjson reads an integer beyond 64 bits as a float where json keeps it exact: such lines use json.
_LONG_NUMBER = re.compile(r"[0-9]{19}")
_new_event = object.__new__


def _none(_text: str) -> None:
    return None


class FieldError(ValueError):
    """A field failed validation. ``path`` locates it below the record (JSON pointer parts)."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    def dotted(self) -> str:
        """``refs.container[1]``: how the field is named in a reason."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "record"

    def reason(self) -> str:
        return f"{self.dotted()}: {self.message}" if self.path else self.message


def pointer(*parts: str | int) -> str:
    """RFC 6901 JSON pointer, e.g. ``/3/eventDateTime``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --- shared input helpers ------------------------------------------------------------------


def decode_input(data: bytes) -> tuple[str, Rejection | None]:
    """UTF-8 text without BOM, or the one rejection that explains why there is none."""
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raw = bytes(data).decode("utf-8", errors="backslashreplace")
        reason = f"the input is not valid UTF-8 (byte {exc.start}); send or save it as UTF-8"
        return "", Rejection(reason, f"byte {exc.start}", raw)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return "", Rejection("the input is empty", WHOLE_INPUT, text)
    return text, None


def json_items(text: str) -> tuple[list[tuple[tuple[int, ...], Any, str]], Rejection | None]:
    """The records of a JSON document: an array's elements (path ``(i,)``, each with its verbatim
    text so quarantine keeps what was sent) or a single object (path ``()``)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        return [], Rejection(f"the input is not valid JSON: {exc.msg}", where, text)
    except (ValueError, RecursionError) as exc:  # e.g. nesting or integer size limits
        return [], Rejection(f"the input is not usable JSON: {exc}", WHOLE_INPUT, text)
    if isinstance(doc, dict):
        return [((), doc, text)], None
    if not isinstance(doc, list):
        reason = f"expected a JSON array of events (or one event object), got {json_kind(doc)}"
        return [], Rejection(reason, WHOLE_INPUT, text)
    return [((i,), value, raw) for i, (value, raw) in enumerate(_array_elements(text))], None


def _array_elements(text: str) -> Iterator[tuple[Any, str]]:
    """Walk an array already known to be valid JSON, yielding each element and its source text."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    pos = ws.match(text, text.index("[") + 1).end()
    while text[pos] != "]":
        value, end = decoder.raw_decode(text, pos)
        yield value, text[pos:end]
        pos = ws.match(text, end).end()
        if text[pos] == ",":
            pos = ws.match(text, pos + 1).end()


def json_kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false"}
    return "null" if value is None else names.get(type(value), "a number")


def check_text(value: Any) -> None:
    """Reject lone surrogates (JSON ``\\ud800`` escapes): they cannot be stored as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError((), "contains text that is not valid Unicode (a lone surrogate escape)") from None


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date and time (naive or with offset). Raises ValueError with a sentence."""
    example = "e.g. 2024-03-01T08:30:00+08:00"
    # fullmatch: CPython 3.11's fromisoformat ignores anything after a NUL byte
    if not _TIME_OF_DAY.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not an ISO 8601 date and time of day ({example})")
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is not None:
            value.astimezone(UTC)  # an offset that pushes it past year 1..9999 fails here
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a valid ISO 8601 date and time ({example})") from None
    return value


# --- one record -> one canonical event -----------------------------------------------------


def build_event(rec: Any, *, tz: tzinfo, id_prefix: str, location: str | None = None,
                text_checked: bool = False) -> CanonicalEvent:
    """Validate one record (a dict with the canonical field names). Raises FieldError.
    ``text_checked``: the caller knows the record holds no lone surrogate (its JSON had no ``\\u``
    escape), so the check is skipped."""
    rec = _known_fields(rec, text_checked)
    assumed: list[bool] = []
    occurred = _time(rec, "occurred_at", tz, assumed)
    assert occurred is not None  # required above
    flags: list[str] = []
    milestone, original = _milestone(rec["milestone"])
    classifier = _choice(rec, "classifier", Classifier, "ACT, EST or PLN") or Classifier.ACT
    direction = _choice(rec, "direction", Direction, "I (import) or E (export)")
    port = _port(rec.get("port"))
    refs = _refs(rec.get("refs", {}), flags)
    attrs = rec.get("attrs", {})
    if not isinstance(attrs, dict):
        raise FieldError(("attrs",), f"expected an object, got {json_kind(attrs)}")
    attrs = dict(attrs)
    event_id = _event_id(rec.get("event_id"), id_prefix, lambda: (
        rec["milestone"], classifier, occurred.astimezone(UTC).isoformat(), port or "",
        direction or "", *sorted(f"{r.kind}:{r.key}" for r in refs),
        json.dumps(attrs, sort_keys=True, ensure_ascii=False, default=str)))  # fmt: skip
    recorded = _time(rec, "recorded_at", tz, assumed)
    version = _time(rec, "version", tz, assumed)
    _note(attrs, flags, tz if any(assumed) else None)
    return CanonicalEvent(
        event_id=event_id, milestone=milestone, occurred_at=occurred, classifier=classifier,
        recorded_at=recorded, port=port, direction=direction, refs=refs, attrs=attrs,
        original_code=original, version=version, location=location,
    )  # fmt: skip


def _known_fields(rec: Any, text_checked: bool) -> dict[str, Any]:
    """The record without empty values, once it is an object of known fields with the required ones."""
    if not isinstance(rec, dict):
        raise FieldError((), f"expected an event object, got {json_kind(rec)}")
    if not text_checked:
        check_text(rec)
    for name in rec:
        if name not in _FIELD_SET:
            raise FieldError((name,), "unknown field (free attributes go in attrs)")
    rec = {k: v for k, v in rec.items() if v is not None and v != ""}
    for name in _REQUIRED:
        if name not in rec:
            raise FieldError((name,), "is required")
    return rec


def _time(rec: dict[str, Any], name: str, tz: tzinfo, assumed: list[bool]) -> datetime | None:
    value = rec.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError((name,), f"expected an ISO 8601 string, got {json_kind(value)}")
    try:
        parsed = parse_instant(value)
        if parsed.tzinfo is None:
            # why: partners in China often send local wall-clock time; say we assumed it
            parsed = parsed.replace(tzinfo=tz)
            parsed.astimezone(UTC)
            assumed.append(True)
    except (ValueError, OverflowError) as exc:
        raise FieldError((name,), str(exc)) from None
    return parsed


def _milestone(value: Any) -> tuple[Milestone, str | None]:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(("milestone",), f"expected a milestone code, got {json_kind(value)}")
    code = value.strip()
    if len(code) > MAX_CODE:
        raise FieldError(("milestone",), f"is longer than {MAX_CODE} characters")
    known = Milestone.__members__.get(code.upper())  # every name is its value
    if known is not None:
        return known, None
    return Milestone.OTHER, code  # never dropped: analysts can map it later


def _choice(rec: dict[str, Any], name: str, enum: Any, allowed: str) -> Any:
    value = rec.get(name)
    if value is None:
        return None
    member = enum._value2member_map_.get(value.strip().upper()) if isinstance(value, str) else None
    if member is not None:
        return member
    raise FieldError((name,), f"must be {allowed}, got {value!r}")


def _port(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(("port",), f"expected a UN/LOCODE string, got {json_kind(value)}")
    problem = check_locode(value.strip().upper())
    if problem:
        raise FieldError(("port",), problem)
    return value.strip().upper()


def _refs(value: Any, flags: list[str]) -> tuple[Ref, ...]:
    if not isinstance(value, dict):
        raise FieldError(("refs",), f"expected an object of references, got {json_kind(value)}")
    out: dict[Ref, None] = {}  # distinct, in order (a tally names a thousand boxes: no list scan)
    for name, given in value.items():
        if name not in RefKind._value2member_map_:
            known = ", ".join(k.value for k in RefKind)
            raise FieldError(("refs", name), f"unknown reference kind (known: {known})")
        values = given if isinstance(given, list) else [given]
        for i, item in enumerate(values):
            path = ("refs", name, i) if isinstance(given, list) else ("refs", name)
            if item is None or item == "":
                continue
            out.setdefault(_ref(RefKind._value2member_map_[name], item, path, flags))
    return tuple(out)


def _ref(kind: RefKind, value: Any, path: tuple[str | int, ...], flags: list[str]) -> Ref:
    if not isinstance(value, str):
        raise FieldError(path, f"expected a string, got {json_kind(value)}")
    if kind is RefKind.DECLARATION:
        key = value.strip()
        if problem := check_declaration_number(key):
            raise FieldError(path, problem)
    elif kind is RefKind.CONTAINER:
        key = container_key(value)
        if (problem := container_problem(key)) and problem not in flags:
            flags.append(problem)  # real feeds carry bad check digits: keep, flag, never fix
    else:
        key = bl_key(value)
        if kind is RefKind.TRANSPORT_CALL:
            _check_call_key(key, path)
    return make_ref(kind, key, path)


def make_ref(kind: RefKind, key: str, path: tuple[str | int, ...]) -> Ref:
    if not key:
        raise FieldError(path, "is blank")
    if len(key) > MAX_REF_KEY:
        raise FieldError(path, f"{key[:20]!r}... is longer than {MAX_REF_KEY} characters")
    return Ref(kind, key)


def _check_call_key(key: str, path: tuple[str | int, ...]) -> None:
    """``IMO/VOYAGE/LOCODE`` or ``TRAIN|FLIGHT/DATE/LOCODE``: keys only link if they match."""
    parts = key.split("/")
    if len(parts) != 3 or not all(parts):
        raise FieldError(path, f"{key!r} is not IMO/VOYAGE/LOCODE or NUMBER/DATE/LOCODE")
    if problem := check_locode(parts[2]):
        raise FieldError(path, problem)


def _event_id(value: Any, prefix: str, content: Callable[[], tuple[Any, ...]]) -> str:
    if value is None:
        return content_event_id(prefix, *content())
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise FieldError(("event_id",), f"expected a string, got {json_kind(value)}")
    return check_event_id(value.strip(), ("event_id",))


def check_event_id(value: str, path: tuple[str | int, ...]) -> str:
    if len(value) > MAX_EVENT_ID:
        raise FieldError(path, f"is longer than {MAX_EVENT_ID} characters")
    return value


def _note(attrs: dict[str, Any], flags: list[str], assumed_tz: tzinfo | None) -> None:
    if flags:
        given = attrs.get("flags", [])
        attrs["flags"] = [*(given if isinstance(given, list) else [given]), *flags]
    if assumed_tz is not None:
        attrs["assumed_timezone"] = getattr(assumed_tz, "key", None) or str(assumed_tz)


def attempt(build: Callable[[], CanonicalEvent]) -> CanonicalEvent | FieldError:
    """Run one record's build; a failure comes back as a value so the caller can quarantine the
    record and carry on with the others."""
    try:
        return build()
    except FieldError as exc:
        return exc
    except RecursionError:
        return FieldError((), "the record is nested too deeply")


# --- the three formats ---------------------------------------------------------------------


def parse_json(data: bytes, *, tz: tzinfo = CHINA_TZ) -> ParseResult:
    """A JSON array of records, or a single record object."""
    result = ParseResult()
    text, problem = decode_input(data)
    items, problem = json_items(text) if problem is None else ([], problem)
    if problem is not None:
        result.rejections.append(problem)
    for path, value, raw in items:
        where = pointer(*path) or None
        outcome = attempt(lambda v=value, w=where, r=raw: build_event(
            v, tz=tz, id_prefix="json", location=w, text_checked=plain_text(r)))
        if isinstance(outcome, FieldError):
            at = pointer(*path, *outcome.path) or WHOLE_INPUT
            result.rejections.append(Rejection(outcome.reason(), at, raw))
        else:
            result.events.append(outcome)
    return result


def parse_jsonl(data: bytes, *, tz: tzinfo = CHINA_TZ, first_line: int = 1) -> ParseResult:
    """One record object per line; blank lines are skipped (but still counted). ``first_line`` is
    the number of the first line of ``data`` in its file (a piece of a streamed file).

    Each line is first tried on the clean-record path (``clean_event``); a line it does not take
    goes through ``build_event``, which normalises it or says precisely what is wrong and where."""
    result = ParseResult()
    text, problem = decode_input(data)
    if problem is not None:
        result.rejections.append(problem)
        return result
    result.text_checked = "\\u" not in text and "\x00" not in text
    events, refs = result.events, {}
    loads, long_number = orjson.loads, _LONG_NUMBER.search
    if long_number(text) is None:  # one scan of the piece instead of one per line
        long_number = _none
    for number, line in enumerate(text.split("\n"), start=first_line):
        raw = line.removesuffix("\r")
        if not raw or raw.isspace():
            continue
        where = f"line {number}"
        try:
            clean = clean_event(loads(raw) if long_number(raw) is None else json.loads(raw), where, refs)
        except (ValueError, RecursionError):
            clean = None  # the standard parser below says why (or takes what orjson refuses)
        if clean is not None:
            events.append(clean)
            continue
        try:
            events.append(build_event(_json_line(raw), tz=tz, id_prefix="json", location=where,
                                      text_checked=plain_text(raw)))
        except FieldError as exc:
            result.rejections.append(Rejection(exc.reason(), where, raw))
        except RecursionError:
            result.rejections.append(Rejection("the record is nested too deeply", where, raw))
    return result


def _clean_instant(value: Any) -> datetime | None:
    if type(value) is not str or not _CLEAN_INSTANT.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None  # e.g. month 13: build_event gives the reason
    if not 1 < parsed.year < 9999:
        return None  # the offset may push it out of range: build_event says so
    return parsed


def _clean_refs(value: Any, seen: dict[tuple[str, str], Ref], flags: list[str]) -> tuple[Ref, ...] | None:
    out: dict[Ref, None] = {}  # distinct, in order
    for name, given in value.items():
        kind = _KINDS.get(name)
        if kind is None:
            return None
        for item in given if type(given) is list else (given,):
            if type(item) is not str:
                return None
            ref = seen.get((name, item))
            if ref is None:
                if kind is RefKind.DECLARATION:
                    clean = _CLEAN_DECLARATION.fullmatch(item)
                elif kind is RefKind.CONTAINER:
                    clean = _CLEAN_CONTAINER.fullmatch(item)
                elif kind is RefKind.TRANSPORT_CALL:
                    parts = item.split("/")
                    clean = (len(item) <= MAX_REF_KEY and len(parts) == 3
                             and _CLEAN_LOCODE.fullmatch(parts[2])
                             and _CLEAN_KEY.fullmatch(parts[0]) and _CLEAN_KEY.fullmatch(parts[1]))
                else:
                    clean = _CLEAN_KEY.fullmatch(item)
                if not clean:
                    return None
                ref = seen[(name, item)] = Ref(kind, item)
            if kind is RefKind.CONTAINER and (problem := container_problem(item)) and problem not in flags:
                flags.append(problem)
            out.setdefault(ref)
    return tuple(out)


def clean_event(rec: Any, where: str, seen: dict[tuple[str, str], Ref]) -> CanonicalEvent | None:
    """The usual record in one pass: an object of known fields whose values are already in the form
    Kouan stores (exact codes, times with an offset, upper-case keys, valid declaration numbers and
    UN/LOCODEs, an ``event_id``). Gives exactly what ``build_event`` gives for it; anything else
    gives None and is left to ``build_event``. ``seen`` shares the ``Ref`` objects of one message.

    why: validating field by field through ``build_event`` cost about 20 µs per event, most of the
    parse time of a large batch; this path is a few µs."""
    if type(rec) is not dict or not rec.keys() <= _FIELD_SET:
        return None
    get = rec.get
    milestone, classifier, direction = get("milestone"), get("classifier", "ACT"), get("direction")
    if type(milestone) is not str or type(classifier) is not str or type(direction) not in (str, type(None)):
        return None
    milestone, classifier = _MILESTONES.get(milestone), _CLASSIFIERS.get(classifier)
    occurred = _clean_instant(get("occurred_at"))
    event_id = get("event_id")
    if (milestone is None or classifier is None or occurred is None or type(event_id) is not str
            or not event_id or len(event_id) > MAX_EVENT_ID or event_id.strip() != event_id):
        return None
    if direction is not None and (direction := _DIRECTIONS.get(direction)) is None:
        return None
    port = get("port")
    recorded, version = get("recorded_at"), get("version")
    if ((port is not None and (type(port) is not str or not _CLEAN_LOCODE.fullmatch(port)))
            or (recorded is not None and (recorded := _clean_instant(recorded)) is None)
            or (version is not None and (version := _clean_instant(version)) is None)):
        return None
    attrs = get("attrs")
    refs = get("refs")
    if (attrs is not None and type(attrs) is not dict) or (refs is not None and type(refs) is not dict):
        return None
    flags: list[str] = []
    found = _clean_refs(refs, seen, flags) if refs else ()
    if found is None:
        return None
    attrs = dict(attrs) if attrs else {}
    if flags:
        _note(attrs, flags, None)
    event = _new_event(CanonicalEvent)
    # why: a frozen dataclass's __init__ sets each of its 12 fields through object.__setattr__;
    # filling its __dict__ at once gives the same (immutable, equal) object in a third of the time.
    event.__dict__.update(
        event_id=event_id, milestone=milestone, occurred_at=occurred, classifier=classifier,
        recorded_at=recorded, port=port, direction=direction, refs=found, attrs=attrs,
        original_code=None, version=version, location=where,
    )  # fmt: skip
    return event


def plain_text(raw: str) -> bool:
    """Whether the JSON text ``raw`` (valid UTF-8 already) can only hold valid Unicode: no ``\\u``
    escape, and too short to nest anywhere near the recursion limit."""
    return len(raw) < 1000 and "\\u" not in raw


def _json_line(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FieldError((), f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:  # integer size limit and the like
        raise FieldError((), f"not usable JSON: {exc}") from None


def parse_csv(data: bytes, *, tz: tzinfo = CHINA_TZ, first_line: int = 1) -> ParseResult:
    """A header row with the field names, then one record per row (see the module docstring).
    ``first_line`` is the number of the first line of ``data`` in its file."""
    result = ParseResult()
    text, problem = decode_input(data)
    if problem is not None:
        result.rejections.append(problem)
        return result
    header: list[str] | None = None
    for line, raw, row in _csv_rows(text, first_line):
        where = f"line {line}"
        if isinstance(row, csv.Error):
            result.rejections.append(Rejection(f"unreadable CSV: {row}", where, raw))
            if header is None:
                return result
            continue
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header, bad = _csv_header(row)
            if bad:
                result.rejections.append(Rejection(bad, where, raw))
                return result
            continue
        outcome = _csv_event(header, row, tz, where)
        if isinstance(outcome, FieldError):
            reason = f"{_csv_column(outcome.path)}: {outcome.message}"
            result.rejections.append(Rejection(reason, where, raw))
        else:
            result.events.append(outcome)
    return result


def _csv_rows(text: str, start: int = 1) -> Iterator[tuple[int, str, list[str] | csv.Error]]:
    """CSV rows with the line they start on and their verbatim text (a quoted field may span
    lines, so the reader's own line count is used rather than splitting on newlines)."""
    taken: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            taken.append(line)
            yield line

    reader = csv.reader(lines())
    while True:
        try:
            row: list[str] | csv.Error = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if not taken:
                return
            row = exc
        yield start, "".join(taken).rstrip("\r\n"), row
        start += len(taken)
        taken.clear()


def csv_header_problem(line: str) -> str | None:
    """What is wrong with a CSV header line (None when it names known columns)."""
    try:
        row = next(csv.reader([line]), [])
    except csv.Error as exc:
        return f"unreadable CSV: {exc}"
    return _csv_header(row)[1]


def _csv_header(row: list[str]) -> tuple[list[str], str | None]:
    names = [cell.strip().lower() for cell in row]
    for name in names:
        ok = (
            name in _CSV_SCALARS
            or (name.startswith("ref_") and name[4:] in RefKind._value2member_map_)
            or (name.startswith("attr_") and len(name) > 5)
        )
        if not ok:
            return names, (
                f"unknown column {name!r}: columns are {', '.join(_CSV_SCALARS)}, "
                f"ref_<{'|'.join(k.value for k in RefKind)}> and attr_<name>"
            )
        if names.count(name) > 1:
            return names, f"column {name!r} appears twice"
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        return names, f"the header has no {' or '.join(missing)} column"
    return names, None


def _csv_event(header: list[str], row: list[str], tz: tzinfo, where: str) -> CanonicalEvent | FieldError:
    if len(row) > len(header):
        return FieldError((), f"{len(row)} values for {len(header)} columns")
    rec: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=False):  # a short row leaves trailing cells empty
        value = cell.strip()
        if not value:
            continue
        if name.startswith("ref_"):
            parts = [p.strip() for p in _CSV_SPLIT.split(value) if p.strip()]
            rec.setdefault("refs", {})[name[4:]] = parts
        elif name.startswith("attr_"):
            rec.setdefault("attrs", {})[name[5:]] = value
        else:
            rec[name] = value
    return attempt(lambda: build_event(rec, tz=tz, id_prefix="csv", location=where))


def _csv_column(path: tuple[str | int, ...]) -> str:
    """Name the CSV column behind a record path: ("refs", "container", 1) -> ref_container."""
    if not path:
        return "row"
    if path[0] == "refs" and len(path) > 1:
        column = f"ref_{path[1]}"
        return f"{column} value {int(path[2]) + 1}" if len(path) > 2 else column
    if path[0] == "attrs" and len(path) > 1:
        return f"attr_{path[1]}"
    return str(path[0])


def sniff(data: bytes) -> str:
    """Guess the format for ``--format auto``: json, jsonl, csv, dcsa or edifact."""
    text = bytes(data).decode("utf-8", errors="replace").lstrip().removeprefix("\ufeff").lstrip()
    if text[:3] in ("UNA", "UNB"):
        return "edifact"
    if not text or text[0] not in "[{":
        return "csv"
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        # several objects, one per line, is JSON Lines; anything else is broken JSON and the
        # JSON parser will say where
        first = text.split("\n", 1)[0]
        return "jsonl" if text[0] == "{" and _is_json_object(first) else "json"
    first_item = doc[0] if isinstance(doc, list) and doc else doc
    if isinstance(first_item, dict) and {"eventType", "eventClassifierCode"} <= first_item.keys():
        return "dcsa"
    return "json"


def sniff_head(head: bytes) -> str:
    """``sniff`` for the first bytes of a file too large to read at once (``head`` may end
    anywhere): the first line, or an array's first element, decides."""
    text = head.decode("utf-8", errors="replace").lstrip().removeprefix("\ufeff").lstrip()
    if text[:3] in ("UNA", "UNB"):
        return "edifact"
    if not text or text[0] not in "[{":
        return "csv"
    if text[0] == "{":
        return "jsonl" if _is_json_object(text.split("\n", 1)[0]) else "json"
    try:
        first_item, _end = json.JSONDecoder().raw_decode(text, re.compile(r"[ \t\n\r]*").match(text, 1).end())
    except (ValueError, RecursionError):
        return "json"
    if isinstance(first_item, dict) and {"eventType", "eventClassifierCode"} <= first_item.keys():
        return "dcsa"
    return "json"


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False
