"""Fresh, migrated Kouan databases for one measurement each, and their clean-up."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


# Each line goes by the partner entitled to state it (events.authority), as real feeds do: the
# terminal of its port, customs of the district (0900 for these four ports), the declarant's broker.
# Sent all by one terminal, declaration and customs lines were claims, which skip linking.
TERMINALS = {"CNDAL": "DCT", "CNYIK": "YKCT", "CNDDG": "DDPT", "CNJNZ": "JZPT"}
CUSTOMS, BROKER = "DLCUS", "DLBROKER"
CUSTOMS_MILESTONES = frozenset({
    "TRANSPORT_ENTRY_DECLARED", "MANIFEST_FILED", "TRANSPORT_CHECK_DONE", "TRANSPORT_CLEARED",
    "DECLARATION_ACCEPTED", "DECLARATION_RETURNED", "INSPECTION_ORDERED", "INSPECTION_DONE",
    "CUSTOMS_HOLD", "CUSTOMS_RELEASED", "MARKET_RELEASED", "DECLARATION_CLOSED"})
DECLARANT_MILESTONES = frozenset({"DECLARATION_LODGED", "DECLARATION_COMPLETED"})


def feed_of(line: str) -> str:
    """The source that sends ``line``: customs, the broker or the terminal of the line's port (a
    line that does not parse goes with the Dalian terminal's feed, which quarantines it)."""
    try:
        rec = json.loads(line)
        milestone, port = rec.get("milestone"), rec.get("port")
    except (ValueError, AttributeError):
        return ORG
    if milestone in CUSTOMS_MILESTONES:
        return CUSTOMS
    if milestone in DECLARANT_MILESTONES:
        return BROKER
    return TERMINALS.get(port, ORG)


def by_feed(lines: list[str]) -> dict[str, list[str]]:
    """The lines split into their partners' feeds, each in the order generated."""
    feeds: dict[str, list[str]] = {}
    for line in lines:
        feeds.setdefault(feed_of(line), []).append(line)
    return feeds


def _uscc(serial: int) -> str:
    body = f"912102000000{serial:05d}"
    return body + uscc.calc_check_digit(body)


@dataclass
class Target:
    backend: str  # sqlite | postgres
    url: str  # SQLAlchemy URL of the fresh database
    api_key: str | None = None  # the Dalian terminal's
    api_keys: dict[str, str] = field(default_factory=dict)  # every feed's, by source

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
    """Migrate, create the sending organisations (the terminals, customs, the broker) and, for
    HTTP, an API key for each."""
    engine = make_engine(target.url)
    orgs = [partners_service.OrgFields(code=ORG, name="大连集装箱码头 (bench)", kind="terminal", uscc=USCC,
                                       home_port="CNDAL")]
    orgs += [partners_service.OrgFields(code=code, name=f"{code} 码头 (bench)", kind="terminal",
                                        uscc=_uscc(10 + i), home_port=port)
             for i, (port, code) in enumerate(TERMINALS.items()) if code != ORG]
    orgs += [partners_service.OrgFields(code=CUSTOMS, name="大连海关 (bench)", kind="customs",
                                        customs_district="0900"),
             partners_service.OrgFields(code=BROKER, name="报关行 (bench)", kind="broker", uscc=_uscc(20))]
    try:
        migrate.upgrade(engine)
        actor = system("bench")
        with transaction(make_session_factory(engine), actor=actor) as session:
            for fields in orgs:
                org = partners_service.create_org(session, actor=actor, now=utcnow(), fields=fields)
                if with_key:
                    issued = partners_service.create_api_key(session, actor=actor, org_id=org.id,
                                                             name="bench feed", now=utcnow(),
                                                             scopes=["events:write", "read"])
                    target.api_keys[fields.code] = issued.secret
            target.api_key = target.api_keys.get(ORG)
    finally:
        engine.dispose()
