"""A small event log for the dashboard tests: two Liaoning ports and Shanghai, two months, both
directions, several facilitation modes, declarations lodged by two traders' systems."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.events.helpers import jsonl
from tests.factories import run_jobs

from kouan.clearance import figures
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

NATIONAL = ("scope,month,direction,hours\nCN,2022-03,I,40.09\nCN,2022-03,E,1.36\n"
            "CN,2017,I,97.39\nCN,2017,E,12.29\n")
MONTH_START = {"2022-02": datetime.fromisoformat("2022-02-03T08:00:00+08:00"),
               "2022-03": datetime.fromisoformat("2022-03-05T08:00:00+08:00")}


@dataclass(frozen=True)
class Case:
    serial: int
    direction: str
    month: str
    hours: float
    port: str = "CNDAL"
    mode: str = "standard"
    lodged_by: str = "TRADERA"

    @property
    def declaration(self) -> str:
        office = "2200" if self.port == "CNSHA" else "0900"
        return f"{office}2022{'1' if self.direction == 'I' else '0'}{self.serial:09d}"


CASES = (
    Case(1, "I", "2022-03", 30.0, mode="standard"),
    Case(2, "I", "2022-03", 40.0, mode="advance"),
    Case(3, "I", "2022-03", 50.0, mode="two_step", lodged_by="TRADERB"),
    Case(4, "I", "2022-03", 20.0, port="CNYIK", lodged_by="TRADERB"),
    Case(5, "I", "2022-02", 60.0, mode="advance"),
    Case(6, "I", "2022-02", 44.0, port="CNYIK", lodged_by="TRADERB"),
    Case(7, "E", "2022-03", 0.5, mode="advance"),
    Case(8, "E", "2022-03", 1.5, lodged_by="TRADERB"),
    Case(9, "E", "2022-02", 2.0, port="CNYIK"),
    Case(10, "I", "2022-03", 10.0, port="CNSHA", lodged_by="TRADERB"),
)


def _lodged(c: Case, at: datetime, refs: dict) -> dict:
    return {"event_id": f"lodged-{c.serial}", "milestone": "DECLARATION_LODGED", "port": c.port,
            "occurred_at": at.isoformat(), "refs": {"declaration": c.declaration, **refs},
            "attrs": {"facilitation_modes": [c.mode]}}


def events(c: Case) -> tuple[list[dict], dict]:
    """(terminal and customs events, the trader's lodged event) of one case."""
    start = MONTH_START[c.month] + timedelta(days=c.serial % 7)
    released = {"event_id": f"rel-{c.serial}", "milestone": "CUSTOMS_RELEASED", "port": c.port,
                "occurred_at": (start + timedelta(hours=c.hours)).isoformat(),
                "refs": {"declaration": c.declaration}}
    if c.direction == "I":
        call = f"9321483/{c.serial:04d}N/{c.port}"
        return [
            {"event_id": f"entry-{c.serial}", "milestone": "TRANSPORT_ENTRY_DECLARED", "port": c.port,
             "occurred_at": start.isoformat(), "refs": {"transport_call": call}},
            {"event_id": f"mf-{c.serial}", "milestone": "MANIFEST_FILED", "port": c.port,
             "occurred_at": (start - timedelta(days=3)).isoformat(),
             "refs": {"transport_call": call, "bill_of_lading": f"BLI{c.serial}"}},
            released,
        ], _lodged(c, start + timedelta(hours=c.hours / 4), {"bill_of_lading": f"BLI{c.serial}"})
    body = f"KOAU{c.serial:06d}"
    box = body + str(iso6346_check_digit(body))
    return [
        {"event_id": f"gate-{c.serial}", "milestone": "GOODS_ARRIVED_AT_PORT", "port": c.port,
         "occurred_at": start.isoformat(), "refs": {"container": box}},
        released,
    ], _lodged(c, start - timedelta(hours=2), {"booking": f"BK{c.serial}", "container": box})


def seed(kouan) -> None:  # type: ignore[no-untyped-def]
    """Store the log (terminal and customs events as DCT, lodged events as each trader's feed)
    and the national reference figures."""
    feeds: dict[str, list[dict]] = {"DCT": []}
    for c in CASES:
        others, lodged = events(c)
        feeds["DCT"] += others
        feeds.setdefault(c.lodged_by, []).append(lodged)
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for source, evs in feeds.items():
            events_service.ingest(s, source=source, org_id=None, sender=KOUAN, data=jsonl(*evs), fmt="jsonl",
                                  channel="test", now=utcnow(), actor="tests")
        figures.store(s, figures.parse_csv(NATIONAL), now=utcnow())
    run_jobs(kouan)  # the batches' case refresh, as the worker runs it after the commit


def cases(**match: object) -> list[Case]:
    return [c for c in CASES if all(getattr(c, k) == v for k, v in match.items())]


def csv_rows(body: bytes) -> list[list[str]]:
    import csv
    import io

    assert body.startswith("\ufeff".encode()), "the CSV starts with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def drill_links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'class="consignment-link" href="([^"]+)"', html)]
