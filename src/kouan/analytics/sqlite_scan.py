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

The child copies the tables the expression reads into an in-memory DuckDB database (a view over
the scanner would scan SQLite again for every reference; at 10 M events the copy took 28 s in
memory against 42 s into a DuckDB file, for a peak of 4.8 GB against 3.5 GB; DuckDB spills to the
scratch directory past its memory limit), runs each clock's SQL and replaces the clock's cases in
the store itself (``replace_cases``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TIMEOUT_S = 6 * 3600

# The store's columns as ``cases_expr`` reads them (``cases.STORE_COLUMNS``): instants are kept by
# SQLAlchemy as naive UTC text, which the scanner reads as TIMESTAMP; with the session's time zone
# UTC the cast labels them UTC without moving them.
SELECTS: dict[str, str] = {
    "event": "id, milestone, classifier, CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at, port, attrs, "
             "authority",
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


def replace_cases(db_path: str | os.PathLike[str], sqls: Mapping[str, str], *, table: str,
                  timestamps: Sequence[str], updated_at: str, reindex_rows: int) -> dict[str, int]:
    """Run each ``{clock name: DuckDB SQL}`` over the SQLite store at ``db_path`` in a child
    process and replace that clock's rows of ``table`` with the result, in one SQLite transaction
    of the child's own (committed when this returns). ``{"cases": n, "consignments": n}``.

    The rows never become Python objects: DuckDB writes them into a scratch SQLite file (instants
    as the text SQLAlchemy stores, ``YYYY-MM-DD HH:MM:SS.ffffff``), then the child's ``sqlite3``
    attaches it to the store and copies them with ``INSERT … SELECT``. At 1.5 M cases, building a
    Python tuple per row and binding each value took ~40 s of a ~90 s recompute. From
    ``reindex_rows`` rows on, ``table``'s secondary indexes are dropped and built again after the
    copy (a sort each, instead of random inserts into indexes larger than the page cache)."""
    with tempfile.TemporaryDirectory(prefix="kouan-scan-") as scratch:
        return json.loads(_run_child({
            "db": str(Path(db_path).resolve()), "sqls": dict(sqls), "scratch": scratch,
            "write": {"table": table, "timestamps": list(timestamps), "updated_at": updated_at,
                      "reindex_rows": reindex_rows},
        }).strip().splitlines()[-1])


def _run_child(job: Mapping[str, Any]) -> str:
    if not available():
        raise ScanError("DuckDB's sqlite_scanner extension for this DuckDB is not installed")
    done = subprocess.run([sys.executable, "-m", __name__], input=json.dumps(job), text=True,
                          capture_output=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        raise ScanError(f"the recompute's DuckDB process failed (exit {done.returncode}): {tail}")
    return done.stdout


def _child(job: Mapping[str, Any]) -> None:
    import duckdb

    scratch, write = Path(job["scratch"]), job["write"]
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET temp_directory = '{_quote(str(scratch / 'spill'))}'")
        con.execute(f"LOAD '{_quote(str(extension_path()))}'")
        con.execute(f"ATTACH '{_quote(job['db'])}' AS store (TYPE sqlite, READ_ONLY)")
        for name, columns in SELECTS.items():
            con.execute(f"CREATE TABLE main.{name} AS SELECT {columns} FROM store.{name}")  # noqa: S608
        con.execute("DETACH store")
        con.execute(f"ATTACH '{_quote(str(scratch / 'cases.sqlite3'))}' AS out (TYPE sqlite)")
        stamps = set(write["timestamps"])
        columns: list[str] = []
        for i, sql in enumerate(job["sqls"].values()):
            # In key order: the store's primary-key index then fills at its end.
            ordered = f"SELECT * FROM ({sql}) ORDER BY declaration"  # noqa: S608
            columns = con.sql(ordered).columns
            select = ", ".join(f"strftime({c}, '%Y-%m-%d %H:%M:%S.%f') AS {c}" if c in stamps else c
                               for c in columns)
            con.execute(f"CREATE TABLE out.c{i} AS SELECT {select} FROM ({ordered})")  # noqa: S608
    finally:
        con.close()  # DuckDB's SQLite copy lets go of every file before sqlite3 opens the store
    print(json.dumps(_copy_into_store(job, columns)))


def _copy_into_store(job: Mapping[str, Any], columns: Sequence[str]) -> dict[str, int]:
    import sqlite3

    write, names = job["write"], list(job["sqls"])
    table = write["table"]
    db = sqlite3.connect(job["db"], isolation_level=None, timeout=60)
    try:
        db.execute("PRAGMA busy_timeout = 60000")
        db.execute("PRAGMA cache_size = -262144")
        db.execute("ATTACH ? AS scan", (str(Path(job["scratch"]) / "cases.sqlite3"),))
        db.execute("BEGIN IMMEDIATE")
        try:
            cases = sum(db.execute(f"SELECT count(*) FROM scan.c{i}").fetchone()[0]  # noqa: S608
                        for i in range(len(names)))
            indexes = drop_indexes(db, table) if cases >= write["reindex_rows"] else []
            listed = ", ".join(columns)
            for i, name in enumerate(names):
                db.execute(f"DELETE FROM {table} WHERE clock = ?", (name,))  # noqa: S608
                db.execute(f"INSERT INTO {table} ({listed}, updated_at) "  # noqa: S608
                           f"SELECT {listed}, ? FROM scan.c{i}", (write["updated_at"],))
            for sql in indexes:
                db.execute(sql)
            union = " UNION ".join(f"SELECT consignment_id FROM scan.c{i}" for i in range(len(names)))
            consignments = db.execute(f"SELECT count(consignment_id) FROM ({union})").fetchone()[0]  # noqa: S608
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("DETACH scan")
    finally:
        db.close()
    return {"cases": cases, "consignments": consignments}


def drop_indexes(db: Any, table: str) -> list[str]:
    """Drop ``table``'s secondary indexes on the ``sqlite3`` connection ``db``; the statements that
    make them again. Replacing many rows with them in place deletes and inserts in random order
    in indexes larger than the page cache; building each once afterwards is a sort.

    Always inside a transaction (one is begun when none is open: SQLite runs DDL outside one in
    autocommit), so the caller's rollback brings the indexes back with the rows."""
    if not db.in_transaction:
        db.execute("BEGIN")
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                      "AND tbl_name = ? AND sql IS NOT NULL", (table,)).fetchall()
    for name, _sql in rows:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _quote(text: str) -> str:
    return text.replace("'", "''")


if __name__ == "__main__":
    _child(json.loads(sys.stdin.read()))
