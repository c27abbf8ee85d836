"""``python -m bench.stream_memory``: peak memory of ``kouan events import`` against the file's size.

Generates canonical JSON Lines files of the sizes asked (``--mb 16,64,256``), imports each into a
fresh SQLite database with the real CLI in a child process, and reads the child's peak RSS
(``getrusage(RUSAGE_CHILDREN)`` of a one-shot wrapper, so no other child counts). A streamed import
keeps the peak flat: its growth over the smallest file is far below the growth of the file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import databases

_WRAPPER = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")


def lines(n: int, *, pad: int = 600) -> Iterator[bytes]:
    """``n`` canonical events, one per line, ~``pad`` bytes of attributes each; every 1,000th line
    re-sends an earlier event (a duplicate the importer must recognise across pieces)."""
    note = "x" * pad
    for i in range(n):
        j = i - 500 if i % 1000 == 999 else i
        yield (json.dumps({"event_id": f"s{j}", "milestone": "GATE_OUT", "port": "CNDAL",
                           "occurred_at": f"2022-03-{1 + j % 28:02d}T{j % 24:02d}:00:00+08:00",
                           "refs": {"bill_of_lading": f"BLS{j % 9973}"}, "attrs": {"note": note}})
                + "\n").encode()


def write(path: Path, size: int, *, pad: int = 600) -> int:
    """Write about ``size`` bytes of events to ``path``; returns how many lines."""
    n = 0
    with path.open("wb") as f:
        written = 0
        for line in lines(size // (pad + 150) + 1, pad=pad):
            f.write(line)
            written += len(line)
            n += 1
            if written >= size:
                break
    return n


def peak_import(path: Path, url: str, data_dir: Path) -> tuple[int, float, dict]:
    """(peak RSS in bytes, seconds, the import's JSON summary) of one ``kouan events import``."""
    env = dict(os.environ, KOUAN_DATABASE_URL=url, KOUAN_DATA_DIR=str(data_dir),
               KOUAN_ENVIRONMENT="development")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WRAPPER, sys.executable, "-m", "kouan.cli", "events",
                           "import", str(path), "--source", databases.ORG, "--json"],
                          env=env, capture_output=True, text=True, timeout=7200)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    out = done.stdout.strip().splitlines()
    return int(out[-1]) * 1024, seconds, json.loads(out[-2])


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.stream_memory", description=__doc__)
    p.add_argument("--mb", default="16,64,256", help="file sizes in MB (default 16,64,256)")
    p.add_argument("--pad", type=int, default=600, help="bytes of attributes per event (default 600)")
    p.add_argument("--dir", type=Path, default=None, help="where to write the files (default: a temp dir)")
    args = p.parse_args()
    sizes = [int(float(x) * 1024 * 1024) for x in args.mb.split(",")]
    with tempfile.TemporaryDirectory(prefix="kouan-stream-", dir=args.dir) as tmp:
        work = Path(tmp)
        print("| file MB | events | peak RSS MB | import s |\n| ---: | ---: | ---: | ---: |", flush=True)
        for size in sizes:
            f = work / f"events-{size}.jsonl"
            write(f, size, pad=args.pad)
            with databases.fresh("sqlite", work, "") as target:
                databases.prepare(target, with_key=False)
                peak, secs, summary = peak_import(f, target.url, work)
            print(f"| {f.stat().st_size / 2**20:,.0f} | {summary['received']:,} | {peak / 2**20:,.0f} "
                  f"| {secs:,.0f} |", flush=True)
            f.unlink()


if __name__ == "__main__":
    main()
