"""Fee pages and the Atom feed: public reading and estimating in zh and en, the publisher's own
pages (upload and edit: a new version), the CLI import and estimate, Excel import."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import feedparser
import openpyxl
from tests.factories import login
from tests.fees.conftest import CSV, DATA, csv_of
from typer.testing import CliRunner

ATOM = "{http://www.w3.org/2005/Atom}"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_atom_feed_validates_as_atom(client, fees, published):
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
    r = client.get("/fees/changes.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10" and len(parsed.entries) == 2
    assert "SEAL" in parsed.entries[0].summary and "30.00 → 35.00" in parsed.entries[0].summary
    # RFC 4287 4.1.1/4.1.2: the feed and each entry carry id, title, updated; an author for all
    root = ET.fromstring(r.content)
    assert root.tag == f"{ATOM}feed"
    for el in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{el}") is not None, el
    ids = set()
    for entry in root.findall(f"{ATOM}entry"):
        for el in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{el}")) == 1, el
        assert (
            entry.find(f"{ATOM}link[@rel='alternate']") is not None
            and entry.find(f"{ATOM}summary") is not None
        )
        ids.add(entry.find(f"{ATOM}id").text)  # type: ignore[union-attr]
    assert len(ids) == 2


def test_public_pages_read_and_estimate_without_login_in_both_languages(client, published):
    zh = client.get("/fees", params={"port": "CNDAL", "on": "2022-03-01"})
    assert zh.status_code == 200 and "滞箱费" in zh.text and "收费公示" in zh.text
    en = client.get("/fees", params={"port": "CNDAL", "on": "2022-03-01", "lang": "en"})
    assert "Container demurrage" in en.text and "per container-day" in en.text
    printable = client.get("/fees/CNDAL", params={"on": "2022-03-01"})
    assert printable.status_code == 200 and "COSCOFEE" in printable.text
    assert client.get("/fees/CNDAL/COSCOFEE/SEAL").status_code == 200
    form = client.get("/fees/estimate", params={"lang": "zh_CN"})
    r = client.post(
        "/fees/estimate",
        data={
            "csrf_token": _csrf(form.text),
            "port": "CNDAL",
            "trade": "foreign",
            "direction": "I",
            "on": "2022-03-15",
            "declarations": "1",
            "size_0": "40",
            "type_0": "GP",
            "full_0": "true",
            "count_0": "2",
            "days_0": "23",
            "size_1": "45",
            "type_1": "GP",
            "full_1": "true",
            "count_1": "1",
            "days_1": "3",
        },
    )
    assert r.status_code == 200, r.text
    assert 'id="estimate-total">10400.00<' in r.text  # 9860 demurrage + 450 doc + 3×30 seals
    assert "没有公布" in r.text  # the 45' box: no published rate, in Chinese


def test_the_publisher_uploads_and_edits_its_list_on_pages(client, fees, world):
    token = login(client, fees.a.staff)
    page = client.get("/fees/publish")
    assert page.status_code == 200
    bad = client.post(
        "/fees/publish/import",
        data={"csrf_token": token},
        files={
            "file": ("x.csv", csv_of("CNDAL,COSCOFEE,SEAL,铅封,Seal,market,box,,,,,,30,CNY,,,,2022-01-01,"))
        },
    )
    assert bad.status_code == 422 and "line 2, column unit" in bad.text
    ok = client.post("/fees/publish/import", data={"csrf_token": token}, files={"file": ("fees.csv", CSV)})
    assert ok.status_code == 200 and "COSCOFEE" in ok.text
    edit = client.get("/fees/publish/CNDAL/COSCOFEE")
    assert edit.status_code == 200
    seal = [i for i, line in enumerate(re.findall(r'name="rate_(\d+)" value="([^"]+)"', edit.text)) if line]
    assert len(seal) == 11
    r = client.post(
        "/fees/publish/CNDAL/COSCOFEE",
        data={"csrf_token": token, "rate_10": "33", "remove_9": "1", "effective_from": "2022-06-01"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    v2 = client.get("/api/v1/fees/CNDAL/COSCOFEE/versions/2").json()
    assert {c["item"]: c["change"] for c in v2["diff"]} == {"DOC_FEE": "removed", "SEAL": "changed"}
    assert v2["source"] == "page" and "PUBA staff" in v2["published_by"]
    # another publisher's list is not editable
    client.cookies.clear()
    login(client, fees.b.staff)
    assert client.get("/fees/publish/CNDAL/COSCOFEE").status_code == 403
    # a trader has no publishing page
    client.cookies.clear()
    login(client, world.trader_a.admin)
    assert client.get("/fees/publish").status_code == 403


def test_an_excel_workbook_imports_like_the_csv(client, fees):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in CSV.decode().splitlines():
        cells = line.split(",")
        sheet.append(
            [float(c) if c.replace(".", "").isdigit() and i == 12 else c or None for i, c in enumerate(cells)]
        )
    buf = io.BytesIO()
    book.save(buf)
    r = client.post("/api/v1/fees/import", content=buf.getvalue(), headers=fees.a.writer)
    assert r.status_code == 200, r.text
    assert r.json()["versions"][0]["version"] == 1
    assert len(client.get("/api/v1/fees/CNDAL/COSCOFEE/versions/1").json()["items"]) == 11


def test_the_cli_imports_refuses_a_bad_file_and_estimates(kouan, fees, tmp_path, monkeypatch):
    from kouan.cli import app

    monkeypatch.setenv("KOUAN_DATABASE_URL", kouan.settings.database_url)
    monkeypatch.setenv("KOUAN_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of("CNDAL,COSCOFEE,SEAL,铅封,Seal,market,container,,,,,,30,CNY,,,,2022-02-30,"))
    r = runner.invoke(app, ["fees", "import", str(bad), "--publisher", "PUBA"])
    assert r.exit_code == 2 and "line 2, column effective_from" in r.output
    r = runner.invoke(app, ["fees", "import", str(DATA / "fees_hubei_examples.csv"), "--publisher", "PUBA"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "fees",
            "estimate",
            "--port",
            "CNDAL",
            "--on",
            "2022-03-15",
            "--declarations",
            "1",
            "--box",
            "40GP:2:23",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["total"] == "10370.00"


def test_the_cli_names_recorded_charges_that_no_list_holds(kouan, fees, published, tmp_path, monkeypatch):
    from kouan.cli import app

    monkeypatch.setenv("KOUAN_DATABASE_URL", kouan.settings.database_url)
    monkeypatch.setenv("KOUAN_DATA_DIR", str(tmp_path))
    charges = tmp_path / "charges.csv"
    charges.write_text(
        "port,payee,item,on,amount,reference\n"
        "CNDAL,COSCOFEE,SEAL,2022-03-01,30,INV-1\nCNDAL,COSCOFEE,THC,2022-03-01,500,INV-2\n"
    )
    r = CliRunner().invoke(app, ["fees", "check-charges", str(charges), "--json"])
    assert r.exit_code == 1, r.output
    assert [c["item"] for c in json.loads(r.output.splitlines()[0])] == ["THC"]
