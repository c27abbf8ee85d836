"""Living portal data for the demo: declarations in every facilitation mode, at every stage.

The generated event log (``generator``) gives the analytics years of history; the portals need
declarations that people work on *today*. This module lodges a dozen of them through the real
declarations service, as the demo's broker (broker.li, 通达报关) and officer (officer.wang, 大连海关)
would, against two vessel calls at Dalian reported by the carrier and the terminal:

- one that arrived yesterday (advance declarations already matched, two-step goods released, a
  ship-side pick-up used at the terminal, goods moving under seal to the bonded zone, …);
- one still at sea (advance declarations accepted, waiting for the arrival match);

plus exports around the terminal's 运抵 reports. Every step goes through ``declarations.service``,
so it is audited and emitted as ``kouan`` events like any other. Idempotent: it does nothing once
the broker has declarations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kouan.declarations import appointment_service
from kouan.declarations import service as declarations
from kouan.declarations.models import DeclarationRecord
from kouan.declarations.validation import DraftFields, ItemFields
from kouan.demo import generator
from kouan.events import service as events_service
from kouan.kit.ids import iso6346_check_digit
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service
from kouan.partners.domain import Principal, system

BROKER, OFFICER, TERMINAL, CONSIGNEE = "broker.li", "officer.wang", "dct.admin", "LNTRADE"
PORT, TERMINAL_ORG = "CNDAL", "DCT"


@dataclass
class Plan:
    """One declaration: its modes, goods, and the steps to take (who, what, hours before now)."""

    key: str
    direction: str
    modes: list[str]
    hs_code: str
    description: str
    call: str  # "arrived" | "at_sea" | "outbound"
    steps: list[tuple[str, str, float]]
    bonded_zone: str | None = None
    warehouse: str | None = None
    extra: dict = field(default_factory=dict)


# Hours are before "now". The arrived call: departed Busan 96 h ago, entry declared 30 h ago,
# arrived 28 h ago, boxes discharged 26 h ago. The call at sea: left Tokyo 48 h ago, due in 20 h.
PLANS: tuple[Plan, ...] = (
    Plan("standard-released", "I", [], "8429521200", "履带式挖掘机", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26), ("officer", "release", 24)]),
    Plan("standard-lodged", "I", [], "2204210000", "瓶装葡萄酒", "arrived", [("broker", "lodge", 2)]),
    Plan("standard-returned", "I", [], "8483109000", "传动轴", "arrived",
         [("broker", "lodge", 6), ("officer", "return", 5)]),
    Plan("standard-draft", "E", [], "9403600000", "木制家具", "outbound", []),
    Plan("advance-matched", "I", ["advance"], "1201901000", "大豆", "arrived",
         [("broker", "lodge", 72), ("officer", "accept", 60), ("system", "match_arrival", 28)]),
    Plan("advance-waiting", "I", ["advance"], "1005900000", "玉米", "at_sea",
         [("broker", "lodge", 30), ("officer", "accept", 20)]),
    Plan("two-step", "I", ["two_step"], "0303890090", "冻鱼", "arrived",
         [("broker", "lodge_summary", 27), ("officer", "accept", 26.5), ("officer", "release_goods", 25)]),
    Plan("two-stage", "I", ["two_stage_admission"], "1201901000", "大豆（转基因检测）", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26), ("officer", "port_release", 23)]),
    Plan("release-then-amend", "I", ["release_then_amend"], "8431499900", "起重机零件", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26), ("officer", "release", 25)]),
    Plan("declare-then-verify", "I", ["declare_then_verify"], "2204210000", "葡萄酒（原产地待核）", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26), ("officer", "release", 25)]),
    Plan("release-before-inspection", "I", ["release_before_inspection"], "2601111000", "铁矿砂", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26.5), ("officer", "order_inspection", 26),
          ("officer", "port_release", 22)]),
    Plan("ship-side-pickup", "I", ["advance", "ship_side_pickup"], "0303890090", "冰鲜三文鱼", "arrived",
         [("broker", "lodge", 72), ("officer", "accept", 60), ("broker", "book", 50),
          ("system", "match_arrival", 28), ("terminal", "use", 27)]),
    Plan("conditional-removal", "I", ["conditional_removal"], "8429521200", "装载机", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26), ("officer", "approve_store", 25.5),
          ("officer", "port_release", 25)], warehouse="DL-W-0008"),
    Plan("zone-port-direct", "I", ["zone_port_direct"], "8542319000", "集成电路", "arrived",
         [("broker", "lodge", 27), ("officer", "accept", 26), ("officer", "start_movement", 25)],
         bonded_zone="CNDAL-DYW"),
    Plan("export-released", "E", [], "8708299000", "汽车零部件", "outbound",
         [("terminal", "arrive", 6), ("broker", "lodge", 5), ("officer", "accept", 4.8),
          ("officer", "release", 4.5)]),
    Plan("export-advance", "E", ["advance"], "7210490000", "镀锌钢板", "outbound",
         [("broker", "lodge", 20), ("officer", "accept", 18)]),
    Plan("export-held", "E", [], "0304870090", "冻鱼片", "outbound",
         [("terminal", "arrive", 8), ("broker", "lodge", 7), ("officer", "accept", 6),
          ("officer", "hold", 5)]),
)


def _box(owner: str, serial: int) -> str:
    prefix = f"{owner}{serial:06d}"
    return prefix + str(iso6346_check_digit(prefix))


@dataclass(frozen=True)
class Calls:
    arrived: str
    at_sea: str
    outbound: str


def _calls(now: datetime) -> Calls:
    imo = generator.fleet(9)
    voyage = f"{now:%y%m}"
    return Calls(f"{imo[0]}/{voyage}N/{PORT}", f"{imo[1]}/{voyage}N/{PORT}", f"{imo[2]}/{voyage}S/{PORT}")


def _partner_events(calls: Calls, boxes: dict[str, tuple[str, str]]) -> list[tuple[float, str, dict]]:
    """What the carrier and the terminal report about the inbound calls: (hours ago, source, event)."""

    def prev(call: str, port: str) -> str:
        return "/".join([*call.split("/")[:2], port])

    a, b = calls.arrived, calls.at_sea
    out = [
        (96, "COSCO", {"event_id": "portal-a-dep", "milestone": "TRANSPORT_DEPARTED", "port": "KRPUS",
                       "refs": {"transport_call": prev(a, "KRPUS")}}),
        (30, "COSCO", {"event_id": "portal-a-entry", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": PORT,
                       "refs": {"transport_call": a}}),
        (28, "COSCO", {"event_id": "portal-a-arri", "milestone": "TRANSPORT_ARRIVED", "port": PORT,
                       "refs": {"transport_call": a}}),
        (48, "COSCO", {"event_id": "portal-b-dep", "milestone": "TRANSPORT_DEPARTED", "port": "JPTYO",
                       "refs": {"transport_call": prev(b, "JPTYO")}}),
        (-20, "COSCO", {"event_id": "portal-b-eta", "milestone": "TRANSPORT_ARRIVED", "classifier": "EST",
                        "port": PORT, "refs": {"transport_call": b}}),
    ]
    out += [(26, "DCT", {"event_id": f"portal-disc-{box}", "milestone": "DISCHARGED", "port": PORT,
                         "refs": {"container": box, "bill_of_lading": bl, "transport_call": a}})
            for key, (bl, box) in boxes.items() if _plan(key).call == "arrived"]
    return out


def _plan(key: str) -> Plan:
    return next(p for p in PLANS if p.key == key)


def _principal(session: Session, username: str) -> Principal:
    person = partners_repo.get_person_by_username(session, username)
    if person is None:
        raise LookupError(f"demo person {username!r} is missing: run the demo organisations first")
    return partners_service.principal_for_person(session, person)


def _ingest(session: Session, source: str, events: list[dict], now: datetime) -> None:
    if not events:
        return
    org = partners_repo.get_org_by_code(session, source)
    data = "\n".join(json.dumps(e, ensure_ascii=False) for e in events).encode()
    events_service.ingest(session, source=source, org_id=org.id if org else None, data=data, fmt="jsonl",
                          channel="demo", now=now, actor="demo")


def already_loaded(session: Session) -> bool:
    broker = partners_repo.get_org_by_code(session, "DLBROKER")
    if broker is None:
        return False
    n = session.scalar(select(func.count()).select_from(DeclarationRecord)
                       .where(DeclarationRecord.declarant_org_id == broker.id))
    return bool(n)


def load(session: Session, *, now: datetime, progress: Callable[[str], None] | None = None) -> list[str]:
    """Lodge and work the demo declarations, interleaved in time with the partners' reports (an
    advance declaration is lodged before its vessel arrives, matched after); returns their numbers
    (none when already loaded)."""
    if already_loaded(session):
        return []
    calls = _calls(now)
    boxes = {p.key: (f"COSU{now:%y%m}{i:04d}", _box("CSNU", 600000 + (now.toordinal() % 3000) * 30 + i))
             for i, p in enumerate(PLANS)}
    people = {"broker": _principal(session, BROKER), "officer": _principal(session, OFFICER),
              "terminal": _principal(session, TERMINAL), "system": system("arrival-match")}
    consignee = partners_repo.get_org_by_code(session, CONSIGNEE)
    assert consignee is not None and consignee.uscc
    records: dict[str, DeclarationRecord] = {}
    for plan in PLANS:  # drafts first: an hour before the plan's first step
        bl, box = boxes[plan.key]
        first = max((h for _, _, h in plan.steps), default=1.0) + 1
        records[plan.key] = declarations.create(
            session, actor=people["broker"], now=now - timedelta(hours=first), fields=DraftFields(
                direction=plan.direction, consignee_uscc=consignee.uscc, consignee_name=consignee.name,
                port=PORT, items=[ItemFields(plan.hs_code, plan.description, "20", "TNE", "480000", "CNY",
                                             "AU" if plan.direction == "I" else "CN")],
                modes=plan.modes, transport_call=getattr(calls, plan.call), bill_of_lading=bl,
                containers=[box], warehouse=plan.warehouse, bonded_zone=plan.bonded_zone))
    timeline: list[tuple[float, int, Callable[[datetime], object]]] = []
    for n, (hours_ago, source, event) in enumerate(_partner_events(calls, boxes)):
        timeline.append((hours_ago, n, lambda at, source=source, event=event:
                         _report(session, source, event, at)))
    for plan in PLANS:
        rec, (bl, box) = records[plan.key], boxes[plan.key]
        for i, (who, step, hours_ago) in enumerate(plan.steps):
            timeline.append((hours_ago, 1000 + i, lambda at, rec=rec, who=who, step=step, bl=bl, box=box:
                             _step(session, people, rec, who, step, at, now, bl, box)))
    for hours_ago, _, run in sorted(timeline, key=lambda t: (-t[0], t[1])):
        run(now - timedelta(hours=hours_ago))
    for plan in PLANS:
        if progress:
            progress(f"{plan.key}: {records[plan.key].number} {records[plan.key].status}")
    return [records[p.key].number for p in PLANS]


def _report(session: Session, source: str, event: dict, at: datetime) -> None:
    """A partner's event, received when it happened (an estimate: received now)."""
    _ingest(session, source, [{**event, "occurred_at": at.isoformat()}], min(at, datetime.now(at.tzinfo)))


