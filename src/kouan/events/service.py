"""Ingest: every message received is stored or quarantined, whole batch or nothing.

``ingest`` runs inside the caller's transaction (the HTTP request, a CLI file, a retry): a crash
anywhere rolls the whole batch back, and the partner's re-send then changes nothing because
``(source, event_id)`` is unique and identical content is a duplicate.

Versions: of several records with one ``event_id`` the store keeps the one with the highest
``(version, recorded_at, content hash)``. Comparing content last makes the outcome independent of
arrival order even when a sender re-uses an id without a newer version.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from kouan import jobs
from kouan.audit import service as audit_service
from kouan.consignments import dirty
from kouan.consignments import repository as consignments_repo
from kouan.consignments import service as consignments_service
from kouan.db.session import allocate_ids
from kouan.events import authority, bulk, parsing
from kouan.events import repository as repo
from kouan.events.domain import CanonicalEvent, ParseResult, RefKind, Rejection
from kouan.events.formats.canonical import container_problem
from kouan.events.models import CallEvent, Event, EventRef, IngestBatch, QuarantinedMessage, call_event_rows
from kouan.kit import ids
from kouan.kit.clock import CHINA_TZ
from kouan.kit.jsonutil import jsonable
from kouan.ports.models import Port

_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
# Attributes that describe how a record travelled, not what happened: left out of the content hash.
TRACE_ATTRS = frozenset({"message_ref", "interchange_ref", "group_ref", "flags"})
MAX_ERRORS_REPORTED = 100
# json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")) builds this encoder on every
# call; built once it gives the same bytes, so hashes of stored events stay comparable.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})
_ORJSON_EXACT = frozenset({str, int, bool, type(None)})
EVENT_COLUMNS = ("id", "source", "event_id", "milestone", "original_code", "classifier", "occurred_at",
                 "recorded_at", "received_at", "version", "port", "direction", "refs", "attrs",
                 "content_hash", "batch_id", "revision", "authority")
REF_COLUMNS = ("event_pk", "kind", "key")
CALL_EVENT_COLUMNS = ("key", "event_pk")


@dataclass
class IngestReport:
    batch_id: int | None = None
    format: str = ""
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    updated: int = 0
    quarantined: int = 0
    claims: int = 0  # of the stored and updated: stated by a sender not entitled to (events.authority)
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "format": self.format, "received": self.received,
                "stored": self.stored, "duplicates": self.duplicates, "updated": self.updated,
                "quarantined": self.quarantined, "claims": self.claims, "errors": self.errors}


def _iso_utc(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


_KIND = {k: k.value for k in RefKind}


def _pairs(e: CanonicalEvent) -> list[tuple[str, str]]:
    """The event's references as sorted, distinct (kind, key) pairs."""
    kind = _KIND
    return sorted({(kind[r.kind], r.key) for r in e.refs})


def content_hash(e: CanonicalEvent, pairs: list[tuple[str, str]] | None = None) -> str:
    """What the event says, independent of how it was written and sent: not the time zone, the
    ref order or the line, nor when the sender wrote the record (``recorded_at``) or the envelope
    it came in (``TRACE_ATTRS``: an EDIFACT interchange re-sent under new control references says
    the same thing). String enums serialise as their values; times as UTC ISO 8601."""
    attrs = {k: v for k, v in e.attrs.items() if k not in TRACE_ATTRS}
    blob = [e.milestone, e.original_code, e.classifier, _iso_utc(e.occurred_at),
            e.port, e.direction, _pairs(e) if pairs is None else pairs, attrs, _iso_utc(e.version)]
    return hashlib.sha256(_hash_bytes(blob, attrs)).hexdigest()


