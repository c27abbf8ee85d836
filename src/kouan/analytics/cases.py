"""Clearance cases for a whole event store at once: the set-based full recompute, as Ibis.

``cases_expr(tables, clock)`` gives one row per (declaration, clock) with the ``clearance_case``
columns (``updated_at`` aside), computed from the operational tables ``event``, ``event_ref``,
``consignment_member``, ``consignment_hub``, ``transport_call_alias`` and ``port``. It follows
``kouan.clearance.domain.compute`` — the semantic reference — and
``kouan.consignments.timeline.build`` (which events belong to a consignment) exactly:

- a consignment's events: those naming one of its shipment keys; those naming one of its
  containers within that container's trip window ``[linked_at - 30 days, next linked_at of the
  container to another consignment)`` and naming no shipment key of another consignment nor, where
  it has calls, a call it did not use (``_of_this_trip``); and pure call events (every ref a
  ``transport_call``) naming one of its calls or an alias of one;
- scopes: ``declaration`` (events naming the declaration), ``call`` (the pure call events,
  restricted to those at the case's port when any ACT one is there), ``containers`` (the
  consignment's events naming any container), ``consignment`` (all of them);
- a point is the min (``first``) or max (``last``) ``occurred_at`` over ACT events of the first
  milestone of its list that has one; the start is the latest start point present; a release
  stamped before the start counts as zero; boundaries are clamped into ``[start, end]``;
- port: the first (by ``occurred_at``, then event id) declaration event with a port among
  ``DECLARATION_LODGED``, then ``CUSTOMS_RELEASED``, then ``DECLARATION_COMPLETED``; else the first
  call event with a port. Direction: digit 9 of an 18-character declaration number, else the
  first declaration event's ``attrs.direction``. Facilitation mode and commodity group: from the
  attrs of the first ``DECLARATION_LODGED``. Month: the Asia/Shanghai month the clock ended.

The clock is plain data — ``analytics`` may not import ``kouan.clearance`` — either the dict
``json.loads(clock.to_json())``, its JSON text, or any object with ``to_json()``.

Portability (checked with ibis-framework 12.0.0 on SQLite 3.40, PostgreSQL 16 and DuckDB 1.x):
timestamps are compared, min/max-ed and picked as timestamps everywhere, and turned into integer
epoch microseconds only for arithmetic (trip windows, hours, months), because SQLite before 3.42
has no sub-second and before 3.46 no interval arithmetic in Ibis, and Ibis's SQLite
``microsecond()`` reads milliseconds. ``epoch_us`` is the one engine-specific helper: SQLite reads
the microseconds from the stored ``YYYY-MM-DD HH:MM:SS.ffffff`` text, DuckDB has ``epoch_us``,
other engines use the fractional ``epoch_seconds``. JSON ``attrs`` are read with Ibis's JSON
accessors, which compile on all three (SQLite's ``->``/``->>`` need 3.38+); a string ``attrs``
column (a Parquet export) is cast to JSON first.

Known gaps against the Python path, all outside what the adapters produce:
- JSON values that are not strings (``"facilitation_modes": [3]``, ``"direction": 1``) read as
  absent, where Python would ``str()`` them;
- the Beijing month uses UTC+8 throughout (Asia/Shanghai kept summer time in 1986–1991 only);
- HS chapters are matched on ASCII digits only (``str.isdigit`` accepts other digits too).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.compute as pc

from kouan.kit import hs

TABLES: tuple[str, ...] = (
    "event", "event_ref", "consignment_member", "consignment_hub", "transport_call_alias", "port",
)
OUTPUT_COLUMNS: tuple[str, ...] = (
    "declaration", "clock", "consignment_id", "direction", "port", "province", "customs_district",
    "facilitation_mode", "commodity_group", "status", "start_at", "end_at", "month", "hours",
    "seg_1", "seg_2", "seg_3", "seg_4",
)
MAX_SEGMENTS = 4
SHIPMENT_KINDS = ("declaration", "bill_of_lading", "booking")
TRIP_LEAD_US = 30 * 86_400 * 1_000_000  # a container's trip starts 30 days before its link
CHINA_OFFSET_S = 8 * 3_600  # Asia/Shanghai, no summer time since 1991
US_PER_HOUR = 3_600_000_000.0
PORT_MILESTONES = ("DECLARATION_LODGED", "CUSTOMS_RELEASED", "DECLARATION_COMPLETED")
SCOPES = ("declaration", "call", "containers", "consignment")

HS_CHAPTER_SECTION = hs.CHAPTER_SECTION
DIGITS = tuple("0123456789")
ROWS = {"cid": "int64", "pk": "int64"}  # (consignment, event) rows, nullable so they union


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(ts: dt.timestamp) -> dt.int64:  # type: ignore[empty-body]
    """DuckDB's exact ``epoch_us``."""


