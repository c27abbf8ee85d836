"""A slot's capacity, taken and given back by one conditional UPDATE each: never read, then
written. On PostgreSQL (READ COMMITTED) a second transaction updating the same row waits for the
first to commit and then evaluates ``booked < capacity`` again on the row as committed, so
concurrent bookings can never push ``booked`` past ``capacity``; SQLite has one writer at a time."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from kouan.appointments.models import Slot

_c = Slot.__table__.c


def take(session: Session, slot_id: int) -> bool:
    """One place of an open slot, if there is one left."""
    row = session.execute(
        update(Slot.__table__)
        .where(_c.id == slot_id, _c.status == "open", _c.booked < _c.capacity)
        .values(booked=_c.booked + 1)
        .returning(_c.id)
    ).first()
    return row is not None


def give(session: Session, slot_id: int) -> None:
    """A place back (a booking cancelled or moved away)."""
    session.execute(update(Slot.__table__).where(_c.id == slot_id, _c.booked > 0)
                    .values(booked=_c.booked - 1))
