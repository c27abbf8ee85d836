"""Drafts as typed, and what is wrong with them: every error names its field (a JSON pointer) and
carries a stable code with parameters (``refusals``), so the API and the pages say the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from kouan.declarations import domain
from kouan.declarations import repository as repo
from kouan.declarations.domain import Mode
from kouan.declarations.models import DeclarationItem, DeclarationRecord
from kouan.declarations.refusals import CodedFieldError, field_error
from kouan.events.domain import bl_key, container_key
from kouan.kit import ids
from kouan.kit.text import numeric_misfit
from kouan.ports.models import Port

# Zone-port direct goods are "moving under a declaration" from lodging until release: another
# declaration of the same B/L or containers, same direction, is a second declaration (refused).
ACTIVE_STATUSES = tuple(s.value for s in (
    domain.Status.LODGED, domain.Status.ACCEPTED, domain.Status.INSPECTION, domain.Status.HELD,
    domain.Status.IN_TRANSIT, domain.Status.SUMMARY_LODGED, domain.Status.SUMMARY_ACCEPTED,
    domain.Status.SUMMARY_INSPECTION))


@dataclass
class ItemFields:
    hs_code: str
    description: str
    quantity: str
    unit: str
    value: str
    currency: str = "CNY"
    origin: str = "CN"


@dataclass
class DraftFields:
    direction: str
    consignee_uscc: str
    consignee_name: str
    port: str
    items: list[ItemFields]
    modes: list[str] = field(default_factory=list)
    transport_call: str | None = None
    bill_of_lading: str | None = None
    containers: list[str] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)
    warehouse: str | None = None
    bonded_zone: str | None = None


def _digits(column) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return column.type.precision, column.type.scale


# A number is refused unless its column holds it as typed: 1e999 overflowed PostgreSQL's NUMERIC (a
# 500) and became Infinity on SQLite; 0.0001 t would have been stored as 0.
QUANTITY = _digits(DeclarationItem.__table__.c.quantity)
VALUE = _digits(DeclarationItem.__table__.c.value)
TOTAL = _digits(DeclarationRecord.__table__.c.dutiable_value)


def _decimal(value: str, pointer: str, errors: list[CodedFieldError], *, positive: bool,
             digits: tuple[int, int]) -> Decimal:
    try:
        d = Decimal(str(value))
        if not d.is_finite() or d < 0 or (positive and d == 0):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(field_error(pointer, "number_positive" if positive else "number_not_negative", value))
        return Decimal("0")
    if misfit := numeric_misfit(d, precision=digits[0], scale=digits[1]):
        kind, limit = misfit
        errors.append(field_error(pointer, f"number_too_many_{kind}", value[:40], limit=limit))
        return Decimal("0")
    return d


def _item_errors(items: list[ItemFields]) -> list[CodedFieldError]:
    errors: list[CodedFieldError] = []
    total = Decimal("0")  # the declaration's dutiable value, stored beside the items
    if not items:
        errors.append(field_error("/items", "items_missing"))
    for i, it in enumerate(items):
        p = f"/items/{i}"
        if problem := ids.check_hs_code(it.hs_code):
            errors.append(field_error(f"{p}/hs_code", "hs_code_invalid", it.hs_code, problem=problem))
        if not it.description.strip():
            errors.append(field_error(f"{p}/description", "description_missing"))
        _decimal(it.quantity, f"{p}/quantity", errors, positive=True, digits=QUANTITY)
        total += _decimal(it.value, f"{p}/value", errors, positive=False, digits=VALUE)
        if not re.fullmatch(r"[A-Z]{3}", it.currency):
            errors.append(field_error(f"{p}/currency", "currency_invalid", it.currency))
        if not re.fullmatch(r"[A-Z]{2}", it.origin):
            errors.append(field_error(f"{p}/origin", "origin_invalid", it.origin))
    if numeric_misfit(total, precision=TOTAL[0], scale=TOTAL[1]):
        errors.append(field_error("/items", "total_too_large", str(total)[:40], limit=TOTAL[0] - TOTAL[1]))
    return errors


def _mode_errors(f: DraftFields, port: str) -> list[CodedFieldError]:
    errors = []
    for i, m in enumerate(f.modes):
        if m not in {x.value for x in Mode}:
            choices = ", ".join(x.value for x in Mode)
            errors.append(field_error(f"/modes/{i}", "mode_invalid", m, choices=choices))
    if Mode.CONDITIONAL_REMOVAL.value in f.modes and not f.warehouse:
        errors.append(field_error("/warehouse", "warehouse_missing"))
    if Mode.ZONE_PORT_DIRECT.value in f.modes:
        zones = domain.zones_at(port)
        if not f.bonded_zone:
            errors.append(field_error("/bonded_zone", "zone_missing"))
        elif f.bonded_zone not in {z.code for z in zones}:
            errors.append(field_error("/bonded_zone", "zone_unknown", f.bonded_zone,
                                      choices=", ".join(z.code for z in zones) or "-"))
        if not f.containers:
            errors.append(field_error("/containers", "zone_port_needs_containers"))
    if Mode.SHIP_SIDE_PICKUP.value in f.modes and Mode.ADVANCE.value not in f.modes:
        errors.append(field_error("/modes", "ship_side_needs_advance"))
    return errors


def draft_errors(session: Session, f: DraftFields) -> list[CodedFieldError]:
    errors = _item_errors(f.items)
    if f.direction not in ("I", "E"):
        errors.append(field_error("/direction", "direction_invalid", f.direction))
    if problem := ids.check_uscc(f.consignee_uscc):
        errors.append(field_error("/consignee_uscc", "uscc_invalid", f.consignee_uscc, problem=problem))
    port = session.get(Port, f.port.upper())
    if port is None:
        errors.append(field_error("/port", "port_unknown", f.port))
    elif port.customs_district is None:
        errors.append(field_error("/port", "port_without_district", f.port))
    for i, c in enumerate(f.containers):
        if problem := ids.check_container(container_key(c)):
            errors.append(field_error(f"/containers/{i}", "container_invalid", c, problem=problem))
    errors += _mode_errors(f, f.port.upper())
    if not errors and (covering := covered_by(session, direction=f.direction, bill_of_lading=f.bill_of_lading,
                                              containers=f.containers)):
        errors.append(field_error("/bill_of_lading" if f.bill_of_lading else "/containers",
                                  "second_declaration", number=covering))
    return errors


def covered_by(session: Session, *, direction: str, bill_of_lading: str | None, containers: list[str],
               exclude_id: int | None = None) -> str | None:
    """The active zone-port direct declaration that already moves these goods (same direction, same
    B/L or a same container), if any: its goods need no second declaration, and get none."""
    bls = [bl_key(bill_of_lading)] if bill_of_lading else []
    boxes = [container_key(c) for c in containers]
    found = repo.naming(session, statuses=ACTIVE_STATUSES, bls=bls, containers=boxes)
    for rec in found:
        if rec.id != exclude_id and rec.direction == direction and Mode.ZONE_PORT_DIRECT.value in rec.modes:
            return rec.number
    return None
