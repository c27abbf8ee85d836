"""The inspection report (page, API, CLI) is aggregated in SQL — orders grouped by cause, method,
port and Beijing month, assessed declarations by port and month — with the figures of counting
each order in Python, for two statements whatever the number of orders, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from tests.inspection.helpers import item, new_draft, person, step

from kouan.db.session import transaction
from kouan.declarations.models import DeclarationRecord
from kouan.inspection import service
from kouan.inspection.models import InspectionOrder, Selectivity
from kouan.kit.clock import CHINA_TZ
from kouan.partners.domain import OrgKind, system

# 2026-10-31 20:00 UTC is November in Beijing: the month follows Beijing time.
BASE = datetime(2026, 10, 31, 16, 7, 13, 250_000, tzinfo=UTC)


def _orders(kouan, world, client, n: int) -> None:  # type: ignore[no-untyped-def]
    with kouan.sessions() as s:
        decl = s.scalars(select(DeclarationRecord)).first()
    if decl is None:
        number = new_draft(client, world, items=[item("8471300000", origin="JP")])
        step(kouan, person(world.trader_a, OrgKind.TRADER), number, "lodge")
        with kouan.sessions() as s:
            decl = s.scalars(select(DeclarationRecord)).one()
    with transaction(kouan.sessions, actor=system("tests")) as s:
        for i in range(n):
            ordered = BASE + timedelta(hours=i * 19, minutes=i * 13, seconds=i)
            done = i % 3 != 0
            s.add(InspectionOrder(
                declaration_id=decl.id, number=decl.number, port=("CNDAL", "CNYIK")[i % 2],
                customs_district=decl.customs_district, consignee_uscc="x" * 18, cause=["rule"],
                primary_cause=("rule", "draw", "officer")[i % 3 if i % 5 else 1], rule_hits=[],
                method=("physical", "scan", "lab")[i % 4 % 3], status="done" if done else "ordered",
                ordered_at=ordered, ordered_by="tests", done_at=ordered + timedelta(hours=i % 11, seconds=37 * i)
                if done else None, outcome=("finding" if i % 4 == 0 else "conforming") if done else None))


def _in_python(session) -> dict:  # type: ignore[no-untyped-def]
    """The report as it was computed before: every order read and grouped here."""
    rows = list(session.scalars(select(InspectionOrder)))
    declared: dict[tuple[str, str], int] = defaultdict(int)
    for port, at in session.execute(select(DeclarationRecord.port, Selectivity.assessed_at).join(
            DeclarationRecord, DeclarationRecord.id == Selectivity.declaration_id)):
        declared[("port", port)] += 1
        declared[("month", at.astimezone(CHINA_TZ).strftime("%Y-%m"))] += 1
        declared[("all", "all")] += 1
    out: dict = {}
    for dim in ("all", "cause", "method", "port", "month"):
        groups: dict[str, list] = defaultdict(list)
        for o in rows:
            groups[{"all": "all", "cause": o.primary_cause, "method": o.method, "port": o.port,
                    "month": o.ordered_at.astimezone(CHINA_TZ).strftime("%Y-%m")}[dim]].append(o)
        out[dim] = []
        for key, group in sorted(groups.items()):
            done = [o for o in group if o.done_at]
            n_decl = declared.get((dim, key)) if dim in ("all", "port", "month") else None
            findings = sum(1 for o in done if o.outcome == "finding")
            out[dim].append({
                "key": key, "inspections": len(group), "done": len(done), "findings": findings,
                "declarations": n_decl, "inspection_rate": round(len(group) / n_decl, 4) if n_decl else None,
                "hit_rate": round(findings / len(done), 4) if done else None,
                "mean_hours": round(sum((o.done_at - o.ordered_at).total_seconds() / 3600 for o in done)
                                    / len(done), 2) if done else None})
    return out


def _report(kouan, world):  # type: ignore[no-untyped-def]
    officer = person(world.customs, OrgKind.CUSTOMS)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with kouan.sessions() as s:
        s.info["actor"] = officer
        service.check_officer(s, officer, write=False)  # the officer's district, read before counting
        event.listen(kouan.engine, "before_cursor_execute", seen)
        try:
            report = service.report(s, actor=officer)
        finally:
            event.remove(kouan.engine, "before_cursor_execute", seen)
        expected = _in_python(s)
    return report, expected, [q for q in statements if "inspection_order" in q or "selectivity" in q]


def test_the_report_aggregated_in_sql_has_the_figures_of_counting_each_order(client, kouan, world):
    _orders(kouan, world, client, 40)
    report, expected, _ = _report(kouan, world)
    assert report == expected
    assert {r["key"] for r in report["month"]} == {"2026-11", "2026-12"}
    assert report["all"][0]["inspections"] == 40 and report["all"][0]["findings"] > 0
    assert all(r["mean_hours"] is not None for r in report["method"])


def test_the_report_costs_two_aggregate_statements_for_five_orders_or_five_hundred(client, kouan, world):
    _orders(kouan, world, client, 5)
    few_report, _, few = _report(kouan, world)
    _orders(kouan, world, client, 495)
    many_report, expected, many = _report(kouan, world)
    assert many_report == expected
    assert len(few) == len(many) == 2 and all("GROUP BY" in q for q in many)
    assert many_report["all"][0]["inspections"] == 500
