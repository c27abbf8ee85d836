"""The GAC clock by hand, from the raw Parquet log, for the analytics benchmark.

Each baseline reads what partners sent (re-sent duplicates and newer versions included), keeps the
newest version of every event id as Kouan's store does (highest ``version``, then ``recorded_at``),
and computes, per Beijing month in which the clock ended and direction, the count, mean, median and
p90 (linear interpolation) of the hours of closed declarations:

- import: from the first actual ``TRANSPORT_ENTRY_DECLARED`` (else ``TRANSPORT_ARRIVED``) of the
  call that carried the bill of lading, to the declaration's first actual ``CUSTOMS_RELEASED``;
- export: from the later of the last actual ``GOODS_ARRIVED_AT_PORT`` of the consignment's
  containers and the first actual ``DECLARATION_LODGED``, to the first ``CUSTOMS_RELEASED``;
- a release stamped before the start counts as zero hours (and in the start's month); declarations
  without a release are open and not counted.

They are written for the benchmark's log, where a consignment has one declaration, one bill of
lading and one call, and call events name only the call: Kouan's clock handles the general case
(several keys, reused containers, call aliases, ports) that these shortcuts do not.
"""

from __future__ import annotations

from typing import Any

Stats = dict[tuple[str, str], dict[str, Any]]
US_PER_HOUR = 3_600_000_000

DUCKDB_SQL = """
WITH ev AS (
    SELECT * FROM read_parquet($path)
    QUALIFY row_number() OVER (PARTITION BY source, event_id
                               ORDER BY version DESC NULLS LAST, recorded_at DESC) = 1
),
act AS (SELECT * FROM ev WHERE classifier = 'ACT'),
decl AS (
    SELECT declaration, any_value(bill_of_lading) AS bl,
           min(occurred_at) FILTER (WHERE milestone = 'CUSTOMS_RELEASED' AND classifier = 'ACT') AS end_at,
           min(occurred_at) FILTER (WHERE milestone = 'DECLARATION_LODGED' AND classifier = 'ACT')
               AS lodged_at
    FROM ev WHERE declaration IS NOT NULL GROUP BY declaration
),
bl_call AS (
    SELECT bill_of_lading AS bl, any_value(transport_call) AS call FROM ev
    WHERE bill_of_lading IS NOT NULL AND transport_call IS NOT NULL GROUP BY bill_of_lading
),
call_start AS (
    SELECT transport_call AS call,
           coalesce(min(occurred_at) FILTER (WHERE milestone = 'TRANSPORT_ENTRY_DECLARED'),
                    min(occurred_at) FILTER (WHERE milestone = 'TRANSPORT_ARRIVED')) AS start_at
    FROM act WHERE declaration IS NULL AND bill_of_lading IS NULL AND container IS NULL
    GROUP BY transport_call
),
goods_in AS (
    SELECT bill_of_lading AS bl, max(occurred_at) AS last_in FROM act
    WHERE milestone = 'GOODS_ARRIVED_AT_PORT' AND container IS NOT NULL GROUP BY bill_of_lading
),
cases AS (
    SELECT d.declaration, substr(d.declaration, 9, 1) = '1' AS imp, d.end_at,
           CASE WHEN substr(d.declaration, 9, 1) = '1' THEN s.start_at
                ELSE greatest(coalesce(g.last_in, d.lodged_at), coalesce(d.lodged_at, g.last_in))
           END AS start_at
    FROM decl d LEFT JOIN bl_call b ON b.bl = d.bl LEFT JOIN call_start s ON s.call = b.call
    LEFT JOIN goods_in g ON g.bl = d.bl
),
closed AS (
    SELECT CASE WHEN imp THEN 'I' ELSE 'E' END AS direction, greatest(end_at, start_at) AS end_c,
           (epoch_us(greatest(end_at, start_at)) - epoch_us(start_at)) / 3600000000.0 AS hours
    FROM cases WHERE start_at IS NOT NULL AND end_at IS NOT NULL
)
SELECT strftime(end_c AT TIME ZONE 'Asia/Shanghai', '%Y-%m') AS month, direction, count(*) AS n,
       avg(hours) AS mean_h, quantile_cont(hours, 0.5) AS median_h, quantile_cont(hours, 0.9) AS p90_h
FROM closed GROUP BY ALL ORDER BY ALL
"""


def duckdb_sql(path: str) -> Stats:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(DUCKDB_SQL, {"path": path}).fetchall()
    return {(m, d): {"n": n, "mean_h": mean, "median_h": med, "p90_h": p90}
            for m, d, n, mean, med, p90 in rows}