def operational_tables(con: Any) -> dict[str, ibis.Table]:
    """The tables ``cases_expr`` reads, from a connection to the operational store."""
    return {name: con.table(name) for name in TABLES}


def clock_spec(clock: Any) -> dict[str, Any]:
    """The clock as the dict ``Clock.to_json`` writes (from a dict, JSON text or a Clock)."""
    if isinstance(clock, Mapping):
        return dict(clock)
    if isinstance(clock, str):
        return json.loads(clock)
    if hasattr(clock, "to_json"):
        return json.loads(clock.to_json())
    raise TypeError(f"not a clock: {clock!r}")


def engine_of(table: ibis.Table) -> str:
    """The backend name of a bound table; ``duckdb`` (what ``to_sql`` targets) for an unbound one."""
    try:
        return ibis.get_backend(table).name
    except Exception:  # an unbound table: compiled, never executed here
        return "duckdb"


def epoch_us(ts: ibis.TimestampValue, engine: str) -> ibis.IntegerValue:
    """Integer microseconds since 1970-01-01 UTC, exact on every engine Kouan runs."""
    if engine == "sqlite":
        # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff'. SQLite's own functions keep milliseconds
        # and round (…:00.999999 reads as the next second), so the whole seconds come from the text
        # without its fraction and the microseconds from the fraction.
        text = ts.cast("string")
        seconds = text.substr(0, 19).cast("timestamp").epoch_seconds().cast("int64")
        return seconds * 1_000_000 + text.substr(20, 6).cast("int64").fill_null(0)
    if engine == "duckdb":
        return _duckdb_epoch_us(ts)
    return (ts.epoch_seconds().cast("float64") * 1_000_000.0).round().cast("int64")


def _coalesce(values: Sequence[ibis.Value]) -> ibis.Value:
    return values[0] if len(values) == 1 else ibis.coalesce(*values)


def _greatest(a: ibis.Value, b: ibis.Value) -> ibis.Value:
    # No engine-specific null handling: callers pass non-null values (or null both).
    return ibis.ifelse(a >= b, a, b)


def _least(a: ibis.Value, b: ibis.Value) -> ibis.Value:
    return ibis.ifelse(a <= b, a, b)


def _two_digits(n: ibis.IntegerValue) -> ibis.StringValue:
    s = n.cast("string")
    return ibis.ifelse(n < 10, "0" + s, s)


