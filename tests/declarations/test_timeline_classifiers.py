"""A declaration's timeline names a planned or estimated event's classifier in the page's language,
with the code as its title."""

from __future__ import annotations

import re

import pytest
from tests.declarations.test_ship_side import accepted_ship_side, slot


@pytest.mark.parametrize(("lang", "planned"), [("zh-CN", "计划"), ("en", "Planned")])
def test_the_booked_gate_out_is_shown_as_planned_by_name(client, world, lang, planned):
    number, trader = accepted_ship_side(client, world)
    r = client.post(f"/api/v1/declarations/{number}/appointments", json=slot(), headers=trader)
    assert r.status_code == 201, r.text
    page = client.get(f"/declarations/{number}?lang={lang}").text
    timeline = page.split('data-testid="timeline"', 1)[1].split("</table>", 1)[0]
    rows = [row for row in timeline.split("<tr") if 'class="planned"' in row]
    assert len(rows) == 1, rows
    assert re.search(rf'\(<span class="classifier" title="PLN">{planned}</span>\)', rows[0]), rows[0]
    assert "(planned)" not in timeline