def _newest(path: str) -> Any:
    import pandas as pd

    ev = pd.read_parquet(path)
    ev = ev.sort_values(["version", "recorded_at"], na_position="first", kind="stable")
    return ev.drop_duplicates(["source", "event_id"], keep="last")


def pandas_cases(ev: Any) -> Any:
    """One row per declaration: direction, start, end (both UTC instants; start may be NaT)."""
    import pandas as pd

    act = ev[ev["classifier"] == "ACT"]
    decl = ev[ev["declaration"].notna()]
    bl = decl.groupby("declaration")["bill_of_lading"].first()
    end = act[act["milestone"] == "CUSTOMS_RELEASED"].groupby("declaration")["occurred_at"].min()
    lodged = act[act["milestone"] == "DECLARATION_LODGED"].groupby("declaration")["occurred_at"].min()
    cases = pd.DataFrame({"bl": bl, "end_at": end, "lodged_at": lodged})
    named = ev[ev["bill_of_lading"].notna() & ev["transport_call"].notna()]
    bl_call = named.groupby("bill_of_lading")["transport_call"].first()
    pure = act[act["declaration"].isna() & act["bill_of_lading"].isna() & act["container"].isna()
               & act["transport_call"].notna()]
    entry = pure[pure["milestone"] == "TRANSPORT_ENTRY_DECLARED"]
    entry = entry.groupby("transport_call")["occurred_at"].min()
    arrived = pure[pure["milestone"] == "TRANSPORT_ARRIVED"].groupby("transport_call")["occurred_at"].min()
    call_start = entry.combine_first(arrived)
    goods = act[(act["milestone"] == "GOODS_ARRIVED_AT_PORT") & act["container"].notna()]
    last_in = goods.groupby("bill_of_lading")["occurred_at"].max()
    imp = cases.index.str[8] == "1"
    cases["direction"] = ["I" if i else "E" for i in imp]
    cases["call_start"] = cases["bl"].map(bl_call).map(call_start)
    cases["last_in"] = cases["bl"].map(last_in)
    export_start = cases[["last_in", "lodged_at"]].max(axis=1)
    cases["start_at"] = cases["call_start"].where(imp, export_start)
    return cases[["direction", "start_at", "end_at"]]


def _stats(closed: Any) -> Stats:
    grouped = closed.groupby(["month", "direction"])["hours"]
    out = grouped.agg(["count", "mean", "median"]).join(grouped.quantile(0.9).rename("p90"))
    return {(m, d): {"n": int(r["count"]), "mean_h": float(r["mean"]), "median_h": float(r["median"]),
                     "p90_h": float(r["p90"])} for (m, d), r in out.iterrows()}


def _closed(cases: Any) -> Any:
    closed = cases[cases["start_at"].notna() & cases["end_at"].notna()].copy()
    closed["end_c"] = closed[["end_at", "start_at"]].max(axis=1)
    closed["hours"] = ((closed["end_c"] - closed["start_at"]).dt.total_seconds() / 3600.0)
    closed["month"] = closed["end_c"].dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m")
    return closed


def pandas_kpi(path: str) -> Stats:
    return _stats(_closed(pandas_cases(_newest(path))))


def pm4py_kpi(path: str) -> Stats:
    """PM4Py computes case durations between a case's first and last event. It cannot express the
    GAC segments (the carrying call's entry, the later of all goods arrived and lodgement, the
    clamp at zero), so pandas derives each declaration's start and end first; PM4Py then turns the
    two-event cases into an event log and measures their durations (``get_all_case_durations``)."""
    import pandas as pd
    import pm4py

    cases = pandas_cases(_newest(path))
    closed = cases[cases["start_at"].notna() & cases["end_at"].notna()]
    end = closed[["end_at", "start_at"]].max(axis=1)
    log = pd.concat([
        pd.DataFrame({"case": closed.index, "activity": "start", "ts": closed["start_at"].to_numpy()}),
        pd.DataFrame({"case": closed.index, "activity": "release", "ts": end.to_numpy()}),
    ], ignore_index=True)
    log = pm4py.format_dataframe(log, case_id="case", activity_key="activity", timestamp_key="ts")
    from pm4py.statistics.traces.generic.pandas import case_statistics

    desc = case_statistics.get_cases_description(log)
    per_case = pd.DataFrame.from_dict(desc, orient="index")
    # PM4Py's own startTime/endTime assume nanosecond timestamps (pandas 3 reads microseconds):
    # only its durations are used; the month comes from the release instant it was given.
    per_case["hours"] = per_case["caseDuration"] / 3600.0
    per_case["direction"] = closed["direction"].reindex(per_case.index)
    per_case["month"] = end.reindex(per_case.index).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m")
    return _stats(per_case)
