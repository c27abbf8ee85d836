"""Milestones are shown by name, in the page's language: never as a code such as CUSTOMS_RELEASED."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from tests.dashboard.helpers import CASES, csv_rows, seed
from tests.factories import login

from kouan.events.domain import MILESTONE_NAMES, Milestone, milestone_name
from kouan.web.i18n import gettext

CODES = {m.value for m in Milestone}
CJK = re.compile(r"[\u4e00-\u9fff]")


class _Cells(HTMLParser):
    """The text of every <td> of every timeline table, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._cell is not None:
            self._cell.append(data)


def milestone_column(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return [row[1] for row in parser.rows if len(row) == 6]


def test_every_milestone_of_the_vocabulary_has_an_english_and_a_chinese_name():
    assert set(MILESTONE_NAMES) == set(Milestone)
    for m in Milestone:
        english, chinese = gettext("en", milestone_name(m)), gettext("zh_CN", milestone_name(m))
        assert english not in CODES and not re.fullmatch(r"[A-Z_]+", english), m
        assert CJK.search(chinese) and not CJK.search(english), (m, english, chinese)
    assert len({milestone_name(m) for m in Milestone}) == len(Milestone), "two milestones share a name"
    assert milestone_name("NOT_A_MILESTONE") == "NOT_A_MILESTONE"


@pytest.fixture
def seeded(kouan, world, client):
    seed(kouan)
    login(client, world.port_office.admin)
    return world


@pytest.mark.parametrize("case", [CASES[0], CASES[6]], ids=["import", "export"])
def test_the_english_consignment_timeline_names_its_milestones(seeded, client, case):
    client.cookies.set("kouan_lang", "en")
    html = client.get(f"/consignments/{case.declaration}").text
    shown = milestone_column(html)
    assert shown and not CODES & set(shown), shown
    assert "Customs released" in shown and "Declaration lodged" in shown
    client.cookies.set("kouan_lang", "zh_CN")
    assert "海关放行" in milestone_column(client.get(f"/consignments/{case.declaration}").text)


def test_the_english_gantt_chart_and_its_csv_name_the_milestones(seeded, client):
    decl = CASES[0].declaration
    data = client.get("/api/v1/dashboard/gantt", params={"ref": decl, "lang": "en"}).json()
    names = [p["milestone"] for p in data["points"]]
    assert names and not CODES & set(names), names
    assert {"Transport entry declared", "Manifest filed", "Declaration lodged", "Customs released"} <= set(names)
    assert not CODES & {row[1] for row in data["table"]["rows"]}
    rows = csv_rows(client.get("/api/v1/dashboard/gantt", params={"ref": decl, "lang": "en",
                                                                  "format": "csv"}).content)
    assert rows[1:] and not CODES & {r[1] for r in rows[1:]}
    zh = client.get("/api/v1/dashboard/gantt", params={"ref": decl, "lang": "zh-CN"}).json()
    assert "海关放行" in {p["milestone"] for p in zh["points"]}
