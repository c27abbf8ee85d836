"""Fresh, migrated Kouan databases for one measurement each, and their clean-up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from stdnum.cn import uscc

from kouan.db import migrate
from kouan.db.session import make_engine, make_session_factory, transaction
from kouan.kit.clock import utcnow
from kouan.partners import service as partners_service
from kouan.partners.domain import system

ORG = "DCT"
_USCC_BODY = "91210200000000003"
USCC = _USCC_BODY + uscc.calc_check_digit(_USCC_BODY)


@dataclass
class Target:
    backend: str  # sqlite | postgres
    url: str  # SQLAlchemy URL of the fresh database
    api_key: str | None = None

    @property
    def libpq_url(self) -> str:
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh(backend: str, workdir: Path, admin_url: str) -> Iterator[Target]:
    """A new database (a SQLite file, or a kouan_bench_* PostgreSQL database dropped afterwards)."""
    name = f"kouan_bench_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        yield Target("sqlite", f"sqlite:///{workdir / (name + '.sqlite3')}")
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Target("postgres", make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(target: Target, *, with_key: bool) -> None:
    """Migrate, create the sending organisation DCT and, for HTTP, an API key."""
    engine = make_engine(target.url)
    try:
        migrate.upgrade(engine)
        actor = system("bench")
        with transaction(make_session_factory(engine), actor=actor) as session:
            fields = partners_service.OrgFields(code=ORG, name="大连集装箱码头 (bench)", kind="terminal",
                                                uscc=USCC, home_port="CNDAL")
            org = partners_service.create_org(session, actor=actor, now=utcnow(), fields=fields)
            if with_key:
                issued = partners_service.create_api_key(session, actor=actor, org_id=org.id,
                                                         name="bench feed", now=utcnow())
                target.api_key = issued.secret
    finally:
        engine.dispose()
