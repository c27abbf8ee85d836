"""Selectivity at lodging: rule hits and the random draw set the lane, recorded with the
declaration; accepting a declaration in the inspection lane orders its inspection; results move
the state machine; green channels come first; customs see only their district."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from tests.declarations.test_api import officer
from tests.factories import login, other_district_officer
from tests.inspection.helpers import item, new_draft, person, step

from kouan.audit.models import AuditEntry
from kouan.events.models import Event
from kouan.inspection import domain
from kouan.partners.domain import OrgKind

ORE_RULE = {"code": "DL-ORE-01", "title": "澳矿放射性", "hs_prefix": "2601", "origin": "AU", "lane": "inspection",
            "method": "non_intrusive", "issuing_unit": "大连海关风险防控分局"}


def lodge(client, world, kouan, **kw) -> str:  # type: ignore[no-untyped-def]
    number = new_draft(client, world, **kw)
    step(kouan, person(world.trader_a, OrgKind.TRADER), number, "lodge")
    return number


def kouan_milestones(kouan, number: str) -> list[str]:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        found = s.scalars(select(Event).where(Event.source == "kouan", Event.event_id.like(f"decl/{number}/%")))
        return [e.milestone for e in sorted(found, key=lambda e: int(e.event_id.rsplit("/", 1)[1]))]


def test_a_rule_hit_sets_the_lane_accepting_orders_the_inspection_and_results_move_the_declaration(
        client, world, kouan):
    h = officer(client, world)
    r = client.post("/api/v1/inspection/rules", json=ORE_RULE, headers=h)
    assert r.status_code == 201 and r.json()["version"] == 1 and r.json()["customs_district"] == "0900", r.text
    other = lodge(client, world, kouan, items=[item("2601111000", origin="BR")])  # Brazilian ore: no hit
    number = lodge(client, world, kouan)  # Australian ore
    h = officer(client, world)
    sel = client.get(f"/api/v1/declarations/{number}/selectivity", headers=h).json()
    assert (sel["lane"], sel["rule_hits"], sel["method"], sel["green_channel"]) == (
        "inspection", ["DL-ORE-01@1"], "non_intrusive", "iron_ore")
    assert client.get(f"/api/v1/declarations/{other}/selectivity", headers=h).json()["lane"] == "release"
    accepted = client.post(f"/api/v1/declarations/{number}/actions/accept", headers=h).json()
    assert accepted["status"] == "inspection" and accepted["lane"] == "inspection"
    (o,) = client.get(f"/api/v1/declarations/{number}/inspections", headers=h).json()
    assert (o["cause"], o["rule_hits"], o["method"], o["status"]) == (["rule"], ["DL-ORE-01@1"], "non_intrusive",
                                                                      "ordered")
    records = f"/api/v1/declarations/{number}/inspections/records"
    scan = {"device": "H986-DYW-2", "image_ref": "NII/2026/12/0042", "verdict": "suspect", "analyst": "图像分析员"}
    assert client.post(records, json={"method": "non_intrusive", "details": scan}, headers=h).json()["outcome"] == \
        "escalated"
    (o,) = client.get(f"/api/v1/declarations/{number}/inspections", headers=h).json()
    assert o["method"] == "physical" and o["status"] == "ordered"  # the scan's suspicion goes to a physical check
    bad = client.post(records, json={"method": "physical", "details": {"officer": "王"}}, headers=h)
    assert bad.status_code == 422
    physical = {"officer": "王警官", "place": "大窑湾查验场", "start": "2026-12-02T09:00:00+08:00",
                "end": "2026-12-02T11:00:00+08:00", "findings": "夹藏未申报货物", "photos": ["att/1.jpg"]}
    assert client.post(records, json={"method": "physical", "details": physical}, headers=h).json()["outcome"] == \
        "finding"
    assert client.get(f"/api/v1/declarations/{number}", headers=h).json()["status"] == "held"
    assert kouan_milestones(kouan, number) == ["DECLARATION_LODGED", "DECLARATION_ACCEPTED", "INSPECTION_ORDERED",
                                               "INSPECTION_DONE", "CUSTOMS_HOLD"]
    # A new version of the rule replaces it; both stay, audited.
    v2 = client.post("/api/v1/inspection/rules", json={**ORE_RULE, "lane": "documentary"}, headers=h).json()
    assert v2["version"] == 2
    history = client.get("/api/v1/inspection/rules?history=true", headers=h).json()
    assert [(x["version"], x["active"]) for x in history] == [(1, False), (2, True)]
    with kouan.sessions() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "targeting_rule")).all()
    assert len(audited) >= 3  # two inserts and the first version's withdrawal


def test_the_random_draw_is_recorded_with_the_declaration_and_recomputable(client, world, kouan):
    h = officer(client, world)
    r = client.post("/api/v1/inspection/rates", headers=h,
                    json={"port": "CNDAL", "commodity_group": "iron_ore", "rate": "1", "seed": "2026-12-DL"})
    assert r.status_code == 200, r.text
    drawn = lodge(client, world, kouan)
    h = officer(client, world)
    sel = client.get(f"/api/v1/declarations/{drawn}/selectivity", headers=h).json()
    assert sel["drawn"] and sel["seed"] == "2026-12-DL" and sel["lane"] == "inspection"
    assert Decimal(str(sel["draw"])) == domain.draw("2026-12-DL", drawn)
    assert client.post(f"/api/v1/declarations/{drawn}/actions/accept", headers=h).json()["status"] == "inspection"
    (o,) = client.get(f"/api/v1/declarations/{drawn}/inspections", headers=h).json()
    assert o["cause"] == ["draw"] and o["draw"].startswith("2026-12-DL:")
    client.post("/api/v1/inspection/rates", headers=h,
                json={"port": "CNDAL", "commodity_group": "iron_ore", "rate": "0", "seed": "2026-12-DL"})
    spared = lodge(client, world, kouan)
    h = officer(client, world)
    sel = client.get(f"/api/v1/declarations/{spared}/selectivity", headers=h).json()
    assert not sel["drawn"] and sel["lane"] == "release" and sel["draw"] is not None


def test_green_channel_declarations_come_first_in_the_queue(client, world, kouan):
    general = lodge(client, world, kouan, items=[item("8471300000")])
    grain = lodge(client, world, kouan, items=[item("1001190000", origin="CA")])
    rail = lodge(client, world, kouan, items=[item("8471300000")], transport_call="RAIL/X8044/CNDAL")
    h = officer(client, world)
    page = client.get("/customs/queue").text
    order = sorted((general, grain, rail), key=page.index)
    assert order[-1] == general and set(order[:2]) == {grain, rail}
    assert "粮食" in page and "中欧班列" in page
    api = client.get("/api/v1/declarations/" + grain, headers=h).json()
    assert api["green_channel"] == "grain"
    channels = {c["code"] for c in client.get("/api/v1/inspection/green-channels", headers=h).json()}
    assert channels == {"cold_chain", "grain", "energy", "iron_ore", "fertiliser", "fresh_produce",
                        "china_europe_railway"}


def test_customs_of_another_district_see_nothing_of_dalians_targeting(client, world, kouan):
    h = officer(client, world)
    client.post("/api/v1/inspection/rules", json=ORE_RULE, headers=h)
    number = lodge(client, world, kouan)
    client.post(f"/api/v1/declarations/{number}/actions/accept", headers=officer(client, world))
    client.cookies.clear()
    sy = {"X-CSRF-Token": login(client, other_district_officer(kouan))}
    assert client.get(f"/api/v1/declarations/{number}/selectivity", headers=sy).status_code == 404
    assert client.get(f"/api/v1/declarations/{number}/inspections", headers=sy).status_code == 404
    assert client.get("/api/v1/inspection/rules", headers=sy).json() == []
    r = client.post(f"/api/v1/declarations/{number}/inspections/records", headers=sy,
                    json={"method": "lab", "details": {"sample_ids": ["S1"], "lab": "x", "results": "ok",
                                                       "conforming": True}})
    assert r.status_code == 404
    page = client.get("/inspection").text
    assert number not in page and "DL-ORE-01" not in page
    assert client.get("/api/v1/inspection/report", headers=sy).json()["all"] == []
    client.cookies.clear()
    trader = {"X-CSRF-Token": login(client, world.trader_a.admin)}
    assert client.get(f"/api/v1/declarations/{number}/selectivity", headers=trader).status_code == 403
    assert client.post("/api/v1/inspection/rules", json=ORE_RULE, headers=trader).status_code == 403
