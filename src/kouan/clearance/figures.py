"""Reference figures: national and regional clearance times that bulletins compare with."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.clearance.models import ReferenceFigure
from kouan.kit.errors import FieldError, InvalidInput

COLUMNS = ("scope", "month", "direction", "hours")
_SCOPE = re.compile(r"^(CN|CN-[A-Z]{2}|[A-Z]{2}[A-Z2-9]{3})$")
_PERIOD = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Figure:
    scope: str
    period: str
    direction: str
    hours: float
    note: str | None = None


def _row(line: int, row: dict[str, str]) -> tuple[Figure | None, list[FieldError]]:
    errors = []
    scope, period = (row.get("scope") or "").strip(), (row.get("month") or "").strip()
    direction, raw_hours = (row.get("direction") or "").strip().upper(), (row.get("hours") or "").strip()
    if not _SCOPE.match(scope):
        errors.append(FieldError(f"line {line}/scope", "CN, a province such as CN-LN, or a UN/LOCODE", scope))
    if not _PERIOD.match(period):
        errors.append(FieldError(f"line {line}/month", "YYYY-MM for a month or YYYY for a year", period))
    if direction not in ("I", "E"):
        errors.append(FieldError(f"line {line}/direction", "I (import) or E (export)", direction))
    try:
        hours = float(raw_hours)
        if not hours >= 0:
            raise ValueError
    except ValueError:
        errors.append(FieldError(f"line {line}/hours", "a number of hours, 0 or more", raw_hours))
        hours = 0.0
    if errors:
        return None, errors
    return Figure(scope, period, direction, hours, (row.get("note") or "").strip() or None), []


def parse_csv(text: str) -> list[Figure]:
    """All rows, or an ``InvalidInput`` naming every bad line and column: nothing half-imported."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("the CSV lacks columns", errors=[
            FieldError("line 1", f"missing column {c!r}; expected {','.join(COLUMNS)}") for c in missing])
    figures, errors = [], []
    for line, row in enumerate(reader, start=2):
        figure, problems = _row(line, row)
        errors += problems
        if figure:
            figures.append(figure)
    if errors:
        raise InvalidInput("the reference figures are not valid", errors=errors)
    return figures


def store(session: Session, figures: list[Figure], *, now: datetime) -> int:
    for f in figures:
        session.merge(ReferenceFigure(scope=f.scope, period=f.period, direction=f.direction,
                                      hours=f.hours, note=f.note, imported_at=now))
    session.flush()
    return len(figures)


def load_national_defaults(session: Session, *, now: datetime) -> int:
    text = resources.files("kouan.reference").joinpath("national_clearance_time.csv").read_text("utf-8")
    return store(session, parse_csv(text), now=now)


def lookup(session: Session, *, scope: str, period: str, direction: str) -> float | None:
    figure = session.get(ReferenceFigure, (scope, period, direction))
    return figure.hours if figure else None


def list_figures(session: Session, *, scope: str | None = None) -> list[ReferenceFigure]:
    stmt = select(ReferenceFigure).order_by(ReferenceFigure.scope, ReferenceFigure.period,
                                            ReferenceFigure.direction)
    if scope:
        stmt = stmt.where(ReferenceFigure.scope == scope)
    return list(session.scalars(stmt))
