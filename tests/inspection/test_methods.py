"""Inspection records by method: lab sampling closes a release-before-inspection case or holds the
goods, a failing fresh-produce monitoring sample raises the targeting of that produce and origin,
remote video needs consent and an eligible enterprise, the drone + draft survey flags a weight
difference; the officer page files a record."""

from __future__ import annotations

from sqlalchemy import select
from tests.declarations.test_api import officer
from tests.declarations.test_pages import as_user
from tests.factories import _csrf_from
from tests.inspection.helpers import item, new_draft, person, step
from tests.inspection.test_draft_survey import MARKS, TABLE

from kouan.db.session import transaction
from kouan.declarations.models import DeclarationObligation, DeclarationRecord
from kouan.partners.domain import OrgKind

REASON = "风险监控抽样：生鲜农产品合格评定"
LAB_OK = {"sample_ids": ["S-2026-0001"], "lab": "大连海关技术中心", "results": "农残未检出", "conforming": True}
LAB_FAIL = {"sample_ids": ["S-2026-0002"], "lab": "大连海关技术中心", "results": "毒死蜱 0.8 mg/kg 超限",
            "conforming": False}


def _lodged_accepted(client, world, kouan, **kw) -> str:  # type: ignore[no-untyped-def]
    number = new_draft(client, world, **kw)
    step(kouan, person(world.trader_a, OrgKind.TRADER), number, "lodge")
    step(kouan, person(world.customs, OrgKind.CUSTOMS), number, "accept")
    return number


def _status(kouan, number: str) -> str:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        return s.scalars(select(DeclarationRecord).where(DeclarationRecord.number == number)).one().status


def test_a_conforming_lab_result_closes_a_release_before_inspection_case(client, world, kouan):
    number = _lodged_accepted(client, world, kouan, modes=["release_before_inspection"])
    h = officer(client, world)
    assert client.post(f"/api/v1/declarations/{number}/actions/port_release", headers=h).json()["status"] == \
        "port_released"
    r = client.post(f"/api/v1/declarations/{number}/inspections/records", headers=h,
                    json={"method": "lab", "details": LAB_OK})
    assert r.status_code == 201 and r.json()["outcome"] == "conforming", r.text
    assert _status(kouan, number) == "released"
    with kouan.sessions() as s:
        (lab,) = s.scalars(select(DeclarationObligation).where(DeclarationObligation.kind == "lab")).all()
    assert lab.fulfilled_at is not None
    (o,) = client.get(f"/api/v1/declarations/{number}/inspections", headers=h).json()
    assert o["cause"] == ["obligation"] and o["outcome"] == "conforming"


def test_a_failing_lab_result_holds_the_goods(client, world, kouan):
    number = _lodged_accepted(client, world, kouan, modes=["release_before_inspection"])
    h = officer(client, world)
    client.post(f"/api/v1/declarations/{number}/actions/port_release", headers=h)
    client.post(f"/api/v1/declarations/{number}/inspections/records", headers=h,
                json={"method": "lab", "details": LAB_FAIL})
    assert _status(kouan, number) == "held"


def test_failing_fresh_produce_monitoring_raises_the_targeting_of_that_produce_and_origin(client, world, kouan):
    oranges = [item("0805100000", origin="ZA", value="200000")]
    first = _lodged_accepted(client, world, kouan, items=oranges)
    h = officer(client, world)
    r = client.post(f"/api/v1/declarations/{first}/inspections", headers=h, json={"reason": REASON, "method": "lab"})
    assert r.status_code == 201, r.text
    client.post(f"/api/v1/declarations/{first}/inspections/records", headers=h,
                json={"method": "lab", "details": LAB_FAIL})
    assert _status(kouan, first) == "held"
    (rule,) = client.get("/api/v1/inspection/rules", headers=h).json()
    assert (rule["code"], rule["hs_prefix"], rule["origin"], rule["lane"], rule["method"]) == (
        "MON-0805-ZA", "0805", "ZA", "inspection", "lab")
    assert rule["valid_to"] is not None and rule["issuing_unit"].startswith("risk monitoring")
    nxt = _lodged_accepted(client, world, kouan, items=oranges)
    h = officer(client, world)
    sel = client.get(f"/api/v1/declarations/{nxt}/selectivity", headers=h).json()
    assert sel["lane"] == "inspection" and sel["rule_hits"] == ["MON-0805-ZA@1"]
    assert _status(kouan, nxt) == "inspection"
    chilean = _lodged_accepted(client, world, kouan, items=[item("0805100000", origin="CL")])
    assert _status(kouan, chilean) == "accepted"  # another origin: not raised


