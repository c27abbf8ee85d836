"""Pages speak the reader's language: vocabulary codes (kinds, roles, statuses, reference kinds)
show by name in zh-CN and in English, and error pages translate their detail while the API's
problem+json keeps the English one."""

from __future__ import annotations

import re

import pytest
from tests.dashboard.helpers import CASES, seed
from tests.factories import bearer, login

from kouan.kit.errors import NotFound, TemplatedFieldError
from kouan.web import i18n

HTML = {"Accept": "text/html"}
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def visible_text(html: str) -> str:
    """What a reader sees: no scripts or styles, no tags (so no attribute values)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(("lang", "names"), [
    ("en", ["Port office", "Trader", "Terminal", "Customs", "Active", "Shipping line", "Rail operator"]),
    ("zh", ["口岸办", "进出口企业", "码头", "海关", "正常", "船公司", "铁路运营方"]),
])
def test_the_organisations_page_names_kinds_and_statuses(world, client, lang, names):
    login(client, world.port_office.admin)
    text = visible_text(client.get(f"/orgs?lang={lang}").text)
    for name in names:  # the table and the onboarding form's kind choices
        assert name in text, name
    assert SNAKE.findall(text) == []


@pytest.mark.parametrize(("lang", "names"), [
    ("en", ["Port office", "Administrator", "Staff", "Active"]),
    ("zh", ["口岸办", "管理员", "业务人员", "正常"]),
])
def test_an_organisation_page_names_its_kind_roles_and_statuses(world, client, lang, names):
    login(client, world.port_office.admin)
    html = client.get(f"/orgs/{world.port_office.id}?lang={lang}").text
    for name in names:
        assert name in visible_text(html), name
    cells = re.findall(r"<(?:td|dd)>([^<]*)</(?:td|dd)>", html)  # not usernames such as lnpo.admin
    assert not {"port_office", "admin", "staff", "viewer", "active"} & set(cells)


@pytest.mark.parametrize(("lang", "headings"), [
    ("en", ["Declaration", "Bill of lading", "Transport call"]),
    ("zh", ["报关单", "提单", "运输工具航次"]),
])
def test_a_consignment_timeline_names_its_reference_kinds(kouan, world, client, lang, headings):
    seed(kouan)
    login(client, world.port_office.admin)
    html = client.get(f"/consignments/{CASES[0].declaration}?lang={lang}").text
    shown = [re.sub(r"\s+", " ", h).strip() for h in re.findall(r"<h3>(.*?)<code>", html)]
    assert sorted(shown) == sorted(headings)
    assert SNAKE.findall(visible_text(html)) == []


def test_every_vocabulary_code_has_an_english_name():
    from kouan.web import vocabulary

    en = i18n.translations("en")
    codes = [c for group in (vocabulary.ORG_KINDS, vocabulary.ROLES, vocabulary.REF_KINDS,
                             vocabulary.DECLARATION_STATUSES, vocabulary.DECLARATION_ACTIONS,
                             vocabulary.FACILITATION_MODES) for c in group]
    assert [c for c in codes if en.gettext(c) == c] == []


def test_an_error_page_in_chinese_and_the_api_in_english(world, client):
    login(client, world.trader_a.admin)
    page = client.get("/customs/queue", headers=HTML)
    assert page.status_code == 403
    assert "报关单审核队列仅供海关关员使用" in page.text and "customs officer" not in page.text
    en = client.get("/customs/queue?lang=en", headers=HTML)
    assert "the declaration queue is a customs officer&#39;s" in en.text


def test_an_error_with_a_variable_part_is_translated_around_it(world, client):
    login(client, world.port_office.admin)
    page = client.get("/orgs/9999?lang=zh", headers=HTML)
    assert page.status_code == 404 and "没有编号为 9999 的机构" in page.text
    assert "no organisation" not in page.text
    api = client.get("/api/v1/organisations/9999", headers=bearer(world.port_office.key))
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["detail"] == "no organisation 9999"
    # the page's language does not change the API: its detail is for machines and logs
    api = client.get("/api/v1/organisations/9999?lang=zh", headers=bearer(world.port_office.key))
    assert api.json()["detail"] == "no organisation 9999"


def test_a_bulletin_for_a_bad_month_says_so_in_chinese(client):
    page = client.get("/bulletins/CN-LN/2022-13", headers=HTML)
    assert page.status_code == 422 and "月份无效" in page.text
    assert "the month is not valid" not in page.text


def test_a_translation_whose_placeholders_do_not_fit_falls_back_to_english():
    err = NotFound("no organisation %(org_id)s", params={"org_id": 7})
    assert err.detail == "no organisation 7" and str(err) == "no organisation 7"
    assert err.say(lambda m: "没有机构 %(id)s") == "no organisation 7"
    assert err.say(i18n.translations("zh_CN").gettext) == "没有编号为 7 的机构"
    field = TemplatedFieldError("from", "a month not after 'to' (%(to)s)", "2022-05", params={"to": "2022-03"})
    assert field.as_dict()["detail"] == "a month not after 'to' (2022-03)"
    assert field.say(i18n.translations("zh_CN").gettext) == "不得晚于截止月份（2022-03）的月份"


@pytest.fixture
def seeded(kouan, world):
    seed(kouan)
    return world


def test_the_dashboard_names_every_bad_filter_in_the_pages_language(seeded, client):
    login(client, seeded.port_office.admin)
    r = client.get("/dashboard", params={"region": "CN-ZZ", "from": "2022-05", "to": "2022-03"})
    assert r.status_code == 422
    alert = r.text.split('role="alert"')[1].split("</div>")[0]
    assert "<code>region</code>" in alert and "<code>from</code>" in alert
    assert "不得晚于截止月份（2022-03）的月份" in alert and "CN（全国）或省份代码" in alert
    en = client.get("/dashboard", params={"region": "CN-ZZ", "from": "2022-05", "to": "2022-03", "lang": "en"})
    assert "a month not after &#39;to&#39; (2022-03)" in en.text


def test_the_drill_down_names_bad_filters_and_bad_paging_together(seeded, client):
    login(client, seeded.port_office.admin)
    r = client.get("/dashboard/declarations", params={"direction": "sideways", "sort": "colour",
                                                      "order": "up"})
    assert r.status_code == 422
    alert = r.text.split('role="alert"')[1].split("</div>")[0]
    for pointer in ("direction", "sort", "order"):
        assert f"<code>{pointer}</code>" in alert, pointer
    assert "仪表盘筛选条件无效" in alert and "I（进口）、E（出口）或 all（全部）" in alert
    assert "the dashboard filters are not valid" not in alert
    api = client.get("/api/v1/dashboard/declarations", params={"direction": "sideways"})
    assert api.json()["detail"] == "the dashboard filters are not valid"


def test_the_onboarding_form_names_its_problems_in_chinese_and_the_api_in_english(world, client):
    token = login(client, world.port_office.admin)
    form = {"code": "DCT", "name": " ", "kind": "customs", "csrf_token": token}
    r = client.post("/orgs?lang=zh", data=form)
    assert r.status_code == 422
    alert = r.text.split('role="alert"')[1].split("</div>")[0]
    assert "机构代码 &#39;DCT&#39; 已被使用" in alert and "请填写名称" in alert and "海关机构须填写所属关区" in alert
    assert "is taken" not in alert
    api = client.post("/api/v1/organisations", json={"code": "DCT", "name": "x", "kind": "trader"},
                      headers={"X-CSRF-Token": token})
    details = {e["pointer"]: e["detail"] for e in api.json()["errors"]}
    assert details["/code"] == "organisation code 'DCT' is taken"
