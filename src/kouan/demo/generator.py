"""A seeded, living event log for the demo: Liaoning's ports (Dalian mostly, Yingkou, Jinzhou,
Dandong) plus Shanghai for contrast, month by month from 2017-01 to the current month.

Every month holds vessel calls (valid IMO numbers), bills of lading, containers (valid ISO 6346
check digits), manifests from the carrier, discharge / gate-out / 运抵 / loading from the
terminals, declarations from the declarants and inspections and releases from customs, plus a few
ETA (EST) events and, in the current month, a few declarations not yet released.

Calibration: declarations are built *backwards from their release*, so each one lands in the
Beijing month it was generated for, and the durations of a month's Liaoning declarations are
scaled so that the GAC mean per direction follows a declining path from about the national 2017
baseline (97.39 h / 12.29 h) to exactly 39.93 h import and 0.84 h export in 2022-03, then lower.
The last declaration of each Liaoning month and direction absorbs the rounding, so the means are
exact to the microsecond (as tests/clearance/test_kpi.py builds its log).

Size at ``scale=1.0``: about 1,400 events a month, about 168,000 events from 2017-01 to 2026-11
(about 45 s for ``kouan demo`` on 2 cores, SQLite). ``scale`` multiplies the declarations per
month. Output is JSON Lines batches, one per (source, month), so memory stays bounded by a month;
``deliveries`` regroups them as the partners send them: every week, the week's events, received
half an hour after Monday midnight (about 3.5 days' median reporting latency, never more than a
week and half an hour once docked), so the docking status of the demo partners looks real.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kouan.kit.clock import CHINA_TZ
from kouan.kit.ids import iso6346_check_digit

FIRST_MONTH = "2017-01"
ANCHOR_MONTH, ANCHOR_IMPORT_H, ANCHOR_EXPORT_H = "2022-03", 39.93, 0.84
BASELINE_IMPORT_H, BASELINE_EXPORT_H = 97.39, 12.29
# Start above the baseline so that 2017 as a whole averages about the national 2017 figure.
START_IMPORT_H, START_EXPORT_H = BASELINE_IMPORT_H * 1.09, BASELINE_EXPORT_H * 1.3
DECLARATIONS_PER_MONTH = 75  # per direction at scale 1.0
CARRIER, DECLARANTS = "COSCO", ("DLBROKER", "DLBROKER", "LNTRADE")
OWNER_CODES = ("CSNU", "CBHU", "CCLU", "TGHU", "FCIU", "TCNU")
# The partners send the week's events every Monday, this long after midnight (Beijing time).
SEND_DELAY = timedelta(minutes=30)


@dataclass(frozen=True)
class Port:
    locode: str
    terminal: str  # source code of the terminal operator's feed
    customs: str  # source code of the customs feed
    office: str  # customs office: the declaration number's first four digits
    liaoning: bool
    weight: float  # share of the month's declarations
    imports: tuple[str, ...]  # typical 10-digit China HS codes
    exports: tuple[str, ...]


PORTS: tuple[Port, ...] = (
    Port("CNDAL", "DCT", "DLCUS", "0908", True, 0.55,
         ("2601111000", "1201901000", "2709000000", "1005900000", "0303890090", "8429521200",
          "8483109000", "2204210000"),
         ("8708299000", "7210490000", "0304870090", "8413709990", "9403600000", "2710199100")),
    Port("CNYIK", "YKCT", "DLCUS", "0910", True, 0.18,
         ("2601111000", "2701121000", "1201901000", "8431499900"),
         ("7208510000", "7210490000", "3102100010", "6907220000")),
    Port("CNJNZ", "JZPT", "DLCUS", "0940", True, 0.07,
         ("1005900000", "2709000000", "2603000010"), ("2804619000", "1005900000", "7601100000")),
    Port("CNDDG", "DDPT", "DLCUS", "0930", True, 0.07,
         ("4403990090", "0307430000", "2601111000"), ("0304870090", "6203430000", "8708299000")),
    # Outside Liaoning: the KPI by province must leave it out.
    Port("CNSHA", "SIPG", "SHCUS", "2248", False, 0.13,
         ("8471500000", "8703234110", "3004909099", "8542319000"),
         ("8517130000", "8471300000", "6110200000", "9401790000")),
)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def index(self) -> int:
        return (self.year - 2017) * 12 + self.month - 1

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=CHINA_TZ)

    @property
    def end(self) -> datetime:
        y, m = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(y, m, 1, tzinfo=CHINA_TZ)


def parse_month(label: str) -> Month:
    y, m = label.split("-")
    return Month(int(y), int(m))


def months(first: str, last: str) -> list[Month]:
    out, m = [], parse_month(first)
    stop = parse_month(last)
    while (m.year, m.month) <= (stop.year, stop.month):
        out.append(m)
        m = Month(m.year + (m.month == 12), 1 if m.month == 12 else m.month + 1)
    return out


ANCHOR_INDEX = parse_month(ANCHOR_MONTH).index


def targets(m: Month, rng: random.Random) -> tuple[float, float]:
    """Liaoning's mean GAC hours (import, export) for a month: a geometric decline to the 2022-03
    figures, exact in that month, a gentle further decline after, a little month-to-month noise."""
    t = m.index
    if t == ANCHOR_INDEX:
        return ANCHOR_IMPORT_H, ANCHOR_EXPORT_H
    if t < ANCHOR_INDEX:
        f = t / ANCHOR_INDEX
        imp = START_IMPORT_H * (ANCHOR_IMPORT_H / START_IMPORT_H) ** f
        exp = START_EXPORT_H * (ANCHOR_EXPORT_H / START_EXPORT_H) ** f
    else:
        imp = ANCHOR_IMPORT_H * 0.995 ** (t - ANCHOR_INDEX)
        exp = ANCHOR_EXPORT_H * 0.996 ** (t - ANCHOR_INDEX)
    noise = max(0.9, min(1.1, 1 + rng.gauss(0, 0.035)))
    return imp * noise, exp * noise


def advance_share(m: Month, direction: str) -> float:
    """Advance declaration took off with the 2018-2019 reforms; Dalian exports reached ~74 % in 2022."""
    x = min(1.0, max(0.0, (m.index - 6) / (ANCHOR_INDEX - 6)))
    lo, hi = (0.08, 0.74) if direction == "E" else (0.12, 0.52)
    late = max(0, m.index - ANCHOR_INDEX) * 0.002
    return min(0.85, lo + (hi - lo) * x + late)


def two_step_share(m: Month) -> float:
    """Two-step declaration: piloted from 2019-08, about three times as common in 2022 as in 2021."""
    if (m.year, m.month) < (2019, 8):
        return 0.0
    return {2019: 0.01, 2020: 0.025, 2021: 0.04, 2022: 0.12}.get(m.year, 0.14)


@dataclass
class Declaration:
    number: str
    port: Port
    direction: str
    release: datetime
    hours: float  # the wanted duration; ``start`` and ``release`` make it real
    inspected: bool
    advance: bool
    modes: list[str]
    hs_code: str
    start: datetime | None = None
    call: str | None = None
    arrived: datetime | None = None  # the vessel's actual arrival at the call (imports)


@dataclass
class _Batch:
    """One month's generation state: its random stream, serial counters and events by source."""

    m: Month
    rng: random.Random
    now: datetime
    events: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    serial: int = 0
    boxes: int = 0

    def next_serial(self) -> int:
        # Serials are unique across months (month index in the high digits) so that a month range
        # generated alone gives the same months as the full log.
        self.serial += 1
        return self.m.index * 20000 + self.serial

    def box(self) -> str:
        # ISO 6346 serials have six digits: a month gets its own block of 8,000 (enough up to
        # scale ~20), so no container is reused and each trip is its own consignment.
        self.boxes += 1
        body = f"{self.rng.choice(OWNER_CODES)}{self.m.index * 8000 + self.boxes:06d}"
        return body + str(iso6346_check_digit(body))

    def add(self, source: str, milestone: str, at: datetime, port: Port, refs: dict,
            attrs: dict | None = None, classifier: str = "ACT") -> None:
        if classifier == "ACT" and at > self.now:
            return  # the future has not happened yet (current month)
        key = next(iter(refs.values()))
        key = key[0] if isinstance(key, list) else key
        e = {"event_id": f"{milestone.lower()}-{classifier.lower()}-{key}", "milestone": milestone,
             "occurred_at": at.isoformat(), "port": port.locode, "refs": refs}
        if classifier != "ACT":
            e["classifier"] = classifier
        if attrs:
            e["attrs"] = attrs
        self.events[source].append(e)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


