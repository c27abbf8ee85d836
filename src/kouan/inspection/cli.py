"""`kouan inspection …`: targeting rules, random-draw rates, ordering an inspection (with its cause:
无因不查 holds here too), the report, and a draught survey computed from a JSON file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kouan.bootstrap import build
from kouan.config import get_settings
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.kit.errors import KouanError
from kouan.partners.domain import system

inspection_app = typer.Typer(help="Risk targeting and inspection.", no_args_is_help=True)
console = Console()
CLI = system("cli:inspection")


def _fail(exc: KouanError) -> None:
    console.print(f"[red]refused[/red]: {exc.detail}")
    code = exc.extra.get("code") if exc.extra else None
    if code:
        console.print(f"code: {code}")
    raise typer.Exit(1)


@inspection_app.command("rules")
def rules_list() -> None:
    """The targeting rules in force."""
    from sqlalchemy import select

    from kouan.inspection.models import TargetingRule

    k = build(get_settings())
    with k.sessions() as s:
        rows = list(
            s.scalars(
                select(TargetingRule).where(TargetingRule.active.is_(True)).order_by(TargetingRule.code)
            )
        )
        table = Table(title="targeting rules")
        for col in (
            "code",
            "version",
            "district",
            "hs",
            "origin",
            "group",
            "lane",
            "method",
            "valid",
            "unit",
        ):
            table.add_column(col)
        for r in rows:
            table.add_row(
                r.code,
                str(r.version),
                r.customs_district,
                r.hs_prefix or "",
                r.origin or "",
                r.commodity_group or "",
                r.lane,
                r.method,
                f"{r.valid_from}–{r.valid_to or ''}",
                r.issuing_unit,
            )
    console.print(table)


@inspection_app.command("add-rule")
def add_rule(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Issue a targeting rule (or its next version) from JSON: {"code", "customs_district", "lane",
    "method", "issuing_unit", criteria…}."""
    from kouan.inspection import service

    data = json.loads(file.read_text(encoding="utf-8"))
    code = data.pop("code")
    k = build(get_settings())
    try:
        with transaction(k.sessions, actor=CLI) as s:
            rule = service.create_rule(s, actor=CLI, code=code, fields=data, now=utcnow())
            console.print(f"rule {rule.code} version {rule.version} issued")
    except KouanError as exc:
        _fail(exc)


@inspection_app.command("set-rate")
def set_rate(port: str, group: str, rate: Decimal, seed: str) -> None:
    """The random-draw rate (0–1) and seed of a port and commodity group (* for any)."""
    from kouan.inspection import service

    k = build(get_settings())
    try:
        with transaction(k.sessions, actor=CLI) as s:
            service.set_rate(
                s, actor=CLI, port=port, commodity_group=group, rate=rate, seed=seed, now=utcnow()
            )
    except KouanError as exc:
        _fail(exc)
    console.print(f"{port} {group}: rate {rate}, seed {seed}")


@inspection_app.command("order")
def order(
    number: str,
    reason: Annotated[str, typer.Option(help="the written reason (无因不查)")] = "",
    method: Annotated[str, typer.Option()] = "",
) -> None:
    """Order an inspection of a declaration: refused unless a targeting rule hit it, the random
    draw selected it, or ``--reason`` gives a written reason."""
    from kouan.declarations import service as decl_service

    k = build(get_settings())
    try:
        with transaction(k.sessions, actor=CLI) as s:
            decl_service.act(
                s,
                actor=CLI,
                number=number,
                action="order_inspection",
                now=utcnow(),
                reason=reason or None,
                method=method or None,
            )
    except KouanError as exc:
        _fail(exc)
    console.print(f"inspection ordered on {number}")


@inspection_app.command("report")
def report() -> None:
    """Inspection rate, hit rate, mean hours in inspection by cause, method, port and month."""
    from kouan.inspection import service

    k = build(get_settings())
    with k.sessions() as s:
        s.info["actor"] = CLI
        out = service.report(s, actor=CLI)
    for dim in ("cause", "method", "port", "month"):
        table = Table(title=f"by {dim}")
        for col in ("key", "inspections", "inspection rate", "hit rate", "mean hours"):
            table.add_column(col)
        for row in out[dim]:
            table.add_row(
                str(row["key"]),
                str(row["inspections"]),
                str(row["inspection_rate"] or "—"),
                str(row["hit_rate"] if row["hit_rate"] is not None else "—"),
                str(row["mean_hours"] if row["mean_hours"] is not None else "—"),
            )
        console.print(table)


@inspection_app.command("draft-survey")
def draft_survey_command(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Compute a draught survey from JSON (marks, hydrostatics, initial/final readings, density,
    deductibles, declared_weight): the cargo weight and whether it differs beyond the tolerance."""
    from kouan.inspection import draft_survey

    initial, final, result = draft_survey.from_dict(json.loads(file.read_text(encoding="utf-8")))
    for name, sv in (("initial", initial), ("final", final)):
        c, d = sv.corrected, sv.displacement
        console.print(
            f"{name}: quarter mean {c.quarter_mean:.4f} m, trim {c.true_trim:.4f} m, displacement "
            f"{d.value:.2f} t, net {sv.net:.2f} t"
        )
    console.print(
        f"cargo {result.cargo:.2f} t, declared {result.declared:.2f} t, difference "
        f"{result.difference:+.2f} t{' FLAGGED' if result.flagged else ''}"
    )
