"""Milestones and classifiers are shown by name, in the page's language: never only as a code such
as CUSTOMS_RELEASED or EST."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from tests.dashboard.helpers import CASES, csv_rows, seed
from tests.events.helpers import jsonl
from tests.factories import login

from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.domain import (
    CLASSIFIER_NAMES,
    MILESTONE_NAMES,
    Classifier,
    Milestone,
    classifier_name,
    milestone_name,
)
from kouan.kit.clock import utcnow
from kouan.partners.domain import system
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


def classifier_column(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return [" ".join(row[2].split()) for row in parser.rows if len(row) == 6]


def test_every_classifier_has_an_english_and_a_chinese_name():
    assert set(CLASSIFIER_NAMES) == set(Classifier)
    for c in Classifier:
        english, chinese = gettext("en", classifier_name(c)), gettext("zh_CN", classifier_name(c))
        assert english != c.value and CJK.search(chinese) and not CJK.search(english), (c, english, chinese)
    assert classifier_name("XYZ") == "XYZ"


@pytest.mark.parametrize(("locale", "names"), [("en", {"ACT": "Actual", "EST": "Estimated", "PLN": "Planned"}),
                                               ("zh_CN", {"ACT": "实际", "EST": "预计", "PLN": "计划"})])
def test_the_consignment_timeline_names_its_classifiers_and_keeps_the_code(seeded, kouan, client, locale, names):
    case = CASES[0]
    call = f"9321483/{case.serial:04d}N/{case.port}"
    expected = [{"event_id": "eta-1", "milestone": "TRANSPORT_ARRIVED", "classifier": "EST", "port": case.port,
                 "occurred_at": "2022-03-04T08:00:00+08:00", "refs": {"transport_call": call}},
                {"event_id": "pln-1", "milestone": "GATE_OUT", "classifier": "PLN", "port": case.port,
                 "occurred_at": "2022-03-09T08:00:00+08:00",
                 "refs": {"declaration": case.declaration, "bill_of_lading": f"BLI{case.serial}"}}]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=jsonl(*expected), fmt="jsonl",
                              channel="test", now=utcnow(), actor="tests")
    client.cookies.set("kouan_lang", locale)
    html = client.get(f"/consignments/{case.declaration}").text
    shown = classifier_column(html)
    assert {f"{names[code]} {code}" for code in names} == set(shown), shown
    assert "<small><code>EST</code></small>" in html
    api = client.get(f"/api/v1/consignments/{case.declaration}").json()
    assert {e["classifier"] for e in api["events"]} == {"ACT", "EST", "PLN"}  # the API keeps the codes