def imo_number(rng: random.Random) -> str:
    body = f"9{rng.randrange(100000, 999999):06d}"[:6]
    check = sum(int(d) * w for d, w in zip(body, range(7, 1, -1), strict=True)) % 10
    return body + str(check)


def fleet(seed: int) -> list[str]:
    rng = random.Random(f"{seed}/fleet")
    return [imo_number(rng) for _ in range(36)]


def _modes(b: _Batch, direction: str, advance: bool, inspected: bool) -> list[str]:
    """The declaration's facilitation modes; the first is the one analytics group by."""
    r, modes = b.rng, []
    if direction == "I" and r.random() < two_step_share(b.m):
        modes.append("two_step")
    if direction == "I" and b.m.year >= 2020 and r.random() < 0.04:
        modes.append("two_stage_admission")
    if direction == "I" and b.m.year >= 2018 and r.random() < 0.05:
        modes.append("ship_side_pickup")
    if inspected and b.m.year >= 2019 and r.random() < 0.3:
        modes.append("release_before_inspection")
    if r.random() < 0.02:
        modes.append("conditional_removal")
    if advance:
        modes.append("advance")
    return modes or ["standard"]


def _declaration(b: _Batch, direction: str, window: tuple[datetime, datetime]) -> Declaration:
    r = b.rng
    port = r.choices(PORTS, weights=[p.weight for p in PORTS])[0]
    lo, hi = window
    release = lo + timedelta(seconds=round(r.uniform(0, (hi - lo).total_seconds())))
    inspected = r.random() < 0.04
    advance = r.random() < advance_share(b.m, direction)
    flag = "1" if direction == "I" else "0"
    number = f"{port.office}{b.m.year}{flag}{b.next_serial():09d}"
    want = r.lognormvariate(0, 0.55 if direction == "I" else 0.8) * (2.5 if inspected else 1.0)
    return Declaration(number, port, direction, release, want, inspected, advance,
                       _modes(b, direction, advance, inspected),
                       r.choice(port.imports if direction == "I" else port.exports))


