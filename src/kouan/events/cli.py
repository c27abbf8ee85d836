"""`kouan events import` and `kouan quarantine list|show|retry`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from kouan.bootstrap import build
from kouan.config import get_settings
from kouan.db.session import transaction
from kouan.events import parsing, service
from kouan.events import repository as repo
from kouan.kit.clock import utcnow
from kouan.partners import repository as partners_repo
from kouan.partners.domain import system

events_app = typer.Typer(help="Partner events: import files.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Messages that could not be stored.", no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)

TOTAL_KEYS = ("received", "stored", "duplicates", "updated", "quarantined")
PARTLY_QUARANTINED = 3  # the exit code of an import of which a part went to the quarantine


@events_app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    fmt: Annotated[str, typer.Option("--format", help="auto, json, jsonl, csv, dcsa or edifact")] = "auto",
    source: Annotated[
        str | None, typer.Option(help="Code of the partner organisation that sent the files")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Log each stored chunk to stderr")] = False,
    run_jobs: Annotated[bool, typer.Option(
        "--jobs/--no-jobs", help="Run the batches' follow-up jobs (case refresh, arrival match) before "
        "returning; --no-jobs leaves them queued for `kouan worker` or the server")] = True,
) -> None:
    """Import files, each as one atomic batch: all of it is stored or quarantined, or none.

    Exit code 0 when every part was stored (re-sent duplicates included), 3 when a part went to
    the quarantine (the rest is stored: see `kouan quarantine list`), 2 when the input is refused."""
    if fmt != "auto" and fmt not in parsing.FORMATS:
        err.print(f"[bold red]error:[/] --format must be auto or one of {', '.join(parsing.FORMATS)}")
        raise typer.Exit(code=2)
    if not source:
        err.print("[bold red]error:[/] name the sending partner with --source CODE (its organisation code)")
        raise typer.Exit(code=2)
    kouan = build(get_settings())
    actor = system("cli")
    with kouan.sessions() as session:
        org = partners_repo.get_org_by_code(session, source)
    if org is None:
        err.print(f"[bold red]error:[/] no organisation with code {source!r}; onboard it first")
        raise typer.Exit(code=2)
    batches = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, disable=as_json or not err.is_terminal) as bar:
        for path in files:
            task = bar.add_task(f"parsing {path.name}", total=None)

            def progress(done: int, total: int, task=task, name=path.name) -> None:
                bar.update(task, description=f"storing {name}", completed=done, total=total)
                if verbose:
                    err.print(f"{name}: {done}/{total} events written (not yet committed)")

            # Streamed: read in pieces of whole lines, memory flat for a file of any size.
            with path.open("rb") as stream, transaction(kouan.sessions, actor=actor) as session:
                report = service.ingest_stream(session, source=source, org_id=org.id, stream=stream,
                                               fmt=fmt, channel="cli", now=utcnow(), actor=actor.label,
                                               filename=path.name, progress=progress)
            if verbose:
                err.print(f"{path.name}: committed batch {report.batch_id}")
            batches.append({"file": str(path), **report.as_dict()})
    if run_jobs and any(b["stored"] or b["updated"] for b in batches):
        _run_jobs(kouan)  # each committed batch queued its follow-ups; run them now
    totals = {k: sum(b[k] for b in batches) for k in TOTAL_KEYS}
    errors = [{"file": b["file"], **e} for b in batches for e in b["errors"]]
    if as_json:
        print(json.dumps({**totals, "errors": errors, "batches": batches}, ensure_ascii=False))
        if totals["quarantined"]:
            raise typer.Exit(code=PARTLY_QUARANTINED)
        return
    table = Table(title="import summary")
    for col in ("file", "format", *TOTAL_KEYS):
        table.add_column(col, justify="right" if col in TOTAL_KEYS else "left")
    for b in batches:
        table.add_row(b["file"], b["format"], *(str(b[k]) for k in TOTAL_KEYS))
    console.print(table)
    for e in errors[:50]:
        err.print(f"[yellow]quarantined[/] {e['file']} {e['where']}: {e['reason']}")
    if totals["quarantined"]:
        err.print(f"{totals['quarantined']} part(s) quarantined, the rest stored: "
                  "`kouan quarantine list`, then `kouan quarantine retry` after a fix (exit code 3)")
        raise typer.Exit(code=PARTLY_QUARANTINED)


def _run_jobs(kouan) -> None:  # type: ignore[no-untyped-def]
    """The queued jobs, run here as a worker would (claimed, recorded, retried): a failure is
    listed by `kouan jobs list --status failed`, never a traceback after the commit."""
    from kouan.jobs import service as jobs_service

    outcomes = jobs_service.drain(kouan.sessions, policy=jobs_service.Policy.from_settings(kouan.settings))
    failed = [o for o in outcomes if o.status != "done"]
    for o in failed:
        err.print(f"[yellow]job {o.job.id}[/] ({o.job.handler or o.job.kind}) {o.status}: {o.error}")
    if failed:
        err.print("the batches are stored; see `kouan jobs list` (failed jobs are retried with backoff)")


@quarantine_app.command("list")
def quarantine_list(
    source: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str, typer.Option(help="open or resolved")] = "open",
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """List quarantined messages, newest first."""
    kouan = build(get_settings())
    with kouan.sessions() as session:
        rows = repo.list_quarantined(session, source=source, status=status, limit=limit, offset=0)
    table = Table()
    for col in ("id", "source", "format", "received", "where", "reason", "retries"):
        table.add_column(col)
    for q in rows:
        table.add_row(str(q.id), q.source, q.format, q.received_at.strftime("%Y-%m-%d %H:%M"),
                      q.location, q.reason[:120], str(q.retries))
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(qid: Annotated[int, typer.Argument()]) -> None:
    """Show one quarantined message verbatim, with its reason."""
    kouan = build(get_settings())
    with kouan.sessions() as session:
        q = repo.get_quarantined(session, qid)
    if q is None:
        err.print(f"[bold red]error:[/] no quarantined message {qid}")
        raise typer.Exit(code=2)
    console.print(f"[bold]#{q.id}[/] {q.source} {q.format} batch {q.batch_id} ({q.status}, "
                  f"{q.retries} retries)\n[bold]where:[/] {q.location}\n[bold]reason:[/] {q.reason}")
    print(q.raw)


@quarantine_app.command("retry")
def quarantine_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Message ids; all open ones if omitted")] = None,
    source: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Parse quarantined messages again; store what parses now."""
    kouan = build(get_settings())
    actor = system("cli")
    with transaction(kouan.sessions, actor=actor) as session:
        if ids:
            msgs = [m for m in (repo.get_quarantined(session, i) for i in ids) if m is not None]
        else:
            msgs = repo.list_quarantined(session, source=source, status="open", limit=100000, offset=0)
        report = service.retry_quarantined(session, msgs, actor=actor.label, now=utcnow())
    if as_json:
        print(json.dumps(report.__dict__))
    else:
        console.print(f"retried {report.retried}: {report.resolved} resolved "
                      f"({report.stored} events stored), {report.still_quarantined} still quarantined")
