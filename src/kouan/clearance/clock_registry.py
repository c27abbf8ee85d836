"""Every clock Kouan computes: the built-ins and the user-defined ones stored in the database."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kouan.clearance.clocks import BUILT_IN, Clock, from_dict
from kouan.kit.errors import Conflict, FieldError, InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kouan.clearance.models import ClockDefinition


def _model() -> type[ClockDefinition]:
    """The stored clocks' mapped class, imported when a user-defined clock is asked for: a KPI of a
    built-in clock builds no mapped class (``tests/test_cli_startup.py``)."""
    from kouan.clearance import models

    return models.ClockDefinition


def all_clocks(session: Session) -> list[Clock]:
    model = _model()
    stored = session.scalars(select(model).order_by(model.name))
    user = [from_dict(d.definition) for d in stored]
    return [*BUILT_IN.values(), *user]


def get(session: Session, name: str) -> Clock:
    if name in BUILT_IN:
        return BUILT_IN[name]
    found = session.get(_model(), name)
    if found is None:
        known = ", ".join(c.name for c in all_clocks(session))
        raise NotFound(f"unknown clock {name!r}", errors=[FieldError("clock", f"one of {known}", name)])
    return from_dict(found.definition)


def define(session: Session, data: dict[str, Any], *, actor: str, now: datetime) -> Clock:
    """Store a user-defined clock; its cases are computed by the next full recompute."""
    try:
        clock = from_dict(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput("the clock definition is not valid",
                           errors=[FieldError("/", f"{type(exc).__name__}: {exc}")]) from None
    model = _model()
    if clock.name in BUILT_IN or session.get(model, clock.name) is not None:
        raise Conflict(f"a clock named {clock.name!r} exists")
    session.add(model(name=clock.name, definition=json.loads(clock.to_json()), created_at=now,
                      created_by=actor))
    session.flush()
    return clock
