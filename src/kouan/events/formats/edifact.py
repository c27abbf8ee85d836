"""UN/EDIFACT adapter: CODECO, COARRI, IFTSTA, CUSCAR, CUSRES, BERMAN, BAPLIE → canonical events.

Pure: bytes in, ``ParseResult`` out. The syntax layer (``edifact_syntax``) splits the file into
interchanges and messages itself and lets pydifact read each segment — see its docstring for the
real-file quirks handled there and why. This module maps one message at a time.

Choices worth knowing:

* EDIFACT events carry no id: ``event_id`` is a content hash (message type, milestone, refs,
  instant, port, classifier, original code), so a re-send under a new UNB/UNH reference is a
  duplicate, not a new event.
* Times without a zone are port local time (``tz``); ``recorded_at`` is the message's DTM+137
  (refined by the UNB time when DTM+137 is date-only on the same day), else the UNB time.
* ``transport_call`` = ``vessel_call_key(vessel, voyage, port of the event)``. The vessel part is
  the IMO number when TDT C222 gives 7 digits not qualified as a call sign (code list 103);
  otherwise the call sign / id as given, else the vessel name, upper case. A 7-digit id with a
  wrong IMO check digit is used as given and flagged.
* Identifier problems (container check digits, IMO, declaration numbers, LOCODEs, dates beside the
  event time) go to ``attrs["flags"]``; the event is kept.
* A message that yields no event is a rejection saying why; so are unsupported message types and
  cancellations (BGM 1225 = 1 or 3), which Kouan cannot apply automatically.
* CUSCAR: one MANIFEST_FILED per bill group (SG5) of each CNI, naming the CNI document number and
  the group's RFF B/L numbers, its containers (SGP/EQD) and the vessel call. BERMAN: the original
  notice is TRANSPORT_ENTRY_DECLARED at its document time; ETA/ATA/ETD/ATD become
  TRANSPORT_ARRIVED/DEPARTED with EST/ACT/PLN from the DTM qualifier.
* BAPLIE (bay plan, SMDG 2.x): the stowage of the vessel as it leaves the port of departure
  (LOC+5). One OTHER event, original code ``BAPLIE/ON_BOARD``, per container (EQD) in a stowage
  cell group (LOC+147): Kouan has no on-board milestone, and a bay plan is not a load report, but
  the event links the container to the vessel call and keeps cell, ports of loading/discharge,
  full/empty, size-type, weight and operator. Always ACT, at the call's departure time: DTM+136
  (SMDG: actual departure), else 186, else the actual arrival DTM+178 (a plan sent before
  sailing), else the document time (DTM+137 / UNB); ``dtm_qualifier`` says which. Estimates
  (132/133) are kept as attrs only. The RFF+BM of a bay plan is SMDG's dummy ("BM:1"), so it is
  kept as text, never as a bill-of-lading ref that would link every container of the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

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
    content_event_id,
)
from kouan.events.formats import edifact_syntax as syntax
from kouan.events.formats.edifact_syntax import RawMessage, Seg, SegmentError
from kouan.kit.clock import CHINA_TZ
from kouan.kit.ids import check_locode

# DTM 2005 qualifiers that are not actual times; anything else (7, 178, 186, 203, 334…) is ACT.
_CLASSIFIER = {"132": Classifier.EST, "133": Classifier.EST, "17": Classifier.EST,
               "232": Classifier.PLN, "189": Classifier.PLN, "76": Classifier.PLN,
               "2": Classifier.PLN, "10": Classifier.PLN}
_ARRIVAL, _DEPARTURE = ("178", "132", "232"), ("186", "136", "133", "189")
_TYPE_BY_DOCUMENT = {"85": "CUSCAR", "34": "CODECO", "36": "CODECO", "44": "COARRI",
                     "46": "COARRI", "77": "IFTSTA", "23": "IFTSTA", "961": "CUSRES",
                     "962": "CUSRES", "963": "CUSRES"}  # BGM 1001 → message type


@dataclass(frozen=True)
class _Stamp:
    at: datetime
    classifier: Classifier
    qualifier: str


def parse(data: bytes, *, tz: ZoneInfo = CHINA_TZ, default_port: str | None = None) -> ParseResult:
    """Every event and every rejection in an EDIFACT file; never raises on bad data.
    ``default_port`` (a UN/LOCODE) places events whose message names no port."""
    if default_port is not None and (problem := check_locode(default_port)):
        raise ValueError(problem)
    result = ParseResult()
    text = syntax.decode(bytes(data))
    messages, rejections = syntax.read_envelopes(text)
    if not messages and not rejections and text.strip():
        # An interchange header alone (or a cut-off one) is not nothing: keep it, with why.
        rejections = [Rejection("no message (UNH ... UNT) in the interchange", "interchange", text)]
    result.rejections.extend(rejections)
    for message in messages:
        result.extend(_read_message(message, tz, default_port))
    return result


def _read_message(message: RawMessage, tz: ZoneInfo, default_port: str | None) -> ParseResult:
    if message.problem:
        return ParseResult(rejections=[Rejection(message.problem, message.where, message.raw)])
    ctx = _Context.build(message, tz, default_port)
    if isinstance(ctx, Rejection):
        return ParseResult(rejections=[ctx])
    mapper = _MAPPERS.get(ctx.mtype)
    if mapper is None:
        return ctx.rejected(f"message type {ctx.mtype} is not supported by the EDIFACT adapter "
                            f"(supported: {', '.join(sorted(_MAPPERS))})", ctx.segs[0])
    function = ctx.val("BGM", 3)
    if function in ("1", "3"):
        return ctx.rejected(f"the {ctx.mtype} message cancels an earlier one (BGM message "
                            f"function {function}); cancellations are not applied automatically",
                            ctx.first("BGM"))
    try:
        out = mapper(ctx)
    except Exception as exc:  # noqa: BLE001 - a mapping bug must not lose the file
        return ctx.rejected(f"internal error while mapping the {ctx.mtype} message: {exc!r}",
                            ctx.segs[0])
    if not out.events and not out.rejections:
        return ctx.rejected(f"the {ctx.mtype} message yields no event", ctx.segs[0])
    return out


@dataclass
class _Context:
    """One message, parsed, with what every mapper needs to place and describe its events."""

    message: RawMessage
    segs: list[Seg]  # UNH … UNT
    mtype: str
    tz: ZoneInfo
    default_port: str | None
    flags: list[str]
    attrs: dict[str, object]
    recorded_at: datetime | None = None

    @classmethod
    def build(cls, message: RawMessage, tz: ZoneInfo, default_port: str | None
              ) -> _Context | Rejection:
        segs: list[Seg] = []
        for i, raw in enumerate(message.segments, 1):
            try:
                segs.append(syntax.parse_segment(raw, i))
            except SegmentError as exc:
                return Rejection(f"segment {i} cannot be read: {exc}",
                                 f"{message.prefix} segment {i} ({raw.tag or '?'})", message.raw)
        flags = [*message.flags, *message.interchange.flags]
        ctx = cls(message, segs, "", tz, default_port, flags, {})
        ctx.mtype = ctx._message_type()
        if not ctx.mtype:
            return Rejection("the UNH segment names no message type and the BGM document code "
                             "does not tell it", f"{message.prefix} segment 1 (UNH) element 2",
                             message.raw)
        ctx.attrs = ctx._base_attrs()
        ctx.recorded_at = ctx._document_time()
        return ctx

    def _message_type(self) -> str:
        mtype = self.segs[0].val(2, 1).upper()
        if not mtype:
            mtype = _TYPE_BY_DOCUMENT.get(self.val("BGM", 1), "")
            if mtype:
                self.flags.append(f"UNH names no message type; read as {mtype} from BGM "
                                  f"document code {self.val('BGM', 1)}")
        return mtype

    def _base_attrs(self) -> dict[str, object]:
        unh, ichg = self.segs[0], self.message.interchange
        attrs: dict[str, object] = {
            "message_type": self.mtype, "message_version": unh.val(2, 2) + unh.val(2, 3),
            "message_ref": unh.val(1), "interchange_ref": ichg.ref, "sender": ichg.sender,
            "document_code": self.val("BGM", 1), "document_number": self.val("BGM", 2)}
        if unh.val(2, 5):
            attrs["subset"] = unh.val(2, 5)
        if self.message.group_ref:
            attrs["group_ref"] = self.message.group_ref
        return {k: v for k, v in attrs.items() if v}

    def _document_time(self) -> datetime | None:
        ichg = self.message.interchange
        unb, _ = syntax.parse_dtm(ichg.date + ichg.time, "", self.tz)
        doc = self.stamp(self.segs, ["137"], self.flags)
        if doc is None:
            return unb
        if unb and doc.at.hour == doc.at.minute == 0 and unb.date() == doc.at.date():
            return unb  # a date-only DTM+137 on the day of the UNB: the UNB time is more precise
        return doc.at

    # -- lookups
    def first(self, tag: str) -> Seg | None:
        return next((s for s in self.segs if s.tag == tag), None)

    def val(self, tag: str, element: int, component: int = 1) -> str:
        seg = self.first(tag)
        return seg.val(element, component) if seg else ""

    def where(self, seg: Seg | None, element: int | None = None) -> str:
        if seg is None:
            return self.message.prefix
        text = f"{self.message.prefix} segment {seg.index} ({seg.tag})"
        return f"{text} element {element}" if element else text

    def stamp(self, segs: Iterable[Seg], qualifiers: Sequence[str], flags: list[str]
              ) -> _Stamp | None:
        """The first DTM with the most preferred qualifier that holds a valid date/time."""
        dtms = [s for s in segs if s.tag == "DTM"]
        for q in qualifiers:
            for s in dtms:
                if q not in ("*", s.val(1, 1).upper()):
                    continue
                at, problem = syntax.parse_dtm(s.val(1, 2), s.val(1, 3), self.tz)
                if at is None:
                    flags.append(f"{self.where(s, 1)} (DTM+{s.val(1, 1)}): {problem}")
                    continue
                qual = s.val(1, 1).upper()
                return _Stamp(at, _CLASSIFIER.get(qual, Classifier.ACT), qual)
        return None

    def port(self, segs: Iterable[Seg], qualifiers: Sequence[str], flags: list[str]
             ) -> tuple[str | None, str]:
        """(UN/LOCODE, LOC qualifier) of the first LOC with a preferred qualifier ("*": any)."""
        locs = [s for s in segs if s.tag == "LOC"]
        for q in qualifiers:
            for s in locs:
                if q not in ("*", s.val(1)):
                    continue
                code = s.val(2, 1).upper().replace(" ", "")
                if code and check_locode(code) is None:
                    return code, s.val(1)
                if code and q != "*":
                    flags.append(f"{self.where(s, 2)}: {check_locode(code)}")
        return None, ""

    # -- results
    def event(self, milestone: Milestone, stamp: _Stamp, seg: Seg, code: str, *,
              port: str | None, direction: Direction | None = None, refs: Iterable[Ref] = (),
              attrs: dict[str, object] | None = None, flags: Iterable[str] = ()) -> CanonicalEvent:
        refs = tuple(sorted(set(refs)))
        all_attrs = {**self.attrs, **(attrs or {}), "dtm_qualifier": stamp.qualifier}
        all_flags = list(dict.fromkeys([*self.flags, *flags]))
        if all_flags:
            all_attrs["flags"] = all_flags
        event_id = content_event_id(
            "edi", self.mtype, milestone.value, [f"{r.kind.value}:{r.key}" for r in refs],
            stamp.at.astimezone(UTC).isoformat(), port, stamp.classifier.value, code)
        return CanonicalEvent(
            event_id=event_id, milestone=milestone, occurred_at=stamp.at,
            classifier=stamp.classifier, recorded_at=self.recorded_at, port=port,
            direction=direction, refs=refs, attrs=all_attrs, original_code=code,
            location=self.where(seg))

    def rejection(self, reason: str, seg: Seg | None, group: Sequence[Seg] = (),
                  element: int | None = None) -> Rejection:
        """``group`` given: the verbatim text of that segment group, else of the whole message."""
        raw = _verbatim(self.message, group) if group else self.message.raw
        return Rejection(reason, self.where(seg, element), raw)

    def rejected(self, reason: str, seg: Seg | None) -> ParseResult:
        return ParseResult(rejections=[self.rejection(reason, seg)])


def _verbatim(message: RawMessage, group: Sequence[Seg]) -> str:
    start = group[0].raw.start - message.segments[0].start
    end = group[-1].raw.end - message.segments[0].start
    return message.raw[start:end]



def _call_times(ctx: _Context, segs: Sequence[Seg], flags: list[str]) -> dict[str, object]:
    """Vessel ETA/ATA/ETD/ATD given beside the event, kept as ISO text in attrs."""
    names = {"132": "vessel_eta", "178": "vessel_ata", "133": "vessel_etd", "186": "vessel_atd"}
    out: dict[str, object] = {}
    for qualifier, name in names.items():
        stamp = ctx.stamp(segs, [qualifier], flags)
        if stamp:
            out[name] = stamp.at.isoformat()
    return out


# --- CODECO / COARRI: one event per container -----------------------------------------------

Decide = Callable[[str, str], tuple[Milestone, Direction | None]]


@dataclass(frozen=True)
class _Move:
    code: str  # original code, e.g. "COARRI/44"
    times: tuple[str, ...]  # DTM qualifiers for the move time, preferred first
    ports: tuple[str, ...]  # LOC qualifiers for where it happened, preferred first
    decide: Decide  # (equipment status 8249, full/empty 8169) → milestone, direction


def _gate_in(status: str, full_empty: str) -> tuple[Milestone, Direction | None]:
    # 运抵 is a full export container arriving; empties and imports moving in are kept as OTHER.
    if syntax.FULL_EMPTY.get(full_empty) != "empty" and status in ("2", ""):
        return Milestone.GOODS_ARRIVED_AT_PORT, syntax.direction_of(status)
    return Milestone.OTHER, syntax.direction_of(status)


def _gate_out(status: str, full_empty: str) -> tuple[Milestone, Direction | None]:
    if syntax.FULL_EMPTY.get(full_empty) == "empty":
        return Milestone.OTHER, syntax.direction_of(status)  # an empty pick-up is not a cargo exit
    return Milestone.GATE_OUT, syntax.direction_of(status)


def _vessel_move(milestone: Milestone, direction: Direction) -> Decide:
    def decide(status: str, _full_empty: str) -> tuple[Milestone, Direction | None]:
        # Transhipment, remain-on-board and shifters cross no border here.
        return milestone, None if status in ("4", "5", "6") else direction
    return decide


_CODECO = {"34": _Move("CODECO/34", ("7", "178", "186", "203", "334"), ("165", "9"), _gate_in),
           "36": _Move("CODECO/36", ("7", "186", "178", "203", "334"), ("165", "11"), _gate_out)}
_COARRI = {
    "44": _Move("COARRI/44", ("203", "7", "178", "334"), ("11", "60", "153"),
                _vessel_move(Milestone.DISCHARGED, Direction.IMPORT)),
    "46": _Move("COARRI/46", ("203", "7", "186", "334"), ("9", "5", "153"),
                _vessel_move(Milestone.LOADED, Direction.EXPORT))}


def _per_container(ctx: _Context, moves: dict[str, _Move], expected: str) -> ParseResult:
    doc = ctx.val("BGM", 1)
    if doc not in moves:
        return ctx.rejected(f"{ctx.mtype} document code {doc!r} is not a {expected} report",
                            ctx.first("BGM"))
    head, groups = syntax.split(ctx.segs[1:-1], {"EQD"})
    if not groups:
        return ctx.rejected(f"the {ctx.mtype} message names no container (EQD)",
                            ctx.first("BGM"))
    out = ParseResult()
    for group in groups:
        item = _container_event(ctx, moves[doc], group, syntax.transport_group(head))
        (out.events if isinstance(item, CanonicalEvent) else out.rejections).append(item)
    return out


def _container_event(ctx: _Context, move: _Move, group: list[Seg], call: list[Seg]
                     ) -> CanonicalEvent | Rejection:
    eqd, flags = group[0], []
    own, subgroups = syntax.split(group[1:], {"TDT", "DAM"})  # the equipment's own segments first
    if eqd.val(1) not in ("CN", ""):
        return ctx.rejection(f"{move.code}: equipment {eqd.val(2)!r} is of type "
                             f"{eqd.val(1)!r}, not a container", eqd, group, 1)
    stamp = ctx.stamp(own, move.times, flags) or ctx.stamp(group, ["*"], flags)
    if stamp is None:
        state = syntax.FULL_EMPTY.get(eqd.val(6), "")
        return ctx.rejection(f"{move.code}: {state + ' ' if state else ''}container "
                             f"{eqd.val(2)!r} has no date/time of the move (no DTM in its "
                             "equipment group), so there is no event to record", eqd, group)
    milestone, direction = move.decide(eqd.val(5), eqd.val(6))
    port = (ctx.port(own, move.ports, flags)[0] or ctx.port(call, move.ports, flags)[0]
            or ctx.default_port)
    vessel = syntax.read_vessel(call)
    containers, eq_attrs = syntax.read_equipment([eqd, *own], flags)
    refs, other = syntax.read_refs(own, flags)
    call_ref = vessel.call(port, flags)
    inland = [g[0].val(8, 1) for g in subgroups if g[0].tag == "TDT" and g[0].val(8, 1)]
    attrs = syntax.merge({}, eq_attrs, vessel.attrs, _call_times(ctx, call, flags),
                         {"references": other, "inland_transport": ", ".join(inland)})
    return ctx.event(milestone, stamp, eqd, move.code, port=port, direction=direction,
                     refs=[*containers, *refs, *([call_ref] if call_ref else [])],
                     attrs=attrs, flags=flags)


# --- IFTSTA: one event per status (STS) -----------------------------------------------------

_STATUS = {
    # UN/EDIFACT status event codes (9011 in D.95B, 4405 later)
    "1": Milestone.TRANSPORT_ARRIVED, "24": Milestone.TRANSPORT_DEPARTED,
    "29": Milestone.DISCHARGED, "48": Milestone.LOADED, "12": Milestone.CUSTOMS_RELEASED,
    # container-carrier codes (ANSI X12 315 style) and DCSA event codes seen in IFTSTA feeds
    "VA": Milestone.TRANSPORT_ARRIVED, "VD": Milestone.TRANSPORT_DEPARTED,
    "UV": Milestone.DISCHARGED, "AE": Milestone.LOADED, "CT": Milestone.CUSTOMS_RELEASED,
    "ARRI": Milestone.TRANSPORT_ARRIVED, "DEPA": Milestone.TRANSPORT_DEPARTED,
    "DISC": Milestone.DISCHARGED, "LOAD": Milestone.LOADED}
_GATE_STATUS = {"I": _gate_in, "GTIN": _gate_in, "OA": _gate_out, "GTOT": _gate_out}
_STATUS_PORTS = {Milestone.TRANSPORT_ARRIVED: ("11", "60", "8"), Milestone.DISCHARGED: ("11",),
                 Milestone.TRANSPORT_DEPARTED: ("9", "5"), Milestone.LOADED: ("9",)}


def _status_milestone(code: str, eqd: Seg | None) -> tuple[Milestone, Direction | None]:
    status, full_empty = (eqd.val(5), eqd.val(6)) if eqd else ("", "")
    if code in _GATE_STATUS:
        return _GATE_STATUS[code](status, full_empty)
    milestone = _STATUS.get(code, Milestone.OTHER)
    if milestone == Milestone.DISCHARGED:
        return _vessel_move(milestone, Direction.IMPORT)(status, full_empty)
    if milestone == Milestone.LOADED:
        return _vessel_move(milestone, Direction.EXPORT)(status, full_empty)
    return milestone, None


def _iftsta(ctx: _Context) -> ParseResult:
    head, consignments = syntax.split(ctx.segs[1:-1], {"CNI"})
    out = ParseResult()
    for consignment in consignments or [head]:
        cni_head, statuses = syntax.split(consignment, {"STS"})
        for group in statuses:
            item = _status_event(ctx, group, cni_head)
            (out.events if isinstance(item, CanonicalEvent) else out.rejections).append(item)
    if not out.events and not out.rejections:
        return ctx.rejected("the IFTSTA message carries no status (STS segment)",
                            ctx.first("BGM"))
    return out


def _status_event(ctx: _Context, group: list[Seg], cni_head: list[Seg]
                  ) -> CanonicalEvent | Rejection:
    sts, flags = group[0], []
    own, subgroups = syntax.split(group[1:], {"TDT", "EQD", "GID"})
    transport = next((g for g in subgroups if g[0].tag == "TDT"), [])
    equipment = [s for g in subgroups if g[0].tag == "EQD" for s in g]
    code = sts.val(2, 1).upper()
    original = f"IFTSTA/STS+{sts.val(1)}+{sts.val(2)}"
    milestone, direction = _status_milestone(code, equipment[0] if equipment else None)
    fallback = {Milestone.TRANSPORT_ARRIVED: _ARRIVAL, Milestone.TRANSPORT_DEPARTED: _DEPARTURE}
    stamp = (ctx.stamp(own, ("334", "*"), flags)
             or ctx.stamp(transport, fallback.get(milestone, ()), flags))
    if stamp is None:
        return ctx.rejection(f"{original}: the status has no date/time (no DTM with it)",
                             sts, group)
    port = (ctx.port(own, ("*",), flags)[0]
            or ctx.port(transport, _STATUS_PORTS.get(milestone, ()), flags)[0]
            or ctx.default_port)
    vessel = syntax.read_vessel(transport)
    containers, eq_attrs = syntax.read_equipment(equipment, flags)
    refs, other = syntax.read_refs(own, flags)
    call_ref = vessel.call(port, flags)
    cni = cni_head[0] if cni_head and cni_head[0].tag == "CNI" else None
    attrs = syntax.merge({"status_code": sts.val(2), "status_type": sts.val(1)}, eq_attrs,
                         vessel.attrs, _call_times(ctx, transport, flags),
                         {"references": other, "consignment": cni.val(2) if cni else "",
                          "status_reasons": [s for s in (sts.val(i) for i in range(3, 8)) if s]})
    return ctx.event(milestone, stamp, sts, original, port=port, direction=direction,
                     refs=[*containers, *refs, *([call_ref] if call_ref else [])],
                     attrs=attrs, flags=flags)


# --- CUSCAR: one MANIFEST_FILED per bill of lading -------------------------------------------

_INWARD_LOCS, _OUTWARD_LOCS = ("60", "24", "11", "12", "153"), ("5", "9")


def _bills(consignment: list[Seg]) -> list[list[Seg]]:
    """The consignment's bill groups (SG5, led by RFF). The goods (GID, SG10) close a group, so an
    RFF after a GID starts the next bill; an RFF before it belongs to the current one."""
    bills: list[list[Seg]] = []
    for s in consignment[1:]:
        if s.tag == "RFF" and (not bills or any(t.tag == "GID" for t in bills[-1])):
            bills.append([s])
        elif bills:
            bills[-1].append(s)
    return bills or [consignment[1:]]


def _cuscar(ctx: _Context) -> ParseResult:
    head, consignments = syntax.split(ctx.segs[1:-1], {"CNI"})
    if ctx.recorded_at is None:
        return ctx.rejected("the CUSCAR message has no document date (DTM+137) and no readable "
                            "UNB date, so the filing time is unknown", ctx.first("BGM"))
    flags: list[str] = []
    call = syntax.transport_group(head)
    port, qualifier = ctx.port(call, _INWARD_LOCS + _OUTWARD_LOCS, flags)
    direction = (Direction.IMPORT if qualifier in _INWARD_LOCS else
                 Direction.EXPORT if qualifier in _OUTWARD_LOCS else None)
    stamp = _Stamp(ctx.recorded_at, Classifier.ACT, "137")
    manifest = _Manifest(ctx, call, stamp, port or ctx.default_port, direction, flags)
    out = ParseResult()
    if not consignments:
        out.events.append(manifest.event(ctx.first("BGM") or ctx.segs[0], head, None))
    for consignment in consignments:
        bills = _bills(consignment)
        for bill in bills:
            extra = head if len(consignments) == len(bills) == 1 else []
            out.events.append(manifest.event(bill[0] if bill else consignment[0],
                                             [*extra, *bill], consignment[0]))
    return out


@dataclass
class _Manifest:
    ctx: _Context
    call: list[Seg]
    stamp: _Stamp
    port: str | None
    direction: Direction | None
    flags: list[str]

    def event(self, seg: Seg, segs: list[Seg], cni: Seg | None) -> CanonicalEvent:
        flags = list(self.flags)
        vessel = syntax.read_vessel(self.call)
        containers, eq_attrs = syntax.read_equipment(segs, flags)
        refs, other = syntax.read_refs([s for s in segs if s.tag == "RFF"], flags)
        if cni is not None and cni.val(2):  # CNI carries the consignment's transport document
            refs.append(Ref(RefKind.BILL_OF_LADING, bl_key(cni.val(2))))
        call_ref = vessel.call(self.port, flags)
        loading = self.ctx.port(segs, ("9",), flags)[0]
        discharge = self.ctx.port(segs, ("11",), flags)[0]
        times = _call_times(self.ctx, self.call, flags)
        attrs = syntax.merge({}, eq_attrs, vessel.attrs, times, {
            "references": other, "consignment": cni.val(1) if cni else "",
            "port_of_loading": loading, "port_of_discharge": discharge})
        code = f"CUSCAR/{self.ctx.val('BGM', 1)}"
        return self.ctx.event(Milestone.MANIFEST_FILED, self.stamp, seg, code, port=self.port,
                              direction=self.direction, flags=flags, attrs=attrs,
                              refs=[*containers, *refs, *([call_ref] if call_ref else [])])


# --- CUSRES: customs decisions --------------------------------------------------------------

_CUSTOMS = {"4": Milestone.CUSTOMS_RELEASED, "5": Milestone.INSPECTION_ORDERED,
            "7": Milestone.CUSTOMS_HOLD}  # 7365: goods released / for examination / detained
_TRADE_DIRECTION = {"22": Direction.EXPORT, "23": Direction.IMPORT}  # 7365 export / import
_GROUP_TAGS = {"NAD", "RFF", "ERP", "DOC", "TAX", "PAC", "AUT", "CNT"}


def _cusres(ctx: _Context) -> ParseResult:
    body = ctx.segs[1:-1]
    header = body[: next((i for i, s in enumerate(body) if s.tag in _GROUP_TAGS), len(body))]
    indicators = [s for s in body if s.tag == "GIS" and s.val(1)]
    if not indicators:
        return ctx.rejected("the CUSRES message has no processing indicator (GIS), so release, "
                            "hold and inspection cannot be told apart", ctx.first("BGM"))
    flags: list[str] = []
    stamp = ctx.stamp(header, ("7", "218", "182", "137"), flags)
    if stamp is None and ctx.recorded_at is not None:
        stamp = _Stamp(ctx.recorded_at, Classifier.ACT, "UNB")
    if stamp is None:
        return ctx.rejected("the CUSRES message has no date (DTM) and no readable UNB date",
                            ctx.first("BGM"))
    port = ctx.port(header, ("*",), flags)[0] or ctx.default_port
    out = ParseResult()
    groups = _declaration_groups(body)
    if len(groups) > 1:  # header refs would link the declarations to each other
        header = [s for s in header if s.tag not in ("EQD", "RFF")]
    for refs_segs in groups:
        for gis, milestone, code in _decisions(indicators):
            out.events.append(_customs_event(ctx, gis, milestone, code, stamp, port,
                                             [*header, *refs_segs], list(flags)))
    return out


def _declaration_groups(body: list[Seg]) -> list[list[Seg]]:
    """One group per customs declaration number (RFF+ABT) when several are answered, so that
    one response does not link unrelated declarations; else the whole message."""
    marks = [i for i, s in enumerate(body) if s.tag == "RFF" and s.val(1, 1).upper() == "ABT"]
    if len(marks) <= 1:
        return [body]
    groups = [body[a:b] for a, b in zip(marks, [*marks[1:], len(body)], strict=True)]
    return [[s for s in g if s.tag in ("RFF", "EQD")] for g in groups]


def _decisions(indicators: list[Seg]) -> list[tuple[Seg, Milestone, str]]:
    found = [(s, _CUSTOMS[s.val(1)], f"CUSRES/GIS+{s.val(1)}") for s in indicators
             if s.val(1) in _CUSTOMS]
    if found:
        return found
    other = [s for s in indicators if s.val(1) not in _TRADE_DIRECTION] or indicators
    codes = "+".join(s.val(1) for s in other)
    return [(other[0], Milestone.OTHER, f"CUSRES/GIS+{codes}")]


def _customs_event(ctx: _Context, gis: Seg, milestone: Milestone, code: str, stamp: _Stamp,
                   port: str | None, segs: list[Seg], flags: list[str]) -> CanonicalEvent:
    refs, other = syntax.read_refs(segs, flags)
    containers, eq_attrs = syntax.read_equipment([s for s in segs if s.tag == "EQD"], flags)
    direction = next((_TRADE_DIRECTION[s.val(1)] for s in ctx.segs
                      if s.tag == "GIS" and s.val(1) in _TRADE_DIRECTION), None)
    declaration = next((r.key for r in refs if r.kind == RefKind.DECLARATION), "")
    if direction is None and len(declaration) == 18 and declaration[8] in "01":
        direction = Direction.IMPORT if declaration[8] == "1" else Direction.EXPORT
    transport = syntax.transport_group(segs)
    call_ref = syntax.read_vessel(transport).call(port, flags) if transport else None
    attrs = syntax.merge({"customs_indicator": gis.val(1)}, eq_attrs, {"references": other})
    return ctx.event(milestone, stamp, gis, code, port=port, direction=direction, attrs=attrs,
                     refs=[*refs, *containers, *([call_ref] if call_ref else [])], flags=flags)


# --- BERMAN: the vessel call announced to the port ------------------------------------------

_CALL_LOCS = ("153", "60", "24", "11", "87", "*")  # port of call, place of arrival, …


def _berman(ctx: _Context) -> ParseResult:
    _, transports = syntax.split(ctx.segs[1:-1], {"TDT"})
    if not transports:
        return ctx.rejected("the BERMAN message names no vessel (TDT)", ctx.first("BGM"))
    out = ParseResult()
    for group in transports:
        out.events.extend(_call_events(ctx, syntax.transport_group(group)))
    return out


def _call_events(ctx: _Context, call: list[Seg]) -> list[CanonicalEvent]:
    flags: list[str] = []
    port = ctx.port(call, _CALL_LOCS, flags)[0] or ctx.default_port
    vessel = syntax.read_vessel(call)
    call_ref = vessel.call(port, flags)
    refs = [call_ref] if call_ref else []
    events: list[CanonicalEvent] = []
    # The original notice (not its updates, nor an arrival report, BGM 98) is the declaration.
    if ctx.recorded_at and ctx.val("BGM", 3) in ("9", "") and ctx.val("BGM", 1) != "98":
        stamp = _Stamp(ctx.recorded_at, Classifier.ACT, "137")
        events.append(ctx.event(Milestone.TRANSPORT_ENTRY_DECLARED, stamp, call[0],
                                f"BERMAN/{ctx.val('BGM', 1)}", port=port, refs=refs,
                                attrs=dict(vessel.attrs), flags=flags))
    seen: set[tuple[Milestone, Classifier]] = set()
    for qualifiers, milestone in ((_ARRIVAL, Milestone.TRANSPORT_ARRIVED),
                                  (_DEPARTURE, Milestone.TRANSPORT_DEPARTED)):
        for q in qualifiers:
            stamp = ctx.stamp(call, (q,), flags)
            if stamp is None or (milestone, stamp.classifier) in seen:
                continue
            seen.add((milestone, stamp.classifier))
            dtm = next(s for s in call if s.tag == "DTM" and s.val(1, 1) == q)
            events.append(ctx.event(milestone, stamp, dtm, f"BERMAN/DTM+{q}", port=port,
                                    refs=refs, attrs=dict(vessel.attrs), flags=flags))
    return events


# --- BAPLIE: what is on board when the vessel leaves the port --------------------------------

# Departure time of the call: SMDG BAPLIE 2.x gives the actual departure as DTM+136 (the
# directory's "departure date/time"; 186 is its "actual" twin); a plan sent before sailing often
# has only the actual arrival, DTM+178. Estimates (132/133) are never used.
_BAPLIE_TIMES = ("136", "186", "178")


def _stowage_cell(seg: Seg) -> bool:
    return seg.tag == "LOC" and seg.val(1) == "147"


def _baplie(ctx: _Context) -> ParseResult:
    head, cells = syntax.split_where(ctx.segs[1:-1], _stowage_cell)
    call = syntax.transport_group(head)  # before the first cell: LOC+147 would extend the group
    if not call:
        return ctx.rejected("the BAPLIE message names no vessel (TDT)", ctx.first("BGM"))
    flags: list[str] = []
    stamp = ctx.stamp(call, _BAPLIE_TIMES, flags)
    if stamp is not None:
        stamp = _Stamp(stamp.at, Classifier.ACT, stamp.qualifier)
    elif ctx.recorded_at is not None:  # the plan's own time: the containers were on board then
        document = ctx.stamp(head, ("137",), [])
        stamp = _Stamp(ctx.recorded_at, Classifier.ACT, "137" if document else "UNB")
    else:
        return ctx.rejected("the BAPLIE message has no departure or arrival time (DTM+136/178), "
                            "no document date (DTM+137) and no readable UNB date",
                            ctx.first("BGM"))
    plan = _Bayplan(ctx, call, stamp, ctx.port(call, ("5",), flags)[0] or ctx.default_port, flags)
    out = ParseResult()
    for cell in cells:
        own, equipment = syntax.split(cell[1:], {"EQD"})
        for group in equipment:
            item = plan.event(cell[0], own, group)
            (out.events if isinstance(item, CanonicalEvent) else out.rejections).append(item)
    if not out.events and not out.rejections:
        return ctx.rejected("the BAPLIE message names no container (EQD) in any stowage cell "
                            "(LOC+147)", ctx.first("BGM"))
    return out


@dataclass
class _Bayplan:
    ctx: _Context
    call: list[Seg]
    stamp: _Stamp
    port: str | None  # LOC+5, the port the vessel leaves
    flags: list[str]

    def event(self, cell: Seg, own: list[Seg], group: list[Seg]) -> CanonicalEvent | Rejection:
        eqd, flags = group[0], list(self.flags)
        if eqd.val(1) not in ("CN", "") or not eqd.val(2):
            return self.ctx.rejection(f"BAPLIE/ON_BOARD: equipment {eqd.val(2)!r} of type "
                                      f"{eqd.val(1)!r} in stowage cell {cell.val(2)!r} is not a "
                                      "numbered container", eqd, [cell, *own, *group], 1)
        containers, eq_attrs = syntax.read_equipment([eqd], flags)
        vessel = syntax.read_vessel(self.call)
        call_ref = vessel.call(self.port, flags)
        operator = next((s.val(2, 1) for s in group if s.tag == "NAD" and s.val(1) == "CA"), "")
        attrs = syntax.merge(
            {"stowage_cell": cell.val(2, 1)}, eq_attrs, syntax.read_weights([*own, *group], flags),
            {"port_of_loading": self.ctx.port(own, ("9",), flags)[0],
             "port_of_discharge": self.ctx.port(own, ("11",), flags)[0],
             "next_port_of_call": self.ctx.port(self.call, ("61",), flags)[0],
             "container_operator": operator, "dangerous_goods": _dangerous_goods(group),
             "references": [f"{s.val(1, 1)}:{s.val(1, 2)}" for s in own if s.tag == "RFF"]},
            vessel.attrs, _call_times(self.ctx, self.call, flags))
        return self.ctx.event(Milestone.OTHER, self.stamp, eqd, "BAPLIE/ON_BOARD", port=self.port,
                              refs=[*containers, *([call_ref] if call_ref else [])],
                              attrs=attrs, flags=flags)


def _dangerous_goods(group: list[Seg]) -> list[str]:
    """DGS segments as "class 3 UN1993" (IMDG class 8351, UN number 7124)."""
    return [" ".join(x for x in (f"class {s.val(2)}" if s.val(2) else "",
                                 f"UN{s.val(3, 1)}" if s.val(3, 1) else "") if x)
            for s in group if s.tag == "DGS"]


_MAPPERS: dict[str, Callable[[_Context], ParseResult]] = {
    "BAPLIE": _baplie, "BERMAN": _berman, "CUSCAR": _cuscar, "CUSRES": _cusres, "IFTSTA": _iftsta,
    "CODECO": partial(_per_container, moves=_CODECO, expected="gate-in (34) or gate-out (36)"),
    "COARRI": partial(_per_container, moves=_COARRI, expected="discharge (44) or loading (46)")}
