"""The docking view flags a partner whose feed has gone quiet, and reads in the page's terms."""

from __future__ import annotations

from datetime import timedelta

from tests.events.helpers import jsonl, shipment
from tests.factories import login

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def _batch(kouan, org, *, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source=org.code, org_id=org.id, data=jsonl(*shipment()), fmt="jsonl",
                              channel="test", now=utcnow() - timedelta(days=days_ago, hours=1), actor="tests")


def test_a_feed_silent_for_a_week_is_flagged_and_a_live_one_is_not(client, world, kouan):
    _batch(kouan, world.terminal, days_ago=10)
    _batch(kouan, world.trader_a, days_ago=6)
    login(client, world.port_office.admin)
    rows = {r["source"]: r for r in client.get("/api/v1/docking").json()}
    assert rows[world.terminal.code]["silent_days"] == 10
    assert rows[world.trader_a.code]["silent_days"] is None  # six days: not yet
    page = client.get("/docking").text
    # each feed by its organisation's name, the code as secondary text
    terminal_row = page.split(f'<small class="code">{world.terminal.code}</small>')[1].split("</tr>")[0]
    trader_row = page.split(f'<small class="code">{world.trader_a.code}</small>')[1].split("</tr>")[0]
    assert 'data-testid="silent"' in terminal_row and "10" in terminal_row
    assert 'data-testid="silent"' not in trader_row


def test_an_organisation_without_a_feed_is_told_it_is_its_own(client, world):
    login(client, world.trader_b.admin)
    page = client.get("/docking").text
    assert "贵单位尚未推送数据" in page and "尚无单位推送数据" not in page
