"""`kouan desk sweep|report` (a lazy group, ``cli.LAZY_GROUPS``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console

from kouan.appointments.cli import run

desk_app = typer.Typer(help="The 24-hour quick-response desk.", no_args_is_help=True)
console = Console()


@desk_app.command("sweep")
def sweep() -> None:
    """Queue the check of every clock that ran out and has not escalated yet (once per clock)."""
    from kouan.desk import service as svc

    n = run(lambda s, now: svc.sweep(s, now=now))
    console.print(f"{n} clock check(s) queued; `kouan worker --once` runs them")


@desk_app.command("report")
def desk_report(first: Annotated[str, typer.Option("--from")],
                last: Annotated[str, typer.Option("--to")]) -> None:
    """The SLA report by unit and category (JSON)."""
    from kouan.desk import service as svc

    rows = run(lambda s, now: svc.sla_report(s, first=date.fromisoformat(first),
                                              last=date.fromisoformat(last)))
    print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False))
