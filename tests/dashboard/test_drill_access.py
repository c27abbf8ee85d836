"""Who lists which declarations behind a figure (``drill.listing_of``), on the page, the API and
the CSV alike, and every listed declaration links to a page its viewer can open."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.dashboard.helpers import MONTH_START, cases, csv_rows, seed
from tests.events.helpers import jsonl
from tests.factories import _org, login, valid_uscc

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

RANGE = {"from": "2022-02", "to": "2022-03", "region": "CN-LN"}
LIAONING = {c.declaration for c in cases() if c.port != "CNSHA"}


def box(serial: int) -> str:
    body = f"KOAU{serial:06d}"
    return body + str(iso6346_check_digit(body))


def start(serial: int):  # type: ignore[no-untyped-def]
    [c] = cases(serial=serial)
    return MONTH_START[c.month] + timedelta(days=serial % 7)


def other(event_id: str, at, refs: dict, port: str = "CNDAL") -> dict:  # type: ignore[no-untyped-def]
    """An event Kouan cannot map (milestone OTHER): on the timeline, out of every clock."""
    return {"event_id": event_id, "milestone": "OTHER", "port": port, "occurred_at": at.isoformat(),
            "refs": refs}


@pytest.fixture
def parties(kouan, world):  # type: ignore[no-untyped-def]
    """The dashboard log, plus an insurer, the commerce department, a shipping line and a second
    terminal, and a few events from them (and trader A) that name other companies' cargo."""
    with transaction(kouan.sessions, actor=system("tests")) as s:
        orgs = {
            "insurer": _org(s, "INS", "保险公司", "insurer", uscc=valid_uscc(11)),
            "commerce": _org(s, "LNCOM", "辽宁省商务厅", "commerce_bureau"),
            "line": world.carrier,  # COSCO, the world's shipping line
            "terminal": _org(s, "YKCT", "营口集装箱码头", "terminal", uscc=valid_uscc(13), port="CNYIK"),
            "forger": _org(s, "FORGER", "另一船公司", "shipping_line", uscc=valid_uscc(14)),
        }
    seed(kouan)
    three = cases(serial=3)[0].declaration  # trader B's
    feeds = {
        # Trader A's feed mentions trader B's declaration: that does not make it A's.
        "TRADERA": [other("a-on-3", start(3) + timedelta(hours=60), {"declaration": three})],
        # An insurer's key that sends an event naming a declaration still lists nothing.
        "INS": [other("ins-on-3", start(3) + timedelta(hours=60), {"declaration": three})],
        # The line files case 1's manifest, and only mentions case 2's bill and vessel; another line's
        # later manifest naming case 1's bill is a claim: it holds nothing.
        "COSCO": [manifest("bl-1", start(1) - timedelta(days=2), "BLI1"),
                  other("bl-2", start(2) - timedelta(days=2), {"bill_of_lading": "BLI2"}),
                  other("call-2", start(2) - timedelta(days=1), {"transport_call": "9321483/0002N/CNDAL"})],
        "FORGER": [manifest("bl-1-again", start(1) - timedelta(days=1), "BLI1")],
        # The terminal (at Yingkou) moves case 9's container during its trip, and case 7's box long
        # before its: a gate move names a container, it gives no stake in the cargo.
        "YKCT": [other("box-9", start(9) + timedelta(hours=1), {"container": box(9)}, port="CNYIK"),
                 other("box-7", start(7) - timedelta(days=45), {"container": box(7)}, port="CNYIK")],
    }
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for source, evs in feeds.items():
            report = events_service.ingest(s, source=source, org_id=None, sender=KOUAN, data=jsonl(*evs), fmt="jsonl",
                                           channel="test", now=utcnow(), actor="tests")
            assert report.stored == len(evs), report
    world.orgs.update({o.code: o for o in orgs.values()})
    return {**orgs, "trader_a": world.trader_a, "customs": world.customs, "port_office": world.port_office}


def manifest(event_id: str, at, bl: str) -> dict:  # type: ignore[no-untyped-def]
    return {"event_id": event_id, "milestone": "MANIFEST_FILED", "port": "CNDAL", "occurred_at": at.isoformat(),
            "refs": {"bill_of_lading": bl}}


def listed(client) -> tuple[set[str], list[str], dict, set[str]]:  # type: ignore[no-untyped-def]
    """(declarations on the page, their links, the API answer, declarations in the CSV)."""
    page = client.get("/dashboard/declarations", params=RANGE)
    assert page.status_code == 200
    table = page.text[page.text.index('id="drill-table"'):]
    on_page = set(re.findall(r">(\d{18})<", table))
    links = re.findall(r'class="consignment-link" href="([^"]+)"', table)
    api = client.get("/api/v1/dashboard/declarations", params=RANGE).json()
    csv = client.get("/api/v1/dashboard/declarations", params={**RANGE, "format": "csv"})
    assert csv.status_code == 200
    return on_page, links, api, {row[0] for row in csv_rows(csv.content)[1:]}


def check(client, parties, who: str, expected: set[str], *, linked: bool = True) -> dict:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    login(client, parties[who].admin)
    on_page, links, api, in_csv = listed(client)
    assert on_page == expected
    assert {r["declaration"] for r in api["rows"]} == expected
    assert in_csv == expected
    assert api["n"] == len(expected) and api["figure_n"] == len(LIAONING)
    if linked:
        assert sorted(links) == sorted(f"/consignments/{d}" for d in expected)
        assert [r["consignment"] for r in api["rows"]] == [f"/consignments/{r['declaration']}"
                                                          for r in api["rows"]]
        for link in links:  # every link opens for its viewer
            assert client.get(link).status_code == 200, (who, link)
    else:
        assert links == [] and all(r["consignment"] is None for r in api["rows"])
    return api


def test_the_port_office_and_the_commerce_department_list_every_declaration(parties, client):
    assert check(client, parties, "port_office", LIAONING)["listing"] == "all"
    api = check(client, parties, "commerce", LIAONING, linked=False)
    assert api["restricted"] is False and api["listing"] == "all"


def test_customs_list_their_district_and_open_each(parties, client):
    assert check(client, parties, "customs", LIAONING)["listing"] == "district"


def test_a_trader_lists_what_it_lodged_not_what_its_feed_mentions(parties, client):
    own = {c.declaration for c in cases(lodged_by="TRADERA")}
    api = check(client, parties, "trader_a", own)
    assert api["listing"] == "declared" and cases(serial=3)[0].declaration not in own


def test_a_shipping_line_lists_the_consignments_its_manifest_holds_not_those_it_mentions(parties, client):
    api = check(client, parties, "line", {cases(serial=1)[0].declaration})
    assert api["listing"] == "reported" and api["restricted"] is True


def test_a_later_manifest_by_another_line_holds_nothing(parties, client):
    check(client, parties, "forger", set())


def test_a_terminal_lists_the_consignments_called_at_its_port_not_the_boxes_it_moved(parties, client):
    at_yingkou = {c.declaration for c in cases(port="CNYIK")}
    assert at_yingkou and cases(serial=7)[0].declaration not in at_yingkou
    check(client, parties, "terminal", at_yingkou)


def test_an_insurer_lists_no_declaration_and_is_told_so(parties, client):
    api = check(client, parties, "insurer", set())
    assert api["listing"] == "none" and api["restricted"] is True
    page = client.get("/dashboard/declarations", params=RANGE).text
    assert "该数字共涉及9票，您可见0票" in page
    # The aggregate figures stay open to it.
    assert client.get("/api/v1/dashboard/trend", params=RANGE).status_code == 200