def china_month(t: ibis.Table, us: str, out: str) -> ibis.Table:
    """``t`` with column ``out``: 'YYYY-MM' of the epoch-microsecond column ``us`` in Beijing time,
    in integer arithmetic only (H. Hinnant's civil_from_days; floor divisions stay exact below
    2**53). Each step is its own stage so that no engine sees a deeply nested expression."""
    t = _stage(t, _z=(t[us] // 1_000_000 + CHINA_OFFSET_S) // 86_400 + 719_468)  # days since 0000-03-01
    t = _stage(t, _era=t._z // 146_097)
    t = _stage(t, _doe=t._z - t._era * 146_097)
    t = _stage(t, _yoe=(t._doe - t._doe // 1_460 + t._doe // 36_524 - t._doe // 146_096) // 365)
    t = _stage(t, _mp=(5 * (t._doe - (365 * t._yoe + t._yoe // 4 - t._yoe // 100)) + 2) // 153)
    t = _stage(t, _m=ibis.ifelse(t._mp < 10, t._mp + 3, t._mp - 9).cast("int64"))
    t = _stage(t, _y=(t._yoe + t._era * 400 + ibis.ifelse(t._m <= 2, 1, 0)).cast("int64"))
    month = t._y.cast("string") + "-" + _two_digits(t._m)
    return t.mutate(**{out: month}).drop("_z", "_era", "_doe", "_yoe", "_mp", "_m", "_y")


def _stage(t: ibis.Table, **columns: ibis.Value) -> ibis.Table:
    """``t.mutate(...)`` behind a self-reference, which Ibis does not inline into the next select:
    the SQL stays flat instead of repeating every expression wherever its column is used."""
    return t.mutate(**columns).view()


def _is_digit(c: ibis.StringValue) -> ibis.BooleanValue:
    return c.isin(DIGITS)


def _commodity(chapter: ibis.StringValue) -> ibis.StringValue:
    """The commodity group of an HS chapter (the code's first two digits): a plain column, since
    every branch of the CASE this compiles to evaluates it again."""
    return chapter.substitute(HS_CHAPTER_SECTION, else_=ibis.null("string"))


def _of_this_trip(rows: ibis.Table, ref: ibis.Table, members: ibis.Table,
                  call_names: ibis.Table) -> ibis.Table:
    """``consignments.repository.of_this_trip``: of the container events within a trip's window,
    drop those naming a shipment key of another consignment or, where the consignment has calls, a
    call it did not use (a reused container's events for another declaration)."""
    # Left joins and IS NULL, not anti-joins: chained after a join, Ibis renders an anti-join as
    # ``LEFT ANTI JOIN``, which PostgreSQL does not know.
    ship = ref.filter(ref.kind.isin(SHIPMENT_KINDS)).select(s_pk="event_pk", s_kind="kind", s_key="key")
    named = rows.join(ship, rows.pk == ship.s_pk).select("cid", "pk", "s_kind", "s_key")
    m = members.select(m_kind="kind", m_key="key", m_cid="consignment_id")
    foreign = named.left_join(m, [named.s_kind == m.m_kind, named.s_key == m.m_key,
                                  named.cid == m.m_cid]).filter(lambda t: t.m_cid.isnull())
    calls = ref.filter(ref.kind == "transport_call").select(t_pk="event_pk", t_key="key")
    has_calls = call_names.select(h_cid="cid").distinct()
    on_call = rows.join(calls, rows.pk == calls.t_pk).join(has_calls, rows.cid == has_calls.h_cid)
    on_call = on_call.select("cid", "pk", "t_key")
    c = call_names.select(c_cid="cid", c_name="name")
    other_call = on_call.left_join(c, [on_call.cid == c.c_cid, on_call.t_key == c.c_name]).filter(
        lambda t: t.c_cid.isnull())
    drop = foreign.select("cid", "pk").cast(ROWS).union(other_call.select("cid", "pk").cast(ROWS))
    drop = drop.select(d_cid="cid", d_pk="pk").distinct()
    kept = rows.left_join(drop, [rows.cid == drop.d_cid, rows.pk == drop.d_pk]).filter(
        lambda t: t.d_cid.isnull())
    return kept.select("cid", "pk").cast(ROWS)


def _pick_first(t: ibis.Table, by: str | Sequence[str], order: Sequence[ibis.Value]) -> ibis.Table:
    rank = ibis.row_number().over(group_by=by, order_by=order)
    return t.mutate(_rn=rank).filter(lambda x: x._rn == 0).drop("_rn")


def _points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for side in ("imports", "exports"):
        d = spec[side]
        out += [*d["start"], d["end"], *(p for _name, p in d.get("boundaries", ()))]
    return out


def _col(scope: str, pick: str, milestone: str) -> str:
    return f"{scope}__{pick}__{milestone}".lower()


def _point_aggs(t: ibis.Table, needed: set[tuple[str, str]], scope: str) -> dict[str, ibis.Value]:
    aggs: dict[str, ibis.Value] = {}
    for pick, milestone in sorted(needed):
        where = t.milestone == milestone
        value = t.occurred_at.min(where=where) if pick == "first" else t.occurred_at.max(where=where)
        aggs[_col(scope, pick, milestone)] = value
    return aggs


def cases_expr(tables: Mapping[str, ibis.Table], clock: Any, *, engine: str | None = None) -> ibis.Table:
    """Every declaration's case under ``clock``, set-based (see the module docstring)."""
    spec = clock_spec(clock)
    name = str(spec["name"])
    engine = engine or engine_of(tables["event"])

    raw = tables["event"]
    # A claim (a fact from a sender not entitled to state it, events.authority) moves no clock: the
    # cases are computed as if it had not been sent, as clearance.service does.
    raw = raw.filter(raw.authority == "entitled")
    attrs = raw.attrs.cast("json") if raw.attrs.type().is_string() else raw.attrs
    ev = raw.select(
        pk=raw.id, milestone=raw.milestone, classifier=raw.classifier, occurred_at=raw.occurred_at,
        port=ibis.ifelse(raw.port == "", ibis.null("string"), raw.port), attrs=attrs,
    )
    ref = tables["event_ref"].select("event_pk", "kind", "key")
    members = tables["consignment_member"].select("kind", "key", "consignment_id")
    hubs = tables["consignment_hub"].select("consignment_id", "kind", "key", "linked_at")
    alias = tables["transport_call_alias"].select("key", "canonical")
    ports = tables["port"].select(p_locode=tables["port"].locode, province=tables["port"].province)

    # What the clock reads: (pick, milestone) per scope.
    needed: dict[str, set[tuple[str, str]]] = {s: set() for s in SCOPES}
    for p in _points(spec):
        for m in p["milestones"]:
            needed[p["scope"]].add((p.get("pick", "first"), str(m)))

    # --- the consignment's events (timeline.build), as (cid, pk) rows; duplicates are harmless:
    # everything below is a min, a max, an existence test or a pick of one event.
    shipment = ref.join(members, [ref.kind == members.kind, ref.key == members.key]).select(
        cid=members.consignment_id, pk=ref.event_pk).cast(ROWS)

    container_hubs = hubs.filter(hubs.kind == "container")
    links = container_hubs.select("key", "linked_at").distinct()
    links = links.mutate(next_at=links.linked_at.lead().over(group_by="key", order_by="linked_at"))
    trips = container_hubs.join(links, ["key", "linked_at"]).select(
        cid=container_hubs.consignment_id, t_key=container_hubs.key,
        lo_us=epoch_us(container_hubs.linked_at, engine) - TRIP_LEAD_US,
        hi_us=epoch_us(links.next_at, engine),
    )
    container_refs = ref.filter(ref.kind == "container")
    boxed = container_refs.join(ev.select("pk", "occurred_at"), container_refs.event_pk == ev.pk)
    boxed = boxed.select(pk=boxed.event_pk, b_key=boxed.key, occ_us=epoch_us(boxed.occurred_at, engine))
    in_window = boxed.join(trips, boxed.b_key == trips.t_key).filter(
        lambda t: (t.occ_us >= t.lo_us) & (t.hi_us.isnull() | (t.occ_us < t.hi_us))
    ).select("cid", "pk").cast(ROWS)

    call_hubs = hubs.filter(hubs.kind == "transport_call").select(cid="consignment_id", name="key")
    a1 = alias.select(a1_key="key", a1_canon="canonical")
    a2 = alias.select(a2_key="key", a2_canon="canonical")
    aliased = call_hubs.join(a1, call_hubs.name == a1.a1_key).join(a2, a1.a1_canon == a2.a2_canon)
    names_schema = {"cid": "int64", "name": "string"}
    call_names = call_hubs.cast(names_schema).union(
        aliased.select(cid=call_hubs.cid, name=a2.a2_key).cast(names_schema))
    call_refs = ref.filter(ref.kind == "transport_call")
    other_refs = ref.filter(ref.kind != "transport_call").select(o_pk="event_pk")
    # Only pure call events, before meeting the call's consignments: a manifest or a discharge
    # names the call too, and joining those first gave (call events x consignments on the call)
    # rows, quadratic in a call's size (about 2 million rows for 30,000 events). ``distinct``
    # keeps SQLite from flattening the anti-join back into that join.
    pure_call = call_refs.anti_join(other_refs, call_refs.event_pk == other_refs.o_pk)
    pure_call = pure_call.select("event_pk", "key").distinct()
    call_events = pure_call.join(call_names, pure_call.key == call_names.name).select(
        cid=call_names.cid, pk=pure_call.event_pk).cast(ROWS)

    trip_events = _of_this_trip(in_window, ref, members, call_names)

    with_container = container_refs.select(c_pk="event_pk")
    in_containers = shipment.semi_join(with_container, shipment.pk == with_container.c_pk).union(
        trip_events, distinct=False)
    in_consignment = shipment.union(trip_events, distinct=False).union(call_events, distinct=False)

    act = ev.filter(ev.classifier == "ACT")

    def act_events(rows: ibis.Table, scope: str) -> ibis.Table:
        milestones = sorted({m for _pick, m in needed[scope]})
        pruned = act.filter(act.milestone.isin(milestones)) if scope != "call" else act
        return rows.join(pruned, rows.pk == pruned.pk).select("cid", "pk", "milestone", "occurred_at", "port")

    # --- the declaration scope: its events in any classifier (port, attrs), ACT for the points.
    decl = tables["consignment_member"]
    decl = decl.filter(decl.kind == "declaration").select(declaration=decl.key, cid=decl.consignment_id)
    decl_refs = ref.filter(ref.kind == "declaration").select(d_key="key", d_pk="event_pk")
    d_events = decl_refs.join(ev, decl_refs.d_pk == ev.pk)

    priority = ibis.cases(*((d_events.milestone == m, i) for i, m in enumerate(PORT_MILESTONES)))
    d_port = d_events.filter(d_events.milestone.isin(PORT_MILESTONES), d_events.port.notnull())
    d_port = _pick_first(d_port.mutate(prio=priority), "d_key", ["prio", "occurred_at", "pk"])
    d_port = d_port.select(dp_key="d_key", decl_port="port")

    # The attributes are read out of the JSON *before* the pick: the window is a barrier Ibis does not
    # merge through, so each is parsed once per lodgement. Read after it, Ibis inlines the extraction
    # into every branch of the HS-chapter CASE (a hundred JSON parses a row: most of the recompute).
    lodged = d_events.filter(d_events.milestone == "DECLARATION_LODGED")
    lodged = lodged.select(
        "d_key", "occurred_at", "pk",
        m0=lodged.attrs["facilitation_modes"][0].str, m1=lodged.attrs["facilitation_mode"].str,
        grp=lodged.attrs["commodity_group"].str, chapter=lodged.attrs["hs_code"].str.substr(0, 2),
    )
    lodged = _pick_first(lodged, "d_key", ["occurred_at", "pk"])
    mode = ibis.ifelse(lodged.m0.notnull(), lodged.m0,
                       ibis.ifelse(lodged.m1.isnull() | (lodged.m1 == ""), "standard", lodged.m1))
    no_group = lodged.grp.isnull() | (lodged.grp == "")
    lodged = lodged.select(la_key="d_key", la_mode=mode,
                           la_group=ibis.ifelse(no_group, _commodity(lodged.chapter), lodged.grp))

    key = decl.declaration
    numbered = (key.length() == 18) & key.substr(8, 1).isin(["0", "1"])
    odd = decl.filter(~numbered).select(o_key="declaration")
    odd_events = d_events.semi_join(odd, d_events.d_key == odd.o_key)
    told = odd_events.attrs["direction"].str
    told_dir = odd_events.mutate(told=told).filter(lambda t: t.told.notnull() & (t.told != ""))
    told_dir = _pick_first(told_dir, "d_key", ["occurred_at", "pk"]).select(td_key="d_key", told_dir="told")

    d_act = d_events.filter(d_events.classifier == "ACT")
    d_aggs = None
    if needed["declaration"]:
        d_aggs = d_act.group_by(da_key="d_key").aggregate(**_point_aggs(d_act, needed["declaration"],
                                                                      "declaration"))

    # --- the call scope: its port fallback (any classifier) and its points, per call port too.
    call_all = call_events.join(ev, call_events.pk == ev.pk).select("cid", "pk", "occurred_at", "port")
    c_port = _pick_first(call_all.filter(call_all.port.notnull()), "cid", ["occurred_at", "pk"])
    c_port = c_port.select(cp_cid="cid", call_port="port")
    c_act = act_events(call_events, "call")
    call_aggs = _point_aggs(c_act, needed["call"], "call")
    c_any = c_act.group_by(ca_cid="cid").aggregate(**call_aggs) if needed["call"] else None
    at_port = None
    if needed["call"]:
        ported = c_act.filter(c_act.port.notnull())
        ported_aggs = _point_aggs(ported, needed["call"], "call")
        at_port = ported.group_by(pp_cid="cid", pp_port="port").aggregate(
            pp_n=ported.count(), **{f"pp_{k}": v for k, v in ported_aggs.items()})

    k_aggs = None
    if needed["containers"]:
        k_act = act_events(in_containers, "containers")
        k_aggs = k_act.group_by(ka_cid="cid").aggregate(**_point_aggs(k_act, needed["containers"],
                                                                    "containers"))
    n_aggs = None
    if needed["consignment"]:
        n_act = act_events(in_consignment, "consignment")
        n_aggs = n_act.group_by(na_cid="cid").aggregate(**_point_aggs(n_act, needed["consignment"],
                                                                    "consignment"))

    # --- one row per declaration with every fact and aggregate beside it.
    t = decl.left_join(d_port, decl.declaration == d_port.dp_key)
    t = t.left_join(c_port, t.cid == c_port.cp_cid)
    t = t.left_join(lodged, t.declaration == lodged.la_key)
    t = t.left_join(told_dir, t.declaration == told_dir.td_key)
    for table, left, right in ((d_aggs, "declaration", "da_key"), (c_any, "cid", "ca_cid"),
                               (k_aggs, "cid", "ka_cid"), (n_aggs, "cid", "na_cid")):
        if table is not None:
            t = t.left_join(table, t[left] == table[right])
    t = t.mutate(port=ibis.coalesce(t.decl_port, t.call_port))
    if at_port is not None:
        t = t.left_join(at_port, (t.cid == at_port.pp_cid) & (t.port == at_port.pp_port))
    t = t.left_join(ports, t.port == ports.p_locode)

    key = t.declaration
    first2 = key.substr(0, 2)
    district_ok = (key.length() >= 1) & _is_digit(key.substr(0, 1)) & (
        (key.length() == 1) | _is_digit(key.substr(1, 1)))
    numbered = (key.length() == 18) & key.substr(8, 1).isin(["0", "1"])
    direction = ibis.ifelse(numbered, ibis.ifelse(key.substr(8, 1) == "1", "I", "E"), t.told_dir)
    t = _stage(t, direction=direction,
               customs_district=ibis.ifelse(district_ok, first2 + "00", ibis.null("string")))

    # Every point of both directions as a column, then the direction's start, end and boundaries.
    sides = {"I": spec["imports"], "E": spec["exports"]}
    n_bounds = {d: len(side.get("boundaries", ())) for d, side in sides.items()}
    k_max = max(n_bounds.values())
    if k_max + 1 > MAX_SEGMENTS:
        raise ValueError(f"a clock has at most {MAX_SEGMENTS} segments")

    def point(p: dict[str, Any]) -> ibis.Value:
        scope, pick = p["scope"], p.get("pick", "first")
        cols = [_col(scope, pick, str(m)) for m in p["milestones"]]
        value = _coalesce([t[c] for c in cols])
        if scope == "call":  # the call at the case's port, when it has an ACT event there
            return ibis.ifelse(t.pp_n.notnull(), _coalesce([t[f"pp_{c}"] for c in cols]), value)
        return value

    columns: dict[str, ibis.Value] = {}
    for d, side in sides.items():
        columns |= {f"_{d}_s{i}": point(p) for i, p in enumerate(side["start"])}
        columns[f"_{d}_end"] = point(side["end"])
        columns |= {f"_{d}_b{j}": point(p) for j, (_name, p) in enumerate(side.get("boundaries", ()))}
    t = _stage(t, **columns)

    def latest(names: list[str]) -> ibis.Value:
        """The latest of the columns that are not null (null if none is): each falls back on the
        others, so a pairwise comparison never meets a null."""
        filled = [_coalesce([t[n], *(t[m] for m in names if m != n)]) for n in names]
        out = filled[0]
        for v in filled[1:]:
            out = _greatest(out, v)
        return out

    def by_direction(i: ibis.Value | None, e: ibis.Value | None, type_: Any) -> ibis.Value:
        none = ibis.null(type_)
        return ibis.ifelse(t.direction == "I", none if i is None else i, none if e is None else e)

    ts_type = t._I_end.type()
    starts = {d: latest([f"_{d}_s{i}" for i in range(len(side["start"]))]) for d, side in sides.items()}
    t = _stage(
        t,
        _start=by_direction(starts["I"], starts["E"], ts_type),
        _end=by_direction(t._I_end, t._E_end, ts_type),
        **{f"_b{j}": by_direction(t[f"_I_b{j}"] if j < n_bounds["I"] else None,
                                  t[f"_E_b{j}"] if j < n_bounds["E"] else None, ts_type)
           for j in range(k_max)},
    )
    t = _stage(t, _closed=t.direction.notnull() & t._start.notnull() & t._end.notnull(),
               _end_c=ibis.ifelse(t._end >= t._start, t._end, t._start))  # never negative
    t = _stage(t, _s_us=epoch_us(t._start, engine), _e_us=epoch_us(t._end_c, engine),
               **{f"_b{j}_us": epoch_us(t[f"_b{j}"], engine) for j in range(k_max)})

    # Segment bounds: each boundary (the previous bound when absent), clamped into [previous, end].
    for j in range(k_max):
        prev = t._s_us if j == 0 else t[f"_m{j - 1}"]
        bound = ibis.coalesce(t[f"_b{j}_us"], prev)
        t = _stage(t, **{f"_m{j}": _least(_greatest(bound, prev), t._e_us)})
    marks = ["_s_us", *(f"_m{j}" for j in range(k_max))]
    seg_values: dict[str, ibis.Value] = {}
    no_float = ibis.null("float64")
    for i in range(MAX_SEGMENTS):
        per: dict[str, ibis.Value | None] = {}
        for d in sides:
            k = n_bounds[d]
            if i < k:
                per[d] = (t[marks[i + 1]] - t[marks[i]]) / US_PER_HOUR
            elif i == k:
                per[d] = (t._e_us - t[marks[k]]) / US_PER_HOUR
            else:
                per[d] = None
        value = by_direction(per["I"], per["E"], "float64")
        seg_values[f"_seg_{i + 1}"] = ibis.ifelse(t._closed, value, no_float)
    t = china_month(_stage(t, **seg_values), "_e_us", "_month")

    status = ibis.cases(
        (t.direction.isnull(), "open"),
        (t._closed, "closed"),
        (t._end.notnull(), "incomplete"),  # released, but the clock's start was never seen
        else_="open",
    )
    return t.select(
        declaration=t.declaration,
        clock=ibis.literal(name, type="string"),
        consignment_id=t.cid.cast("int64"),
        direction=t.direction,
        port=t.port,
        province=t.province,
        customs_district=t.customs_district,
        facilitation_mode=ibis.coalesce(t.la_mode, ibis.literal("standard")),
        commodity_group=t.la_group,
        status=status,
        start_at=ibis.ifelse(t.direction.isnull(), ibis.null(ts_type), t._start),
        end_at=ibis.ifelse(t.direction.isnull(), ibis.null(ts_type),
                           ibis.ifelse(t._closed, t._end_c, t._end)),
        month=ibis.ifelse(t._closed, t._month, ibis.null("string")),
        hours=ibis.ifelse(t._closed, (t._e_us - t._s_us) / US_PER_HOUR, no_float),
        **{f"seg_{i}": t[f"_seg_{i}"] for i in range(1, MAX_SEGMENTS + 1)},
    )


def execute(con: Any, expr: ibis.Table) -> Any:
    """Run ``expr`` on ``con`` and return a ``pyarrow.Table``.

    SQLite's parser gives up on subqueries nested more than about a dozen deep ("parser stack
    overflow"), and Ibis nests one per stage. On SQLite the compiled query is therefore rewritten
    with every derived table as a CTE (sqlglot's ``eliminate_subqueries``, the SQL library Ibis
    compiles with) and run with the expression's schema; other engines run the expression as is.
    """
    if con.name != "sqlite":
        return expr.to_pyarrow()
    return con.sql(flat_sql(expr, "sqlite"), schema=expr.schema()).to_pyarrow()


def flat_sql(expr: ibis.Table, dialect: str) -> str:
    """``expr`` compiled for ``dialect`` with its derived tables as CTEs (at most one level deep)."""
    # Imported here: only this flattening needs sqlglot directly (Ibis compiles through it).
    import sqlglot
    from sqlglot.optimizer.eliminate_subqueries import eliminate_subqueries

    tree = sqlglot.parse_one(ibis.to_sql(expr, dialect=dialect), read=dialect)
    return eliminate_subqueries(tree).sql(dialect=dialect)


def run_cases(con: Any, clock: Any) -> Any:
    """Every case of ``clock`` on the operational store ``con``, as a ``pyarrow.Table``.

    Compiling the expression takes about a second. On SQLite the flattened SQL is kept per clock
    and table schemas, so recomputing the same clocks again (tests, a scheduled rebuild) skips it;
    other engines compile each time (their SQL does not survive a round trip through
    ``con.sql``: sqlglot cannot re-parse Ibis's PostgreSQL JSON calls)."""
    tables = operational_tables(con)
    spec = clock_spec(clock)
    if con.name != "sqlite":
        return cases_expr(tables, spec, engine=con.name).to_pyarrow()
    key = (con.name, json.dumps(spec, sort_keys=True),
           tuple((n, tuple(tables[n].schema().items())) for n in TABLES))
    if key not in _COMPILED:
        expr = cases_expr(tables, spec, engine=con.name)
        _COMPILED[key] = (flat_sql(expr, "sqlite"), expr.schema())
    sql, schema = _COMPILED[key]
    return con.sql(sql, schema=schema).to_pyarrow()


_COMPILED: dict[tuple, tuple[str, Any]] = {}

# --- the same expression on DuckDB, over the store's tables read into Arrow ------------------

STORE_COLUMNS: dict[str, dict[str, Any]] = {
    "event": {"id": pa.int64(), "milestone": pa.string(), "classifier": pa.string(),
              "occurred_at": "timestamp", "port": pa.string(), "attrs": pa.string(),
              "authority": pa.string()},
    "event_ref": {"event_pk": pa.int64(), "kind": pa.string(), "key": pa.string()},
    "consignment_member": {"kind": pa.string(), "key": pa.string(), "consignment_id": pa.int64()},
    "consignment_hub": {"consignment_id": pa.int64(), "kind": pa.string(), "key": pa.string(),
                        "linked_at": "timestamp"},
    "transport_call_alias": {"key": pa.string(), "canonical": pa.string()},
    "port": {"locode": pa.string(), "province": pa.string()},
}
READ_CHUNK = 250_000
UTC_US = pa.timestamp("us", tz="UTC")


def read_sqlite_tables(raw: Any) -> dict[str, pa.Table]:
    """The tables ``cases_expr`` reads, from a ``sqlite3`` connection to the store, as Arrow.

    Read through the caller's connection, so inside its transaction. Rows are fetched in chunks so
    that memory holds Arrow columns, not millions of Python tuples. SQLAlchemy keeps instants on
    SQLite as naive UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``): Arrow parses them exactly into UTC
    microsecond timestamps. JSON ``attrs`` stay text (``cases_expr`` casts a string ``attrs``).

    (The ADBC SQLite driver reads six times faster, but it links its own copy of SQLite: two
    copies in one process break each other's POSIX locks on the same file — seen here as "disk
    I/O error" and empty reads — so it is not used.)
    """
    return {name: _typed(_fetch_python(raw, name, columns), columns)
            for name, columns in STORE_COLUMNS.items()}


def _select(name: str, columns: Mapping[str, Any]) -> str:
    return f"SELECT {', '.join(columns)} FROM {name}"  # noqa: S608 - fixed names


def _fetch_python(raw: Any, name: str, columns: Mapping[str, Any]) -> pa.Table:
    cursor = raw.execute(_select(name, columns))
    batches = []
    while rows := cursor.fetchmany(READ_CHUNK):
        values = list(zip(*rows, strict=True))
        batches.append(pa.table({c: pa.array(v, pa.string() if t == "timestamp" else t)
                                 for (c, t), v in zip(columns.items(), values, strict=True)}))
    if not batches:
        return pa.table({c: pa.array([], pa.string() if t == "timestamp" else t) for c, t in columns.items()})
    return pa.concat_tables(batches)


def _typed(table: pa.Table, columns: Mapping[str, Any]) -> pa.Table:
    arrays = {}
    for c, t in columns.items():
        a = table[c]
        if t == "timestamp":
            arrays[c] = pc.cast(pc.cast(pc.cast(a, pa.string()), pa.timestamp("us")), UTC_US)
        else:
            arrays[c] = pc.cast(a, t)
    return pa.table(arrays)


def run_cases_duckdb(tables: Mapping[str, pa.Table], clocks: Sequence[Any]) -> dict[str, pa.Table]:
    """Every case of each clock, computed by DuckDB over Arrow ``tables`` (``read_sqlite_tables``).

    On SQLite this is the fast full recompute: SQLite's planner runs the set-based query one row
    at a time with automatic indexes, minutes for what DuckDB's hash joins do in seconds. The
    expression is the same ``cases_expr``, compiled for DuckDB once per clock and table schemas
    (compiling takes seconds) and run on a private in-memory DuckDB that sees the Arrow tables
    under their store names (nothing is copied into it).
    """
    import duckdb  # Imported here: only this path runs DuckDB directly.

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # instants come back labelled UTC, as the store has them
        for name, table in tables.items():
            con.register(name, table)
        out = {}
        for clock in clocks:
            spec = clock_spec(clock)
            sql = _duckdb_sql(tables, spec)  # in key order: see sqlite_scan
            out[str(spec["name"])] = con.sql(f"SELECT * FROM ({sql}) ORDER BY declaration").to_arrow_table()  # noqa: S608
        return out
    finally:
        con.close()


def _duckdb_sql(tables: Mapping[str, pa.Table], spec: dict[str, Any]) -> str:
    return duckdb_sql(spec, {n: t.schema for n, t in tables.items()})


def store_schemas() -> dict[str, pa.Schema]:
    """The Arrow schemas of the tables ``cases_expr`` reads, as ``read_sqlite_tables`` types them."""
    return {name: pa.schema([(c, UTC_US if t == "timestamp" else t) for c, t in columns.items()])
            for name, columns in STORE_COLUMNS.items()}


def duckdb_sql(clock: Any, schemas: Mapping[str, pa.Schema] | None = None) -> str:
    """``cases_expr`` for ``clock`` compiled to DuckDB SQL over tables named as in the store, with
    ``schemas`` (by default ``store_schemas()``); kept per clock and schemas (compiling takes
    seconds)."""
    spec = clock_spec(clock)
    schemas = schemas or store_schemas()
    key = (json.dumps(spec, sort_keys=True), tuple((n, str(s)) for n, s in sorted(schemas.items())))
    if key not in _DUCKDB_SQL:
        unbound = {n: ibis.table(ibis.Schema.from_pyarrow(s), name=n) for n, s in schemas.items()}
        _DUCKDB_SQL[key] = str(ibis.to_sql(cases_expr(unbound, spec, engine="duckdb"), dialect="duckdb"))
    return _DUCKDB_SQL[key]


def _compile_all(specs: list[dict[str, Any]]) -> dict[tuple, str]:
    """In a child process: ``duckdb_sql`` of each clock, as the cache entries it makes."""
    for spec in specs:
        duckdb_sql(spec)
    return dict(_DUCKDB_SQL)


def compile_ahead(clocks: Sequence[Any]) -> Callable[[], None]:
    """Start compiling ``duckdb_sql`` of ``clocks`` in a child process and return ``collect``, which
    waits for it and fills this process's cache: a caller that will rebuild every case after minutes
    of other work (``kouan demo``: loading the log) has the seconds of compiling done on another core
    meanwhile. The SQL is what this process would compile (the same function, code and keys); if
    the child fails, ``collect`` leaves the cache as it was and the rebuild compiles as usual."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    specs = [clock_spec(c) for c in clocks]
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    future = pool.submit(_compile_all, specs)

    def collect() -> None:
        try:
            _DUCKDB_SQL.update(future.result())
        except Exception:  # noqa: BLE001 - only a head start: the rebuild compiles what is missing
            pass
        finally:
            pool.shutdown(wait=True)

    return collect


def replace_cases_scan(db_path: str, clocks: Sequence[Any], *, updated_at: str,
                       reindex_rows: int) -> dict[str, int]:
    """Every case of each clock, computed by DuckDB reading the SQLite store file at ``db_path``
    through its SQLite scanner in a child process, which replaces each clock's rows of
    ``clearance_case`` itself, in its own transaction, rows never passing through Python
    (``kouan.analytics.sqlite_scan.replace_cases``): the fast full recompute of a large SQLite
    store. Reads the committed store only. ``{"cases": n, "consignments": n}``."""
    from kouan.analytics import sqlite_scan  # Imported here: only this path runs the child.

    sqls = {str(clock_spec(c)["name"]): duckdb_sql(c) for c in clocks}
    return sqlite_scan.replace_cases(db_path, sqls, table="clearance_case", timestamps=("start_at", "end_at"),
                                     updated_at=updated_at, reindex_rows=reindex_rows)


_DUCKDB_SQL: dict[tuple, str] = {}
