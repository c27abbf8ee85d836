"""``python -m bench.kpi``: Kouan's clearance-time KPI and full recompute against pandas, PM4Py and a
hand-written DuckDB SQL, on generated logs of 1 M and 10 M events, in one run.

For each size: generate a seeded log (``bench.analytics_log``), write the raw lines to Parquet and
bulk-load what ingestion would have stored into a freshly migrated SQLite store (setup: timed and
reported, never part of a measurement). Then, each in its own process (``bench.analytics_steps``):
the DuckDB SQL, pandas and PM4Py over the Parquet file, Kouan's set-based full recompute of the
GAC cases from the events, and Kouan's warm ``kpi`` by month and direction from the case table.
Every step's figures (n, mean, median, p90 per month and direction) must equal the DuckDB SQL's
to 1e-6 h, or the run fails. Ratios are against the DuckDB SQL of the same size and run.
Writes ``bench/results/kpi-<date>.json`` and prints a Markdown table.

``cli``: ``kouan kpi --json`` as a user waits for it, the whole process (interpreter, imports,
the answer), run twice per question (the second is reported: warm), grouped by month and
direction, by port, by facilitation mode, and for one month by port and direction; each is also
set against the pandas step's whole process (``× pandas process``). ``ingest``: a second store
built through Kouan's own import and refresh instead of the bulk load, and the time to its first
answer (``bench.analytics_steps``); ``--events 100000 --steps duckdb,ingest`` is a quick run.

PM4Py is AGPL: it is not a dependency of Kouan. Its step runs in the benchmark's own environment
(``make bench-kpi`` creates ``.venv-bench``); without PM4Py the step is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from bench import analytics_log, analytics_store

RESULTS = Path(__file__).parent / "results"
BENCH_VENV_PYTHON = Path(__file__).parent.parent / ".venv-bench" / "bin" / "python"
STEPS = ("duckdb", "pandas", "pm4py", "recompute", "kpi", "cli", "ingest")
# `kouan kpi` questions timed as whole processes: (label, arguments); MONTH is the busiest month.
CLI_QUESTIONS = (
    ("by month,direction", ["--by", "month,direction"]),
    ("by port", ["--by", "port"]),
    ("by facilitation_mode", ["--by", "facilitation_mode"]),
    ("--month MONTH by port,direction", ["--month", "MONTH", "--by", "port,direction"]),
    ("--month MONTH by facilitation_mode", ["--month", "MONTH", "--by", "facilitation_mode"]),
)
LABELS = {
    "duckdb": "DuckDB SQL over Parquet (raw events)",
    "pandas": "pandas over Parquet (raw events)",
    "pm4py": "PM4Py (pandas derives start/end; PM4Py case durations)",
    "recompute": "Kouan full recompute (set-based, GAC, SQLite store)",
    "kpi": "Kouan `kpi` warm (case table, SQLite store)",
    "ingest": "Kouan import + refresh + first `kpi` (time to first answer, fresh store)",
    **{f"cli {label}": f"`kouan kpi {label}` whole process, warm" for label, _args in CLI_QUESTIONS},
}
TOLERANCE_H = 1e-6


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.kpi", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", default="1000000,10000000", help="comma list of log sizes")
    p.add_argument("--steps", default=",".join(STEPS), help=f"comma list of {', '.join(STEPS)}")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--workdir", type=Path, default=None, help="where the logs and stores go (a temp dir)")
    p.add_argument("--keep", type=Path, default=None,
                   help="keep the logs and stores in this directory and reuse them on the next run with "
                        "the same size and seed (setup at 10 M events takes a quarter of an hour)")
    p.add_argument("--out", type=Path, default=RESULTS)
    return p.parse_args()


def _has_pm4py(python: str) -> bool:
    return subprocess.run([python, "-c", "import pm4py"], capture_output=True).returncode == 0


def pm4py_python() -> str | None:
    """This interpreter when it has PM4Py, else the benchmark environment's, else none."""
    if _has_pm4py(sys.executable):
        return sys.executable
    if BENCH_VENV_PYTHON.exists() and _has_pm4py(str(BENCH_VENV_PYTHON)):
        return str(BENCH_VENV_PYTHON)
    return None


def _load() -> float:
    return os.getloadavg()[0]


def _children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far: on a shared machine a
    process's CPU time moves less with the load than its wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def step(name: str, python: str, parquet: Path, store: Path, jsonl: Path | None = None) -> dict:
    load_before = _load()
    started = time.perf_counter()
    extra = ["--jsonl", str(jsonl)] if jsonl is not None else []
    cpu = _children_cpu()
    done = subprocess.run([python, "-m", "bench.analytics_steps", name, "--parquet", str(parquet),
                           "--store", str(store), *extra], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent)
    if done.returncode:
        raise SystemExit(f"step {name} failed:\n{done.stderr[-4000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_seconds"] = time.perf_counter() - started
    out["process_cpu_seconds"] = _children_cpu() - cpu
    out["load_before"], out["load_after"] = load_before, _load()
    return out


