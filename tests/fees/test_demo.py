"""The demo fee lists (kouan.fees.demo): six Liaoning seaports, a change history, idempotent."""

from __future__ import annotations

from datetime import date

from kouan.db.session import transaction
from kouan.fees import demo, repository, service
from kouan.fees.domain import DEFAULT_RULES, Boxes, Shipment
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def test_the_demo_publishes_lists_for_the_six_seaports_with_a_history(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        made = demo.load(s, now=utcnow())
    with transaction(kouan.sessions, actor=system("tests")) as s:
        assert demo.load(s, now=utcnow()) == 0  # a second run changes nothing
    with kouan.sessions() as s:
        ports = {f.fee_list.port for f in repository.in_force(s, on=date(2022, 5, 1))}
        assert ports == {"CNDAL", "CNDDG", "CNJNZ", "CNYIK", "CNPAJ", "CNHUD"}
        feed = service.changes(s, since=service.since_of_date(date(2022, 1, 1)))
        assert {(fl.port, p.code, v.number) for v, fl, p in feed} == {
            ("CNDAL", "DLPILOT", 2),
            ("CNDDG", "DDBROKER", 2),
            ("CNHUD", "HLDLINE", 2),
            ("CNYIK", "YKTALLY", 2),
        }
        pilot = [v for v, _fl, p in feed if p.code == "DLPILOT"][0]
        assert (
            pilot.diff[0]["bands"][0]["old_rate"] == "46278.00"
            and pilot.diff[0]["bands"][0]["new_rate"] == "41650.00"
        )
        checks = service.overview(s, actor=system("tests"), rules=DEFAULT_RULES, on=date(2022, 5, 1))
        gaps = {(c.port, c.payee): c.missing for c in checks if c.missing}
        assert gaps == {("CNPAJ", "PJLINE"): ("DEMURRAGE",)}
        ship = Shipment(
            "CNDAL",
            "foreign",
            "I",
            date(2022, 3, 15),
            declarations=1,
            voyages=1,
            containers=(Boxes("40", "GP", True, 2, 23),),
        )
        before, after = (
            service.estimate(s, ship),
            service.estimate(s, Shipment(**{**ship.__dict__, "on": date(2022, 4, 15)})),
        )
        assert after.total - before.total == 41650 - 46278
    assert made == 34  # 35 under `kouan demo`, whose DLTALLY publishes its own list too
