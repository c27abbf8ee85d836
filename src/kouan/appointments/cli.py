"""`kouan slots publish|pattern|list|no-shows|report` (a lazy group, ``cli.LAZY_GROUPS``). Times
without an offset are Beijing time."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

slots_app = typer.Typer(help="7×24 appointment clearance: slots and bookings.", no_args_is_help=True)
console = Console()


def run(fn):  # type: ignore[no-untyped-def]
    """Build Kouan, run ``fn(session, now)`` in one transaction as the CLI's system actor."""
    from kouan.bootstrap import build
    from kouan.cli_errors import fail
    from kouan.config import get_settings
    from kouan.db.session import transaction
    from kouan.kit.clock import utcnow
    from kouan.kit.errors import KouanError
    from kouan.partners.domain import system

    k = build(get_settings())
    try:
        with transaction(k.sessions, actor=system(f"cli:{getpass.getuser()}")) as s:  # type: ignore[arg-type]
            return fn(s, utcnow())
    except KouanError as exc:
        fail(exc)
        raise typer.Exit(code=2) from exc


def _when(value: str) -> datetime:
    from kouan.kit.clock import as_utc

    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        console.print(f"[bold red]error:[/] not a time: {value!r} (2026-12-05T22:00)")
        raise typer.Exit(code=2) from None


@slots_app.command("publish")
def publish(
    org: Annotated[str, typer.Option(help="the unit's or terminal's code")],
    port: Annotated[str, typer.Option()],
    service: Annotated[str, typer.Option(help="inspection, release, document_review, pickup")],
    start: Annotated[str, typer.Option("--from", help="2026-12-05T22:00 (Beijing time)")],
    end: Annotated[str, typer.Option("--to")],
    capacity: Annotated[int, typer.Option(min=1, max=1000)],
    hours: Annotated[str | None, typer.Option(help="regular, extended, staggered, night")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Publish one slot."""
    from kouan.appointments import service as svc

    def go(s, now):  # type: ignore[no-untyped-def]
        slot = svc.publish(s, actor=s.info["actor"], org_code=org, port=port, service=service,
                           start=_when(start), end=_when(end), capacity=capacity, hours=hours, now=now)
        return svc.view(s, slot)

    v = run(go)
    if as_json:
        print(json.dumps({**v.__dict__, "start": v.start.isoformat(), "end": v.end.isoformat()}))
    else:
        console.print(f"slot {v.id} published: {v.port} {v.service} {v.start.isoformat()} – "
                      f"{v.end.isoformat()}, capacity {v.capacity}{' (off-hours)' if v.off_hours else ''}")


@slots_app.command("pattern")
def pattern(
    org: Annotated[str, typer.Option()],
    port: Annotated[str, typer.Option()],
    service: Annotated[str, typer.Option()],
    days: Annotated[str, typer.Option(help="all, workdays, rest_days, weekends, holidays, makeup_days")],
    daily: Annotated[str, typer.Option(help="22:00-08:00 (Beijing time; past midnight allowed)")],
    first_day: Annotated[str, typer.Option("--first-day")],
    last_day: Annotated[str, typer.Option("--last-day")],
    capacity: Annotated[int, typer.Option(min=1, max=1000)],
    hours: Annotated[str, typer.Option(help="regular, extended, staggered, night")] = "extended",
    slot_minutes: Annotated[int, typer.Option(min=0, max=1440)] = 0,
) -> None:
    """Publish a recurring window's slots over the chosen days of the Chinese calendar."""
    from kouan.appointments import service as svc

    lo, _, hi = daily.partition("-")

    def go(s, now):  # type: ignore[no-untyped-def]
        row, slots = svc.publish_pattern(
            s, actor=s.info["actor"], org_code=org, port=port, service=service, days=days,
            daily_from=lo, daily_to=hi, first_day=date.fromisoformat(first_day),
            last_day=date.fromisoformat(last_day), capacity=capacity, hours=hours,
            slot_minutes=slot_minutes, now=now)
        return row.id, len(slots)

    pid, n = run(go)
    console.print(f"pattern {pid}: {n} slots published")


@slots_app.command("list")
def list_slots(port: Annotated[str | None, typer.Option()] = None,
               service: Annotated[str | None, typer.Option()] = None,
               free: Annotated[bool, typer.Option("--free")] = False) -> None:
    """Slots not yet over, soonest first."""
    from kouan.appointments import service as svc
    from kouan.kit.clock import CHINA_TZ

    rows = run(lambda s, now: svc.list_slots(s, now=now, port=port, service=service, free_only=free))
    table = Table(title="slots (Beijing time)")
    for col in ("id", "org", "port", "service", "start", "end", "free", "hours"):
        table.add_column(col)
    for v in rows:
        table.add_row(str(v.id), v.org, v.port, v.service, f"{v.start.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}",
                      f"{v.end.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}", f"{v.free}/{v.capacity}",
                      v.hours + (" off-hours" if v.off_hours else ""))
    console.print(table)


@slots_app.command("no-shows")
def no_shows() -> None:
    """Mark every booking still open an hour after its slot ended as a no-show (the jobs do it one
    by one; this sweeps, e.g. from cron)."""
    from kouan.appointments import service as svc

    done = run(lambda s, now: svc.mark_no_shows(s, now=now))
    console.print(f"{len(done)} no-show(s): {', '.join(done) or '-'}")


@slots_app.command("report")
def report(first: Annotated[str, typer.Option("--from")], last: Annotated[str, typer.Option("--to")],
           port: Annotated[str | None, typer.Option()] = None) -> None:
    """Off-hours use by port and month."""
    from kouan.appointments import service as svc

    rows = run(lambda s, now: svc.off_hours_report(s, first=date.fromisoformat(first),
                                                    last=date.fromisoformat(last), port=port))
    print(json.dumps([r.__dict__ for r in rows], ensure_ascii=False))
