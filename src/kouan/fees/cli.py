"""`kouan fees`: import a publisher's template, register payees, read lists and the change feed,
estimate one shipment."""

from __future__ import annotations

import getpass
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kouan.bootstrap import build
from kouan.cli_errors import fail
from kouan.config import get_settings
from kouan.db.session import transaction
from kouan.fees import domain, repository, service
from kouan.kit.clock import utcnow
from kouan.kit.errors import KouanError
from kouan.partners.domain import Principal, system

fees_app = typer.Typer(help="Port-fee publication (收费公示).", no_args_is_help=True)
console = Console()
BOX = re.compile(r"(20|40|45)([A-Z][A-Z0-9])?(?::(\d+))?(?::(\d+))?(E)?")


def _actor(publisher: str | None = None) -> Principal:
    return system(f"cli:{getpass.getuser()}" + (f" for {publisher.upper()}" if publisher else ""))


@fees_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    publisher: Annotated[str, typer.Option("--publisher", help="The fee publisher's organisation code")],
    note: Annotated[str, typer.Option(help="Why the lists changed")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import the port office's template (CSV, or Excel .xlsx): one new version per port and payee,
    or nothing when any cell is bad (each bad line and column is printed, exit 2)."""
    k = build(get_settings())
    data = file.read_bytes()
    try:
        with transaction(k.sessions, actor=_actor(publisher)) as s:  # type: ignore[arg-type]
            report = service.import_table(
                s,
                actor=_actor(publisher),
                publisher_org_id=service.publisher_id(s, publisher),
                data=data,
                excel=file.suffix.lower() == ".xlsx" or data[:2] == b"PK",
                note=note,
                source="import",
                now=utcnow(),
            )
            out = [
                {
                    "port": p.port,
                    "payee": p.payee,
                    "version": p.version.number if p.version else None,
                    "changes": len(p.diff),
                }
                for p in report.published
            ]
    except KouanError as exc:
        fail(exc)
        return
    if as_json:
        print(json.dumps(out, ensure_ascii=False))
        return
    for o in out:
        what = f"version {o['version']} ({o['changes']} item(s) changed)" if o["version"] else "unchanged"
        console.print(f"{o['port']} {o['payee']}: {what}")


@fees_app.command("payee")
def payee_command(
    code: str,
    publisher: Annotated[str, typer.Option("--publisher")],
    kind: Annotated[str, typer.Option(help=", ".join(domain.PayeeKind))],
    name_zh: Annotated[str, typer.Option("--name-zh")],
    name_en: Annotated[str, typer.Option("--name-en")] = "",
) -> None:
    """Register a payee whose lists the publisher publishes."""
    k = build(get_settings())
    try:
        with transaction(k.sessions, actor=_actor(publisher)) as s:  # type: ignore[arg-type]
            service.register_payee(
                s,
                actor=_actor(publisher),
                publisher_org_id=service.publisher_id(s, publisher),
                code=code,
                name_zh=name_zh,
                name_en=name_en,
                kind=kind,
                now=utcnow(),
            )
    except KouanError as exc:
        fail(exc)
    console.print(f"payee {code.upper()} registered for {publisher.upper()}")


@fees_app.command("list")
def list_command(
    port: Annotated[str, typer.Option("--port")],
    on: Annotated[str | None, typer.Option(help="YYYY-MM-DD, default today")] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print the lists as the import template")] = False,
) -> None:
    """The lists in force at a port on a day."""
    k = build(get_settings())
    day = date.fromisoformat(on) if on else service.today()
    with k.sessions() as s:
        found = repository.in_force(s, on=day, port=port.upper())
        if csv_out:
            print(
                service.template_csv(
                    (f.fee_list.port, f.payee.code, f.version.effective_from, f.bands) for f in found
                ),
                end="",
            )
            return
        for f in found:
            t = Table(
                title=f"{f.fee_list.port} {f.payee.code} {f.payee.name_zh} v{f.version.number} "
                f"from {f.version.effective_from}"
            )
            for col in ("item", "name", "band", "unit", "rate"):
                t.add_column(col)
            for b in f.bands:
                t.add_row(
                    b.item, b.name_zh, b.describe(), b.unit.value, f"{domain.text_of(b.rate)} {b.currency}"
                )
            console.print(t)


@fees_app.command("changes")
def changes_command(
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    port: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Versions published since a day, with their diffs."""
    k = build(get_settings())
    with k.sessions() as s:
        for v, fl, p in service.changes(
            s, since=service.since_of(date.fromisoformat(since) if since else None), port=port
        ):
            console.print(
                f"[bold]{fl.port} {p.code} v{v.number}[/] from {v.effective_from} "
                f"({v.published_by}, {v.published_at:%Y-%m-%d %H:%M} UTC)"
            )
            console.print(domain.diff_text(v.diff))


@fees_app.command("estimate")
def estimate_command(
    port: Annotated[str, typer.Option("--port")],
    on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    trade: Annotated[str, typer.Option()] = "foreign",
    direction: Annotated[str, typer.Option()] = "I",
    declarations: Annotated[int, typer.Option()] = 0,
    box: Annotated[
        list[str] | None,
        typer.Option(help="SIZE[TYPE][:COUNT][:DAYS][E], e.g. 40GP:2:23 (E: empty); repeat for more groups"),
    ] = None,
    voyages: Annotated[int, typer.Option()] = 0,
    net_tons: Annotated[str, typer.Option()] = "0",
    cargo_tons: Annotated[str, typer.Option()] = "0",
    cargo_m3: Annotated[str, typer.Option()] = "0",
    exclude: Annotated[list[str] | None, typer.Option(help="an item code not used; repeat for more")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every charge of one shipment, line by line with its version and band; the items left out and why."""
    boxes = []
    for spec in box or []:
        m = BOX.fullmatch(spec.upper())
        if not m:
            console.print(f"[red]error:[/] --box {spec!r}: write SIZE[TYPE][:COUNT][:DAYS], e.g. 40GP:2:23")
            raise typer.Exit(code=2)
        boxes.append(domain.Boxes(m[1], m[2] or "GP", not m[5], int(m[3] or 1), int(m[4]) if m[4] else None))
    shipment = domain.Shipment(
        port=port.upper(),
        trade=trade,
        direction=direction.upper(),
        on=date.fromisoformat(on),
        declarations=declarations,
        containers=tuple(boxes),
        voyages=voyages,
        net_tons=Decimal(net_tons),
        cargo_tons=Decimal(cargo_tons),
        cargo_m3=Decimal(cargo_m3),
        exclude=frozenset(e.upper() for e in exclude or ()),
    )
    k = build(get_settings())
    with k.sessions() as s:
        est = service.estimate(s, shipment)
    if as_json:
        from kouan.fees.schemas import EstimateRead

        print(EstimateRead.of(shipment, est).model_dump_json())
        return
    t = Table(
        title=f"{shipment.port} {shipment.on} {trade} {direction}: {domain.text_of(est.total)} {est.currency}"
    )
    for col in ("payee", "item", "version", "band", "quantity", "rate", "amount"):
        t.add_column(col)
    for line in est.lines:
        t.add_row(
            line.payee,
            f"{line.item} {line.name_zh}",
            f"v{line.version}",
            line.band.describe(),
            domain.text_of(line.quantity),
            domain.text_of(line.rate),
            domain.text_of(line.amount),
        )
    console.print(t)
    for a in est.absent:
        console.print(f"not charged: {a.payee} {a.item} {a.name_zh} (v{a.version}): {a.reason}")


@fees_app.command("check-charges")
def check_charges_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The recorded charges (CSV: port,payee,item,on[,amount,reference]) that no published list held
    on their day (清单之外一律不得收费). Kouan records no port charges itself yet: export them from
    the invoicing systems. Exit 1 when any charge is unlisted."""
    import csv

    charges = []
    with file.open(encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), 2):
            try:
                charges.append(
                    domain.Charge(
                        row["port"],
                        row["payee"],
                        row["item"],
                        date.fromisoformat(row["on"]),
                        Decimal(row["amount"]) if row.get("amount") else None,
                        row.get("reference") or "",
                    )
                )
            except (KeyError, ValueError, ArithmeticError) as exc:
                console.print(f"[red]error:[/] line {n}: {exc!r}")
                raise typer.Exit(code=2) from None
    k = build(get_settings())
    with k.sessions() as s:
        found = service.unlisted_charges(s, actor=_actor(), charges=charges)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "port": c.port,
                        "payee": c.payee,
                        "item": c.item,
                        "on": c.on.isoformat(),
                        "amount": None if c.amount is None else domain.text_of(c.amount),
                        "reference": c.reference,
                    }
                    for c in found
                ],
                ensure_ascii=False,
            )
        )
    else:
        for c in found:
            console.print(f"unlisted: {c.port} {c.payee} {c.item} on {c.on} {c.amount or ''} {c.reference}")
        console.print(f"{len(found)} of {len(charges)} charge(s) on no published list")
    if found:
        raise typer.Exit(code=1)
