"""The public fee pages in Chromium, without login: a port's list and the estimate form, in Chinese
and in English (the demo's lists for the six Liaoning seaports)."""

from __future__ import annotations

import pytest

from kouan.web.i18n import gettext

pytestmark = pytest.mark.browser


def _zh(msgid: str) -> str:
    return gettext("zh_CN", msgid)


def test_a_visitor_reads_a_ports_fee_list_in_chinese_and_english(ui):
    ui.open("/fees")
    assert ui.page.locator("html").get_attribute("lang") == "zh-CN"
    assert _zh("Port fees") in ui.nav_texts()
    ui.follow("ul.fee-ports a[href='/fees/CNDAL']")
    lists = ui.page.locator("#port-lists section.fee-list")
    assert lists.count() >= 5
    text = ui.page.locator("#port-lists").inner_text()
    assert "滞箱费" in text and "引航费" in text and _zh("per container-day") in text
    ui.shot("fees-port-zh")
    ui.follow("header .lang-switch a[hreflang=en]")
    assert ui.page.locator("html").get_attribute("lang") == "en"
    text = ui.page.locator("#port-lists").inner_text()
    assert "Container demurrage" in text and "per container-day" in text
    ui.shot("fees-port-en")
    ui.follow("header .lang-switch a[hreflang=zh-CN]")


def _estimate(ui) -> str:  # type: ignore[no-untyped-def]
    ui.page.select_option("select[name=port]", "CNDAL")
    ui.page.fill("input[name=on]", "2022-03-15")
    ui.page.fill("input[name=declarations]", "1")
    ui.page.select_option("select[name=size_0]", "40")
    ui.page.fill("input[name=type_0]", "GP")
    ui.page.fill("input[name=count_0]", "2")
    ui.page.fill("input[name=days_0]", "23")
    ui.page.select_option("select[name=size_1]", "45")
    ui.page.fill("input[name=count_1]", "1")
    ui.page.fill("input[name=days_1]", "3")
    ui.follow("#estimate-submit")
    return ui.page.locator("#estimate-total").inner_text()


def test_a_visitor_estimates_a_shipment_in_chinese_and_english(ui):
    ui.open("/fees/estimate?lang=zh_CN")
    total_zh = _estimate(ui)
    rows = ui.page.locator("#estimate-lines tbody tr")
    assert rows.count() > 5
    assert "v1" in rows.first.inner_text()
    absent = ui.page.locator("#estimate-absent").inner_text()
    assert "没有公布" in absent and "45'" in absent  # the 45' box has no demurrage rate
    amounts = [r.locator("td").nth(7).inner_text() for r in rows.all()]
    assert abs(sum(float(a) for a in amounts) - float(total_zh)) < 0.005
    ui.shot("fees-estimate-zh")
    ui.open("/fees/estimate?lang=en")
    assert ui.page.locator("h1").inner_text() == "Estimate the fees of a shipment"
    total_en = _estimate(ui)
    assert total_en == total_zh
    assert "no published rate for 45' GP full boxes" in ui.page.locator("#estimate-absent").inner_text()
    ui.shot("fees-estimate-en")
    ui.open("/fees/estimate?lang=zh_CN")
