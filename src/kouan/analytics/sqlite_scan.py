"""The full recompute of a SQLite store, read by DuckDB's SQLite scanner in a child process.

Reading ten million events through Python's ``sqlite3`` into Arrow (``cases.read_sqlite_tables``)
was most of a full recompute: every value became a Python object first. DuckDB's ``sqlite_scanner``
extension reads the store file with SQLite's C API straight into DuckDB vectors, on every core.

The extension ships in the ``duckdb-extension-sqlite-scanner`` wheel (one per DuckDB release, for
Linux x86_64/aarch64, macOS and Windows), so nothing is downloaded at run time; it must match the
installed DuckDB exactly (``constraints.txt`` pins both). When it is missing or does not match,
``available()`` says so and callers keep the ``sqlite3`` path.

Why a child process: the extension links its own copy of SQLite. Two copies of SQLite in one
process break each other's POSIX locks on the same file (closing one copy's descriptor drops the
locks the other holds: the ADBC driver showed "disk I/O error" and empty reads here), and the
server's connection pool keeps connections to the store open. A child has its own locks; it opens
the store read-only, so it reads the last *committed* state — the caller must not hold uncommitted
writes it expects to see (``clearance.service`` checks).

The child copies the tables the expression reads into a scratch DuckDB database on disk (a view
over the scanner would scan SQLite again for every reference; an on-disk database keeps memory
bounded and spills), runs each clock's SQL and writes the cases as Arrow IPC files, which the
parent reads back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

EXTENSION_PACKAGE = "duckdb_extension_sqlite_scanner"
TIMEOUT_S = 6 * 3600

# The store's columns as ``cases_expr`` reads them (``cases.STORE_COLUMNS``): instants are kept by
# SQLAlchemy as naive UTC text, which the scanner reads as TIMESTAMP; with the session's time zone
# UTC the cast labels them UTC without moving them.
SELECTS: dict[str, str] = {
    "event": "id, milestone, classifier, CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at, port, attrs",
    "event_ref": "event_pk, kind, key",
    "consignment_member": "kind, key, consignment_id",
    "consignment_hub": "consignment_id, kind, key, CAST(linked_at AS TIMESTAMPTZ) AS linked_at",
    "transport_call_alias": "key, canonical",
    "port": "locode, province",
}


class ScanError(RuntimeError):
    """The child failed: its message carries the child's last lines of error output."""


def extension_path() -> Path | None:
    """The ``sqlite_scanner`` extension file built for the installed DuckDB, or None."""
    try:
        import duckdb
        import duckdb_extension_sqlite_scanner as package
    except ImportError:
        return None
    version = duckdb.__version__
    path = (Path(package.__file__).parent / "extensions" / f"v{version}" / "sqlite_scanner.duckdb_extension")
    return path if path.is_file() else None


def available() -> bool:
    return extension_path() is not None


def run_cases(db_path: str | os.PathLike[str], sqls: Mapping[str, str]) -> dict[str, pa.Table]:
    """Run each ``{clock name: DuckDB SQL}`` over the SQLite store at ``db_path`` in a child
    process; the cases of each clock as an Arrow table."""
    if not available():
        raise ScanError("DuckDB's sqlite_scanner extension for this DuckDB is not installed")
    with tempfile.TemporaryDirectory(prefix="kouan-scan-") as scratch:
        job = {"db": str(Path(db_path).resolve()), "sqls": dict(sqls), "scratch": scratch}
        done = subprocess.run([sys.executable, "-m", __name__], input=json.dumps(job), text=True,
                              capture_output=True, timeout=TIMEOUT_S)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-8:])
            raise ScanError(f"the recompute's DuckDB process failed (exit {done.returncode}): {tail}")
        out = {}
        for i, name in enumerate(sqls):
            with pa.memory_map(str(Path(scratch) / f"{i}.arrow")) as source:
                # read_all keeps the buffers mapped; combine_chunks copies them out of the file
                # before the scratch directory goes.
                out[name] = pa.ipc.open_file(source).read_all().combine_chunks()
        return out


def _child(job: Mapping[str, Any]) -> None:
    import duckdb

    scratch = Path(job["scratch"])
    con = duckdb.connect(str(scratch / "work.duckdb"))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET temp_directory = '{_quote(str(scratch / 'spill'))}'")
        con.execute(f"LOAD '{_quote(str(extension_path()))}'")
        con.execute(f"ATTACH '{_quote(job['db'])}' AS store (TYPE sqlite, READ_ONLY)")
        for name, columns in SELECTS.items():
            con.execute(f"CREATE TABLE main.{name} AS SELECT {columns} FROM store.{name}")  # noqa: S608
        con.execute("DETACH store")
        for i, (_name, sql) in enumerate(job["sqls"].items()):
            # In key order: the store's primary-key index then fills at its end (the cases are
            # written back into a table much larger than any page cache).
            reader = con.sql(f"SELECT * FROM ({sql}) ORDER BY declaration").fetch_record_batch()  # noqa: S608
            with pa.ipc.new_file(str(scratch / f"{i}.arrow"), reader.schema) as sink:
                for batch in reader:
                    sink.write_batch(batch)
    finally:
        con.close()


def _quote(text: str) -> str:
    return text.replace("'", "''")


if __name__ == "__main__":
    _child(json.loads(sys.stdin.read()))
