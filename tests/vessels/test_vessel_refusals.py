"""A vessel clearance's refusals carry a stable code and parameters (as declarations' do): the API
returns them beside the English detail, and they read in Chinese and in English."""

from __future__ import annotations

import re

import pytest
from tests.factories import PASSWORD, login
from tests.vessels.conftest import report_call

from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system
from kouan.vessels import refusals
from kouan.web.i18n import gettext

CALL = "9321483/2301N/CNDAL"
CJK = re.compile(r"[\u4e00-\u9fff]")
SAMPLE = {"transport_call": CALL, "call_port": "CNSHA", "port": "CNDAL", "agency": "border_inspection",
          "done_at": "2022-03-01T08:00:00+00:00", "value": "X"}


@pytest.fixture
def carrier(kouan, world, client):  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        org = partners_service.create_org(s, actor=system("tests"), now=utcnow(), fields=partners_service.OrgFields(
            code="SITC", name="SITC", kind="shipping_line", home_port="CNDAL"))
        partners_service.create_person(s, actor=system("tests"), org_id=org.id, username="sitc.officer",
                                       display_name="SITC", password=PASSWORD, role="staff", now=utcnow())
    report_call(kouan, "SITC", CALL)
    return {"X-CSRF-Token": login(client, "sitc.officer")}


def declare(client, headers, call: str, port: str = "CNDAL"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/vessel-clearances", json={"transport_call": call, "port": port}, headers=headers)


def test_field_errors_name_the_field_with_a_code_and_parameters(client, carrier):
    r = declare(client, carrier, "1234568/X/CNDAL")
    assert r.status_code == 422
    [e] = r.json()["errors"]
    assert (e["pointer"], e["code"], e["params"]) == ("/transport_call", "transport_call_invalid",
                                                      {"value": "1234568/X/CNDAL"})
    assert e["detail"] == "IMO/VOYAGE/LOCODE with a valid IMO number"
    r = declare(client, carrier, "9321483/2301N/CNSHA", port="cnqqx")
    errors = {e["pointer"]: e for e in r.json()["errors"]}
    assert errors["/transport_call"]["code"] == "transport_call_port"
    assert errors["/transport_call"]["params"] == {"value": "9321483/2301N/CNSHA", "call_port": "CNSHA",
                                                   "port": "CNQQX"}
    assert errors["/transport_call"]["detail"] == "the call's port is CNSHA, not CNQQX"
    assert (errors["/port"]["code"], errors["/port"]["params"]) == ("port_unknown", {"value": "CNQQX"})


def test_a_second_entry_declaration_is_refused_with_its_code(client, carrier):
    assert declare(client, carrier, CALL).status_code == 201
    r = declare(client, carrier, CALL)
    body = r.json()
    assert r.status_code == 409 and (body["code"], body["params"]) == ("entry_declared", {"transport_call": CALL})
    assert body["detail"] == f"the entry of {CALL} is already declared"


@pytest.mark.parametrize("code", sorted(refusals.MESSAGES))
def test_every_vessel_refusal_reads_in_chinese_and_in_english(code):
    why = refusals.Refusal(code, SAMPLE)
    zh = why.render(lambda m: gettext("zh_CN", m))
    en = why.render(lambda m: gettext("en", m))
    assert CJK.search(zh) and zh != why.english, (code, zh)
    assert en == why.english and not CJK.search(en)
    assert "border_inspection" not in zh + en  # the agency by name, not by code
    field = refusals.field_error("/x", code, **SAMPLE)
    assert field.as_dict()["code"] == code and field.refusal.render(lambda m: gettext("zh_CN", m)) == zh


def test_the_agency_is_named_in_the_pages_language():
    why = refusals.Refusal("check_done", {"agency": "maritime", "done_at": "2022-03-01T08:00:00+00:00"})
    assert why.english == "the maritime authority check was done at 2022-03-01T08:00:00+00:00"
    assert why.render(lambda m: gettext("zh_CN", m)).startswith("海事")