def release_window(m: Month, now: datetime) -> tuple[datetime, datetime]:
    # An hour clear of the month's ends, so the calibration nudge cannot cross into a neighbour.
    hi = min(m.end, now - hours(2)) - hours(1)
    return m.start + hours(1), max(hi, m.start + hours(1))


def scale_to(decls: list[Declaration], mean_h: float) -> None:
    total = sum(d.hours for d in decls)
    for d in decls:
        d.hours *= mean_h * len(decls) / total


def _group_calls(decls: list[Declaration]) -> list[list[Declaration]]:
    """Imports of one port on common vessel calls. A call's entry is the mean of its declarations'
    wanted starts, so the month's total duration is unchanged; the span is kept small against the
    shortest duration so that no release comes before its call's entry."""
    groups: list[list[Declaration]] = []
    for d in sorted(decls, key=lambda d: (d.release - hours(d.hours), d.number)):
        g = groups[-1] if groups else None
        if g and len(g) < 8:
            first = g[0].release - hours(g[0].hours)
            span = (d.release - hours(d.hours) - first) / timedelta(hours=1)
            if span <= 0.3 * min(x.hours for x in (*g, d)):
                g.append(d)
                continue
        groups.append([d])
    return groups


def _calls(b: _Batch, decls: list[Declaration], vessels: list[str]) -> None:
    """Vessel calls for the imports: entry declared (agent), arrival / departure (terminal), ETA."""
    for port in PORTS:
        for n, group in enumerate(_group_calls([d for d in decls if d.port is port])):
            offsets = [(d.release - hours(d.hours) - b.m.start).total_seconds() for d in group]
            entry = b.m.start + timedelta(seconds=round(sum(offsets) / len(offsets)))
            key = f"{b.rng.choice(vessels)}/{b.m.year % 100:02d}{b.m.month:02d}{n:02d}N/{port.locode}"
            arrived = entry + hours(b.rng.uniform(1, 6))
            for d in group:
                d.start, d.call, d.arrived = entry, key, arrived
            b.add(CARRIER, "TRANSPORT_ENTRY_DECLARED", entry, port, {"transport_call": key})
            b.add(CARRIER, "TRANSPORT_ARRIVED", entry - hours(72), port, {"transport_call": key},
                  classifier="EST")
            b.add(port.terminal, "TRANSPORT_ARRIVED", arrived, port, {"transport_call": key})
            b.add(port.terminal, "TRANSPORT_DEPARTED", arrived + hours(b.rng.uniform(14, 40)), port,
                  {"transport_call": key})


def _exact(decls: list[Declaration], mean_h: float) -> None:
    """Move the month's last release so the mean duration is the target to the microsecond."""
    if not decls:
        return
    last = max(decls, key=lambda d: (d.release, d.number))
    total = timedelta(microseconds=round(mean_h * 3_600_000_000 * len(decls)))
    others = sum((d.release - d.start for d in decls if d is not last), timedelta())
    last.release = last.start + (total - others)


def _lodged_attrs(d: Declaration) -> dict:
    return {"facilitation_modes": d.modes, "hs_code": d.hs_code}


