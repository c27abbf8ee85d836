"""``python -m bench.profile [--db sqlite|postgres] [--events N]``: ingest generated files in this
process under cProfile (the same service call as ``kouan events import``) and print the top
functions. For finding where the time goes; the figures to quote come from ``python -m bench``."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from bench import databases, generate
from bench.__main__ import ADMIN_URL
from kouan.db.session import make_engine, make_session_factory, transaction
from kouan.events import service
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def _ingest_all(url: str, blobs: list[tuple[str, bytes]]) -> None:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    actor = system("bench")
    for i, (source, data) in enumerate(blobs):
        with transaction(sessions, actor=actor) as session:
            service.ingest(session, source=source, org_id=None, data=data, fmt="jsonl",
                           channel="cli", now=utcnow(), actor=actor.label, filename=f"feed-{i}")
    engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("--db", default="sqlite")
    p.add_argument("--events", type=int, default=50_000)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--sort", default="cumulative")
    args = p.parse_args()
    # each feed from the partner entitled to send it, in files of 50,000 lines (as ``python -m bench``)
    feeds = databases.by_feed(generate.generate(args.events).lines)
    blobs = [(source, blob) for source, lines in feeds.items() for blob in generate.split(lines, 50_000)]
    with tempfile.TemporaryDirectory() as tmp, databases.fresh(args.db, Path(tmp), ADMIN_URL) as target:
        databases.prepare(target, with_key=False)
        prof = cProfile.Profile()
        start = time.perf_counter()
        prof.runcall(_ingest_all, target.url, blobs)
        print(f"{args.events:,} lines in {time.perf_counter() - start:.1f} s (under cProfile)")
        pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