def _hash_bytes(blob: list[Any], attrs: dict[str, Any]) -> bytes:
    """``blob`` as ``_HASH_JSON`` writes it. orjson with sorted keys writes the very same bytes for
    strings, integers, booleans and null (every code point and key order checked), in a fifth of
    the time: it is used when every attribute is one of those (a float, a nested value, an integer
    over 64 bits or a key that is no string go through ``json``), so stored hashes stay comparable."""
    if all(type(v) in _ORJSON_EXACT for v in attrs.values()):
        try:
            return orjson.dumps(blob, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError: e.g. an integer over 64 bits
            pass
    blob[7] = _jsonable_attrs(attrs)
    return _HASH_JSON.encode(blob).encode()


def _jsonable_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """``jsonable(attrs)``, skipped when every value is already a JSON scalar (the usual case)."""
    for v in attrs.values():
        if type(v) not in _JSON_SCALARS:
            return jsonable(attrs)
    return attrs


def _rank(version: datetime | None, recorded: datetime | None, chash: str) -> tuple:
    return (version or _EPOCH, recorded or _EPOCH, chash)


def _row(w: _Winner, *, source: str, batch_id: int, now: datetime) -> dict[str, Any]:
    e = w.event
    return {
        "authority": w.authority, "source": source, "event_id": e.event_id, "milestone": e.milestone.value,
        "original_code": e.original_code, "classifier": e.classifier.value,
        "occurred_at": e.occurred_at, "recorded_at": e.recorded_at, "received_at": now,
        "version": e.version, "port": e.port,
        "direction": e.direction.value if e.direction else None,
        "refs": [[kind, key] for kind, key in w.pairs],
        "attrs": jsonable(e.attrs), "content_hash": w.chash, "batch_id": batch_id,
    }


def _event_tuples(out: bulk.Bulk, pks: Sequence[int], winners: Sequence[_Winner], *, source: str,
                  batch_id: int, now: datetime) -> tuple[list[tuple], list[tuple]]:
    """New ``event`` rows (EVENT_COLUMNS, revision 1) and their ``event_ref`` rows, as the driver
    takes them: the same values ``_row`` gives the ORM."""
    ts, js = out.ts, bulk.json_text
    received = ts(now)
    events, refs = [], []
    for pk, w in zip(pks, winners, strict=True):
        e = w.event
        events.append((
            pk, source, e.event_id, e.milestone.value, e.original_code, e.classifier.value,
            ts(e.occurred_at), ts(e.recorded_at), received, ts(e.version), e.port,
            e.direction.value if e.direction else None, js(w.pairs),
            js(_jsonable_attrs(e.attrs)), w.chash, batch_id, 1, w.authority,
        ))  # fmt: skip
        refs.extend((pk, kind, key) for kind, key in w.pairs)
    return events, refs


def _ref_rows(pk: int, w: _Winner) -> list[dict[str, Any]]:
    return [{"event_pk": pk, "kind": kind, "key": key} for kind, key in w.pairs]


@dataclass(slots=True)
class _Winner:
    """An event that wins its event_id within the batch, with what storing it needs."""

    event: CanonicalEvent
    chash: str
    pairs: list[tuple[str, str]]
    authority: str = authority.ENTITLED

    def rank(self) -> tuple:
        return _rank(self.event.version, self.event.recorded_at, self.chash)


@dataclass
class _Plan:
    new: list[_Winner] = field(default_factory=list)
    replace: list[tuple[int, int, _Winner]] = field(default_factory=list)  # (pk, revision, winner)
    duplicates: int = 0

    def winners(self) -> list[CanonicalEvent]:
        return [w.event for w in self.new] + [w.event for *_x, w in self.replace]

    def entitled(self) -> list[CanonicalEvent]:
        return [w.event for w in self.new + [w for *_x, w in self.replace]
                if w.authority == authority.ENTITLED]


def _best(events: Sequence[CanonicalEvent]) -> dict[str, _Winner]:
    """Per event_id, the record with the highest (version, recorded_at, content hash)."""
    best: dict[str, _Winner] = {}
    for e in events:
        pairs = _pairs(e)
        w = _Winner(e, content_hash(e, pairs), pairs)
        held = best.get(e.event_id)
        if held is None or w.rank() > held.rank():
            best[e.event_id] = w
    return best


def _plan(session: Session, source: str, events: Sequence[CanonicalEvent],
          stored: dict[str, tuple] | None = None) -> _Plan:
    """Decide, per event_id, whether the batch stores, replaces or ignores it (``stored``: the
    source's stored versions of these ids, when the caller read them already)."""
    best = _best(events)
    plan = _Plan(duplicates=len(events) - len(best))  # superseded or repeated inside the batch
    if stored is None:
        stored = repo.existing_versions(session, source, sorted(best))
    for eid, w in best.items():
        old = stored.get(eid)
        if old is None:
            plan.new.append(w)
        elif w.chash != old[3] and w.rank() > _rank(old[1], old[2], old[3]):
            plan.replace.append((old[0], old[4], w))
        else:
            plan.duplicates += 1
    return plan


def _judge(session: Session, plan: _Plan, sender: authority.Sender,
           districts: dict[str, str | None] | None = None) -> int:
    """Mark each winner entitled or a claim (events.authority); returns how many are claims. The
    ports' districts are read only for a customs sender, once per chunk (unless given)."""
    if sender.trusted:
        return 0
    winners = plan.new + [w for *_x, w in plan.replace]
    if districts is None:
        districts = (repo.port_districts(session, {w.event.port for w in winners if w.event.port})
                     if authority.needs_districts(sender) else {})
    claims = 0
    for w in winners:
        if not authority.entitled(sender, w.event, districts):
            w.authority = authority.CLAIM
            claims += 1
    return claims


def _demoted(session: Session, plan: _Plan) -> set[int]:
    """Consignments whose cases read an event that a new version turned into a claim (rare: the same
    sender restating it elsewhere): recomputed without it."""
    stale = [w.event for *_x, w in plan.replace if w.authority == authority.CLAIM]
    if not stale:
        return set()
    named = {(r.kind.value, r.key) for e in stale for r in e.refs}
    found = consignments_repo.member_consignments(session, named)
    return found | dirty.reached_by_hubs(session, stale)


def _write(session: Session, plan: _Plan, *, source: str, batch_id: int, now: datetime) -> None:
    if plan.new:
        out = bulk.Bulk(session)
        pks = allocate_ids(session, Event.__table__, len(plan.new))
        events, refs = _event_tuples(out, pks, plan.new, source=source, batch_id=batch_id, now=now)
        out.insert("event", EVENT_COLUMNS, events)
        out.insert("event_ref", REF_COLUMNS, refs)
        out.insert("call_event", CALL_EVENT_COLUMNS, [
            row for pk, w in zip(pks, plan.new, strict=True)
            for row in call_event_rows(pk, w.event.milestone.value, w.pairs)])
    if plan.replace:
        # The replaced versions' refs, by their full key (read before the update overwrites them).
        stale = [{"k": kind, "y": key, "p": pk}
                 for pk, kind, key in repo.refs_of(session, [pk for pk, *_ in plan.replace])]
        updates = [{**_row(w, source=source, batch_id=batch_id, now=now), "id": pk,
                    "revision": rev + 1} for pk, rev, w in plan.replace]
        session.execute(update(Event), updates)
        if stale:
            ref = EventRef.__table__.c
            session.execute(EventRef.__table__.delete().where(
                ref.kind == bindparam("k"), ref.key == bindparam("y"), ref.event_pk == bindparam("p")), stale)
            calls = [{"y": r["y"], "p": r["p"]} for r in stale if r["k"] == "transport_call"]
            if calls:
                c = CallEvent.__table__.c
                session.execute(CallEvent.__table__.delete().where(
                    c.key == bindparam("y"), c.event_pk == bindparam("p")), calls)
        refs = [r for pk, _rev, w in plan.replace for r in _ref_rows(pk, w)]
        if refs:
            session.execute(EventRef.__table__.insert(), refs)
        calls = [{"key": key, "event_pk": event_pk} for pk, _rev, w in plan.replace
                 for key, event_pk in call_event_rows(pk, w.event.milestone.value, w.pairs)]
        if calls:
            session.execute(CallEvent.__table__.insert(), calls)


def _known_cn_ports(session: Session, ports: Iterable[str]) -> set[str]:
    """Of the Chinese LOCODEs named, those in the reference list."""
    known: set[str] = set()
    for matching in repo.in_chunks(session, Port.locode, sorted({p for p in ports if p.startswith("CN")})):
        known.update(session.scalars(select(Port.locode).where(matching)))
    return known


def _identifier_quality(session: Session, events: Sequence[CanonicalEvent],
                        known: set[str] | None = None) -> dict[str, int]:
    """Count containers with a bad ISO 6346 check digit and ports that are no UN/LOCODE (a Chinese
    LOCODE must also be in the reference list, or in ``known`` when the caller read it). Bad
    identifiers are kept and flagged, not rejected."""
    container = RefKind.CONTAINER
    containers = Counter(r.key for e in events for r in e.refs if r.kind == container)
    ports = Counter(e.port for e in events if e.port)  # each distinct value checked once
    if known is None:
        known = _known_cn_ports(session, ports)
    bad_ports = sum(n for p, n in ports.items()
                    if ids.check_locode(p) or (p.startswith("CN") and p not in known))
    return {"containers_checked": containers.total(),
            "containers_invalid": sum(n for c, n in containers.items() if container_problem(c)),
            "locodes_checked": ports.total(), "locodes_invalid": bad_ports}


def _quarantine(session: Session, rejections: Sequence[Rejection], *, source: str, fmt: str,
                batch_id: int, now: datetime) -> None:
    if rejections:
        session.execute(QuarantinedMessage.__table__.insert(), [
            {"batch_id": batch_id, "source": source, "format": fmt, "received_at": now,
             "reason": r.reason, "location": r.where[:255], "raw": r.raw, "status": "open",
             "retries": 0} for r in rejections])


def store(
    session: Session, *, source: str, events: Sequence[CanonicalEvent],
    rejections: Sequence[Rejection] = (), fmt: str, batch: IngestBatch, now: datetime,
    progress: Callable[[int, int], None] | None = None, chunk_size: int = 10_000,
    sender: authority.Sender | None = None,
) -> IngestReport:
    """Store parsed events and rejections as part of ``batch`` (in the caller's transaction).
    ``progress(done, total)`` is called before the first chunk and after each one. Each event is
    judged entitled or a claim for ``sender`` (by default the organisation whose code is ``source``;
    a source no organisation answers for sends only claims)."""
    report = IngestReport(batch_id=batch.id, format=fmt)
    if sender is None:
        sender = repo.sender(session, source)
    _store_part(session, report, source=source, events=events, rejections=rejections, fmt=fmt,
                batch=batch, now=now, progress=progress, chunk_size=chunk_size, sender=sender)
    return _close(session, report, batch, now=now)


def _store_part(
    session: Session, report: IngestReport, *, source: str, events: Sequence[CanonicalEvent],
    rejections: Sequence[Rejection], fmt: str, batch: IngestBatch, now: datetime,
    progress: Callable[[int, int], None] | None, chunk_size: int, sender: authority.Sender,
) -> None:
    """Store one piece of a batch, adding to ``report``: a later piece finds what an earlier one
    stored (same transaction), so a duplicate or a newer version across pieces is told apart as
    within one."""
    report.received += len(events) + len(rejections)
    report.quarantined += len(rejections)
    if progress:
        progress(0, len(events))
    for start in range(0, len(events), chunk_size):
        part = events[start : start + chunk_size]
        plan = _plan(session, source, part)
        claims = _judge(session, plan, sender)
        report.claims += claims
        _write(session, plan, source=source, batch_id=batch.id, now=now)
        winners = plan.winners()
        # A claim joins no consignment and marks no case dirty: it moves nothing (events.authority).
        # It still shows on the timeline of the consignments whose references it names.
        acting = winners if not claims else plan.entitled()
        linked = consignments_service.link(session, acting, now=now)
        dirty.mark_dirty(
            session, linked.touched | dirty.reached_by_hubs(session, acting, linked.moved)
            | _demoted(session, plan))
        for key, n in _identifier_quality(session, winners).items():
            setattr(batch, key, getattr(batch, key) + n)
        report.stored += len(plan.new)
        report.updated += len(plan.replace)
        report.duplicates += plan.duplicates
        if progress:
            progress(start + len(part), len(events))
    _quarantine(session, rejections, source=source, fmt=fmt, batch_id=batch.id, now=now)
    room = MAX_ERRORS_REPORTED - len(report.errors)
    report.errors.extend({"where": r.where, "reason": r.reason} for r in rejections[:max(room, 0)])


def _close(session: Session, report: IngestReport, batch: IngestBatch, *, now: datetime) -> IngestReport:
    """The batch's totals, and its follow-ups queued in its own transaction (jobs: the outbox)."""
    if report.stored or report.updated:
        enqueue_committed(session, batch.id, now=now)
    for key in ("received", "stored", "duplicates", "updated", "quarantined"):
        setattr(batch, key, getattr(report, key))
    return report


BATCH_COMMITTED = "batch.committed"


def enqueue_committed(session: Session, batch_id: int, *, now: datetime) -> None:
    """The outbox row of a batch that stored or changed events, in the batch's own transaction:
    readers subscribe to ``batch.committed`` (case refresh, arrival match; ``bootstrap`` wires
    them) and a worker runs them once the batch has committed. Asked twice, it is one job."""
    jobs.enqueue(session, BATCH_COMMITTED, {"batch_id": batch_id}, now=now,
                 dedupe_key=f"{BATCH_COMMITTED}:{batch_id}")


def open_batch(session: Session, *, source: str, org_id: int | None, fmt: str, channel: str,
               data: bytes, actor: str, now: datetime, filename: str | None = None) -> IngestBatch:
    batch = IngestBatch(
        source=source, org_id=org_id, format=fmt, channel=channel, filename=filename,
        content_sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), received_at=now,
        actor=actor, received=0, stored=0, duplicates=0, updated=0, quarantined=0,
        containers_checked=0, containers_invalid=0, locodes_checked=0, locodes_invalid=0,
    )
    session.add(batch)
    session.flush()
    return batch


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is parsed and stored.

    why: a batch holds ~15 new objects per event until it is stored, and every full collection
    re-scans all of them: a third of the ingest time went to the collector, which finds nothing to
    free here. The collector is switched back on by whoever switched it off (threads that find it
    already off leave it alone), so it is never left off; reference counting still frees memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Digest:
    """A binary stream read through, hashed and counted on the way (the batch's content_sha256)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.sha256, self.size = stream, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def ingest(
    session: Session, *, source: str, org_id: int | None, data: bytes, fmt: str = "auto",
    channel: str, now: datetime, actor: str, filename: str | None = None,
    tz: ZoneInfo = CHINA_TZ, progress: Callable[[int, int], None] | None = None,
    sender: authority.Sender | None = None,
) -> IngestReport:
    """Parse ``data`` and store it as one batch from ``source``. The caller commits.

    A message of up to ``PARSE_AHEAD_BYTES`` (an HTTP batch, a demo send) is parsed whole before the
    batch's first write: on SQLite the write lock is then held only to store, so one server process
    parses a request while another stores its own; a larger one is parsed piece by piece as it is
    stored (``ingest_stream``), in flat memory."""
    return ingest_stream(session, source=source, org_id=org_id, stream=io.BytesIO(data), fmt=fmt,
                         channel=channel, now=now, actor=actor, filename=filename, tz=tz,
                         progress=progress, sender=sender, parse_ahead=len(data) <= PARSE_AHEAD_BYTES)


PARSE_AHEAD_BYTES = 16 * 1024 * 1024


def ingest_stream(
    session: Session, *, source: str, org_id: int | None, stream: BinaryIO, fmt: str = "auto",
    channel: str, now: datetime, actor: str, filename: str | None = None,
    tz: ZoneInfo = CHINA_TZ, progress: Callable[[int, int], None] | None = None,
    sender: authority.Sender | None = None, piece_bytes: int = parsing.PIECE_BYTES,
    parse_ahead: bool = False,
) -> IngestReport:
    """Parse what ``stream`` holds and store it as one batch from ``source``, piece by piece
    (``parsing.parse_stream``): JSON Lines and CSV of any size in flat memory, still one batch in
    the caller's transaction (a crash anywhere leaves nothing; the re-send changes nothing).
    ``progress(done, total)`` counts events: ``total`` is what is known so far (the events of the
    pieces read). With ``parse_ahead`` every piece is parsed before the batch's first write (the
    whole message is then held in memory). The caller commits."""
    read = _Digest(stream)
    with gc_paused():
        head = read.read(parsing.HEAD_BYTES)
        fmt = parsing.detect(head, fmt, whole=len(head) < parsing.HEAD_BYTES)
        results: Iterable[ParseResult] = parsing.parse_stream(head, read, fmt, tz=tz, piece_bytes=piece_bytes)
        if parse_ahead:
            results = _drained(list(results))
        batch = open_batch(session, source=source, org_id=org_id, fmt=fmt, channel=channel,
                           data=b"", actor=actor, now=now, filename=filename)
        report = IngestReport(batch_id=batch.id, format=fmt)
        if sender is None:
            sender = repo.sender(session, source)
        for result in results:
            before = report.received - report.quarantined
            step = (lambda done, total, b=before: progress(b + done, b + total)) if progress else None
            _store_part(session, report, source=source, events=result.events, rejections=result.rejections,
                        fmt=fmt, batch=batch, now=now, progress=step, chunk_size=10_000, sender=sender)
            del result
            gc.collect(1)  # the piece is freed by reference counting; this only sweeps stray cycles
        head = b""
        batch.content_sha256, batch.size_bytes = read.sha256.hexdigest(), read.size
        _close(session, report, batch, now=now)
        session.flush()
    audit_service.record(session, action="ingest_batch.create", entity="ingest_batch",
                         entity_id=str(batch.id), subject_org_id=org_id,
                         after={k: v for k, v in report.as_dict().items() if k != "errors"})
    return report


def _drained(items: list[ParseResult]) -> Iterator[ParseResult]:
    """The pieces in order, each let go of as it is handed out (stored pieces are freed)."""
    items.reverse()
    while items:
        yield items.pop()


@dataclass(frozen=True)
class Send:
    """One partner's message as it arrived: a batch of its own."""

    source: str
    org_id: int | None
    data: bytes
    received_at: datetime
    fmt: str = "auto"
    filename: str | None = None