def cli_steps(store: Path, work: Path, month: str) -> dict[str, dict]:
    """``kouan kpi`` on ``store`` as a user runs it: one process per answer, timed from start to
    exit; each question twice (``first_seconds``, then ``seconds``: warm)."""
    env = dict(os.environ, KOUAN_DATABASE_URL=f"sqlite:///{store.resolve()}",
               KOUAN_DATA_DIR=str(work / "cli-data"))
    results = {}
    for label, arguments in CLI_QUESTIONS:
        argv = [sys.executable, "-m", "kouan.cli", "kpi", *(month if a == "MONTH" else a for a in arguments),
                "--json"]
        load_before, times = _load(), []
        for _ in range(2):
            started, cpu = time.perf_counter(), _children_cpu()
            done = subprocess.run(argv, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            cpu = _children_cpu() - cpu
            if done.returncode:
                raise SystemExit(f"kouan kpi {' '.join(arguments)} failed:\n{done.stderr[-4000:]}")
        answer = json.loads(done.stdout)["rows"]
        rows = ({f"{r['month']}|{r['direction']}": {k: r[k] for k in ("n", "mean_h", "median_h", "p90_h")}
                 for r in answer if r["n"]} if label == "by month,direction" else None)
        results[f"cli {label.replace('MONTH', month)}"] = {
            "step": "cli", "seconds": times[1], "first_seconds": times[0], "process_seconds": times[1],
            "process_cpu_seconds": cpu,
            "peak_rss_mb": None, "load_before": load_before, "load_after": _load(),
            "closed_cases": sum(r["n"] for r in answer), "groups_answered": len(answer),
            "rows": rows if rows is not None else {}, "argv": argv[3:]}
    return results


def busiest_month(rows: dict) -> str:
    """The month with the most closed cases in a step's rows (``month|direction`` keys)."""
    per_month: dict[str, int] = {}
    for key, r in rows.items():
        per_month[key.split("|")[0]] = per_month.get(key.split("|")[0], 0) + r["n"]
    return max(sorted(per_month), key=lambda m: per_month[m]) if per_month else "2022-03"


# `kouan kpi --json` gives hours as people read them (kit.edge: 2 decimals): within half a unit
ROUNDED_TOLERANCE_H = 0.005 + 1e-9


def disagreements(got: dict, want: dict, tolerance: float = TOLERANCE_H) -> list[str]:
    """Groups whose figures differ from ``want`` by more than ``tolerance`` h (1e-6 h; half of the
    last decimal for figures rounded at the edge), or whose n differs."""
    bad = [f"missing or extra groups: {sorted(set(got) ^ set(want))[:5]}"] if set(got) != set(want) else []
    for key in sorted(set(got) & set(want)):
        a, b = got[key], want[key]
        if a["n"] != b["n"] or any(abs(a[c] - b[c]) > tolerance for c in ("mean_h", "median_h", "p90_h")):
            bad.append(f"{key}: {a} != {b}")
    return bad


def measure(n_events: int, steps: list[str], seed: int, work: Path) -> dict:
    marker = work / "setup.json"
    parquet, store = work / f"raw-{n_events}.parquet", work / f"store-{n_events}.sqlite3"
    kept = json.loads(marker.read_text()) if marker.exists() else None
    if kept and kept["seed"] == seed and parquet.exists() and store.exists():
        data = kept["data"]
        print(f"\n{n_events:,} events (kept setup in {work}): {json.dumps(data)}", flush=True)
        analytics_store.upgrade(store)  # a setup kept from an older Kouan gets the newer indexes
        return _measure_steps(n_events, steps, data, parquet, store)
    t0 = time.perf_counter()
    log = analytics_log.generate(n_events, seed=seed)
    parquet = work / f"raw-{n_events}.parquet"
    pq.write_table(analytics_log.raw_for_parquet(log), parquet)
    (work / f"raw-{n_events}.jsonl").write_text("\n".join(analytics_log.canonical_lines(log)) + "\n",
                                                encoding="utf-8")
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    store = analytics_store.load(log, work / f"store-{n_events}.sqlite3")
    loaded = time.perf_counter() - t0
    data = {"events_stored": log.events.num_rows, "raw_lines": log.raw.num_rows,
            "consignments": log.consignments, "declarations": log.consignments, "vessel_calls": log.calls,
            "resent_duplicates": log.duplicates, "newer_versions": log.versions,
            "parquet_mb": round(parquet.stat().st_size / 2**20, 1),
            "store_mb": round(store.stat().st_size / 2**20, 1),
            "setup_seconds": {"generate_and_parquet": round(generated, 1), "bulk_load": round(loaded, 1)}}
    print(f"\n{n_events:,} events: {json.dumps(data)}", flush=True)
    del log
    marker.write_text(json.dumps({"seed": seed, "data": data}))
    return _measure_steps(n_events, steps, data, parquet, store)


def _measure_steps(n_events: int, steps: list[str], data: dict, parquet: Path, store: Path) -> dict:
    results: dict[str, dict] = {}
    pm4py = pm4py_python()
    jsonl = parquet.with_suffix(".jsonl")
    for name in steps:
        if name == "pm4py" and pm4py is None:
            print("pm4py: not installed here nor in .venv-bench: skipped (make bench-kpi installs it)")
            continue
        if name == "cli":
            month = busiest_month(results.get("duckdb", {}).get("rows", {}))
            for label, r in cli_steps(store, store.parent, month).items():
                results[label] = r
                print(f"  {label}: {r['seconds']:.2f} s (first {r['first_seconds']:.2f} s), "
                      f"load {r['load_before']:.1f}", flush=True)
            continue
        if name == "ingest" and not jsonl.exists():
            raise SystemExit(f"{jsonl} is missing: the ingest step needs a setup made by this version")
        r = step(name, pm4py if name == "pm4py" else sys.executable, parquet,
                 store.with_name(f"ingested-{n_events}.sqlite3") if name == "ingest" else store,
                 jsonl if name == "ingest" else None)
        results[name] = r
        print(f"  {name}: {r['seconds']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB, "
              f"load {r['load_before']:.1f}{'  ' + json.dumps(r['parts']) if 'parts' in r else ''}",
              flush=True)
    _check(results)
    base = results.get("duckdb", {}).get("seconds")
    pandas_process = results.get("pandas", {}).get("process_seconds")
    pandas_cpu = results.get("pandas", {}).get("process_cpu_seconds")
    for r in results.values():
        r["ratio_to_duckdb"] = round(r["seconds"] / base, 3) if base else None
        if r["step"] == "cli" and pandas_process:
            r["pandas_process_over_this"] = round(pandas_process / r["seconds"], 2)
            r["pandas_cpu_over_this"] = round(pandas_cpu / r["process_cpu_seconds"], 2)
        r["groups"] = len(r.pop("rows"))
    return {"events": n_events, "data": data, "steps": results}


def _check(results: dict[str, dict]) -> None:
    reference = results.get("duckdb")
    if reference is None:
        return
    for name, r in results.items():
        if name == "recompute" or (r["step"] == "cli" and not r["rows"]):
            continue  # writes the cases; `kpi` reads them back / grouped otherwise than the baselines
        bad = disagreements(r["rows"], reference["rows"],
                            ROUNDED_TOLERANCE_H if r["step"] == "cli" else TOLERANCE_H)
        r["agrees_with_duckdb"] = not bad
        if bad:
            raise SystemExit(f"{name} disagrees with the DuckDB SQL:\n" + "\n".join(bad[:10]))


def table(runs: list[dict]) -> str:
    lines = ["| events | measurement | s | × DuckDB SQL | pandas process ÷ this | process CPU s | "
             "pandas process CPU ÷ this | peak RSS MB | load |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in runs:
        for name, r in run["steps"].items():
            ratio, over = r["ratio_to_duckdb"], r.get("pandas_process_over_this")
            label = LABELS.get(name) or f"`kouan kpi {name.removeprefix('cli ')}` whole process, warm"
            if name == "pandas":
                label += f" (whole process {r['process_seconds']:.2f} s)"
            rss, cpu, cpu_over = r["peak_rss_mb"], r.get("process_cpu_seconds"), r.get("pandas_cpu_over_this")
            lines.append(f"| {run['events']:,} | {label} | {r['seconds']:.2f} | "
                         f"{'' if ratio is None else f'{ratio:.2f}'} | "
                         f"{'' if over is None else f'{over:.2f}'} | "
                         f"{'' if cpu is None else f'{cpu:.2f}'} | "
                         f"{'' if cpu_over is None else f'{cpu_over:.2f}'} | "
                         f"{'' if rss is None else f'{rss:.0f}'} | {r['load_before']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    args = _args()
    started = datetime.now(UTC)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps: {', '.join(sorted(unknown))}")
    if ("kpi" in steps or "cli" in steps) and "recompute" not in steps:
        raise SystemExit("kpi and cli read the cases the recompute step writes: keep recompute")
    runs = []
    with tempfile.TemporaryDirectory(prefix="kouan-bench-kpi-", dir=args.workdir) as tmp:
        for n in (int(x) for x in args.events.split(",") if x.strip()):
            work = (args.keep or Path(tmp)) / str(n)
            work.mkdir(parents=True, exist_ok=True)
            runs.append(measure(n, steps, args.seed, work))
            print(table(runs[-1:]), flush=True)
    print("\n" + table(runs))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"kpi-{started:%Y-%m-%d}.json"
    out.write_text(json.dumps({
        "started": started.isoformat(), "finished": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "seed": args.seed, "runs": runs}, indent=2, ensure_ascii=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
