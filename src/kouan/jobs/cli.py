"""`kouan worker` and `kouan jobs list|retry`. Imports only Typer and Rich at start-up."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

jobs_app = typer.Typer(help="Post-commit jobs (case refresh, arrival match): list, retry.",
                       no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)


def worker_command(
    once: Annotated[bool, typer.Option("--once", help="Run the due jobs, then exit")] = False,
    max_jobs: Annotated[int | None, typer.Option("--max-jobs", min=1, help="Exit after N jobs")] = None,
    poll: Annotated[float | None, typer.Option(help="Seconds between polls when idle")] = None,
) -> None:
    """Run post-commit jobs as their own process (start the server with KOUAN_WORKER_IN_PROCESS=false
    then). Several workers may run at once on PostgreSQL; SQLite has one writer at a time."""
    from kouan.bootstrap import build
    from kouan.config import get_settings
    from kouan.jobs.service import Policy
    from kouan.jobs.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    k = build(get_settings())
    worker = Worker(k.sessions, policy=Policy.from_settings(k.settings),
                    poll_seconds=poll if poll is not None else k.settings.jobs_poll_seconds)
    try:
        ran = worker.run(once=once, max_jobs=max_jobs)
    except KeyboardInterrupt:
        ran = sum(worker.outcomes.values())
    summary = ", ".join(f"{n} {status}" for status, n in sorted(worker.outcomes.items())) or "none due"
    console.print(f"{ran} jobs run: {summary}")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[str | None, typer.Option(help="queued, running, done or failed")] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Jobs, newest first, with the count in each status."""
    from kouan.bootstrap import build
    from kouan.config import get_settings
    from kouan.jobs import service
    from kouan.jobs.models import STATUSES

    if status and status not in STATUSES:
        err.print(f"[bold red]error:[/] --status must be one of {', '.join(STATUSES)}")
        raise typer.Exit(code=2)
    k = build(get_settings())
    with k.sessions() as s:
        rows = service.list_jobs(s, status=status, kind=kind, limit=limit)
        counts = service.counts(s)
    if as_json:
        print(json.dumps({"counts": counts, "jobs": [
            {"id": j.id, "kind": j.kind, "handler": j.handler, "payload": j.payload, "status": j.status,
             "attempts": j.attempts, "run_after": j.run_after.isoformat(), "last_error": j.last_error,
             "created_at": j.created_at.isoformat(),
             "finished_at": j.finished_at.isoformat() if j.finished_at else None} for j in rows]},
            ensure_ascii=False))
        return
    table = Table(title="jobs: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    for col in ("id", "kind", "handler", "payload", "status", "attempts", "created", "finished",
                "last error"):
        table.add_column(col)
    for j in rows:
        error = (j.last_error or "").strip().splitlines()
        table.add_row(str(j.id), j.kind, j.handler or "(fan-out)", json.dumps(j.payload), j.status,
                      str(j.attempts), j.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                      j.finished_at.strftime("%H:%M:%S") if j.finished_at else "",
                      error[-1][:80] if error else "")
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(job_ids: Annotated[list[int], typer.Argument(help="Ids of failed jobs")]) -> None:
    """Queue failed jobs again (audited); the worker runs them."""
    import getpass

    from kouan.bootstrap import build
    from kouan.cli_errors import fail
    from kouan.config import get_settings
    from kouan.db.session import transaction
    from kouan.jobs import service
    from kouan.kit.clock import utcnow
    from kouan.kit.errors import KouanError
    from kouan.partners.domain import system

    k = build(get_settings())
    try:
        with transaction(k.sessions, actor=system(f"cli:{getpass.getuser()}")) as s:  # type: ignore[arg-type]
            for job_id in job_ids:
                service.retry(s, job_id, now=utcnow())
    except KouanError as exc:
        fail(exc)
        return
    console.print(f"queued again: {', '.join(map(str, job_ids))}")
