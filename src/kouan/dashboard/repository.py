"""The dashboard's few SQL reads: pick-lists, port names, and which declarations a principal sees."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kouan.clearance.models import ClearanceCase
from kouan.consignments import repository as consignments_repo
from kouan.declarations.models import DeclarationRecord
from kouan.events.domain import Milestone
from kouan.events.models import Event, EventRef
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


def ports_with_data(session: Session, *, province: str | None) -> list[tuple[str, str]]:
    stmt = (select(ClearanceCase.port, Port.name_zh, Port.name).join(Port, Port.locode == ClearanceCase.port)
            .where(_closed()).distinct())
    if province:
        stmt = stmt.where(ClearanceCase.province == province)
    return sorted((code, zh or en) for code, zh, en in session.execute(stmt))


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


def own_declarations(session: Session, *, org_id: int | None, org_code: str | None) -> set[str]:
    """Declarations an enterprise filed or declared for: those it lodged in Kouan or that name it as
    consignee there, and those its own systems lodged (a ``DECLARATION_LODGED`` event from its feed).
    Other events its feed sent that name a declaration do not make the declaration its own."""
    found: set[str] = set()
    if org_id is not None:
        found.update(session.scalars(select(DeclarationRecord.number).where(or_(
            DeclarationRecord.declarant_org_id == org_id, DeclarationRecord.consignee_org_id == org_id))))
    if org_code:
        found.update(session.scalars(
            select(EventRef.key).join(Event, Event.id == EventRef.event_pk)
            .where(Event.source == org_code, Event.milestone == Milestone.DECLARATION_LODGED.value,
                   EventRef.kind == "declaration").distinct()))
    return found


def reported_declarations(session: Session, *, org_code: str | None) -> set[str]:
    """The declarations of the consignments a partner's systems sent events for
    (``consignments.repository.reported_by``): what a terminal or a shipping line may list."""
    if not org_code:
        return set()
    return consignments_repo.declarations_of(session, list(consignments_repo.reported_by(session, org_code)))
