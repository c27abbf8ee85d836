"""The ``kouan`` command. Each command builds Kouan from the environment and owns its transaction.

Every command starts by importing this module: the analytics stack (Ibis, pandas, PyArrow
datasets, DuckDB, Spark) is imported only by the commands that use it, so that
``kouan events import`` starts in a fraction of a second, and the command groups whose modules
import a feature's services (``events``, ``quarantine``, ``declarations``: parsing, ingestion,
declaration workflows) are loaded only when one of their commands runs or the help lists them
(``LAZY_GROUPS``), so that ``kouan kpi`` and ``kouan bulletin`` load only what answers from the
store (``tests/test_cli_startup.py``).
"""

from __future__ import annotations

import getpass
import importlib
import json
import sys
from typing import TYPE_CHECKING, Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from kouan import __version__
from kouan.clearance.cli import (
    benchmarks_app,
    bulletin_command,
    cases_app,
    clocks_app,
    export_app,
    facilitation_command,
    kpi_command,
)
from kouan.cli_errors import fail as _fail
from kouan.cli_lazy import LazyModule, build, get_settings, transaction
from kouan.jobs.cli import jobs_app, worker_command  # Typer and Rich only at import
from kouan.kit.clock import utcnow
from kouan.kit.errors import KouanError
from kouan.partners.domain import Principal, system

if TYPE_CHECKING:
    from kouan.bootstrap import Kouan

# Imported when a command first uses them (kouan.cli_lazy): `kouan --help` loads no ORM.
partners_repo = LazyModule("kouan.partners.repository")
partners_service = LazyModule("kouan.partners.service")

# Command groups imported when one of their commands runs: name -> (module, Typer app).
LAZY_GROUPS: dict[str, tuple[str, str]] = {
    "events": ("kouan.events.cli", "events_app"),
    "quarantine": ("kouan.events.cli", "quarantine_app"),
    "declarations": ("kouan.declarations.cli", "declarations_app"),
    "fees": ("kouan.fees.cli", "fees_app"),
    "inspection": ("kouan.inspection.cli", "inspection_app"),
    "slots": ("kouan.appointments.cli", "slots_app"),
    "desk": ("kouan.desk.cli", "desk_app"),
}


# Their one-line help, as their Typer app says it (tests/test_cli_startup.py checks they agree), so
# that `kouan --help` lists them without importing them; a group missing here is imported to list.
LAZY_HELP: dict[str, str] = {
    "events": "Partner events: import files.",
    "quarantine": "Messages that could not be stored.",
    "declarations": "Customs declarations.",
    "fees": "Port-fee publication (收费公示).",
    "inspection": "Risk targeting and inspection.",
    "slots": "7×24 appointment clearance: slots and bookings.",
    "desk": "The 24-hour quick-response desk.",
}


