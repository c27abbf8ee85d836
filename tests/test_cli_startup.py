"""The `kouan` command starts without the analytics stack: `kouan events import` loads neither Ibis
nor pandas, PyArrow datasets, DuckDB or Spark; `kouan kpi` and `kouan bulletin` on the store load
neither those, nor the web framework, nor ingestion; and every command is still listed with its
help."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

from tests.events.helpers import jsonl, shipment

ANALYTICS_STACK = ("ibis", "pandas", "pyarrow.dataset", "duckdb", "pyspark")
# What a question answered from the store has no use for (its start-up is most of its time).
NOT_FOR_A_KPI = (*ANALYTICS_STACK, "pyarrow", "fastapi", "starlette", "jinja2", "uvicorn",
                 "kouan.events.service", "kouan.events.parsing", "kouan.declarations.service")

# Nor, on a caught-up store, has a KPI (unlike a bulletin, which reads the reference figures) any use
# for a mapped class, the declarative base, the audit service or the password hasher: they are built
# or imported on first use (kpi_store's and jobs.counts' table descriptions, bootstrap).
NOT_FOR_A_STORE_KPI = (*NOT_FOR_A_KPI, "kouan.db.base", "kouan.clearance.models", "kouan.jobs.models",
                       "kouan.audit.models", "kouan.audit.service", "kouan.partners.service",
                       "kouan.partners.models", "kouan.ports.models", "kouan.events.models", "argon2",
                       "kouan.clearance.bulletins", "kouan.clearance.figures", "kouan.jobs.service")


def probe(modules: tuple[str, ...]) -> str:
    """Runs the real `kouan` command and, when it exits, prints which of ``modules`` were loaded."""
    return f"""
import atexit, json, sys
atexit.register(lambda: print("LOADED " + json.dumps([m for m in {modules!r} if m in sys.modules]),
                              file=sys.stderr))
