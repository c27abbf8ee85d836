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
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from kouan import __version__
from kouan.bootstrap import Kouan, build
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
from kouan.config import get_settings
from kouan.db.session import transaction
from kouan.jobs.cli import jobs_app, worker_command  # Typer and Rich only at import
from kouan.kit.clock import utcnow
from kouan.kit.errors import KouanError
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service
from kouan.partners.domain import Principal, system

# Command groups imported when one of their commands runs: name -> (module, Typer app).
LAZY_GROUPS: dict[str, tuple[str, str]] = {
    "events": ("kouan.events.cli", "events_app"),
    "quarantine": ("kouan.events.cli", "quarantine_app"),
    "declarations": ("kouan.declarations.cli", "declarations_app"),
    "slots": ("kouan.appointments.cli", "slots_app"),
    "desk": ("kouan.desk.cli", "desk_app"),
}


class _LazyGroups(TyperGroup):
    """The top-level group: ``LAZY_GROUPS`` are listed without importing them, built on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY_GROUPS if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
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


def _require_schema(kouan: Kouan) -> None:
    from kouan.db import migrate  # Alembic (and Mako) only for the commands that need the schema

    current = migrate.current_revision(kouan.engine)
    head = migrate.head_revision()
    if current != head:
        err.print(f"[bold red]error:[/] the database is at revision {current or 'none'}, "
                  f"Kouan needs {head}: run 'kouan db upgrade' first")
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
    console.print(f"Kouan {__version__} on http://{host}:{port}  "
                  f"(database: {kouan.engine.url.render_as_string(hide_password=True)})")
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
    console.print(f"database at {migrate.current_revision(kouan.engine)}; "
                  f"{report.ports} ports, {report.districts} customs districts loaded")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from kouan.db import migrate

    console.print(migrate.current_revision(_kouan().engine) or "none")


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
    if events:
        from kouan.clearance import service as clearance_service

        years: set[str] = set()

        def progress(month: str, received: int) -> None:
            if month.endswith("-12") and month not in years:  # a line a year is enough
                years.add(month)
                err.print(f"demo events: {month[:4]} …, {received:,} events")

        total = demo_service.load_events(kouan.sessions, now=utcnow(), scale=scale, progress=progress)
        with transaction(kouan.sessions, actor=_cli_actor()) as session:
            numbers = demo_portal.load(session, now=utcnow())
        err.print(f"demo portal: {len(numbers)} declarations at work in every facilitation mode")
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
        print(json.dumps([login.__dict__ for login in logins], ensure_ascii=False, indent=2))
        return
    table = Table(title="Kouan demo logins (password for all: " + logins[0].password + ")")
    for col in ("username", "name", "organisation", "role"):
        table.add_column(col)
    for login in logins:
        table.add_row(login.username, login.display_name, login.organisation, login.role)
    console.print(table)


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
