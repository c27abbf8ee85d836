"""Every clock Kouan computes: the built-ins and the user-defined ones stored in the database."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.clearance.clocks import BUILT_IN, Clock, from_dict
from kouan.clearance.models import ClockDefinition
from kouan.kit.errors import Conflict, FieldError, InvalidInput, NotFound


def all_clocks(session: Session) -> list[Clock]:
    stored = session.scalars(select(ClockDefinition).order_by(ClockDefinition.name))
    user = [from_dict(d.definition) for d in stored]
    return [*BUILT_IN.values(), *user]


def get(session: Session, name: str) -> Clock:
    if name in BUILT_IN:
        return BUILT_IN[name]
    found = session.get(ClockDefinition, name)
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
    if clock.name in BUILT_IN or session.get(ClockDefinition, clock.name) is not None:
        raise Conflict(f"a clock named {clock.name!r} exists")
    session.add(ClockDefinition(name=clock.name, definition=json.loads(clock.to_json()), created_at=now,
                                created_by=actor))
    session.flush()
    return clock
