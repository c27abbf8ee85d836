"""``python -m bench.minimal_python [--events N]``: the least Python any ingestion of canonical JSON
Lines must run per event — parse the line (orjson), read both times, sort the references, hash the
content (SHA-256 over sorted-key JSON), build the row tuple — and nothing else (no validation,
versions, authority, linking, hubs or marks). Set against the store floor of ``python -m bench``, it
bounds what ingestion written in Python can reach."""

from __future__ import annotations

import argparse
import hashlib
import time
from datetime import UTC, datetime

import orjson

from bench import generate


def _utc(text: str | None) -> str | None:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat(" ") if text else None


def minimal(lines: list[str]) -> list[tuple]:
    rows = []
    for line in lines:
        try:
            r = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if type(r) is not dict or "occurred_at" not in r or "event_id" not in r:
            continue
        occurred, recorded = _utc(r["occurred_at"]), _utc(r.get("recorded_at"))
        refs = r.get("refs", {})
        pairs = sorted((k, v) for k, vs in refs.items() for v in (vs if type(vs) is list else [vs]))
        digest = hashlib.sha256(orjson.dumps([r.get("milestone"), occurred, r.get("port"), pairs,
                                              r.get("attrs")], option=orjson.OPT_SORT_KEYS)).hexdigest()
        rows.append((r["event_id"], r.get("milestone"), occurred, recorded, r.get("port"),
                     orjson.dumps(pairs).decode(), orjson.dumps(r.get("attrs", {})).decode(), digest))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.minimal_python", description=__doc__)
    p.add_argument("--events", type=int, default=100_000)
    args = p.parse_args()
    lines = generate.generate(args.events).lines
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        rows = minimal(lines)
        best = min(best, time.perf_counter() - start)
    print(f"{len(rows):,} events: {best:.2f} s, {best / len(rows) * 1e6:.1f} µs an event (best of 3)")


if __name__ == "__main__":
    main()
