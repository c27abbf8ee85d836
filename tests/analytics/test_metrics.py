"""Metric definitions: the oracle, hypothesis against DuckDB, additivity, key validation, SQL."""

from __future__ import annotations

import doctest
import random
import re
from datetime import UTC, datetime
from fractions import Fraction

import ibis
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.analytics.oracle import (
    ARROW_SCHEMA,
    DISTRICTS,
    MODES,
    PORTS,
    Row,
    assert_same_kpi,
    case,
    percentile,
    reference_kpi,
)

from kouan.analytics import metrics, tables
from kouan.analytics.run import kpi

START = datetime(2024, 3, 31, 12, tzinfo=UTC)  # closing a few hours later crosses into April (Shanghai)
QUARTERS = st.integers(min_value=0, max_value=12).map(lambda q: q / 4)  # few values: many ties


def as_table(rows: list[Row]) -> ibis.Table:
    return ibis.memtable(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA))


@st.composite
def case_tables(draw: st.DrawFn) -> list[Row]:
    rows = []
    for number in range(draw(st.integers(min_value=0, max_value=40))):
        segments = draw(st.lists(st.none() | QUARTERS, min_size=4, max_size=4))
        status = draw(st.sampled_from(["closed", "closed", "closed", "open"]))
        present = [s for s in segments if s is not None]
        rows.append(case(
            number, status=status, start_at=START, direction=draw(st.sampled_from("IE")),
            port=draw(st.sampled_from(PORTS)), customs_district=draw(st.sampled_from(DISTRICTS)),
            facilitation_mode=draw(st.sampled_from(MODES)),
            clock=draw(st.sampled_from(["gac", "gac", "trs"])),
            hours=sum(present) if status == "closed" and present else None,
            **{f"seg_{i + 1}": s for i, s in enumerate(segments)},
        ))
    return rows


GROUPINGS = st.lists(st.sampled_from(["port", "customs_district", "month", "direction", "facilitation_mode"]),
                     unique=True, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=case_tables(), by=GROUPINGS)
def test_kpi_on_duckdb_equals_the_reference(rows: list[Row], by: list[str]) -> None:
    assert_same_kpi(kpi(as_table(rows), by), reference_kpi(rows, by))


@settings(max_examples=30, deadline=None)
@given(rows=case_tables())
def test_segment_means_add_up_to_the_mean(rows: list[Row]) -> None:
    for row in kpi(as_table(rows), ["direction"]):
        if row.n:
            assert sum(s for s in row.segments if s is not None) == pytest.approx(row.mean_h, abs=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 10, 11, 71, 101])
def test_the_oracle_percentile_is_numpy_linear(n: int) -> None:
    values = [random.Random(n).uniform(0, 100) for _ in range(n)]
    for q in (Fraction(1, 2), Fraction(9, 10)):
        assert percentile(values, q) == pytest.approx(np.percentile(values, float(q) * 100), abs=1e-9)


def test_median_and_p90_interpolate_linearly_through_ties() -> None:
    hours = [5.0, 1.0, 1.0, 3.0, 3.0, 3.0, 8.0, 13.0, 21.0, 40.0, 2.5]
    rows = [case(i, start_at=START, hours=h, seg_1=h) for i, h in enumerate(hours)]
    [row] = kpi(as_table(rows), [])
    assert (row.n, row.median_h) == (11, 3.0)
    assert row.p90_h == pytest.approx(21.0)  # pos = 10 * 0.9 = 9 exactly: v[9] is 21.0 once sorted
    assert row.p90_h == pytest.approx(np.percentile(hours, 90))


def test_groups_with_only_open_cases_have_counts_but_no_figures() -> None:
    rows = [case(1, start_at=START, hours=2.0, seg_1=2.0, port="CNDLC"), case(2, status="open", port="CNYKO")]
    by_port = {row.group["port"]: row for row in kpi(as_table(rows), ["port"])}
    assert (by_port["CNYKO"].n, by_port["CNYKO"].n_open, by_port["CNYKO"].mean_h) == (0, 1, None)
    assert (by_port["CNDLC"].n, by_port["CNDLC"].n_open, by_port["CNDLC"].median_h) == (1, 0, 2.0)


def test_an_empty_table_still_has_one_overall_row() -> None:
    [row] = kpi(as_table([]), [])
    assert (row.n, row.n_open, row.mean_h, row.p90_h) == (0, 0, None, None)


@pytest.mark.parametrize("bad", [["port", "berth"], ["hours"], "port", ["month", "month"]])
def test_it_refuses_group_keys_outside_the_list(bad: object) -> None:
    with pytest.raises(ValueError, match=r"berth|hours|'port'|repeat"):
        metrics.clearance_stats(tables.clearance_case(), bad)  # type: ignore[arg-type]


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(metrics)
    assert result.attempted > 0 and result.failed == 0


# Engine quantile functions are what SQLite lacks and what differs between engines.
QUANTILE_CALL = re.compile(r"\b(median|percentile\w*|quantile\w*|approx\w*|ntile)\s*\(", re.IGNORECASE)


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "duckdb", "pyspark"])
@pytest.mark.parametrize("by", [[], ["month", "direction"]])
def test_the_compiled_sql_uses_no_engine_quantile_function(dialect: str, by: list[str]) -> None:
    ibis.pyspark  # noqa: B018 - registers ibis.options.pyspark, which the pyspark compiler reads
    sql = ibis.to_sql(metrics.clearance_stats(tables.clearance_case(), by), dialect=dialect)
    assert "ROW_NUMBER()" in sql.upper()
    assert not QUANTILE_CALL.search(sql), QUANTILE_CALL.search(sql)
    counts = ibis.to_sql(metrics.open_counts(tables.clearance_case(), by), dialect=dialect)
    assert not QUANTILE_CALL.search(counts)
