"""One measured step of the analytics benchmark, run in its own process so that its peak RSS is its
own: ``python -m bench.analytics_steps STEP --parquet FILE --store FILE``. Prints one JSON line:
``{"step", "seconds", "first_seconds", "peak_rss_mb", "rows"}``.

``seconds`` is the step's own work (imports and interpreter start excluded, for every step alike):
for ``kpi`` the second of two identical calls (warm: the store's pages cached, the cases current),
for the others a single run. Steps: ``duckdb``, ``pandas``, ``pm4py`` (the baselines, over the raw
Parquet log), ``recompute`` (Kouan's set-based full recompute of the GAC cases from the events),
``kpi`` (``kouan kpi --by month,direction`` through ``clearance.kpi.run``, from the case table) and
``ingest``: a fresh store built through Kouan's own import (``events.service.ingest``, batches of
``INGEST_BATCH`` lines of the raw log's JSON Lines, ``--jsonl``) and refresh
(``clearance.service.refresh`` of the consignments the import marked), then the first ``kpi``:
its ``seconds`` is the time to the first answer, with each part in ``parts``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import analytics_baselines

STEPS = ("duckdb", "pandas", "pm4py", "recompute", "kpi", "ingest")
INGEST_BATCH = 50_000


def _store_url(store: str) -> str:
    return f"sqlite:///{Path(store).resolve()}"


def recompute(store: str) -> tuple[dict, float, float | None]:
    from kouan.clearance import service
    from kouan.clearance.clocks import GAC
    from kouan.db.session import make_engine, make_session_factory, transaction
    from kouan.kit.clock import utcnow
    from kouan.partners.domain import system

    sessions = make_session_factory(make_engine(_store_url(store)))
    start = time.perf_counter()
    with transaction(sessions, actor=system("bench")) as session:
        report = service.recompute_all_set_based(session, now=utcnow(), clocks=[GAC])
    return {"cases": report.cases}, time.perf_counter() - start, None


def kpi(store: str) -> tuple[dict, float, float | None]:
    from kouan.clearance import kpi as clearance_kpi
    from kouan.db.session import make_engine, make_session_factory
    from kouan.kit.clock import utcnow

    url = _store_url(store)
    sessions = make_session_factory(make_engine(url))
    query = clearance_kpi.KpiQuery(clock="gac", by=("month", "direction"))
    times = []
    with tempfile.TemporaryDirectory() as export_dir:
        for _ in range(2):
            start = time.perf_counter()
            result = clearance_kpi.run(sessions, query, database_url=url, export_dir=Path(export_dir),
                                       now=utcnow())
            times.append(time.perf_counter() - start)
    rows = {f"{r.group['month']}|{r.group['direction']}": {"n": r.n, "mean_h": r.mean_h,
                                                            "median_h": r.median_h,
                                                            "p90_h": r.p90_h}
            for r in result.rows if r.n}
    return rows, times[1], times[0]


def ingest(store: str, jsonl: str) -> tuple[dict, float, dict]:
    from kouan.clearance import kpi as clearance_kpi
    from kouan.clearance import service
    from kouan.db import migrate
    from kouan.db.session import make_engine, make_session_factory, transaction
    from kouan.events import service as events_service
    from kouan.events.authority import KOUAN  # the log states every fact as Kouan would
    from kouan.kit.clock import utcnow
    from kouan.partners.domain import system

    path = Path(store)
    path.unlink(missing_ok=True)
    url = _store_url(store)
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    lines = Path(jsonl).read_bytes().splitlines(keepends=True)
    parts: dict[str, float] = {}
    start = time.perf_counter()
    for k in range(0, len(lines), INGEST_BATCH):
        with transaction(sessions, actor=system("bench")) as session:
            events_service.ingest(session, source="DCT", org_id=None, sender=KOUAN,
                                  data=b"".join(lines[k:k + INGEST_BATCH]), fmt="jsonl", channel="bench",
                                  now=utcnow(), actor="bench")
    parts["import"] = time.perf_counter() - start
    t = time.perf_counter()
    with transaction(sessions, actor=system("bench")) as session:
        report = service.refresh(session, now=utcnow())
    parts["refresh"] = time.perf_counter() - t
    t = time.perf_counter()
    query = clearance_kpi.KpiQuery(clock="gac", by=("month", "direction"))
    with tempfile.TemporaryDirectory() as export_dir:
        result = clearance_kpi.run(sessions, query, database_url=url, export_dir=Path(export_dir),
                                   now=utcnow())
    parts["first_kpi"] = time.perf_counter() - t
    rows = {f"{r.group['month']}|{r.group['direction']}": {"n": r.n, "mean_h": r.mean_h,
                                                            "median_h": r.median_h, "p90_h": r.p90_h}
            for r in result.rows if r.n}
    return rows, time.perf_counter() - start, {**parts, "refreshed_consignments": report.consignments,
                                               "batches": -(-len(lines) // INGEST_BATCH)}


def baseline(step: str, parquet: str) -> tuple[dict, float, float | None]:
    fn = {"duckdb": analytics_baselines.duckdb_sql, "pandas": analytics_baselines.pandas_kpi,
          "pm4py": analytics_baselines.pm4py_kpi}[step]
    start = time.perf_counter()
    stats = fn(parquet)
    return {f"{m}|{d}": v for (m, d), v in stats.items()}, time.perf_counter() - start, None


def run(step: str, parquet: str, store: str, jsonl: str | None = None) -> dict[str, Any]:
    if step == "ingest":
        if jsonl is None:
            raise SystemExit("the ingest step reads the raw log's JSON Lines: give --jsonl")
        rows, seconds, parts = ingest(store, jsonl)
        return {"step": step, "seconds": seconds, "first_seconds": None, "parts": parts,
                "peak_rss_mb": peak_rss_mb(), "rows": rows}
    if step == "recompute":
        rows, seconds, first = recompute(store)
    elif step == "kpi":
        rows, seconds, first = kpi(store)
    else:
        rows, seconds, first = baseline(step, parquet)
    return {"step": step, "seconds": seconds, "first_seconds": first, "peak_rss_mb": peak_rss_mb(),
            "rows": rows}


def peak_rss_mb() -> float:
    """The step's peak resident set: this process's, or that of the largest child it waited for
    (the full recompute runs DuckDB in a child process), whichever is larger. Linux's
    ``ru_maxrss`` for this process keeps the high-water mark of the process that forked it (the
    benchmark driver, holding a whole log), so ``VmHWM`` is read for it; it restarts at ``exec``."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return max(int(line.split()[1]) / 1024, children)
    except OSError:
        pass
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, children)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.analytics_steps")
    p.add_argument("step", choices=STEPS)
    p.add_argument("--parquet", required=True)
    p.add_argument("--store", required=True)
    p.add_argument("--jsonl", default=None, help="the raw log as JSON Lines (the ingest step)")
    args = p.parse_args()
    json.dump(run(args.step, args.parquet, args.store, args.jsonl), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