class _LazyGroups(TyperGroup):
    """The top-level group: ``LAZY_GROUPS`` are listed without importing them, built on first use."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY_GROUPS if n not in self.commands)]

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        """Every command: a store that was never migrated, or a bad kouan.toml, is one line."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Neither error can come from a module that was never loaded, so `kouan --help` and
            # `kouan version` load no settings and no SQLAlchemy for this (tests/test_cli_startup.py).
            config, sa_exc = sys.modules.get("kouan.config"), sys.modules.get("sqlalchemy.exc")
            if config is not None and isinstance(exc, config.ConfigFileError):
                err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
                raise typer.Exit(code=2) from None
            if sa_exc is not None and isinstance(exc, (sa_exc.OperationalError, sa_exc.ProgrammingError)) \
                    and _missing_table(exc):
                err.print(f"[bold red]error:[/] {escape(_no_database())}", highlight=False)
                raise typer.Exit(code=2) from None
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True  # get_command may answer with LAZY_HELP's stand-ins
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self._listing and cmd_name in LAZY_HELP and cmd_name not in self.commands:
            return click.Group(cmd_name, help=LAZY_HELP[cmd_name])  # listed only, never run
        if cmd_name in LAZY_GROUPS and cmd_name not in self.commands:
            module, attribute = LAZY_GROUPS[cmd_name]
            group = typer.main.get_group(getattr(importlib.import_module(module), attribute))
            group.name = cmd_name
            self.add_command(group, cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(help="Kouan 口岸 — single window for port clearance.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False, cls=_LazyGroups)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="People who log in.", no_args_is_help=True)
apikeys_app = typer.Typer(help="Partner API keys.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(orgs_app, name="orgs")
app.add_typer(benchmarks_app, name="benchmarks")
app.add_typer(cases_app, name="cases")
app.add_typer(export_app, name="export")
app.add_typer(clocks_app, name="clocks")
app.command("kpi")(kpi_command)
app.command("bulletin")(bulletin_command)
app.command("facilitation")(facilitation_command)
app.add_typer(jobs_app, name="jobs")
app.command("worker")(worker_command)

console = Console()
err = Console(stderr=True, soft_wrap=True)


def _kouan() -> Kouan:
    return build(get_settings())


def _cli_actor() -> Principal:
    return system(f"cli:{getpass.getuser()}")


def _missing_table(exc: Exception) -> bool:
    """A query met a store without Kouan's tables (SQLite's and PostgreSQL's words for it)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _no_database() -> str:
    settings = get_settings()
    return (f"no Kouan database at {settings.store}: run `kouan db upgrade`"
            + ("" if settings.config_file else " (or set KOUAN_DATA_DIR, or run from a directory "
               "with a kouan.toml)"))


def _require_schema(kouan: Kouan) -> None:
    from kouan.db import migrate  # Alembic (and Mako) only for the commands that need the schema

    current = migrate.current_revision(kouan.engine)
    head = migrate.head_revision()
    if current is None:
        err.print(f"[bold red]error:[/] {escape(_no_database())}", highlight=False)
        raise typer.Exit(code=2)
    if current != head:
        err.print(f"[bold red]error:[/] the database at {kouan.settings.store} is at revision "
                  f"{current}, Kouan needs {head}: run `kouan db upgrade` first", highlight=False)
        raise typer.Exit(code=2)


@app.command()
def version() -> None:
    """Print Kouan's version."""
    console.print(__version__)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    job_worker: Annotated[bool | None, typer.Option(
        "--job-worker/--no-job-worker", help="Run the post-commit jobs in a thread of the server "
        "(default: KOUAN_WORKER_IN_PROCESS, on); off when `kouan worker` runs")] = None,
) -> None:
    """Run the web application and API."""
    import os

    import uvicorn

    from kouan.web.app import create_app

    if job_worker is not None:  # the --workers > 1 processes read it from the environment too
        os.environ["KOUAN_WORKER_IN_PROCESS"] = "true" if job_worker else "false"
    settings = get_settings()
    kouan = build(settings)
    _require_schema(kouan)
    console.print(f"Kouan {__version__} on http://{host}:{port}  (database: {settings.store})",
                  soft_wrap=True, highlight=False)
    if workers > 1:
        uvicorn.run("kouan.web.asgi:app", host=host, port=port, workers=workers, log_level="info")
    else:
        uvicorn.run(create_app(settings, kouan), host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations and load the reference data (ports, customs districts)."""
    from kouan.db import migrate

    kouan = _kouan()
    report = migrate.upgrade(kouan.engine, revision)
    console.print(f"database {kouan.settings.store} at {migrate.current_revision(kouan.engine)}; "
                  f"{report.ports} ports, {report.districts} customs districts loaded",
                  soft_wrap=True, highlight=False)


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from kouan.db import migrate

    kouan = _kouan()
    console.print(f"{migrate.current_revision(kouan.engine) or 'none'}  ({kouan.settings.store}"
                  + (f", from {kouan.settings.config_file}" if kouan.settings.config_file else "") + ")",
                  soft_wrap=True, highlight=False)


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print logins as JSON")] = False,
    events: Annotated[bool, typer.Option("--events/--no-events",
                                         help="Also load the generated event log (2017 to now)")] = True,
    scale: Annotated[float, typer.Option(min=0.01, max=20.0, help="Declarations per month, relative to the "
                                         "default (~170k events at 1.0)")] = 1.0,
) -> None:
    """Create the demo organisations and people for the Liaoning ports, load the generated event
    log, and print their logins."""
    from kouan.demo import portal as demo_portal
    from kouan.demo import service as demo_service

    settings = get_settings()
    if settings.environment == "production":
        err.print("[bold red]error:[/] refusing to load demo logins into a production installation")
        raise typer.Exit(code=2)
    kouan = build(settings)
    _require_schema(kouan)
    with transaction(kouan.sessions, actor=_cli_actor()) as session:
        logins = demo_service.load(session, actor=_cli_actor(), now=utcnow())
        opens = _demo_landings(session)
    from kouan.fees import demo as fees_demo

    with transaction(kouan.sessions, actor=_cli_actor()) as session:
        made = fees_demo.load(session, now=utcnow())
    err.print(f"demo fees: {made} fee-list versions for the six Liaoning seaports (/fees)")
    if events:
        from kouan.clearance import service as clearance_service

        def progress(month: str, received: int) -> None:  # called once a year
            err.print(f"demo events: {month[:4]} …, {received:,} events")

        collect = None
        if kouan.engine.dialect.name == "sqlite":
            # The rebuild below compiles each clock's SQL (seconds): done on the other core meanwhile.
            from kouan.analytics import cases as analytics_cases
            from kouan.clearance import clock_registry

            with kouan.sessions() as session:
                collect = analytics_cases.compile_ahead(clock_registry.all_clocks(session))
        total = demo_service.load_events(kouan.sessions, now=utcnow(), scale=scale, progress=progress)
        if collect is not None:
            collect()
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            numbers = demo_portal.load(session, now=utcnow())
        err.print(f"demo portal: {len(numbers)} declarations at work in every facilitation mode")
        from kouan.insurance import demo as insurance_demo

        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            refs = insurance_demo.load_applications(session, actor=_cli_actor(), now=utcnow(),
                                                    password=demo_service.DEMO_PASSWORD)
            booking = insurance_demo.load_booking(session, now=utcnow(), imo=demo_service.demo_fleet()[0])
        err.print(f"demo insurance: {len(refs)} applications (seafood.wu, fruit.liu: more exporters); "
                  f"one-stop view: /gathering?ref={booking or insurance_demo.BOOKING}")
        err.print(f"demo events: {total:,} events loaded; computing every declaration's clearance time …")
        from kouan.jobs import service as jobs_service

        with kouan.sessions() as session:
            queued_up_to = jobs_service.last_id(session)
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            report = clearance_service.rebuild(session, now=utcnow())
            # The rebuild did the demo batches' case refresh; their arrival match was never asked
            # (the portal's declarations are accepted after their events, and accepting matches).
            settled = jobs_service.settle(session, kind="batch.committed", up_to_id=queued_up_to,
                                          now=utcnow())
        err.print(f"demo cases: {report.cases:,} cases of {report.consignments:,} consignments ready "
                  f"({settled:,} follow-up jobs settled by the rebuild)")
    if as_json:
        print(json.dumps([{**login.__dict__, "opens": opens.get(login.username)} for login in logins],
                         ensure_ascii=False, indent=2))
        return
    _print_logins(logins, opens, host="http://127.0.0.1:8000")


def _demo_landings(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each demo login's landing page (web.landing.LANDING), by username."""
    from kouan.demo import service as demo_service
    from kouan.web.landing import LANDING

    kinds = {o.code: o.kind for o in demo_service.ORGS}
    out = {}
    for person in demo_service.PEOPLE:
        org = partners_repo.get_org_by_code(session, person.org_code)
        out[person.username] = LANDING[kinds[person.org_code]].format(org_id=org.id if org else "")
    return out


def _print_logins(logins, opens: dict[str, str], host: str) -> None:  # type: ignore[no-untyped-def]
    """The demo logins as aligned plain lines, never cut or wrapped (``make run`` is no terminal)."""
    from rich.cells import cell_len

    rows = [("username", "organisation", "name", "role", "opens")]
    rows += [(x.username, x.organisation, x.display_name, x.role, host + opens.get(x.username, "/"))
             for x in logins]
    widths = [max(cell_len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    print(f"Kouan demo logins (password for all: {logins[0].password})")
    for row in rows:
        print("  ".join(cell + " " * (w - cell_len(cell)) for cell, w in zip(row, widths, strict=False))
              + "  " + row[-1])


@orgs_app.command("list")
def orgs_list() -> None:
    """List organisations."""
    kouan = _kouan()
    with transaction(kouan.sessions, actor=_cli_actor()) as session:
        orgs = partners_service.list_orgs(session, actor=_cli_actor())
        table = Table()
        for col in ("id", "code", "name", "kind", "uscc", "district", "active"):
            table.add_column(col)
        for o in orgs:
            table.add_row(str(o.id), o.code, o.name, o.kind, o.uscc or "", o.customs_district or "",
                          "yes" if o.active else "no")
    console.print(table)


@orgs_app.command("create")
def orgs_create(
    code: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option()],
    uscc: Annotated[str | None, typer.Option()] = None,
    province: Annotated[str | None, typer.Option()] = None,
    customs_district: Annotated[str | None, typer.Option()] = None,
    home_port: Annotated[str | None, typer.Option()] = None,
    name_en: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Onboard an organisation."""
    kouan = _kouan()
    fields = partners_service.OrgFields(code=code, name=name, kind=kind, uscc=uscc,
                                        province=province, customs_district=customs_district,
                                        home_port=home_port, name_en=name_en)
    try:
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            org = partners_service.create_org(session, actor=_cli_actor(), fields=fields, now=utcnow())
            console.print(f"created organisation {org.id} {org.code}")
    except KouanError as exc:
        _fail(exc)


def _org_id(session, code: str) -> int:  # type: ignore[no-untyped-def]
    org = partners_repo.get_org_by_code(session, code)
    if org is None:
        err.print(f"[bold red]error:[/] no organisation with code {code!r}")
        raise typer.Exit(code=2)
    return org.id


@users_app.command("create")
def users_create(
    org: Annotated[str, typer.Option(help="Organisation code")],
    username: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[str, typer.Option(help="admin, staff or viewer")] = "staff",
    email: Annotated[str | None, typer.Option()] = None,
    password: Annotated[str | None, typer.Option(help="Read from stdin if '-', prompted if absent")] = None,
) -> None:
    """Create a person who can log in."""
    if password == "-":
        password = sys.stdin.readline().rstrip("\n")
    elif password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    kouan = _kouan()
    try:
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            person = partners_service.create_person(
                session, actor=_cli_actor(), org_id=_org_id(session, org), username=username,
                display_name=name, password=password, role=role, email=email, now=utcnow())
            console.print(f"created person {person.id} {person.username}")
    except KouanError as exc:
        _fail(exc)


@apikeys_app.command("create")
def apikeys_create(
    org: Annotated[str, typer.Option(help="Organisation code")],
    name: Annotated[str, typer.Option(help="The partner system that will use the key")],
    scope: Annotated[list[str] | None, typer.Option(
        help="Repeat for several scopes; by default the least the organisation's kind needs "
             "(a feed: events:write and read; a declarant: read; an insurer: none, so name one)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Issue a partner API key. The secret is printed once and never stored."""
    kouan = _kouan()
    try:
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            issued = partners_service.create_api_key(
                session, actor=_cli_actor(), org_id=_org_id(session, org), name=name,
                scopes=scope, now=utcnow())
            key_id, scopes = issued.key.id, issued.key.scopes
    except KouanError as exc:
        _fail(exc)
        return
    if as_json:
        print(json.dumps({"id": key_id, "org": org, "scopes": scopes, "secret": issued.secret}))
    else:
        console.print(f"API key {key_id} for {org} ({', '.join(scopes)}). Copy it now; "
                      "Kouan keeps only its hash:")
        print(issued.secret)


@apikeys_app.command("revoke")
def apikeys_revoke(key_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke an API key: its next request gets 401."""
    kouan = _kouan()
    try:
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            partners_service.revoke_api_key(session, actor=_cli_actor(), key_id=key_id, now=utcnow())
    except KouanError as exc:
        _fail(exc)
    console.print(f"revoked API key {key_id}")


@apikeys_app.command("list")
def apikeys_list(org: Annotated[str, typer.Option(help="Organisation code")]) -> None:
    """List an organisation's API keys (never their secrets)."""
    kouan = _kouan()
    with transaction(kouan.sessions, actor=_cli_actor()) as session:
        keys = partners_service.list_api_keys(session, actor=_cli_actor(), org_id=_org_id(session, org))
        table = Table()
        for col in ("id", "name", "prefix", "scopes", "created", "last used", "revoked"):
            table.add_column(col)
        for k in keys:
            table.add_row(str(k.id), k.name, k.prefix, ",".join(k.scopes), k.created_at.isoformat(),
                          k.last_used_at.isoformat() if k.last_used_at else "",
                          k.revoked_at.isoformat() if k.revoked_at else "")
    console.print(table)


if __name__ == "__main__":
    app()