def ingest_many(session: Session, sends: Sequence[Send], *, channel: str, actor: str,
                tz: ZoneInfo = CHINA_TZ) -> list[IngestReport]:
    """Store several sends in the caller's transaction, each as the batch ``ingest`` would make
    of it (its own ``ingest_batch`` row, received time, event rows, totals, ``batch.committed``
    job and audit entry), with the work a batch does set-based over all of them: one read of a
    source's stored versions and of its sender, one insert per table, one linking, one marking of
    dirty consignments, one look-up of the ports. Linking depends only on which events are stored,
    not on their order (consignments.service), so the outcome is that of ingesting the sends one
    after the other. A source whose event id recurs across the sends (a re-send, a newer version)
    is ingested send by send instead, in order, so that what wins is what would have won."""
    if not sends:
        return []
    with gc_paused():
        parsed = []
        for send in sends:
            fmt = parsing.detect(send.data, send.fmt)
            parsed.append((send, fmt, parsing.parse(send.data, fmt, tz=tz)))
        ids_of: dict[str, set[str]] = {}
        serial: set[str] = set()
        for send, _fmt, result in parsed:
            seen = ids_of.setdefault(send.source, set())
            mine = {e.event_id for e in result.events}
            if seen & mine:
                serial.add(send.source)
            seen |= mine
        if serial:
            return [ingest(session, source=send.source, org_id=send.org_id, data=send.data, fmt=send.fmt,
                           channel=channel, now=send.received_at, actor=actor, filename=send.filename,
                           tz=tz) for send in sends]
        senders = repo.senders(session, ids_of)
        stored = repo.existing_versions_many(session, ids_of)
        ports = {e.port for _s, _f, r in parsed for e in r.events if e.port}
        districts = (repo.port_districts(session, ports)
                     if any(authority.needs_districts(x) for x in senders.values()) else {})
        known = _known_cn_ports(session, ports)
        plans, reports, rows = [], [], []
        for send, fmt, result in parsed:
            plan = _plan(session, send.source, result.events, stored[send.source])
            claims = _judge(session, plan, senders[send.source], districts)
            report = IngestReport(format=fmt, received=len(result.events) + len(result.rejections),
                                  quarantined=len(result.rejections), claims=claims,
                                  stored=len(plan.new), updated=len(plan.replace), duplicates=plan.duplicates)
            report.errors.extend({"where": r.where, "reason": r.reason}
                                 for r in result.rejections[:MAX_ERRORS_REPORTED])
            rows.append({
                "source": send.source, "org_id": send.org_id, "format": fmt, "channel": channel,
                "filename": send.filename, "content_sha256": hashlib.sha256(send.data).hexdigest(),
                "size_bytes": len(send.data), "received_at": send.received_at, "actor": actor,
                "received": report.received, "stored": report.stored, "duplicates": report.duplicates,
                "updated": report.updated, "quarantined": report.quarantined,
                **_identifier_quality(session, plan.winners(), known)})
            plans.append(plan)
            reports.append(report)
        table = IngestBatch.__table__
        # The first row takes the write lock (SQLite) with its own id; the others' ids follow it.
        batch_ids = [session.scalar(insert(table).returning(table.c.id), rows[0])]
        batch_ids += allocate_ids(session, table, len(rows) - 1)
        if len(rows) > 1:
            session.execute(insert(table), [{**row, "id": i} for row, i in zip(rows[1:], batch_ids[1:],
                                                                                strict=True)])
        for report, batch_id in zip(reports, batch_ids, strict=True):
            report.batch_id = batch_id
        _write_many(session, [(p, send.source, b, send.received_at)
                              for p, (send, _f, _r), b in zip(plans, parsed, batch_ids, strict=True)])
        acting = [e for p in plans for e in p.entitled()]
        linked = consignments_service.link(session, acting, now=max(s.received_at for s in sends))
        demoted: set[int] = set()
        for p in plans:
            demoted |= _demoted(session, p)
        reached = dirty.reached_by_hubs(session, acting, linked.moved)
        dirty.mark_dirty(session, linked.touched | reached | demoted)
        for (send, fmt, result), batch_id in zip(parsed, batch_ids, strict=True):
            _quarantine(session, result.rejections, source=send.source, fmt=fmt, batch_id=batch_id,
                        now=send.received_at)
        jobs.enqueue_many(session, BATCH_COMMITTED, [
            ({"batch_id": r.batch_id}, f"{BATCH_COMMITTED}:{r.batch_id}")
            for r in reports if r.stored or r.updated], now=max(s.received_at for s in sends))
    audit_service.record_many(session, [
        {"action": "ingest_batch.create", "entity": "ingest_batch", "entity_id": str(r.batch_id),
         "subject_org_id": send.org_id, "after": {k: v for k, v in r.as_dict().items() if k != "errors"}}
        for r, send in zip(reports, sends, strict=True)])
    return reports