def _customs(b: _Batch, d: Declaration, lodged: datetime, boxes: list[str]) -> None:
    """Inspection (a few per cent), release, and the two-step completion."""
    refs = {"declaration": d.number}
    if d.inspected:
        span = (d.release - lodged).total_seconds()
        ordered = lodged + timedelta(seconds=span * 0.2)
        method = b.rng.choice(["machine", "manual", "machine"])
        b.add(d.port.customs, "INSPECTION_ORDERED", ordered, d.port, {**refs, "container": boxes},
              {"inspection_method": method})
        b.add(d.port.customs, "INSPECTION_DONE", ordered + timedelta(seconds=span * 0.6), d.port,
              {**refs, "container": boxes}, {"inspection_method": method, "result": "ok"})
    b.add(d.port.customs, "CUSTOMS_RELEASED", d.release, d.port, refs)
    if "two_step" in d.modes:
        b.add(b.rng.choice(DECLARANTS), "DECLARATION_COMPLETED",
              d.release + hours(b.rng.uniform(48, 400)), d.port, refs)


def _import_events(b: _Batch, d: Declaration) -> None:
    assert d.start is not None and d.call is not None
    r, port = b.rng, d.port
    bl = f"COSU{b.next_serial():010d}"
    boxes = [b.box() for _ in range(r.choice((1, 1, 1, 2, 2, 3)))]
    b.add(CARRIER, "MANIFEST_FILED", d.start - hours(r.uniform(24, 96)), port,
          {"bill_of_lading": bl, "transport_call": d.call, "container": boxes})
    span = d.release - d.start
    lodged = d.start - hours(r.uniform(2, 48)) if d.advance else d.start + span * r.uniform(0.05, 0.5)
    b.add(r.choice(DECLARANTS), "DECLARATION_LODGED", lodged, port,
          {"declaration": d.number, "bill_of_lading": bl}, _lodged_attrs(d))
    for box in boxes:
        # discharged after the vessel arrived, never before (the same one draw as ever: the log's
        # other times, and so its headline figures, do not move)
        b.add(port.terminal, "DISCHARGED", (d.arrived or d.start) + hours(r.uniform(3, 13)), port,
              {"container": box, "bill_of_lading": bl, "transport_call": d.call})
        b.add(port.terminal, "GATE_OUT", d.release + hours(r.uniform(3, 72)), port,
              {"container": box, "bill_of_lading": bl})
    _customs(b, d, lodged, boxes)


def _export_events(b: _Batch, d: Declaration, vessels: list[str]) -> None:
    """运抵 of every container and lodgement, the later of which starts the clock, then loading."""
    assert d.start is not None  # set, and made exact, by generate_month
    r, port = b.rng, d.port
    booking = f"BK{b.next_serial():010d}"
    boxes = [b.box() for _ in range(r.choice((1, 1, 2, 2, 3)))]
    if d.advance:  # lodged before any goods arrived; the last container's 运抵 starts the clock
        lodged, last_in = d.start - hours(r.uniform(6, 72)), d.start
    else:  # goods all in; the lodgement starts the clock
        lodged, last_in = d.start, d.start - hours(r.uniform(0.5, 24))
    arrivals = [last_in] + [last_in - hours(r.uniform(0.5, 20)) for _ in boxes[1:]]
    if d.advance:  # every container after the lodgement
        arrivals = [max(a, lodged + hours(0.25)) for a in arrivals]
    b.add(r.choice(DECLARANTS), "DECLARATION_LODGED", lodged, port,
          {"declaration": d.number, "booking": booking, "container": boxes}, _lodged_attrs(d))
    call = f"{r.choice(vessels)}/{b.m.year % 100:02d}{b.m.month:02d}{r.randrange(40):02d}S/{port.locode}"
    for box, at in zip(boxes, arrivals, strict=True):
        b.add(port.terminal, "GOODS_ARRIVED_AT_PORT", at, port, {"container": box, "booking": booking})
        b.add(port.terminal, "LOADED", d.release + hours(r.uniform(2, 36)), port,
              {"container": box, "transport_call": call})
    _customs(b, d, lodged, boxes)


def _open_declarations(b: _Batch, count: int) -> None:
    """The current month's few declarations still waiting for release: open cases, never averaged."""
    for _ in range(count):
        d = _declaration(b, b.rng.choice("IE"), (b.m.start, b.now))
        lodged = b.now - hours(b.rng.uniform(1, 30))
        doc = ("bill_of_lading", "COSU") if d.direction == "I" else ("booking", "BK")
        b.add(b.rng.choice(DECLARANTS), "DECLARATION_LODGED", lodged, d.port,
              {"declaration": d.number, doc[0]: f"{doc[1]}{b.next_serial():010d}"}, _lodged_attrs(d))


