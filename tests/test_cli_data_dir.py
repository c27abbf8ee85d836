"""A fresh clone's first hour: `make run`'s store is the one every `kouan` command finds.

From a copy of the repository's root (its ``kouan.toml``, nothing else) and with no ``KOUAN_*``
variable at all, ``kouan db upgrade`` and ``kouan demo`` make ``./data``, and then each command the
README lists runs on that demo data, from the root and from a directory below it. A store that was
never migrated is said in one line, with no traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KOUAN = [sys.executable, "-m", "kouan.cli"]


def clean_env() -> dict[str, str]:
    """The environment of a new user: no KOUAN_ variable; the worktree's code on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOUAN_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env["COLUMNS"] = "200"
    return env


def run(cwd: Path, *args: str, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*KOUAN, *args], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          input=stdin, timeout=timeout)


def ok(r: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert r.returncode == 0, f"{r.args}: {r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr
    return r


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A repository root as `make run` leaves it: kouan.toml, ./data migrated and demo-loaded."""
    root = tmp_path_factory.mktemp("clone")
    shutil.copy(ROOT / "kouan.toml", root / "kouan.toml")
    (root / "sub" / "dir").mkdir(parents=True)
    ok(run(root, "db", "upgrade"))
    ok(run(root, "demo", "--scale", "0.02", timeout=600))
    assert (root / "data" / "kouan.sqlite3").is_file()
    return root


def test_the_repository_root_names_data_as_the_data_directory():
    assert 'data_dir = "data"' in (ROOT / "kouan.toml").read_text()
    assert "export KOUAN_DATA_DIR" not in (ROOT / "Makefile").read_text()  # make follows the same rule


def test_every_readme_command_runs_on_the_demo_data_from_the_root_and_below(clone, tmp_path):
    where = ok(run(clone, "db", "current")).stdout
    assert str(clone / "data" / "kouan.sqlite3") in where and "kouan.toml" in where
    assert str(clone / "data" / "kouan.sqlite3") in ok(run(clone / "sub" / "dir", "db", "current")).stdout

    kpi = json.loads(ok(run(clone, "kpi", "--month", "2022-03", "--region", "CN-LN", "--json")).stdout)
    assert kpi["rows"] if isinstance(kpi, dict) and "rows" in kpi else kpi
    table = ok(run(clone / "sub", "kpi", "--month", "2022-03", "--region", "CN-LN")).stdout
    assert "no such table" not in table
    ok(run(clone, "kpi", "--month", "2022-03", "--region", "CN-LN", "--by", "port,direction"))
    ok(run(clone, "bulletin", "--month", "2022-03", "--region", "CN-LN"))
    ok(run(clone, "bulletin", "--month", "2022-03", "--region", "CN-LN", "--lang", "en",
           "--format", "markdown"))
    ok(run(clone, "facilitation", "--month", "2022-03", "--json"))
    ok(run(clone, "benchmarks", "list"))
    ok(run(clone, "clocks", "list"))
    ok(run(clone, "clocks", "show", "gac"))
    orgs = ok(run(clone, "orgs", "list")).stdout
    assert "DCT" in orgs and "LNPO" in orgs
    ok(run(clone, "users", "create", "--org", "DCT", "--username", "dct.ops", "--name", "DCT ops",
           "--role", "staff", "--password", "-", stdin="a-long-password-1\n"))
    key = json.loads(ok(run(clone, "apikeys", "create", "--org", "DCT", "--name", "TOS feed",
                            "--json")).stdout)
    assert "TOS feed" in ok(run(clone, "apikeys", "list", "--org", "DCT")).stdout
    ok(run(clone, "apikeys", "revoke", str(key["id"])))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({
        "event_id": "ux-1", "milestone": "GATE_OUT", "occurred_at": "2022-03-10T08:00:00+08:00",
        "port": "CNDAL", "direction": "I", "refs": {"container": "CSQU3054383"}}) + "\n")
    imported = ok(run(clone, "events", "import", str(feed), "--source", "DCT", "--json"))
    assert json.loads(imported.stdout)["stored"] == 1
    ok(run(clone, "quarantine", "list"))
    ok(run(clone, "jobs", "list"))
    ok(run(clone, "worker", "--once"))
    ok(run(clone, "cases", "refresh"))
    ok(run(clone, "declarations", "match-arrivals"))
    ok(run(clone, "export", "parquet", str(tmp_path / "parquet")))
    assert any((tmp_path / "parquet").rglob("*.parquet"))
    assert not (clone / "sub" / "data").exists()  # below the root, the root's store, no second one


def test_a_store_that_was_never_migrated_is_said_in_one_line(tmp_path):
    shutil.copy(ROOT / "kouan.toml", tmp_path / "kouan.toml")
    for args in (("kpi", "--month", "2022-03", "--region", "CN-LN"), ("orgs", "list"),
                 ("bulletin", "--month", "2022-03", "--region", "CN-LN"), ("serve",)):
        r = run(tmp_path, *args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.strip() == (f"error: no Kouan database at {tmp_path / 'data' / 'kouan.sqlite3'}: "
                                    "run `kouan db upgrade`"), (args, r.stderr)


def test_a_kouan_toml_with_an_unknown_setting_is_refused_in_one_line(tmp_path):
    (tmp_path / "kouan.toml").write_text('[kouan]\ndata_dirr = "data"\n')
    r = run(tmp_path, "db", "current")
    assert r.returncode == 2 and r.stderr.strip() == \
        f"error: {tmp_path / 'kouan.toml'}: unknown setting data_dirr in [kouan]"
