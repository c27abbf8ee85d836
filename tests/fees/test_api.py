"""/api/v1/fees end to end on SQLite and PostgreSQL: import, versions and diffs, public reads,
the estimate before and after a change, who may publish, audit."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from tests.fees.conftest import csv_of

from kouan.audit.models import AuditEntry
from kouan.fees.models import FeeBand, FeeVersion

SHIPMENT = {
    "port": "CNDAL",
    "trade": "foreign",
    "direction": "I",
    "on": "2022-03-15",
    "declarations": 1,
    "containers": [{"size": "40", "type": "GP", "full": True, "count": 2, "days": 23}],
}


def _count(kouan, model) -> int:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_an_import_makes_one_version_per_list_and_anyone_reads_it_without_login(client, published):
    [v] = published["versions"]
    assert (v["port"], v["payee"], v["version"], v["effective_from"]) == (
        "CNDAL",
        "COSCOFEE",
        1,
        "2022-01-01",
    )
    assert {c["item"] for c in v["diff"]} == {"DEMURRAGE", "DOC_FEE", "SEAL"}
    r = client.get("/api/v1/fees", params={"port": "CNDAL", "on": "2022-02-01"})
    assert r.status_code == 200
    [lst] = r.json()
    assert lst["payee"] == "COSCOFEE" and len(lst["items"]) == 11
    assert client.get("/api/v1/fees", params={"port": "CNDAL", "on": "2021-12-31"}).json() == []
    found = client.get("/api/v1/fees", params={"q": "铅封"}).json()
    assert [i["item"] for i in found[0]["items"]] == ["SEAL"]


def test_the_same_file_again_makes_no_version(client, fees, published):
    from tests.fees.conftest import CSV

    r = client.post("/api/v1/fees/import", content=CSV, headers=fees.a.writer)
    assert r.json() == {"versions": [], "unchanged": ["CNDAL/COSCOFEE"]}


def test_a_bad_row_is_refused_with_line_and_column_and_nothing_is_applied(client, kouan, fees):
    body = csv_of(
        "CNDAL,DLTALLYX,TALLY,理箱,Tally,market,container,20,,,foreign,,14,CNY,,,,2022-01-01,",
        "CNDAL,COSCOFEE,SEAL,铅封,Seal,market,container,,,,,,30,CNY,,,,2022-01-01,",
        "CNDAL,COSCOFEE,DOC_FEE,文件费,Doc,market,declaration,,,,,,4x0,CNY,,,,2022-01-01,",
    )
    r = client.post("/api/v1/fees/import", content=body, headers=fees.a.writer)
    assert r.status_code == 422, r.text
    assert r.json()["rows"] == [
        {"line": 4, "column": "rate", "detail": "must be a number such as 170 or 10.8", "value": "4x0"}
    ]
    assert r.json()["errors"][0]["pointer"] == "line 4, column rate"
    assert _count(kouan, FeeVersion) == 0 and _count(kouan, FeeBand) == 0


def test_a_publisher_changes_only_its_own_lists(client, fees, published):
    body = csv_of("CNDAL,COSCOFEE,SEAL,铅封,Seal,market,container,,,,,,1,CNY,,,,2022-05-01,")
    r = client.post("/api/v1/fees/import", content=body, headers=fees.b.writer)
    assert r.status_code == 422 and r.json()["rows"][0]["column"] == "payee"
    put = client.put(
        "/api/v1/fees/lists/CNDAL/COSCOFEE",
        headers=fees.b.writer,
        json={"effective_from": "2022-05-01", "items": []},
    )
    assert put.status_code == 404
    assert client.post("/api/v1/fees/import", content=body, headers=fees.a.reader).status_code == 403
    assert client.post("/api/v1/fees/import", content=body).status_code == 401


def test_estimate_lines_name_version_and_band_and_sum_to_the_total(client, published):
    r = client.post("/api/v1/fees/estimate", json=SHIPMENT)
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["currency"] == "CNY"
    assert Decimal(e["total"]) == sum(Decimal(line["amount"]) for line in e["lines"])
    dem = [line for line in e["lines"] if line["item"] == "DEMURRAGE"]
    assert [(d["band"]["day_from"], d["quantity"], d["rate"], d["amount"]) for d in dem] == [
        (8, "14", "170.00", "2380.00"),
        (15, "14", "340.00", "4760.00"),
        (22, "4", "680.00", "2720.00"),
    ]
    assert {line["version"] for line in e["lines"]} == {1}
    assert set(SHIPMENT) <= set(e) | {"trade", "direction", "declarations", "containers"}
    assert {"payee", "item", "version", "unit", "quantity", "rate", "amount"} <= set(e["lines"][0])


def test_estimates_before_and_after_a_change_differ_exactly_by_the_changed_items(client, fees, published):
    # v2 from 2022-04-01: the doc fee goes up, the seal goes, a 45' demurrage tier arrives.
    current = client.get("/api/v1/fees/CNDAL/COSCOFEE/versions/1").json()["items"]
    items = [
        {
            k: i[k]
            for k in (
                "item",
                "name_zh",
                "name_en",
                "regime",
                "unit",
                "size",
                "type",
                "full",
                "trade",
                "direction",
                "rate",
                "currency",
                "free_days",
                "day_from",
                "day_to",
                "legal_basis",
            )
        }
        for i in current
        if i["item"] != "SEAL"
    ]
    for i in items:
        if i["item"] == "DOC_FEE":
            i["rate"] = "500"
    r = client.put(
        "/api/v1/fees/lists/CNDAL/COSCOFEE",
        headers=fees.a.writer,
        json={"effective_from": "2022-04-01", "note": "2022 notice", "items": items},
    )
    assert r.status_code == 200, r.text
    [v2] = r.json()["versions"]
    assert v2["version"] == 2 and v2["published_by"].startswith("PUBA/w")
    assert {(c["item"], c["change"]) for c in v2["diff"]} == {("DOC_FEE", "changed"), ("SEAL", "removed")}
    [doc] = [c for c in v2["diff"] if c["item"] == "DOC_FEE"]
    assert doc["bands"] == [{"band": "any", "old_rate": "450.00", "new_rate": "500.00"}]

    before = client.post("/api/v1/fees/estimate", json=SHIPMENT).json()
    after = client.post("/api/v1/fees/estimate", json={**SHIPMENT, "on": "2022-04-15"}).json()

    def key(line):  # type: ignore[no-untyped-def]
        return (line["item"], line["band"]["day_from"], line["amount"])

    only_before = {key(x) for x in before["lines"]} - {key(x) for x in after["lines"]}
    only_after = {key(x) for x in after["lines"]} - {key(x) for x in before["lines"]}
    assert only_before == {("DOC_FEE", None, "450.00"), ("SEAL", None, "60.00")}
    assert only_after == {("DOC_FEE", None, "500.00")}
    assert {x["version"] for x in before["lines"]} == {1} and {x["version"] for x in after["lines"]} == {2}
    assert Decimal(after["total"]) - Decimal(before["total"]) == Decimal(50 - 60)
    # the past stays as it was
    assert len(client.get("/api/v1/fees/CNDAL/COSCOFEE/versions/1").json()["items"]) == 11


def test_a_45_foot_box_is_explained_absent(client, published):
    ship = {**SHIPMENT, "containers": [{"size": "45", "type": "GP", "full": True, "count": 1, "days": 12}]}
    e = client.post("/api/v1/fees/estimate", json=ship).json()
    [why] = [a for a in e["absent"] if a["item"] == "DEMURRAGE"]
    assert why["code"] == "no_box_rate" and "45'" in why["reason"] and why["version"] == 1


def test_every_version_is_audited_with_its_publisher(client, kouan, fees, published):
    with kouan.sessions() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "fee_version.create")).all()
    assert len(rows) == 1 and rows[0].actor.startswith("apikey:") and rows[0].subject_org_id == fees.a.id


def test_item_history_and_change_feed(client, fees, published):
    client.put(
        "/api/v1/fees/lists/CNDAL/COSCOFEE",
        headers=fees.a.writer,
        json={
            "effective_from": "2022-04-01",
            "items": [
                {
                    "item": "SEAL",
                    "name_zh": "铅封",
                    "name_en": "Seal",
                    "regime": "market",
                    "unit": "container",
                    "rate": 35,
                }
            ],
        },
    )
    h = client.get("/api/v1/fees/CNDAL/COSCOFEE/items/SEAL").json()
    assert [(v["version"], v["changed"], v["bands"][0]["rate"]) for v in h["versions"]] == [
        (1, True, "30.00"),
        (2, True, "35.00"),
    ]
    doc = client.get("/api/v1/fees/CNDAL/COSCOFEE/items/DOC_FEE").json()
    assert [v["listed"] for v in doc["versions"]] == [True, False]
    feed = client.get("/api/v1/fees/changes", params={"since": "2020-01-01"}).json()
    assert [f["version"] for f in feed] == [2, 1]
    assert client.get("/api/v1/fees/changes", params={"since": "2999-01-01"}).json() == []


def test_an_item_left_out_on_request_is_named_absent_and_not_charged(client, published):
    e = client.post("/api/v1/fees/estimate", json={**SHIPMENT, "exclude": ["seal"]}).json()
    assert "SEAL" not in {line["item"] for line in e["lines"]}
    assert [a["code"] for a in e["absent"] if a["item"] == "SEAL"] == ["excluded"]
