"""Selectivity is set-based: a lodging runs the same statements whether the district has one
targeting rule or hundreds, and reads only the rules that hit (indexed criteria columns), not a
scan of the rules per declaration (100 k declarations a month)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from tests.inspection.helpers import item, new_draft, person, step

from kouan.db.session import transaction
from kouan.inspection.models import Selectivity, TargetingRule
from kouan.kit.clock import utcnow
from kouan.partners.domain import OrgKind, system


def _rules(kouan, n: int, start: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        s.add_all([TargetingRule(code=f"R{start + i:05d}", version=1, title="x", hs_prefix=f"{8400 + i % 90}",
                                 origin="DE", lane="inspection", method="physical", sampling=False,
                                 prior_findings=False, valid_from=date(2026, 1, 1), issuing_unit="tests",
                                 customs_district="0900", active=True, created_at=utcnow(), created_by="tests")
                   for i in range(n)])


INSPECTION_TABLES = ("targeting_rule", "random_rate", "green_channel", "selectivity")


def _lodging_statements(client, world, kouan) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    number = new_draft(client, world, items=[item("8471300000", origin="JP")])
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(kouan.engine, "before_cursor_execute", seen)
    try:
        step(kouan, person(world.trader_a, OrgKind.TRADER), number, "lodge")
    finally:
        event.remove(kouan.engine, "before_cursor_execute", seen)
    ours = [s for s in statements if any(t in s for t in INSPECTION_TABLES)]
    return len(ours), sum(1 for s in ours if "FROM targeting_rule" in s)


def test_a_lodging_costs_the_same_statements_with_one_rule_or_six_hundred(client, world, kouan):
    _rules(kouan, 1, 0)
    _lodging_statements(client, world, kouan)  # the first lodging stores the default green channels
    few, rule_reads = _lodging_statements(client, world, kouan)
    _rules(kouan, 600, 1)
    many, rule_reads_many = _lodging_statements(client, world, kouan)
    assert many == few and rule_reads == rule_reads_many == 1
    hit = TargetingRule  # the one query finds the rule that hits among the 601
    with transaction(kouan.sessions, actor=system("tests")) as s:
        s.add(hit(code="HIT", version=1, title="x", hs_prefix="8471", origin="JP", lane="documentary",
                  method="physical", sampling=False, prior_findings=False, valid_from=date(2026, 1, 1),
                  issuing_unit="tests", customs_district="0900", active=True, created_at=utcnow(),
                  created_by="tests"))
    number = new_draft(client, world, items=[item("8471300000", origin="JP")])
    step(kouan, person(world.trader_a, OrgKind.TRADER), number, "lodge")
    with kouan.sessions() as s:
        sel = s.query(Selectivity).order_by(Selectivity.id.desc()).first()
    assert sel.rule_hits == ["HIT@1"] and sel.lane == "documentary"