def generate_month(m: Month, *, seed: int, scale: float, now: datetime,
                   vessels: list[str]) -> dict[str, list[dict]]:
    """One month's events by source. Depends only on (seed, month, scale, now)."""
    b = _Batch(m, random.Random(f"{seed}/{m.label}"), now)
    imp_h, exp_h = targets(m, b.rng)
    n = max(4, round(DECLARATIONS_PER_MONTH * scale * (1 + 0.004 * m.index)))
    window = release_window(m, now)
    decls = {x: [_declaration(b, x, window) for _ in range(n)] for x in "IE"}
    for x, mean_h in (("I", imp_h), ("E", exp_h)):
        # Liaoning exactly on its path; Shanghai a little slower, like the national average.
        scale_to([d for d in decls[x] if d.port.liaoning], mean_h)
        scale_to([d for d in decls[x] if not d.port.liaoning], mean_h * 1.05)
    _calls(b, decls["I"], vessels)
    for d in decls["E"]:
        d.start = d.release - timedelta(seconds=round(d.hours * 3600))
    _exact([d for d in decls["I"] if d.port.liaoning], imp_h)
    _exact([d for d in decls["E"] if d.port.liaoning], exp_h)
    for d in decls["I"]:
        _import_events(b, d)
    for d in decls["E"]:
        _export_events(b, d, vessels)
    if m.end > now:
        _open_declarations(b, max(3, round(6 * scale)))
    return b.events


def _jsonl(rows: list[dict]) -> bytes:
    rows = sorted(rows, key=lambda e: (e["occurred_at"], e["event_id"]))
    return ("\n".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in rows) + "\n").encode()


def batches(*, seed: int = 2022, scale: float = 1.0, now: datetime, first_month: str = FIRST_MONTH,
            last_month: str | None = None) -> Iterator[tuple[str, str, bytes]]:
    """(source, month, JSON Lines) batches, month by month, each source's events in time order."""
    last = last_month or now.astimezone(CHINA_TZ).strftime("%Y-%m")
    vessels = fleet(seed)
    for m in months(first_month, last):
        by_source = generate_month(m, seed=seed, scale=scale, now=now, vessels=vessels)
        for source in sorted(by_source):
            yield source, m.label, _jsonl(by_source[source])


def received_at(occurred: datetime, *, docked: datetime, now: datetime) -> datetime:
    """When a partner's weekly send brings an event: ``SEND_DELAY`` after the Monday midnight
    (Beijing time) that ends the week it occurred in. What happened before the partner docked
    comes in the send it docked with; nothing comes after ``now`` (this week's events so far)."""
    if occurred < docked:
        at = docked
    else:
        day = occurred.astimezone(CHINA_TZ).date()
        monday = day + timedelta(days=7 - day.weekday())
        at = datetime(monday.year, monday.month, monday.day, tzinfo=CHINA_TZ)
    return min(at + SEND_DELAY, now)


def deliveries(*, seed: int = 2022, scale: float = 1.0, now: datetime, first_month: str = FIRST_MONTH,
               last_month: str | None = None) -> Iterator[tuple[str, str, datetime, bytes]]:
    """The events of ``batches`` as the partners send them, docked at the start of ``first_month``:
    (source, month received, received at, JSON Lines), one batch per source and weekly send (see
    ``received_at``), in the order received. A month's log reaches a few weeks into its neighbours
    (manifests before the call, two-step completions after the release), so a send is held until
    the months generated after it can add nothing to it (they reach back less than a month)."""
    docked = parse_month(first_month).start
    pending: dict[tuple[datetime, str], list[dict]] = defaultdict(list)

    def release(before: datetime | None) -> Iterator[tuple[str, str, datetime, bytes]]:
        for at, source in sorted(k for k in pending if before is None or k[0] < before):
            month = at.astimezone(CHINA_TZ).strftime("%Y-%m")
            yield source, month, at, _jsonl(pending.pop((at, source)))

    last = last_month or now.astimezone(CHINA_TZ).strftime("%Y-%m")
    vessels = fleet(seed)
    for m in months(first_month, last):
        for source, rows in generate_month(m, seed=seed, scale=scale, now=now, vessels=vessels).items():
            for e in rows:
                occurred = datetime.fromisoformat(e["occurred_at"])
                pending[(received_at(occurred, docked=docked, now=now), source)].append(e)
        yield from release(m.start)
    yield from release(None)
