"""A seeded generator of realistic canonical JSON Lines for the ingestion benchmark.

Consignments (import and export) each carry a declaration, a bill of lading and 1-3 containers
(valid ISO 6346 check digits) and travel on vessel calls that many B/Ls share. Milestones follow
shared/DESIGN.md; some events are estimates (EST). The stream is ordered roughly by when partners
would send it (so one consignment's events spread over several files), then ~2 % of lines are
re-sent verbatim, ~0.5 % come again as a newer version and ~0.2 % are bad lines.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kouan.kit.ids import iso6346_check_digit

BASE = datetime.fromisoformat("2022-03-01T00:00:00+08:00")
PORTS = ("CNDAL", "CNDAL", "CNDAL", "CNYIK", "CNYIK", "CNDDG", "CNJNZ")
OWNERS = ("CSQU", "MSKU", "COSU", "OOLU", "TGHU", "CMAU", "EGHU", "HLXU", "TCNU", "SEGU")
LINES = ("COSU", "MAEU", "OOLU", "CMDU", "EGLV", "HLCU", "ONEY", "ZIMU")
HS = ("8471300000", "8517120000", "6110200000", "9403600000", "2709000000", "8703239000")
DUP_RATE, VERSION_RATE, BAD_RATE = 0.02, 0.005, 0.002
BAD_LINES = (
    '{"event_id": "bad-json", "milestone": "GATE_OUT"',
    '{"event_id": "bad-%d", "milestone": "GATE_OUT", "occurred_at": "2022-03-01"}',
    '{"event_id": "bad-%d", "milestone": "GATE_OUT", "occured_at": "2022-03-01T08:00:00+08:00"}',
    '{"event_id": "bad-%d", "milestone": "CUSTOMS_RELEASED", "occurred_at": '
    '"2022-03-01T08:00:00+08:00", "refs": {"declaration": "0900202210000123"}}',
)


@dataclass
class Call:
    key: str
    port: str
    arrival: datetime


@dataclass
class Stream:
    """Generated lines in sending order, with what they contain."""

    lines: list[str] = field(default_factory=list)
    unique_events: int = 0
    duplicates: int = 0
    versions: int = 0
    bad: int = 0
    consignments: int = 0
    calls: int = 0


def container(rng: random.Random) -> str:
    head = rng.choice(OWNERS) + f"{rng.randrange(10**6):06d}"
    return head + str(iso6346_check_digit(head))


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _event(eid: str, milestone: str, at: datetime, sent: datetime, **kw: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"event_id": eid, "milestone": milestone, "occurred_at": _iso(at),
                           "recorded_at": _iso(sent)}
    refs = {k: kw.pop(k) for k in ("declaration", "bill_of_lading", "container", "transport_call")
            if k in kw}
    rec.update(kw)
    rec["refs"] = refs
    return rec


def _calls(rng: random.Random, n: int) -> list[Call]:
    calls = []
    for i in range(n):
        port = rng.choice(PORTS)
        imo = f"9{rng.randrange(10**6):06d}"
        voyage = f"{2200 + i % 90:04d}{rng.choice('NSEW')}"
        arrival = BASE + timedelta(hours=rng.uniform(0, 24 * 60))
        calls.append(Call(f"{imo}/{voyage}/{port}", port, arrival))
    return calls


def _call_events(rng: random.Random, c: Call, i: int) -> Iterator[tuple[datetime, dict]]:
    """Entry declaration, an estimate of the arrival, the arrival and the departure."""
    pre = c.arrival - timedelta(hours=rng.uniform(2, 12))
    yield pre, _event(f"C{i}-ENT", "TRANSPORT_ENTRY_DECLARED", pre, pre, transport_call=c.key,
                      port=c.port)
    est = c.arrival + timedelta(minutes=rng.uniform(-90, 90))
    early = c.arrival - timedelta(days=2)
    yield early, _event(f"C{i}-ETA", "TRANSPORT_ARRIVED", est, early, classifier="EST",
                        transport_call=c.key, port=c.port)
    yield c.arrival, _event(f"C{i}-ARR", "TRANSPORT_ARRIVED", c.arrival, c.arrival,
                            transport_call=c.key, port=c.port)
    dep = c.arrival + timedelta(hours=rng.uniform(18, 40))
    yield dep, _event(f"C{i}-DEP", "TRANSPORT_DEPARTED", dep, dep, transport_call=c.key, port=c.port)


def _import(rng: random.Random, k: int, c: Call) -> Iterator[tuple[datetime, dict]]:
    decl, bl = f"0900{c.arrival.year}1{k:09d}", f"{rng.choice(LINES)}{k:010d}"
    boxes = [container(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    attrs = {"hs_code": rng.choice(HS), "mode": rng.choice(("advance", "two_step", "regular"))}
    mf = c.arrival - timedelta(hours=rng.uniform(24, 48))
    yield mf, _event(f"M{k}", "MANIFEST_FILED", mf, mf, bill_of_lading=bl, transport_call=c.key,
                     container=boxes, port=c.port, direction="I")
    lodged = c.arrival + timedelta(hours=rng.uniform(-20, 10))
    yield lodged, _event(f"D{k}", "DECLARATION_LODGED", lodged, lodged, declaration=decl,
                         bill_of_lading=bl, port=c.port, direction="I", attrs=attrs)
    released = max(lodged, c.arrival) + timedelta(hours=rng.expovariate(1 / 20))
    if rng.random() < 0.1:
        yield lodged, _event(f"I{k}", "INSPECTION_ORDERED", lodged + timedelta(hours=1), lodged,
                             declaration=decl, container=boxes[0], port=c.port)
    yield released, _event(f"R{k}", "CUSTOMS_RELEASED", released, released, declaration=decl,
                           port=c.port, direction="I")
    for j, box in enumerate(boxes):
        disc = c.arrival + timedelta(hours=rng.uniform(1, 12))
        yield disc, _event(f"X{k}-{j}", "DISCHARGED", disc, disc, container=box,
                           transport_call=c.key, port=c.port)
        out = released + timedelta(hours=rng.uniform(2, 48))
        if rng.random() < 0.2:
            yield released, _event(f"E{k}-{j}", "GATE_OUT", out, released, classifier="EST",
                                   container=box, port=c.port)
        yield out, _event(f"G{k}-{j}", "GATE_OUT", out, out, container=box, port=c.port)


def _export(rng: random.Random, k: int, c: Call) -> Iterator[tuple[datetime, dict]]:
    decl, bl = f"0900{c.arrival.year}0{k:09d}", f"{rng.choice(LINES)}{k:010d}"
    boxes = [container(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    lodged = c.arrival - timedelta(hours=rng.uniform(24, 72))
    yield lodged, _event(f"D{k}", "DECLARATION_LODGED", lodged, lodged, declaration=decl,
                         bill_of_lading=bl, port=c.port, direction="E",
                         attrs={"hs_code": rng.choice(HS)})
    released = lodged + timedelta(hours=rng.expovariate(1))
    yield released, _event(f"R{k}", "CUSTOMS_RELEASED", released, released, declaration=decl,
                           port=c.port, direction="E")
    for j, box in enumerate(boxes):
        gate_in = c.arrival - timedelta(hours=rng.uniform(10, 72))
        yield gate_in, _event(f"A{k}-{j}", "GOODS_ARRIVED_AT_PORT", gate_in, gate_in, container=box,
                              bill_of_lading=bl, port=c.port, direction="E")
        loaded = c.arrival + timedelta(hours=rng.uniform(2, 16))
        yield loaded, _event(f"L{k}-{j}", "LOADED", loaded, loaded, container=box,
                             bill_of_lading=bl, transport_call=c.key, port=c.port)


def _unique_events(rng: random.Random, wanted: int, stream: Stream) -> list[tuple[datetime, dict]]:
    calls = _calls(rng, max(4, wanted // 1200))
    out: list[tuple[datetime, dict]] = []
    for i, c in enumerate(calls):
        out.extend(_call_events(rng, c, i))
    k = 0
    while len(out) < wanted:
        maker = _import if rng.random() < 0.6 else _export
        out.extend(maker(rng, k, rng.choice(calls)))
        k += 1
    stream.calls, stream.consignments = len(calls), k
    out = out[:wanted]
    out.sort(key=lambda pair: pair[0])  # sending order: when the partner recorded it
    return out


def _newer(rec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    sent = datetime.fromisoformat(rec["recorded_at"]) + timedelta(hours=rng.uniform(1, 6))
    return {**rec, "recorded_at": _iso(sent), "version": _iso(sent),
            "attrs": {**rec.get("attrs", {}), "remark": "corrected by the sender"}}


def generate(n: int, *, seed: int = 2022) -> Stream:
    """About ``n`` lines (unique events, re-sends, newer versions and bad lines)."""
    rng = random.Random(seed)
    stream = Stream()
    extras = {"dup": round(n * DUP_RATE), "ver": round(n * VERSION_RATE), "bad": round(n * BAD_RATE)}
    unique = _unique_events(rng, n - sum(extras.values()), stream)
    lines = [json.dumps(rec, ensure_ascii=False, separators=(",", ":")) for _t, rec in unique]
    late: list[tuple[int, str]] = []  # (insert after position, line)
    for _ in range(extras["dup"]):
        i = rng.randrange(len(lines))
        late.append((min(len(lines), i + rng.randrange(1, 60_000)), lines[i]))
    for _ in range(extras["ver"]):
        i = rng.randrange(len(unique))
        line = json.dumps(_newer(unique[i][1], rng), ensure_ascii=False, separators=(",", ":"))
        late.append((min(len(lines), i + rng.randrange(1, 60_000)), line))
    for b in range(extras["bad"]):
        late.append((rng.randrange(len(lines)), rng.choice(BAD_LINES).replace("%d", str(b))))
    late.sort(key=lambda pair: pair[0])
    stream.lines = _merge(lines, late)
    stream.unique_events, stream.duplicates = len(unique), extras["dup"]
    stream.versions, stream.bad = extras["ver"], extras["bad"]
    return stream


def _merge(lines: list[str], late: list[tuple[int, str]]) -> list[str]:
    out: list[str] = []
    j = 0
    for i, line in enumerate(lines):
        while j < len(late) and late[j][0] <= i:
            out.append(late[j][1])
            j += 1
        out.append(line)
    out.extend(line for _pos, line in late[j:])
    return out


def split(lines: list[str], size: int) -> list[bytes]:
    return [("\n".join(lines[i : i + size]) + "\n").encode() for i in range(0, len(lines), size)]


def write_files(lines: list[str], directory: Path, size: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, blob in enumerate(split(lines, size)):
        path = directory / f"feed-{i:03d}.jsonl"
        path.write_bytes(blob)
        paths.append(path)
    return paths

