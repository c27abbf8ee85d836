"""`kouan kpi`, `kouan bulletin`, `kouan benchmarks import`, `kouan cases refresh`.

The analytics stack (Ibis, pandas, PyArrow datasets, DuckDB) is imported inside the commands that
use it: every ``kouan`` command imports this module to register its commands, and
``kouan events import`` must start without loading it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from kouan.cli_errors import fail as _fail
from kouan.cli_lazy import LazyModule, build, get_settings, transaction
from kouan.kit import edge
from kouan.kit.clock import utcnow
from kouan.kit.errors import KouanError
from kouan.partners.domain import system

# Imported when a command first uses them (kouan.cli_lazy): `kouan --help` loads no ORM.
clock_registry = LazyModule("kouan.clearance.clock_registry")
figures = LazyModule("kouan.clearance.figures")

if TYPE_CHECKING:
    from kouan.analytics import filters
    from kouan.bootstrap import Kouan

console = Console()
err = Console(stderr=True, soft_wrap=True)
benchmarks_app = typer.Typer(help="Reference figures: national averages and the 2017 baseline.",
                             no_args_is_help=True)
cases_app = typer.Typer(help="Per-declaration clearance cases.", no_args_is_help=True)
export_app = typer.Typer(help="Exports for the scale-out engines.", no_args_is_help=True)


def _export_dir(k: Kouan) -> Path:
    return k.settings.data_dir / "analytics-export"


def _period(month: str | None, date_from: str | None, date_to: str | None) -> filters.Period | None:
    from kouan.analytics import filters
    from kouan.clearance.months import check_month

    if month:
        check_month(month)
        return filters.Period(first_month=month, last_month=month)
    if date_from or date_to:
        try:
            return filters.Period(date_from=date.fromisoformat(date_from) if date_from else None,
                                  date_to=date.fromisoformat(date_to) if date_to else None)
        except ValueError as exc:
            err.print(f"[bold red]error:[/] --from/--to take dates as YYYY-MM-DD ({exc})")
            raise typer.Exit(code=2) from None
    return None


WAIT_HELP = ("Run the pending post-commit jobs first (case refresh after imports), so the answer is "
             "current; --no-wait answers from the cases as they are, saying stale and pending")


def catch_up(k) -> None:  # type: ignore[no-untyped-def]
    """The person at the terminal waits for a right answer: run the due jobs (as a worker would),
    then refresh what is still marked (marks without a job: a store from before the job queue)."""
    from kouan.clearance import kpi
    from kouan.jobs.counts import waiting

    with k.sessions() as s:  # two counts, no write: a caught-up store loads no refresh stack
        due = waiting(s)
    if due:
        from kouan.jobs import service as jobs_service

        jobs_service.drain(k.sessions, policy=jobs_service.Policy.from_settings(k.settings))
    if kpi.freshness_of(k.sessions).pending:
        from kouan.clearance import service as clearance_service

        with transaction(k.sessions, actor=system("cli")) as s:
            clearance_service.refresh(s, now=utcnow())


def _stale_notice(fresh) -> None:  # type: ignore[no-untyped-def]
    if fresh.stale:
        err.print(f"[yellow]stale:[/] {fresh.pending} consignments wait for the case refresh "
                  f"({fresh.pending_jobs} refresh jobs queued); figures are from the cases as they are")


DIRECTION_WORDS = {"I": "import", "E": "export"}  # a table says the word; --json keeps the code


def _shown(key: str, value: object) -> str:
    return DIRECTION_WORDS.get(str(value), str(value)) if key == "direction" else str(value)


def kpi_command(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (Beijing time)")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD, inclusive")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD, inclusive")] = None,
    region: Annotated[str | None, typer.Option(help="Province, e.g. CN-LN")] = None,
    port: Annotated[str | None, typer.Option(help="UN/LOCODE, e.g. CNDAL")] = None,
    by: Annotated[str, typer.Option(help="Comma list: port,province,customs_district,month,"
                                    "direction,facilitation_mode,commodity_group")] = "direction",
    clock: Annotated[str, typer.Option(help="gac, trs or trs_exit")] = "gac",
    engine: Annotated[str, typer.Option(help="native, duckdb or spark")] = "native",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help=WAIT_HELP)] = True,
) -> None:
    """Clearance time (n, mean, median, p90, segments) from the case table."""
    from kouan.clearance import kpi

    k = build(get_settings())
    if wait:
        catch_up(k)
    try:
        query = kpi.KpiQuery(clock=clock, period=_period(month, date_from, date_to), province=region,
                             port=port.upper() if port else None,
                             by=tuple(b.strip() for b in by.split(",") if b.strip()), engine=engine)
        result = kpi.run(k.sessions, query, database_url=k.settings.effective_database_url,
                         export_dir=_export_dir(k), now=utcnow())
    except KouanError as exc:
        _fail(exc)
        return
    data = edge.rounded(result.as_dict())  # exact inside, rounded where it is read
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    _stale_notice(result.fresh)
    table = Table(title=f"{result.clock.title} ({engine})")
    for col in (*query.by, "n", "open", "mean h", "median h", "p90 h", "segments"):
        table.add_column(col)
    for row in data["rows"]:
        fmt = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
        segs = ", ".join(f"{name} {fmt(v)}" for name, v in row["segments"].items())
        table.add_row(*(_shown(b, row[b]) for b in query.by), str(row["n"]), str(row["n_open"]),
                      fmt(row["mean_h"]), fmt(row["median_h"]), fmt(row["p90_h"]), segs)
    console.print(table)


def bulletin_command(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    region: Annotated[str, typer.Option(help="CN-LN, or CN for the whole country")] = "CN-LN",
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
    fmt: Annotated[str, typer.Option("--format", help="text, markdown or html")] = "text",
    clock: Annotated[str, typer.Option()] = "gac",
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help=WAIT_HELP)] = True,
) -> None:
    """The month's clearance-time statement, compared with the national average and 2017."""
    from kouan.analytics import bulletin as bulletin_text
    from kouan.clearance import bulletins, kpi

    if lang not in ("zh", "en") or fmt not in ("text", "markdown", "html"):
        err.print("[bold red]error:[/] --lang is zh or en; --format is text, markdown or html")
        raise typer.Exit(code=2)
    k = build(get_settings())
    if wait:
        catch_up(k)
    fresh = kpi.freshness_of(k.sessions)
    try:
        f = bulletins.figures_for(k.sessions, month=month, region=region, clock=clock,
                                  database_url=k.settings.effective_database_url,
                                  export_dir=_export_dir(k), now=utcnow())
    except KouanError as exc:
        _fail(exc)
        return
    _stale_notice(fresh)
    print(bulletin_text.render(f, lang=lang, fmt=fmt), end="")


