"""Build Kouan's moving parts from settings. Used by the web app, the CLI and the tests."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kouan.audit import hook as audit_hook
from kouan.config import Settings
from kouan.db.session import make_engine, make_session_factory
from kouan.jobs import registry as jobs_registry
from kouan.partners import hashing as password_hashing


@dataclass
class Kouan:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def build(settings: Settings) -> Kouan:
    url = settings.effective_database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    # The audit service and the password hasher are imported when first used (the first flush, the
    # first password): a read such as `kouan kpi` loads neither (tests/test_cli_startup.py).
    audit_hook.install()
    wire_jobs()
    password_hashing.configure(
        time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
    )
    engine = make_engine(url)
    return Kouan(settings=settings, engine=engine, sessions=make_session_factory(engine))


@event.listens_for(Session, "before_flush")
def _know_every_table(session: Session, _context: object, _instances: object) -> None:
    """A flush orders its tables by their foreign keys, so every table a written row names must be
    known. The CLI imports models module by module (a KPI read loads few), so the first write of a
    process loads them all (``db.registry``, ~0.15 s): ``kouan demo`` writes ship-side
    appointments whose ``slot_id`` names the 7×24 slot table of ``kouan.appointments``. Here, not
    in ``db.session``, and by name like ``JOB_HANDLERS``: the composition root wires the features
    in at run time, so the spine's and the job queue's modules import none of them."""
    importlib.import_module("kouan.db.registry")


# Who does what once a batch has committed (the spine only records ``batch.committed``): imported
# the first time a worker asks for the handlers, not by every command.
JOB_HANDLERS = ("kouan.clearance.jobs", "kouan.declarations.jobs", "kouan.insurance.jobs",
                "kouan.appointments.jobs", "kouan.desk.jobs")


def wire_jobs() -> None:
    jobs_registry.subscribe(*JOB_HANDLERS)