def _write_many(session: Session, parts: Sequence[tuple[_Plan, str, int, datetime]]) -> None:
    """``_write`` for several batches' plans: their new events in one insert per table."""
    fresh = [part for part in parts if part[0].new]
    if fresh:
        out = bulk.Bulk(session)
        pks = allocate_ids(session, Event.__table__, sum(len(p.new) for p, *_x in fresh))
        events: list[tuple] = []
        refs: list[tuple] = []
        calls: list[tuple] = []
        at = 0
        for plan, source, batch_id, now in fresh:
            mine = pks[at:at + len(plan.new)]
            at += len(plan.new)
            e, r = _event_tuples(out, mine, plan.new, source=source, batch_id=batch_id, now=now)
            events += e
            refs += r
            calls += [row for pk, w in zip(mine, plan.new, strict=True)
                      for row in call_event_rows(pk, w.event.milestone.value, w.pairs)]
        out.insert("event", EVENT_COLUMNS, events)
        out.insert("event_ref", REF_COLUMNS, refs)
        out.insert("call_event", CALL_EVENT_COLUMNS, calls)
    for plan, source, batch_id, now in parts:
        if plan.replace:
            _write(session, _Plan(replace=plan.replace), source=source, batch_id=batch_id, now=now)


@dataclass
class RetryReport:
    retried: int = 0
    resolved: int = 0
    still_quarantined: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    batch_ids: list[int] = field(default_factory=list)


