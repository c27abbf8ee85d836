"""The KPI over the real ``clearance_case`` table, built by the migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.analytics.oracle import Row, assert_same_kpi, reference_kpi

from kouan.analytics import engines
from kouan.analytics.run import kpi
from kouan.clearance.models import ClearanceCase


def test_the_kpi_reads_the_migrated_case_table(kouan, backend: str, shared_cases: list[Row]) -> None:
    stamped = [row | {"updated_at": datetime(2024, 4, 1, tzinfo=UTC)} for row in shared_cases]
    with kouan.engine.begin() as conn:
        conn.execute(ClearanceCase.__table__.insert(), stamped)
    kind = "sqlite" if backend == "sqlite" else "postgres"
    con = engines.connect(kind, kouan.settings.effective_database_url)
    try:
        for by in ([], ["month", "direction"], ["port"]):
            assert_same_kpi(kpi(con, by), reference_kpi(shared_cases, by))
    finally:
        con.disconnect()
