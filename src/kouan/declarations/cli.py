"""`kouan declarations match-arrivals`: the automatic release of advance declarations."""

from __future__ import annotations

import typer
from rich.console import Console

from kouan.bootstrap import build
from kouan.config import get_settings
from kouan.db.session import transaction
from kouan.declarations import service
from kouan.kit.clock import utcnow

declarations_app = typer.Typer(help="Customs declarations.", no_args_is_help=True)
console = Console()


@declarations_app.command("match-arrivals")
def match_arrivals() -> None:
    """Release accepted advance declarations whose arrival (or 运抵) is now reported, unless an
    inspection was ordered. Run it after importing partner events, or on a schedule."""
    k = build(get_settings())
    with transaction(k.sessions, actor=service.ARRIVAL_MATCH) as s:
        released = service.match_arrivals(s, now=utcnow())
    console.print(f"released {len(released)} declaration(s) on arrival: {', '.join(released) or '-'}")