def retry_quarantined(
    session: Session, messages: Sequence[QuarantinedMessage], *, actor: str, now: datetime,
    tz: ZoneInfo = CHINA_TZ,
) -> RetryReport:
    """Parse quarantined messages again (after a mapping fix). What now parses is stored as a new
    batch and the message is resolved; what still fails stays, with the newest reason."""
    report = RetryReport()
    for msg in messages:
        if msg.status != "open":
            continue
        report.retried += 1
        data = msg.raw.encode("utf-8")
        result = parsing.parse(data, msg.format, tz=tz)
        msg.retries += 1
        if result.rejections or not result.events:
            reasons = "; ".join(f"{r.where}: {r.reason}" for r in result.rejections) or "no event found"
            msg.reason = reasons
            report.still_quarantined += 1
            continue
        batch = open_batch(session, source=msg.source, org_id=None, fmt=msg.format, channel="retry",
                           data=data, actor=actor, now=now, filename=f"quarantine:{msg.id}")
        stored = store(session, source=msg.source, events=result.events, fmt=msg.format,
                       batch=batch, now=now)
        msg.status, msg.resolved_at, msg.resolved_batch_id = "resolved", now, batch.id
        report.resolved += 1
        report.batch_ids.append(batch.id)
        report.stored += stored.stored
        report.updated += stored.updated
        report.duplicates += stored.duplicates
    session.flush()
    if report.retried:
        audit_service.record(session, action="quarantine.retry", entity="quarantined_message",
                             entity_id=",".join(str(m.id) for m in messages)[:64],
                             after=report.__dict__)
    return report