@benchmarks_app.command("import")
def benchmarks_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import reference figures from CSV: scope,month,direction,hours[,note]."""
    k = build(get_settings())
    try:
        rows = figures.parse_csv(file.read_text(encoding="utf-8"))
        with transaction(k.sessions, actor=system("cli")) as s:
            n = figures.store(s, rows, now=utcnow())
    except KouanError as exc:
        _fail(exc)
        return
    console.print(f"imported {n} reference figures")


@benchmarks_app.command("list")
def benchmarks_list(scope: Annotated[str | None, typer.Option()] = None) -> None:
    """List reference figures."""
    k = build(get_settings())
    with k.sessions() as s:
        rows = figures.list_figures(s, scope=scope)
        table = Table()
        for col in ("scope", "period", "direction", "hours", "note"):
            table.add_column(col)
        for r in rows:
            table.add_row(r.scope, r.period, r.direction, f"{r.hours:.2f}", r.note or "")
    console.print(table)


@cases_app.command("refresh")
def cases_refresh(
    all_: Annotated[bool, typer.Option("--all", help="Recompute every case (e.g. a changed clock)")] = False,
    set_based: Annotated[bool, typer.Option(
        "--set-based", help="With --all: one set-based query per clock (DuckDB on SQLite): for large stores")
    ] = False,
) -> None:
    """Recompute the cases of consignments that changed (or all of them)."""
    from kouan.clearance import service as clearance_service

    if set_based and not all_:
        err.print("[bold red]error:[/] --set-based recomputes every case: use it with --all")
        raise typer.Exit(code=2)
    k = build(get_settings())
    with transaction(k.sessions, actor=system("cli")) as s:
        if set_based:
            report = clearance_service.recompute_all_set_based(s, now=utcnow())
        elif all_:
            report = clearance_service.recompute_all(s, now=utcnow())
        else:
            report = clearance_service.refresh(s, now=utcnow())
    console.print(f"{report.consignments} consignments, {report.cases} cases recomputed")


@export_app.command("parquet")
def export_parquet(out_dir: Annotated[Path, typer.Argument(file_okay=False)]) -> None:
    """Write events (partitioned by month and port) and clearance cases as Parquet, for DuckDB or
    Spark (`kouan kpi --engine duckdb|spark` reads the same layout)."""
    from kouan.analytics import engines, export
    from kouan.clearance import service as clearance_service

    k = build(get_settings())
    with transaction(k.sessions, actor=system("cli")) as s:
        clearance_service.refresh(s, now=utcnow())
    url = k.settings.effective_database_url
    con = engines.connect_store(url)
    counts = export.export_all(con, out_dir)
    console.print(f"wrote {counts['events']} events and {counts['cases']} cases under {out_dir}")


clocks_app = typer.Typer(help="Clock definitions: built-in and user-defined.", no_args_is_help=True)


@clocks_app.command("list")
def clocks_list() -> None:
    """The clocks Kouan computes for every declaration."""
    k = build(get_settings())
    with k.sessions() as s:
        for c in clock_registry.all_clocks(s):
            console.print(f"[bold]{c.name}[/]  {c.title}\n  import segments: "
                          f"{', '.join(c.imports.segment_names)}\n  export segments: "
                          f"{', '.join(c.exports.segment_names)}")


@clocks_app.command("add")
def clocks_add(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Define a clock from JSON (the shape of a built-in: see `kouan clocks show gac`) and compute
    it for every declaration."""
    from kouan.clearance import service as clearance_service

    k = build(get_settings())
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        with transaction(k.sessions, actor=system("cli")) as s:
            clock = clock_registry.define(s, data, actor="system:cli", now=utcnow())
            report = clearance_service.recompute_all(s, now=utcnow(), clocks=[clock])
    except json.JSONDecodeError as exc:
        err.print(f"[bold red]error:[/] {file}: not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
        raise typer.Exit(code=2) from None
    except KouanError as exc:
        _fail(exc)
        return
    console.print(f"clock {clock.name!r} defined; {report.cases} cases computed")


@clocks_app.command("show")
def clocks_show(name: Annotated[str, typer.Argument()]) -> None:
    """Print a clock's definition as JSON."""
    k = build(get_settings())
    try:
        with k.sessions() as s:
            print(clock_registry.get(s, name).to_json())
    except KouanError as exc:
        _fail(exc)


def facilitation_command(
    month: Annotated[str | None, typer.Option(help="YYYY-MM; or use --from-month/--to-month")] = None,
    from_month: Annotated[str | None, typer.Option(help="YYYY-MM, inclusive")] = None,
    to_month: Annotated[str | None, typer.Option(help="YYYY-MM, inclusive")] = None,
    region: Annotated[str | None, typer.Option(help="Province, e.g. CN-LN")] = None,
    port: Annotated[str | None, typer.Option(help="UN/LOCODE")] = None,
    by: Annotated[str, typer.Option(help="Comma list: month,port,province,direction")] = "month,port",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help=WAIT_HELP)] = True,
) -> None:
    """Advance-declaration rate and two-step usage by month and port, against a year before."""
    from kouan.clearance import bulletins, kpi

    k = build(get_settings())
    if wait:
        catch_up(k)
    keys = tuple(b.strip() for b in by.split(",") if b.strip())
    for m in (month, from_month, to_month):
        if m:
            bulletins.check_month(m)
    try:
        rows = kpi.facilitation(k.sessions, database_url=k.settings.effective_database_url, by=keys,
                                now=utcnow(), first_month=month or from_month,
                                last_month=month or to_month, port=port.upper() if port else None,
                                province=region)
    except KouanError as exc:
        _fail(exc)
        return
    fresh = kpi.freshness_of(k.sessions)
    if as_json:
        print(json.dumps(edge.rounded({"rows": rows, **fresh.as_dict()}), ensure_ascii=False))
        return
    _stale_notice(fresh)
    table = Table(title="advance declaration and two-step usage")
    cols = (*keys, "declarations", "advance_rate", "advance_rate_last_year", "two_step",
            "two_step_last_year", "two_step_growth")
    for col in cols:
        table.add_column(col)
    for r in rows:
        table.add_row(*("—" if r[c] is None else str(r[c]) for c in cols))
    console.print(table)
