"""The one-stop vessel-schedule and port-gathering view (issue #17 part 4), on SQLite and
PostgreSQL: a booking's call times (estimated, planned, actual) and cut-off from partner events,
how many of its boxes have reached the port — counted by one aggregate statement, on a call that
carries 2,000 other boxes —, the advance-declaration prompt, and who may see what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from tests.events.helpers import jsonl
from tests.factories import bearer, login, run_jobs

from kouan.gathering import service
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import OrgKind, Principal, Role

CALL = "9321483/2150W/CNDAL"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
NOISE = 2000


def box(n: int, owner: str = "CSQ") -> str:
    body = f"{owner}U{n:06d}"
    return body + str(iso6346_check_digit(body))


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def e(eid: str, milestone: str, hours: float, classifier: str = "ACT", **refs) -> dict:  # type: ignore[no-untyped-def]
    return {"event_id": eid, "milestone": milestone, "classifier": classifier, "occurred_at": at(hours),
            "port": "CNDAL", "refs": refs}


MINE = [box(1), box(2), box(3)]


def send(client, key: str, *events: dict) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/events", content=jsonl(*events), headers={**bearer(key), "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200 and r.json()["quarantined"] == 0, r.text


@pytest.fixture
def export_booking(client, kouan, world):  # type: ignore[no-untyped-def]
    carrier, terminal, trader = world.carrier.key, world.terminal.key, world.trader_a.key
    send(client, carrier,
         e("dep-est", "TRANSPORT_DEPARTED", 60, "EST", transport_call=CALL),
         e("dep-pln", "TRANSPORT_DEPARTED", 62, "PLN", transport_call=CALL),
         e("arr-est", "TRANSPORT_ARRIVED", 20, "EST", transport_call=CALL),
         e("mf-1", "MANIFEST_FILED", 1, bill_of_lading="COSU6400000001", booking="BKDL0001",
           transport_call=CALL, container=MINE),
         e("mf-2", "MANIFEST_FILED", 1, bill_of_lading="COSU6400000002", booking="BKDL0002",
           transport_call=CALL, container=[box(9)]),
         # Another shipper's 2,000 boxes on the same call, all at the port already.
         e("mf-big", "MANIFEST_FILED", 1, bill_of_lading="COSU6400000999", booking="BKDL0999",
           transport_call=CALL, container=[box(n, "MSK") for n in range(NOISE)]))
    send(client, terminal,
         e("arr-act", "TRANSPORT_ARRIVED", 22, transport_call=CALL),
         e("cutoff", "CARGO_CUTOFF", 50, "PLN", transport_call=CALL),
         e("gtin-1", "GOODS_ARRIVED_AT_PORT", 30, container=MINE[0]),
         e("gtin-2", "GOODS_ARRIVED_AT_PORT", 31, container=MINE[1]),
         # box 3 was at the port on an earlier trip, not on this one
         e("gtin-old", "GOODS_ARRIVED_AT_PORT", -24 * 90, container=MINE[2]),
         *(e(f"gtin-big-{n}", "GOODS_ARRIVED_AT_PORT", 25, container=box(n, "MSK")) for n in range(NOISE)))
    # A claim is never shown as the call's time: the trader states no vessel's arrival.
    send(client, trader,
         e("decl-1", "DECLARATION_LODGED", 10, declaration="090020261000000001", booking="BKDL0001"),
         e("fake-arr", "TRANSPORT_ARRIVED", 5, transport_call=CALL))
    run_jobs(kouan)


def test_the_one_stop_view_of_an_export_booking_shows_the_calls_times_its_cutoff_and_its_boxes_at_the_port(
        client, kouan, world, export_booking):
    r = client.get("/api/v1/gathering/BKDL0001?rates=true", headers=bearer(world.trader_a.key))
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["whole"] and v["bookings"] == ["BKDL0001"] and v["bills_of_lading"] == ["COSU6400000001"]
    [call] = v["calls"]
    assert call["transport_call"] == CALL and call["vessel"] == "9321483" and call["port"] == "CNDAL"
    got = lambda d: {k: datetime.fromisoformat(t) for k, t in d.items()}  # noqa: E731
    assert got(call["arrival"]) == {"EST": T0 + timedelta(hours=20), "ACT": T0 + timedelta(hours=22)}
    assert got(call["departure"]) == {"EST": T0 + timedelta(hours=60), "PLN": T0 + timedelta(hours=62)}
    assert datetime.fromisoformat(call["cutoff"]) == T0 + timedelta(hours=50) and call["cutoff_source"] == "DCT"
    assert (v["containers"], v["containers_at_port"]) == (3, 2)
    assert v["declared_in_advance"] is True and v["prompt"] is None
    assert v["seed_figure"]["advance_rate"] == 0.74 and v["seed_figure"]["yoy_points"] == 16
    assert isinstance(v["advance_rates"], list)

    # The same on the page, in Chinese and in English.
    login(client, world.trader_a.admin)
    zh = client.get("/gathering?ref=BKDL0001&lang=zh_CN").text
    assert "船讯与集港" in zh and "3 个集装箱中已有 2 个运抵港区" in zh and "集港截止" in zh
    beijing = (T0 + timedelta(hours=50)).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert beijing.strftime("%Y-%m-%d %H:%M") in zh
    en = client.get("/gathering?ref=COSU6400000001&lang=en").text
    assert "2 of 3 containers have reached the port." in en and "+16 points year on year" in en


def test_the_boxes_at_the_port_are_counted_by_one_statement_whatever_the_calls_size(kouan, world, export_booking):
    me = Principal(kind="person", id=1, org_id=world.trader_a.id, org_kind=OrgKind.TRADER, role=Role.ADMIN,
                   org_code="TRADERA")
    with kouan.sessions() as s:
        view = service.one_stop(s, actor=me, ref="BKDL0001")
        cid = view.consignment_id
        statements: list[str] = []
        listen = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(kouan.engine, "before_cursor_execute", listen)
        try:
            assert service.boxes_at_port(s, cid, "CNDAL")[:2] == (3, 2)
        finally:
            event.remove(kouan.engine, "before_cursor_execute", listen)
        # One aggregate statement, and a second (also aggregate) only for box 3's earlier-trip gate-in.
        assert len(statements) == 2 and all("count(DISTINCT" in q for q in statements)
        # The big shipper's own view counts its 2,000 boxes the same way.
        big = service.one_stop(s, actor=Principal(kind="system", id=None, org_id=None, org_kind=OrgKind.OPERATOR,
                                                  role=Role.ADMIN, name="t"), ref="BKDL0999")
        assert (big.containers, big.at_port) == (NOISE, NOISE)


def test_a_booking_without_a_declaration_prompts_to_declare_in_advance_and_outsiders_see_nothing(
        client, kouan, world, export_booking):
    r = client.get("/api/v1/gathering/BKDL0002", headers=bearer(world.carrier.key))
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["whole"] and v["declared_at"] is None and v["prompt"].startswith("Declare in advance")
    assert (v["containers"], v["containers_at_port"]) == (1, 0)
    assert client.get("/api/v1/gathering/BKDL0001", headers=bearer(world.trader_b.key)).status_code == 404
    login(client, world.trader_b.admin)
    assert client.get("/gathering?ref=BKDL0001").status_code == 404
