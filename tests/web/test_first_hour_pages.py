"""The smaller items of a new user's first hour (issue 14, item 8), page by page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import update
from tests.factories import login

from kouan.kit.clock import beijing
from kouan.partners.models import Person
from kouan.web.i18n import from_accept_language


def test_a_first_visit_follows_accept_language_and_a_choice_still_wins(client):
    assert from_accept_language("en-GB,en;q=0.9,zh-CN;q=0.5") == "en"
    assert from_accept_language("fr-FR, zh;q=0.8, en;q=0.7") == "zh_CN"
    assert from_accept_language("fr-FR") is None and from_accept_language("en;q=0, zh;q=0.1") == "zh_CN"
    en = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in en.text
    assert '<html lang="zh-CN">' in client.get("/").text  # no header: zh-CN first
    client.get("/lang/zh_CN")
    chosen = client.get("/", headers={"Accept-Language": "en-US"})
    assert '<html lang="zh-CN">' in chosen.text  # the language chosen on the site wins


def test_every_time_on_a_page_is_beijing_time_the_last_login_too(kouan, client, world):
    assert beijing(datetime(2022, 3, 5, 0, 0, tzinfo=UTC)) == "2022-03-05 08:00"
    assert beijing(datetime(2022, 3, 5, 0, 0)) == "2022-03-05 08:00"  # naive from the store: UTC
    login(client, world.terminal.admin)
    with kouan.sessions.begin() as s:
        s.execute(update(Person).where(Person.username == world.terminal.admin)
                  .values(last_login_at=datetime(2022, 3, 5, 16, 30, tzinfo=UTC)))
    page = client.get(f"/orgs/{world.terminal.id}").text
    assert "2022-03-06 00:30" in page and "UTC" not in page.split("<main")[1].split("</main>")[0]
    assert "北京时间" in page  # the footer says which time


def test_templates_show_instants_only_through_the_beijing_filter():
    from importlib import resources

    root = resources.files("kouan") / "web" / "templates"
    offenders = [str(p) for p in root.rglob("*.html") if re.search(r"_at\.(strftime|isoformat)", p.read_text())]
    assert offenders == []


def test_the_declarations_list_is_searched_filtered_and_newest_first(kouan, client, world):
    from tests.declarations.test_pages import draft

    login(client, world.trader_a.admin)
    first = draft(client, consignee_name="甲贸易公司")
    second = draft(client, direction="E", consignee_name="辽宁海润")
    with kouan.sessions.begin() as s:  # the first was made later (say, lodged from another system)
        from kouan.declarations.models import DeclarationRecord

        s.execute(update(DeclarationRecord).where(DeclarationRecord.number == first)
                  .values(created_at=datetime(2030, 1, 1, tzinfo=UTC)))
    listed = re.findall(r'href="/declarations/(\d{18})"', client.get("/declarations").text)
    assert listed[:2] == [first, second]  # newest first, by creation time
    assert re.findall(r'href="/declarations/(\d{18})"', client.get("/declarations?q=海润").text) == [second]
    assert re.findall(r'href="/declarations/(\d{18})"',
                      client.get(f"/declarations?q={first}").text) == [first]
    exports = client.get("/declarations?direction=E&status=draft").text
    assert re.findall(r'href="/declarations/(\d{18})"', exports) == [second]
    assert 'name="q"' in exports and 'value="E" selected' in exports
    nothing = client.get("/declarations?status=released").text
    assert "没有符合条件的报关单" in nothing
    assert client.get("/declarations?status=nonsense&direction=X").status_code == 200  # ignored


def test_the_bulletin_says_who_issues_it_and_when_its_figures_are_from(kouan, client, world):
    from kouan.partners.models import Organisation

    with kouan.sessions.begin() as s:  # the province's port office issues its bulletin
        s.execute(update(Organisation).where(Organisation.code == "LNPO").values(province="CN-LN"))
    page = client.get("/bulletins/CN-LN/2022-03").text
    issuer = page.split('data-testid="bulletin-issuer">')[1].split("</p>")[0]
    assert "辽宁省口岸办" in issuer and "北京时间" in issuer and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", issuer)
