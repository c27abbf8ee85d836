"""How every `kouan` command reports a refused input: the reason, then each bad field, exit 2."""

from __future__ import annotations

import typer
from rich.console import Console

from kouan.kit.errors import KouanError

err = Console(stderr=True, soft_wrap=True)


def fail(exc: KouanError) -> None:
    err.print(f"[bold red]error:[/] {exc.detail}")
    for e in exc.errors:
        err.print(f"  [red]{e.pointer}[/]: {e.detail}" + (f" (got {e.value!r})" if e.value else ""))
    raise typer.Exit(code=2)