# 无因不查: the demo's inspection cites its cause as an officer writes it.
DEMO_REASON = "先放后检：铁矿砂到港取样送检 (release before inspection: ore sampled for the lab)"


def _step(session: Session, people: dict[str, Principal], rec: DeclarationRecord, who: str, step: str,
          at: datetime, now: datetime, bl: str, box: str) -> None:
    if step == "arrive":  # the terminal reports the export boxes in (运抵)
        _report(session, TERMINAL_ORG, {"event_id": f"portal-in-{box}", "milestone": "GOODS_ARRIVED_AT_PORT",
                                        "port": PORT, "refs": {"container": box, "bill_of_lading": bl}}, at)
    elif step == "book":  # a slot at the ship's side, from the vessel's arrival on
        appointment_service.book(session, actor=people["broker"], number=rec.number, terminal=TERMINAL_ORG,
                                 slot_start=now - timedelta(hours=28), slot_end=now - timedelta(hours=25),
                                 now=at)
    elif step == "use":
        terminal = people["terminal"]
        mine = [a for a in appointment_service.list_visible(session, actor=terminal)
                if a.declaration_id == rec.id]
        appointment_service.act(session, actor=terminal, reference=mine[0].reference, step="use", now=at)
    else:
        declarations.act(session, actor=people[who], number=rec.number, action=step, now=at,
                         seal="DYW-2611-0042" if step == "start_movement" else None,
                         reason=DEMO_REASON if step == "order_inspection" else None)
