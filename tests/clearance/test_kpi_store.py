"""The store's plain-SQL KPI (clearance.kpi_store) gives the Ibis definition's figures for every
grouping and filter, on SQLite and PostgreSQL, and reads only the question's range of
``ix_clearance_case_stats`` (the query plans, not a timing)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from tests.analytics.oracle import assert_same_kpi, random_cases, reference_kpi

from kouan.analytics import engines, filters
from kouan.analytics import run as analytics_run
from kouan.analytics.definitions import GROUP_KEYS
from kouan.clearance import kpi_store
from kouan.clearance.models import ClearanceCase

EVERY_GROUPING = [list(c) for r in range(len(GROUP_KEYS) + 1) for c in itertools.combinations(GROUP_KEYS, r)]
MARCH = filters.Period(first_month="2024-03", last_month="2024-03")
QUESTIONS = [
    {},
    {"period": MARCH},
    {"period": filters.Period(first_month="2024-02", last_month="2024-03"), "province": "CN-LN"},
    {"period": filters.Period(date_from=date(2024, 3, 1), date_to=date(2024, 3, 2)), "port": "CNDLC"},
    {"period": filters.Period(date_to=date(2024, 2, 29))},
]


@pytest.fixture
def cases(kouan):
    rows = random_cases(random.Random(20240301), 300)
    with kouan.engine.begin() as conn:
        conn.execute(sa.insert(ClearanceCase.__table__),
                     [{**r, "updated_at": datetime(2024, 4, 1, tzinfo=UTC)} for r in rows])
    return rows


def test_every_grouping_equals_the_reference(kouan, cases):
    with kouan.sessions() as session:
        for by in EVERY_GROUPING:
            assert_same_kpi(kpi_store.kpi(session, by, clock="gac"), reference_kpi(cases, by))
        assert_same_kpi(kpi_store.kpi(session, ["month"], clock="wco_trs"),
                        reference_kpi(cases, ["month"], clock="wco_trs"))


@pytest.mark.parametrize("question", QUESTIONS, ids=range(len(QUESTIONS)))
def test_filtered_questions_equal_the_ibis_definition_on_the_same_store(kouan, cases, question):
    con = engines.connect_store(kouan.settings.effective_database_url)
    table = filters.select_cases(engines.clearance_case(con), **question)
    with kouan.sessions() as session:
        for by in ([], ["port", "direction"], ["facilitation_mode"], ["month", "commodity_group"],
                   ["customs_district", "province", "month", "direction"]):
            got = kpi_store.kpi(session, by, clock="gac", **question)
            assert_same_kpi(got, analytics_run.kpi(table, by, clock="gac"), tol=1e-9)
    con.disconnect()


def test_a_group_key_outside_the_list_is_refused(kouan):
    with kouan.sessions() as session, pytest.raises(ValueError, match="cannot group by 'hours'"):
        kpi_store.kpi(session, ["hours"], clock="gac")


def _statements(kouan, by, **question) -> list[tuple[str, object]]:
    """The statements (as sent to the driver, with their parameters) one KPI question runs."""
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        sent.append((statement, parameters))

    sa.event.listen(kouan.engine, "before_cursor_execute", capture)
    try:
        with kouan.sessions() as session:
            kpi_store.kpi(session, by, clock="gac", **question)
    finally:
        sa.event.remove(kouan.engine, "before_cursor_execute", capture)
    return [(s, p) for s, p in sent if "clearance_case" in s]


@pytest.mark.parametrize("by", [["port", "direction"], ["facilitation_mode"], ["commodity_group", "month"],
                                ["customs_district"], []], ids=lambda by: "+".join(by) or "overall")
def test_a_month_is_read_from_its_range_of_the_index_whatever_the_grouping(kouan, cases, backend, by):
    statements = _statements(kouan, by, period=MARCH, province="CN-LN")
    assert len(statements) == 2  # the closed cases, the open cases' counts
    with kouan.engine.connect() as conn:
        for statement, parameters in statements:
            if backend == "sqlite":
                plan = " | ".join(row[-1] for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters))
                # Every column the statement reads is in the index: no look-up in the table.
                assert "USING COVERING INDEX ix_clearance_case_stats (clock=? AND status=?" in plan, plan
            else:
                conn.exec_driver_sql("SET enable_seqscan = off")  # a 300-row table would be scanned
                plan = " | ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
                assert "Index" in plan and "Seq Scan" not in plan, plan
            if "closed" in str(parameters):
                # The closed cases: the month range bounds the part of the index read.
                bound = "month>? AND month<?" if backend == "sqlite" else "(month)::text >= '2024-03'"
                index_condition = plan if backend == "sqlite" else plan.split("Index Cond:")[1].split("Filter")[0]
                assert bound in index_condition, plan


def test_the_lightweight_case_table_names_the_models_columns_with_their_types():
    """``kpi_store`` reads ``clearance_case`` through a ``table()`` description (a KPI builds no
    mapped class): every column it names is the model's, with the same type, so binds and results
    are processed as through the model (``UTCDateTime`` refuses a naive instant, returns aware UTC)."""
    model = ClearanceCase.__table__
    assert kpi_store.CASES.name == model.name
    described = {c.name: c.type for c in kpi_store.CASES.c}
    assert set(GROUP_KEYS) | {"clock", "status", "hours", "start_at", "end_at",
                              "seg_1", "seg_2", "seg_3", "seg_4"} <= set(described)
    for name, type_ in described.items():
        assert name in model.c, name
        assert type(type_) is type(model.c[name].type), name
        assert getattr(type_, "length", None) == getattr(model.c[name].type, "length", None), name
