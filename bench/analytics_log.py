"""A seeded, vectorised event log for the analytics benchmark (``python -m bench.kpi``).

Import and export consignments, each with one declaration, one bill of lading and 1-3 containers
(valid ISO 6346 check digits, never reused), travel on vessel calls that ~150 consignments share,
over 24 months (2021-2022, Beijing time). The milestones are those the GAC clock reads and the ones
around it:

- call: ``TRANSPORT_ENTRY_DECLARED`` (missing on 8 % of calls: the clock falls back to the
  arrival), an estimated arrival (``EST``), ``TRANSPORT_ARRIVED``, ``TRANSPORT_DEPARTED``;
- import: ``MANIFEST_FILED`` (B/L + call), ``DECLARATION_LODGED`` (declaration + B/L, with the
  HS code and facilitation mode), ``CUSTOMS_RELEASED``, per container ``DISCHARGED`` (+ call)
  and ``GATE_OUT``, estimates of release and gate-out;
- export: ``DECLARATION_LODGED``, ``CUSTOMS_RELEASED``, per container ``GOODS_ARRIVED_AT_PORT``
  and ``LOADED`` (+ call); 15 % are released before all goods arrived (a clamped, zero-hour case).

3 % of declarations are never released (only an estimate exists): open cases. The raw log (what
partners sent, written to Parquet) also holds ~2 % re-sent duplicate lines and, for ~0.5 % of the
events, a newer version of a release that moves its time by up to three hours: a baseline that
does not keep the newest version per event id gets different figures.

``Log.events`` is what Kouan's store keeps after ingestion (one row per event id, the newest
version), with ``refs``, ``members`` and ``hubs`` as the linker would write them; the benchmark
bulk-loads them (``bench.analytics_store``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BASE_US = int(datetime.fromisoformat("2021-01-01T00:00:00+08:00").timestamp()) * 1_000_000
SPAN_US = 730 * 86_400 * 1_000_000
H = 3_600_000_000  # microseconds per hour
PORTS = ("CNDAL", "CNDAL", "CNDAL", "CNYIK", "CNYIK", "CNDDG", "CNJNZ", "CNPAJ", "CNHUD")
OWNERS = ("CSQU", "MSKU", "COSU", "OOLU", "TGHU", "CMAU", "EGHU", "HLXU", "TCNU", "SEGU")
LINES = ("COSU", "MAEU", "OOLU", "CMDU", "EGLV", "HLCU", "ONEY", "ZIMU")
HS = ("8471300000", "8517120000", "6110200000", "9403600000", "2709000000", "8703239000", "2601110000")
MODES = ("standard", "advance", "two_step", "advance", "aeo")
EVENTS_PER_CONSIGNMENT = 6.6  # measured on the generator's own output
CONSIGNMENTS_PER_CALL = 150
KIND_ORDER = ("bill_of_lading", "container", "declaration", "transport_call")  # refs sorted by kind
STORE_COLUMNS = ("event_id", "milestone", "classifier", "occurred_us", "recorded_us", "version_us",
                 "port", "direction", *KIND_ORDER, "attrs")


@dataclass
class Log:
    raw: pa.Table  # every line partners sent: originals, re-sent duplicates, newer versions
    events: pa.Table  # what the store keeps: one row per event id (its newest version)
    members: pa.Table  # consignment_member rows
    hubs: pa.Table  # consignment_hub rows
    consignments: int
    calls: int
    duplicates: int
    versions: int


def _s(values: np.ndarray | list) -> pa.Array:
    return pa.array(values, pa.string())


def _pad(n: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(n), pa.string()), width, "0")


def _join(*parts: object) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _owner_value(owner: str) -> int:
    total = 0
    for i, ch in enumerate(owner):
        v = ord(ch) - ord("A") + 10
        v += (v - 1) // 10 if v > 10 else 0
        total += v * 2**i
    return total


def containers(g: np.ndarray) -> pa.Array:
    """Unique ISO 6346 numbers for box indexes ``g`` (owner by g % 10, serial g // 10)."""
    owner = g % len(OWNERS)
    serial = g // len(OWNERS)
    total = np.array([_owner_value(o) for o in OWNERS])[owner]
    for i in range(6):
        total = total + (serial // 10 ** (5 - i)) % 10 * 2 ** (4 + i)
    check = total % 11 % 10
    return _join(pa.array(np.array(OWNERS)[owner]), _pad(serial, 6), pc.cast(pa.array(check), pa.string()))


def _seconds(us: np.ndarray) -> np.ndarray:
    """Partners report whole seconds."""
    return np.asarray(us).astype(np.int64) // 1_000_000 * 1_000_000


class _Parts:
    """Event rows of one kind at a time, concatenated at the end."""

    def __init__(self) -> None:
        self.tables: list[pa.Table] = []

    def add(self, eid: pa.Array, cid: np.ndarray, milestone: str, occurred: np.ndarray, *,
            classifier: str = "ACT", recorded: np.ndarray | None = None, port: pa.Array,
            direction: pa.Array | None = None, attrs: pa.Array | None = None,
            **refs: pa.Array) -> None:
        n = len(cid)
        nulls = pa.nulls(n, pa.string())
        occurred = _seconds(occurred)
        recorded = occurred if recorded is None else _seconds(recorded)
        self.tables.append(pa.table({
            "event_id": eid, "cid": pa.array(cid, pa.int64()),
            "milestone": pa.array([milestone] * n, pa.string()),
            "classifier": pa.array([classifier] * n, pa.string()),
            "occurred_us": pa.array(occurred, pa.int64()),
            "recorded_us": pa.array(recorded, pa.int64()),
            "version_us": pa.nulls(n, pa.int64()),
            "port": port, "direction": direction if direction is not None else nulls,
            **{k: refs.get(k, nulls) for k in KIND_ORDER},
            "attrs": attrs if attrs is not None else pa.array(["{}"] * n, pa.string()),
        }))

    def table(self) -> pa.Table:
        return pa.concat_tables(self.tables)


def generate(n_events: int, *, seed: int = 2022) -> Log:
    """About ``n_events`` unique events, plus re-sent duplicates and newer versions in ``raw``."""
    rng = np.random.default_rng(seed)
    n_cons = max(10, round(n_events / EVENTS_PER_CONSIGNMENT))
    n_calls = max(4, n_cons // CONSIGNMENTS_PER_CALL)
    parts = _Parts()

    # --- calls
    arr = BASE_US + rng.integers(0, SPAN_US, n_calls)
    call_port = np.array(PORTS)[rng.integers(0, len(PORTS), n_calls)]
    imo = 9_000_000 + rng.integers(0, 999_999, n_calls)
    call_key = _s([f"{i}/{2100 + c % 900:04d}{'NSEW'[c % 4]}/{p}" for c, (i, p) in
                   enumerate(zip(imo.tolist(), call_port.tolist(), strict=True))])
    call_port_a = _s(call_port)
    ci = np.arange(n_calls)
    cstr = pc.cast(pa.array(ci), pa.string())
    has_entry = rng.random(n_calls) >= 0.08
    e = ci[has_entry]
    parts.add(_join("C", pc.take(cstr, e), "-ENT"), np.zeros(len(e), np.int64), "TRANSPORT_ENTRY_DECLARED",
              arr[e] - (rng.random(len(e)) * 10 + 2) * H, port=pc.take(call_port_a, e),
              transport_call=pc.take(call_key, e))
    parts.add(_join("C", cstr, "-ETA"), np.zeros(n_calls, np.int64), "TRANSPORT_ARRIVED",
              arr + rng.integers(-90, 90, n_calls) * 60_000_000, classifier="EST",
              recorded=arr - 48 * H, port=call_port_a, transport_call=call_key)
    parts.add(_join("C", cstr, "-ARR"), np.zeros(n_calls, np.int64), "TRANSPORT_ARRIVED", arr,
              port=call_port_a, transport_call=call_key)
    parts.add(_join("C", cstr, "-DEP"), np.zeros(n_calls, np.int64), "TRANSPORT_DEPARTED",
              arr + (rng.random(n_calls) * 22 + 18) * H, port=call_port_a, transport_call=call_key)

    # --- consignments
    k = np.arange(n_cons)
    cid = k + 1
    call = rng.integers(0, n_calls, n_cons)
    imp = rng.random(n_cons) < 0.6
    a = arr[call]
    port = pc.take(call_port_a, call)
    ckey = pc.take(call_key, call)
    year = pc.cast(pa.array((a // 1_000_000 // 86_400 // 365 + 1970).astype(np.int64)), pa.string())
    kstr = pc.cast(pa.array(k), pa.string())
    decl = _join("0900", year, pa.array(np.where(imp, "1", "0")), _pad(k, 9))
    bl = _join(pa.array(np.array(LINES)[k % len(LINES)]), _pad(k, 10))
    direction = _s(np.where(imp, "I", "E"))
    hs = np.array(HS)[rng.integers(0, len(HS), n_cons)]
    mode = np.array(MODES)[rng.integers(0, len(MODES), n_cons)]
    attrs = _join('{"facilitation_modes":["', _s(mode), '"],"hs_code":"', _s(hs), '"}')
    released = rng.random(n_cons) >= 0.03

    nb = rng.choice(np.array([1, 1, 2, 2, 3]), n_cons)
    owner_of_box = np.repeat(k, nb)
    box_no = np.arange(len(owner_of_box)) - np.repeat(np.cumsum(nb) - nb, nb)  # 0..nb-1 within
    box = containers(np.arange(len(owner_of_box)))
    bstr = _join(pc.take(kstr, owner_of_box), "-", pc.cast(pa.array(box_no), pa.string()))

    # import
    i = k[imp]
    ai = a[imp]
    parts.add(_join("M", pc.take(kstr, i)), cid[i], "MANIFEST_FILED", ai - (rng.random(len(i)) * 24 + 24) * H,
              port=pc.take(port, i), direction=pc.take(direction, i), bill_of_lading=pc.take(bl, i),
              transport_call=pc.take(ckey, i))
    lodged_i = ai + ((rng.random(len(i)) * 30 - 20) * H).astype(np.int64)
    parts.add(_join("D", pc.take(kstr, i)), cid[i], "DECLARATION_LODGED", lodged_i, port=pc.take(port, i),
              direction=pc.take(direction, i), attrs=pc.take(attrs, i), declaration=pc.take(decl, i),
              bill_of_lading=pc.take(bl, i))
    rel_i = np.maximum(lodged_i, ai) + (rng.exponential(28, len(i)) * H).astype(np.int64)

    # export: the last gate-in of the consignment's boxes decides when all goods arrived
    x = k[~imp]
    ax = a[~imp]
    lodged_x = ax - ((rng.random(len(x)) * 48 + 24) * H).astype(np.int64)
    parts.add(_join("D", pc.take(kstr, x)), cid[x], "DECLARATION_LODGED", lodged_x, port=pc.take(port, x),
              direction=pc.take(direction, x), attrs=pc.take(attrs, x), declaration=pc.take(decl, x),
              bill_of_lading=pc.take(bl, x))
    gate_in = a[owner_of_box] - ((rng.random(len(owner_of_box)) * 62 + 10) * H).astype(np.int64)
    last_in = np.full(n_cons, np.iinfo(np.int64).min)
    np.maximum.at(last_in, owner_of_box, gate_in)
    early = rng.random(len(x)) < 0.15
    rel_x = np.where(early, lodged_x, np.maximum(lodged_x, last_in[x]))
    rel_x = rel_x + (rng.exponential(np.where(early, 1.0, 1.5)) * H).astype(np.int64)

    rel = np.zeros(n_cons, np.int64)
    rel[i], rel[x] = rel_i, rel_x
    r = k[released]
    parts.add(_join("R", pc.take(kstr, r)), cid[r], "CUSTOMS_RELEASED", rel[r], port=pc.take(port, r),
              direction=pc.take(direction, r), declaration=pc.take(decl, r))
    est = k[~released | (rng.random(n_cons) < 0.1)]
    parts.add(_join("Q", pc.take(kstr, est)), cid[est], "CUSTOMS_RELEASED",
              rel[est] + (rng.random(len(est)) * 6 - 3).astype(np.int64) * H, classifier="EST",
              recorded=rel[est] - 12 * H, port=pc.take(port, est), declaration=pc.take(decl, est))

    # containers
    boxes_imp = imp[owner_of_box]
    bi = np.flatnonzero(boxes_imp)
    ob = owner_of_box[bi]
    parts.add(_join("X", pc.take(bstr, bi)), cid[ob], "DISCHARGED",
              a[ob] + (rng.random(len(bi)) * 11 + 1) * H,
              port=pc.take(port, ob), container=pc.take(box, bi), bill_of_lading=pc.take(bl, ob),
              transport_call=pc.take(ckey, ob))
    out = rel[ob] + ((rng.random(len(bi)) * 46 + 2) * H).astype(np.int64)
    gone = released[ob]
    parts.add(_join("G", pc.take(bstr, bi[gone])), cid[ob[gone]], "GATE_OUT", out[gone],
              port=pc.take(port, ob[gone]), container=pc.take(box, bi[gone]),
              bill_of_lading=pc.take(bl, ob[gone]))
    plan = rng.random(len(bi)) < 0.2
    parts.add(_join("P", pc.take(bstr, bi[plan])), cid[ob[plan]], "GATE_OUT", out[plan] - 2 * H,
              classifier="EST", recorded=rel[ob[plan]], port=pc.take(port, ob[plan]),
              container=pc.take(box, bi[plan]), bill_of_lading=pc.take(bl, ob[plan]))
    bx = np.flatnonzero(~boxes_imp)
    ox = owner_of_box[bx]
    parts.add(_join("A", pc.take(bstr, bx)), cid[ox], "GOODS_ARRIVED_AT_PORT", gate_in[bx],
              port=pc.take(port, ox), direction=pc.take(direction, ox), container=pc.take(box, bx),
              bill_of_lading=pc.take(bl, ox))
    parts.add(_join("L", pc.take(bstr, bx)), cid[ox], "LOADED", a[ox] + (rng.random(len(bx)) * 14 + 2) * H,
              port=pc.take(port, ox), container=pc.take(box, bx), bill_of_lading=pc.take(bl, ox),
              transport_call=pc.take(ckey, ox))

    originals = parts.table()
    return _finish(rng, originals, decl, bl, n_cons, n_calls)


def _finish(rng: np.random.Generator, originals: pa.Table, decl: pa.Array, bl: pa.Array, n_cons: int,
            n_calls: int) -> Log:
    n = originals.num_rows
    # Newer versions of ~0.5 % of the events: actual releases whose time the sender corrects.
    is_rel = pc.and_(pc.equal(originals["milestone"], "CUSTOMS_RELEASED"),
                     pc.equal(originals["classifier"], "ACT")).to_numpy(zero_copy_only=False)
    rel_rows = np.flatnonzero(is_rel)
    chosen = np.sort(rng.choice(rel_rows, min(len(rel_rows), round(n * 0.005)), replace=False))
    newer = originals.take(chosen)
    shift = (rng.random(len(chosen)) * 6 - 3) * H
    occurred = _seconds(newer["occurred_us"].to_numpy() + shift)
    version = _seconds(newer["recorded_us"].to_numpy() + (rng.random(len(chosen)) * 5 + 1) * H)
    newer = newer.set_column(newer.schema.get_field_index("occurred_us"), "occurred_us", pa.array(occurred))
    newer = newer.set_column(newer.schema.get_field_index("recorded_us"), "recorded_us", pa.array(version))
    newer = newer.set_column(newer.schema.get_field_index("version_us"), "version_us", pa.array(version))
    keep = np.ones(n, bool)
    keep[chosen] = False
    events = pa.concat_tables([originals.filter(pa.array(keep)), newer])
    # Re-sent duplicates (~2 %): the same line again.
    dups = originals.take(np.sort(rng.choice(n, round(n * 0.02), replace=False)))
    raw = pa.concat_tables([originals, dups, newer])
    raw = raw.take(rng.permutation(raw.num_rows)).drop_columns(["cid"])

    cid = pa.array(np.arange(1, n_cons + 1), pa.int64())
    members = pa.concat_tables([
        pa.table({"kind": pa.array(["declaration"] * n_cons), "key": decl, "consignment_id": cid}),
        pa.table({"kind": pa.array(["bill_of_lading"] * n_cons), "key": bl, "consignment_id": cid}),
    ])
    return Log(raw=raw, events=events, members=members, hubs=_hubs(events), consignments=n_cons,
               calls=n_calls, duplicates=dups.num_rows, versions=newer.num_rows)


def _hubs(events: pa.Table) -> pa.Table:
    """What the linker writes: a container or call named beside a shipment key is a hub of that
    key's consignment, linked at the earliest such event (any classifier)."""
    shipped = events.filter(pc.is_valid(events["bill_of_lading"]))
    out = []
    for kind in ("container", "transport_call"):
        t = shipped.filter(pc.is_valid(shipped[kind])).select(["cid", kind, "occurred_us"])
        t = t.group_by(["cid", kind]).aggregate([("occurred_us", "min")])
        out.append(pa.table({"consignment_id": t["cid"], "kind": pa.array([kind] * t.num_rows),
                             "key": t[kind], "linked_us": t["occurred_us_min"]}))
    return pa.concat_tables(out)


def raw_for_parquet(log: Log) -> pa.Table:
    """The raw log as partners sent it: instants as UTC timestamps, refs as columns."""
    t = log.raw
    ts = pa.timestamp("us", tz="UTC")
    return pa.table({
        "source": pa.array(["DCT"] * t.num_rows, pa.string()),
        "event_id": t["event_id"], "version": pc.cast(t["version_us"], ts),
        "recorded_at": pc.cast(t["recorded_us"], ts), "milestone": t["milestone"],
        "classifier": t["classifier"], "occurred_at": pc.cast(t["occurred_us"], ts), "port": t["port"],
        **{kind: t[kind] for kind in KIND_ORDER}, "attrs": t["attrs"],
    })


def canonical_lines(log: Log) -> list[str]:
    """The raw log as canonical JSON Lines, in sending order: what ``kouan events import`` reads.
    (The benchmark bulk-loads instead; the tests ingest these lines to check that the bulk load
    stores what ingestion would.)"""
    lines = []
    for rec in log.raw.to_pylist():
        e: dict = {"event_id": rec["event_id"], "milestone": rec["milestone"],
                   "classifier": rec["classifier"],
                   "occurred_at": _iso(rec["occurred_us"]), "recorded_at": _iso(rec["recorded_us"])}
        if rec["version_us"] is not None:
            e["version"] = _iso(rec["version_us"])
        for field in ("port", "direction"):
            if rec[field] is not None:
                e[field] = rec[field]
        e["refs"] = {kind: rec[kind] for kind in KIND_ORDER if rec[kind] is not None}
        e["attrs"] = json.loads(rec["attrs"])
        lines.append(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
    return lines


def _iso(us: int) -> str:
    return (EPOCH + timedelta(microseconds=us)).isoformat()
