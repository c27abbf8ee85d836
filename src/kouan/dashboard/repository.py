"""The dashboard's few SQL reads: pick-lists and port names. Which declarations a principal sees is
``consignments.visibility``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kouan.clearance.models import ClearanceCase
from kouan.ports.models import Port

CLOCK = "gac"


def _closed():  # type: ignore[no-untyped-def]
    c = ClearanceCase
    return (c.clock == CLOCK) & (c.status == "closed") & c.month.isnot(None)


def latest_month(session: Session, *, not_after: str, province: str | None = None) -> str | None:
    stmt = select(func.max(ClearanceCase.month)).where(_closed(), ClearanceCase.month <= not_after)
    if province:
        stmt = stmt.where(ClearanceCase.province == province)
    return session.scalar(stmt)


def earliest_month(session: Session, *, province: str | None = None) -> str | None:
    stmt = select(func.min(ClearanceCase.month)).where(_closed())
    if province:
        stmt = stmt.where(ClearanceCase.province == province)
    return session.scalar(stmt)


def regions_with_data(session: Session) -> list[str]:
    stmt = select(ClearanceCase.province).where(_closed(), ClearanceCase.province.isnot(None)).distinct()
    return sorted(session.scalars(stmt))


def ports_with_data(session: Session, *, province: str | None, lang: str = "zh") -> list[tuple[str, str]]:
    """(locode, name in ``lang``) of the ports with released declarations."""
    stmt = (select(ClearanceCase.port, Port.name_zh, Port.name).join(Port, Port.locode == ClearanceCase.port)
            .where(_closed()).distinct())
    if province:
        stmt = stmt.where(ClearanceCase.province == province)
    rows = session.execute(stmt)
    return sorted((code, (zh or en) if lang == "zh" else (en or zh)) for code, zh, en in rows)


def months_by_region(session: Session, *, not_after: str) -> list[tuple[str, str, int]]:
    """(province, month, closed cases) for every province and month with released declarations."""
    stmt = (select(ClearanceCase.province, ClearanceCase.month, func.count())
            .where(_closed(), ClearanceCase.province.isnot(None), ClearanceCase.month <= not_after)
            .group_by(ClearanceCase.province, ClearanceCase.month))
    return [(p, m, n) for p, m, n in session.execute(stmt)]


def port_names(session: Session, locodes: set[str], *, lang: str = "zh") -> dict[str, str]:
    if not locodes:
        return {}
    stmt = select(Port.locode, Port.name_zh, Port.name).where(Port.locode.in_(sorted(locodes)))
    rows = session.execute(stmt)
    return {code: (zh or en) if lang == "zh" else en for code, zh, en in rows}