def test_remote_video_needs_the_enterprises_consent_and_eligibility(client, world, kouan):
    number = _lodged_accepted(client, world, kouan, items=[item("3104202000", origin="CA")])  # potash
    h = officer(client, world)
    client.post(f"/api/v1/declarations/{number}/inspections", headers=h,
                json={"reason": "按照布控指令远程视频查验钾肥", "method": "remote_video"})
    video = {"start": "2026-12-02T09:00:00+08:00", "end": "2026-12-02T09:40:00+08:00",
             "participants": ["关员 王", "企业 李"], "outcome": "conforming"}
    records = f"/api/v1/declarations/{number}/inspections/records"
    refused = client.post(records, headers=h, json={"method": "remote_video", "details": video})
    assert refused.status_code == 422 and "consent" in refused.text
    with transaction(kouan.sessions, actor=person(world.customs, OrgKind.CUSTOMS)) as s:
        s.scalars(select(DeclarationRecord)).one().consignee_credit = "dishonest"
    dishonest = client.post(records, headers=h, json={"method": "remote_video", "details": {**video, "consent": True}})
    assert dishonest.status_code == 422 and "remote_video_dishonest" in dishonest.text
    with transaction(kouan.sessions, actor=person(world.customs, OrgKind.CUSTOMS)) as s:
        s.scalars(select(DeclarationRecord)).one().consignee_credit = "general"
    ok = client.post(records, headers=h, json={"method": "remote_video", "details": {**video, "consent": True}})
    assert ok.status_code == 201 and ok.json()["outcome"] == "conforming"
    assert _status(kouan, number) == "released"  # conforming: released at once


def _survey(declared: float) -> dict:
    def part(f: float, m: float, a: float, ballast: float) -> dict:
        return {"readings": {"fwd_port": f, "fwd_stbd": f, "mid_port": m, "mid_stbd": m, "aft_port": a,
                             "aft_stbd": a}, "density": 1.020,
                "deductibles": {"ballast": ballast, "fuel": 700, "fresh_water": 150, "constant": 300}}

    return {"marks": MARKS.__dict__, "hydrostatics": [r.__dict__ for r in TABLE],
            "initial": part(10.8, 11.0, 11.2, 300), "final": part(5.0, 5.5, 6.0, 3000), "declared_weight": declared}


def test_a_drone_draft_survey_flags_a_weight_difference_and_holds_the_goods(client, world, kouan):
    h = officer(client, world)
    computed = client.post("/api/v1/inspection/draft-survey", headers=h, json=_survey(100000)).json()
    weight = computed["cargo_t"]
    assert computed["flagged"] and weight > 20000
    assert not client.post("/api/v1/inspection/draft-survey", headers=h, json=_survey(weight))\
        .json()["flagged"]
    number = _lodged_accepted(client, world, kouan, items=[item("2601111000")])
    h = officer(client, world)
    client.post(f"/api/v1/declarations/{number}/inspections", headers=h,
                json={"reason": "无人机+水尺计重核验重量", "method": "drone_draft_survey"})
    r = client.post(f"/api/v1/declarations/{number}/inspections/records", headers=h,
                    json={"method": "drone_draft_survey", "details": _survey(weight * 1.03)})
    assert r.status_code == 201 and r.json()["outcome"] == "finding", r.text
    assert r.json()["details"]["result"]["flagged"] is True
    assert _status(kouan, number) == "held"


def test_the_officer_page_files_a_physical_record(client, world, kouan):
    number = _lodged_accepted(client, world, kouan, items=[item("1001190000", origin="CA")])
    h = officer(client, world)
    client.post(f"/api/v1/declarations/{number}/inspections", headers=h,
                json={"reason": "粮食靠岸检疫：检查活虫", "method": "physical"})
    as_user(client, world.customs.admin)
    page = client.get("/inspection").text
    assert number in page and "人工查验" in page and "粮食" in page
    token = _csrf_from(page)
    bad = client.post(f"/declarations/{number}/inspections/records", data={"csrf_token": token, "method": "physical"})
    assert bad.status_code == 422 and "/place" in bad.text and _status(kouan, number) == "inspection"
    r = client.post(f"/declarations/{number}/inspections/records", follow_redirects=False,
                    data={"csrf_token": token, "method": "physical", "officer": "王警官", "place": "散粮码头",
                          "start": "2026-12-02T09:00", "end": "2026-12-02T10:00", "findings": ""})
    assert r.status_code == 303, r.text
    assert _status(kouan, number) == "released"


def test_an_officer_issues_a_rule_and_sets_a_rate_on_the_page_in_either_language(client, world, kouan):
    as_user(client, world.customs.admin)
    token = _csrf_from(client.get("/inspection").text)
    bad = client.post("/inspection/rules", data={"csrf_token": token, "code": "X1", "lane": "inspection",
                                                 "issuing_unit": "风险防控分局"})
    assert bad.status_code == 422 and "/criteria" in bad.text  # a rule needs a criterion
    r = client.post("/inspection/rules", follow_redirects=False, data={
        "csrf_token": token, "code": "DL-FERT-01", "title": "钾肥远程视频", "hs_prefix": "3104", "lane": "inspection",
        "method": "remote_video", "issuing_unit": "沈阳海关风险防控分局"})
    assert r.status_code == 303, r.text
    r = client.post("/inspection/rates", follow_redirects=False, data={
        "csrf_token": token, "port": "CNDAL", "commodity_group": "fertiliser", "rate": "0.05", "seed": "2026-12"})
    assert r.status_code == 303, r.text
    page = client.get("/inspection").text
    assert "DL-FERT-01" in page and "远程视频查验" in page and "2026-12" in page and "查验统计" in page
    client.cookies.set("kouan_lang", "en")
    english = client.get("/inspection").text
    assert "Open inspections" in english and "Targeting rules" in english and "remote_video" not in english.split(
        'data-testid="rules"')[1].split("</table>")[0]
    as_user(client, world.trader_a.admin)
    assert client.get("/inspection").status_code == 403