from kouan.cli import app
sys.argv[0] = "kouan"
app()
"""


PROBE = probe(NOT_FOR_A_KPI)


def loaded_after(env: dict[str, str], *args: str, modules: tuple[str, ...] = NOT_FOR_A_KPI,
                 ) -> tuple[subprocess.CompletedProcess, list[str]]:
    r = subprocess.run([sys.executable, "-c", probe(modules), *args], env=env, capture_output=True,
                       text=True, timeout=120)
    line = next(x for x in r.stderr.splitlines() if x.startswith("LOADED "))
    return r, json.loads(line.removeprefix("LOADED "))


def test_importing_the_cli_loads_no_analytics_web_or_ingestion_module():
    code = ("import json, sys; import kouan.cli; "
            f"print(json.dumps([m for m in {NOT_FOR_A_KPI!r} if m in sys.modules]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []


def test_events_import_runs_without_the_analytics_stack(kouan, world, tmp_path):
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
               KOUAN_DATA_DIR=str(tmp_path))
    f = tmp_path / "feed.jsonl"
    f.write_bytes(jsonl(*shipment()))
    other_formats = ("kouan.events.formats.dcsa", "kouan.events.formats.edifact", "pydifact")
    r, loaded = loaded_after(env, "events", "import", str(f), "--source", "DCT", "--json",
                             modules=(*ANALYTICS_STACK, *other_formats))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["stored"] == 8
    assert not set(loaded) & set(ANALYTICS_STACK), loaded
    assert loaded == []  # a canonical feed's import loads neither the DCSA nor the EDIFACT adapter


def test_kpi_and_bulletin_on_the_store_load_no_analytics_web_or_ingestion_module(kouan, world, tmp_path):
    from kouan.clearance import kpi
    from kouan.db.session import transaction
    from kouan.events import service as events_service
    from kouan.events.authority import KOUAN
    from kouan.jobs import service as jobs_service
    from kouan.kit.clock import utcnow
    from kouan.partners.domain import system

    with transaction(kouan.sessions, actor=system("tests")) as s:
        events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=jsonl(*shipment()),
                              fmt="jsonl", channel="test", now=utcnow(), actor="tests")
    jobs_service.drain(kouan.sessions)  # as the server's worker does after each batch
    assert not kpi.freshness_of(kouan.sessions).stale
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
               KOUAN_DATA_DIR=str(tmp_path))
    r, loaded = loaded_after(env, "kpi", "--by", "port,direction", "--json", modules=NOT_FOR_A_STORE_KPI)
    assert r.returncode == 0, r.stderr
    assert sum(row["n"] + row["n_open"] for row in json.loads(r.stdout)["rows"]) >= 1
    assert loaded == []
    r, loaded = loaded_after(env, "kpi", "--month", "2022-03", "--by", "port", "--json",
                             modules=NOT_FOR_A_STORE_KPI)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["filters"]["period"]["first_month"] == "2022-03"
    assert loaded == []
    r, loaded = loaded_after(env, "bulletin", "--month", "2022-03", "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert loaded == []


def test_help_still_lists_every_command_with_its_help():
    from kouan import cli
    from kouan.cli import app

    expected = {c.name or c.callback.__name__.replace("_", "-"): (c.help or c.callback.__doc__ or "")
                for c in app.registered_commands}
    expected |= {g.name: g.typer_instance.info.help for g in app.registered_groups}
    for name, (module, attribute) in cli.LAZY_GROUPS.items():  # built when first used
        expected[name] = getattr(importlib.import_module(module), attribute).info.help
    assert {"events", "kpi", "bulletin", "cases", "export", "clocks", "facilitation"} <= set(expected)
    r = subprocess.run([sys.executable, "-m", "kouan.cli", "--help"], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, COLUMNS="200", TERM="dumb"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for name, help_text in expected.items():
        first_words = " ".join(help_text.split()[:3])
        assert any(f" {name} " in line and first_words in line for line in lines), (name, first_words)


# What listing the commands or printing the version has no use for: the database, settings and
# password stacks and every feature (kouan.cli_lazy imports them when a command first needs them).
# (pydantic itself is loaded by Typer.)
NOT_FOR_HELP = (*NOT_FOR_A_KPI, "sqlalchemy", "sqlalchemy.orm", "pydantic_settings",
                "argon2", "kouan.bootstrap", "kouan.config", "kouan.db.session", "kouan.partners.service",
                "kouan.clearance.models", "kouan.events.cli", "kouan.declarations.cli")


def _loaded_by(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    probe = (f"import atexit, json, sys\n"
             f"atexit.register(lambda: print('LOADED ' + json.dumps([m for m in {NOT_FOR_HELP!r} "
             f"if m in sys.modules]), file=sys.stderr))\n"
             f"from kouan.cli import app\nsys.argv[0] = 'kouan'\napp()\n")
    r = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, COLUMNS="200", TERM="dumb"))
    line = next(x for x in r.stderr.splitlines() if x.startswith("LOADED "))
    return r, json.loads(line.removeprefix("LOADED "))


def test_help_and_version_load_no_database_settings_password_or_feature_module():
    from kouan import __version__

    r, loaded = _loaded_by("--help")
    assert r.returncode == 0, r.stderr
    assert " events " in r.stdout and " declarations " in r.stdout
    assert loaded == []
    r, loaded = _loaded_by("version")
    assert r.returncode == 0 and r.stdout.strip() == __version__, r.stderr
    assert loaded == []


def test_every_lazy_group_is_listed_with_its_own_help_without_importing_it():
    from kouan import cli

    assert set(cli.LAZY_HELP) == set(cli.LAZY_GROUPS), "add the new group's help to cli.LAZY_HELP"
    for name, (module, attribute) in cli.LAZY_GROUPS.items():
        assert cli.LAZY_HELP[name] == getattr(importlib.import_module(module), attribute).info.help, name


def test_a_kpi_on_a_caught_up_store_takes_no_write_lock_and_loads_no_refresh_stack(kouan, world, tmp_path):
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
               KOUAN_DATA_DIR=str(tmp_path))
    code = PROBE.replace("atexit.register(", "atexit.register(lambda: print('REFRESH ' + json.dumps("
                         "'kouan.clearance.service' in sys.modules), file=sys.stderr))\natexit.register(", 1)
    r = subprocess.run([sys.executable, "-c", code, "kpi", "--by", "direction", "--json"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "REFRESH false" in r.stderr


# bootstrap.build hooks the audit diff and records the password cost without importing either service.
DEFERRED = '''
import json, sys
from kouan.bootstrap import build
from kouan.config import get_settings
k = build(get_settings())
loaded = [m for m in ("argon2", "kouan.partners.service", "kouan.audit.service") if m in sys.modules]
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import service
from kouan.partners.domain import system
with transaction(k.sessions, actor=system("tests")) as s:
    org = service.create_org(s, actor=system("tests"), now=utcnow(), fields=service.OrgFields(
        code="DEFER", name="沈阳海关", kind="customs", customs_district="0800"))
print(json.dumps({"loaded": loaded, "cost": [service._hasher.time_cost, service._hasher.memory_cost],
                  "org": org.id}))
'''


def test_the_audit_service_and_the_password_hasher_are_imported_on_first_use_and_still_apply(
        kouan, world, tmp_path):
    from sqlalchemy import select

    from kouan.audit.models import AuditEntry

    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
               KOUAN_DATA_DIR=str(tmp_path), KOUAN_ARGON2_TIME_COST="1", KOUAN_ARGON2_MEMORY_KIB="2048")
    r = subprocess.run([sys.executable, "-c", DEFERRED], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["loaded"] == []
    assert out["cost"] == [1, 2048]  # the settings' cost, recorded before the service was imported
    with kouan.sessions() as s:  # the first flush imported the audit service, which diffed the insert
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.create")).all()
    assert [e.actor for e in entries if (e.after or {}).get("code") == "DEFER"] == ["system:tests"]
