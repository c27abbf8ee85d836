"""Pure pricing and the template's rules (kouan.fees.domain): band edges, 择大, diffs, refusals."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kouan.fees import domain
from kouan.fees.domain import Boxes, PublishedList, Shipment, Unit

DATA = Path(__file__).parent.parent / "data" / "fees_hubei_examples.csv"


def _lists(path: Path = DATA) -> list[PublishedList]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    lists, errors = domain.parse_rows(rows[0], list(enumerate(rows[1:], 2)))
    assert errors == []
    return [
        PublishedList(
            payee=payee,
            payee_name=payee,
            version=1,
            version_id=1,
            effective_from=rs[0].effective_from,
            bands=tuple(r.band for r in rs),
        )
        for (_port, payee), rs in lists.items()
    ]


def _ship(size: str, days: int, *, ctype: str = "GP", count: int = 1, **kw) -> Shipment:  # type: ignore[no-untyped-def]
    return Shipment(
        port="CNDAL",
        trade="foreign",
        direction="I",
        on=date(2022, 3, 15),
        containers=(Boxes(size, ctype, True, count, days),),
        **kw,
    )


def _demurrage(est: domain.Estimate) -> list[tuple[int, str, str]]:
    return [
        (b.band.day_from, str(b.quantity), str(b.amount))
        for b in est.lines  # type: ignore[misc]
        if b.item == "DEMURRAGE"
    ]


# (days, expected (day_from, container-days, amount) per tier) for one 20' and one 40' GP box:
# free 1–7; 8–14 85/170; 15–21 170/340; 22+ 340/680 (business-rules.md 2.1).
EDGES = [
    (7, [], []),
    (8, [(8, "1", "85.00")], [(8, "1", "170.00")]),
    (14, [(8, "7", "595.00")], [(8, "7", "1190.00")]),
    (15, [(8, "7", "595.00"), (15, "1", "170.00")], [(8, "7", "1190.00"), (15, "1", "340.00")]),
    (21, [(8, "7", "595.00"), (15, "7", "1190.00")], [(8, "7", "1190.00"), (15, "7", "2380.00")]),
    (
        22,
        [(8, "7", "595.00"), (15, "7", "1190.00"), (22, "1", "340.00")],
        [(8, "7", "1190.00"), (15, "7", "2380.00"), (22, "1", "680.00")],
    ),
    (
        30,
        [(8, "7", "595.00"), (15, "7", "1190.00"), (22, "9", "3060.00")],
        [(8, "7", "1190.00"), (15, "7", "2380.00"), (22, "9", "6120.00")],
    ),
]


@pytest.mark.parametrize(("days", "twenty", "forty"), EDGES)
def test_demurrage_is_right_at_every_band_edge_for_20_and_40_foot_boxes(days, twenty, forty):  # type: ignore[no-untyped-def]
    lists = _lists()
    assert _demurrage(domain.estimate(_ship("20", days), lists)) == twenty
    assert _demurrage(domain.estimate(_ship("40", days), lists)) == forty


def test_a_box_within_its_free_days_is_explained_not_priced():
    est = domain.estimate(_ship("40", 7), _lists())
    [why] = [a for a in est.absent if a.item == "DEMURRAGE"]
    assert why.code == "free_days" and "7 free days" in why.reason


def test_the_total_is_the_sum_of_the_lines_and_counts_multiply():
    est = domain.estimate(_ship("40", 23, count=2, declarations=1), _lists())
    assert est.total == sum(line.amount for line in est.lines)
    # 2 boxes: 7 days × 170 + 7 × 340 + 2 × 680, times two; doc fee 450; seal 2 × 30
    assert est.total == Decimal(2 * (7 * 170 + 7 * 340 + 2 * 680) + 450 + 60)


def test_a_high_cube_box_takes_its_own_tiers():
    est = domain.estimate(_ship("40", 8, ctype="HC"), _lists())
    assert _demurrage(est) == [(8, "1", "190.00")]


def test_a_45_foot_box_without_a_rate_is_named_absent_with_the_reason():
    est = domain.estimate(_ship("45", 10), _lists())
    [why] = [a for a in est.absent if a.item == "DEMURRAGE"]
    assert why.code == "no_box_rate" and "45' GP full" in why.reason
    assert any(line.item == "SEAL" for line in est.lines)  # any-size seal still applies


def _band(**kw) -> domain.Band:  # type: ignore[no-untyped-def]
    base = {
        "item": "TALLY",
        "name_zh": "理箱",
        "name_en": "Container tally",
        "regime": domain.Regime.MARKET,
        "unit": Unit.CONTAINER,
        "rate": Decimal("14"),
    }
    return domain.Band(**{**base, **kw})


def test_tally_by_trade_and_size_leaves_out_other_trades_with_the_reason():
    bands = (
        _band(size="20", trade="foreign", rate=Decimal(14)),
        _band(size="40", trade="foreign", rate=Decimal(28)),
        _band(size="20", trade="domestic", rate=Decimal(10)),
    )
    pl = PublishedList("DLTALLY", "x", 2, 9, date(2022, 1, 1), bands)
    est = domain.estimate(_ship("40", 1), [pl])
    [line] = est.lines
    assert (line.rate, line.version, line.band.trade) == (Decimal(28), 2, "foreign")
    domestic = Shipment(
        port="CNDAL",
        trade="transhipment",
        direction="I",
        on=date(2022, 3, 1),
        containers=(Boxes("20", "GP", True, 1),),
    )
    [why] = domain.estimate(domestic, [pl]).absent
    assert why.code == "other_trade" and "domestic/foreign" in why.reason


def test_whichever_greater_takes_the_larger_of_tons_and_cubic_metres():
    b = _band(item="BB_TALLY", unit=Unit.TON_OR_FREIGHT_TON, rate=Decimal(2))
    pl = PublishedList("DLTALLY", "x", 1, 1, date(2022, 1, 1), (b,))
    heavy = Shipment(
        "CNDAL", "foreign", "I", date(2022, 3, 1), cargo_tons=Decimal("120.5"), cargo_m3=Decimal(80)
    )
    light = Shipment(
        "CNDAL", "foreign", "I", date(2022, 3, 1), cargo_tons=Decimal(50), cargo_m3=Decimal("90.25")
    )
    assert domain.estimate(heavy, [pl]).total == Decimal("241.00")
    assert domain.estimate(light, [pl]).total == Decimal("180.50")
    assert (
        domain.estimate(Shipment("CNDAL", "foreign", "I", date(2022, 3, 1)), [pl]).absent[0].code
        == "no_quantity"
    )


def test_the_diff_names_added_removed_and_changed_items_with_old_and_new_rates():
    old = [_band(size="20", rate=Decimal(14)), _band(item="SEC", name_zh="保安费", rate=Decimal(5))]
    new = [_band(size="20", rate=Decimal(12)), _band(item="SEAL", name_zh="铅封", rate=Decimal(30))]
    got = {c.item: c for c in domain.diff(old, new)}
    assert got["TALLY"].change == "changed" and got["TALLY"].bands[0].old_rate == "14.00"
    assert got["TALLY"].bands[0].new_rate == "12.00"
    assert got["SEC"].change == "removed" and got["SEAL"].change == "added"
    assert domain.diff(new, new) == []


HEADER = ",".join(domain.TEMPLATE)


def _parse(*lines: str):  # type: ignore[no-untyped-def]
    rows = list(csv.reader([HEADER, *lines]))
    return domain.parse_rows(rows[0], list(enumerate(rows[1:], 2)))


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("CNDAL,P,TALLY,理箱,Tally,government,container,20,GP,true,foreign,I,abc,CNY,,,,2022-01-01,", "rate"),
        ("CNDAL,P,TALLY,理箱,Tally,set,container,20,GP,true,foreign,I,1,CNY,,,,2022-01-01,", "regime"),
        ("CNDAL,P,TALLY,理箱,Tally,market,box,20,GP,true,foreign,I,1,CNY,,,,2022-01-01,", "unit"),
        ("CNDAL,P,TALLY,理箱,Tally,market,container,30,GP,true,foreign,I,1,CNY,,,,2022-01-01,", "size"),
        ("CNDAL,P,TALLY,理箱,Tally,market,container,20,GP,yes,foreign,I,1,CNY,,,,2022-01-01,", "full"),
        ("CNDAL,P,TALLY,理箱,Tally,market,container,20,GP,true,inland,I,1,CNY,,,,2022-01-01,", "trade"),
        ("CNDAL,P,TALLY,理箱,Tally,market,container,20,GP,true,foreign,I,1,CNY,,3,,2022-01-01,", "day_from"),
        ("CNDAL,P,DEM,滞箱费,Dem,market,container_day,20,GP,,,,1,CNY,7,,,2022-01-01,", "day_from"),
        ("CNDAL,P,DEM,滞箱费,Dem,market,container_day,20,GP,,,,1,CNY,7,9,8,2022-01-01,", "day_to"),
        ("CNDAL,P,DOC,文件费,Doc,market,declaration,20,,,,,1,CNY,,,,2022-01-01,", "size"),
        ("CNDAL,P,DOC,文件费,Doc,market,declaration,,,,,,1,CNY,,,,2022-13-01,", "effective_from"),
        ("CNDAL,P,DOC,,Doc,market,declaration,,,,,,1,CNY,,,,2022-01-01,", "name_zh"),
    ],
)
def test_a_bad_cell_is_refused_with_its_line_and_column(row, column):  # type: ignore[no-untyped-def]
    good = "CNDAL,P,SEAL,铅封,Seal,market,container,,,,,,30,CNY,,,,2022-01-01,"
    lists, errors = _parse(good, row)
    assert [(e.line, e.column) for e in errors][:1] == [(3, column)]


def test_overlapping_day_tiers_and_two_dates_in_one_list_are_refused():
    _, errors = _parse(
        "CNDAL,P,DEM,滞箱费,Dem,market,container_day,20,GP,,,,1,CNY,7,8,14,2022-01-01,",
        "CNDAL,P,DEM,滞箱费,Dem,market,container_day,20,GP,,,,2,CNY,7,14,,2022-01-01,",
        "CNDAL,P,SEAL,铅封,Seal,market,container,,,,,,30,CNY,,,,2022-02-01,",
    )
    assert {(e.line, e.column) for e in errors} == {(3, "day_from"), (4, "effective_from")}


def test_a_wrong_header_is_refused_at_line_1():
    _, errors = domain.parse_rows(["port", "payee"], [])
    assert errors[0].line == 1 and errors[0].column == "item"


def test_rules_from_a_document_override_one_kind_and_add_caps():
    rules = domain.rules_from(
        {
            "required": {"tally": ["TALLY", "TALLY_DOCS"]},
            "caps": [{"item": "PORT_DUES", "unit": "container", "size": "20", "rate": "25.6"}],
        }
    )
    assert rules.required["tally"] == ("TALLY", "TALLY_DOCS") and rules.required["terminal"] == (
        "HANDLING",
        "STORAGE",
    )
    dues = _band(item="PORT_DUES", regime=domain.Regime.GOVERNMENT, size="20", rate=Decimal("32"))
    assert [c.item for _b, c in domain.above_cap([dues], rules)] == ["PORT_DUES"]
    assert domain.missing_items("tally", [_band()], rules) == ["TALLY_DOCS"]
