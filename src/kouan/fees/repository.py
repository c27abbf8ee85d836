"""Fee-list queries: the version of each list in force on a day, bands, history, the change feed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kouan.fees.domain import Band, Regime, Unit
from kouan.fees.models import FeeBand, FeeList, FeePayee, FeeVersion


@dataclass(frozen=True)
class InForce:
    """One list's version in force on a day, with its bands."""

    fee_list: FeeList
    payee: FeePayee
    version: FeeVersion
    bands: tuple[Band, ...]


def band_of(row: FeeBand) -> Band:
    return Band(
        item=row.item,
        name_zh=row.name_zh,
        name_en=row.name_en,
        regime=Regime(row.regime),
        unit=Unit(row.unit),
        rate=Decimal(row.rate),
        currency=row.currency,
        size=row.size,
        type=row.ctype,
        full=row.full,
        trade=row.trade,
        direction=row.direction,
        free_days=row.free_days,
        day_from=row.day_from,
        day_to=row.day_to,
        legal_basis=row.legal_basis or "",
    )


def band_row(b: Band, *, version_id: int, list_id: int, seq: int) -> FeeBand:
    return FeeBand(
        version_id=version_id,
        list_id=list_id,
        seq=seq,
        item=b.item,
        name_zh=b.name_zh,
        name_en=b.name_en,
        regime=b.regime.value,
        unit=b.unit.value,
        size=b.size,
        ctype=b.type,
        full=b.full,
        trade=b.trade,
        direction=b.direction,
        rate=b.rate,
        currency=b.currency,
        free_days=b.free_days,
        day_from=b.day_from,
        day_to=b.day_to,
        legal_basis=b.legal_basis,
    )


def bands_of(session: Session, version_ids: Sequence[int]) -> dict[int, tuple[Band, ...]]:
    out: dict[int, list[Band]] = {v: [] for v in version_ids}
    if not version_ids:
        return {}
    rows = session.scalars(
        select(FeeBand)
        .where(FeeBand.version_id.in_(list(version_ids)))
        .order_by(FeeBand.version_id, FeeBand.seq)
    )
    for r in rows:
        out[r.version_id].append(band_of(r))
    return {k: tuple(v) for k, v in out.items()}


def payee_by_code(session: Session, code: str) -> FeePayee | None:
    return session.scalar(select(FeePayee).where(FeePayee.code == code.upper()))


def payees_by_code(session: Session, codes: Sequence[str]) -> dict[str, FeePayee]:
    if not codes:
        return {}
    return {p.code: p for p in session.scalars(select(FeePayee).where(FeePayee.code.in_(list(codes))))}


def list_of(session: Session, port: str, payee_id: int) -> FeeList | None:
    return session.scalar(select(FeeList).where(FeeList.port == port, FeeList.payee_id == payee_id))


def version(session: Session, list_id: int, number: int) -> FeeVersion | None:
    return session.scalar(
        select(FeeVersion).where(FeeVersion.list_id == list_id, FeeVersion.number == number)
    )


def versions_of(session: Session, list_id: int) -> list[FeeVersion]:
    return list(
        session.scalars(select(FeeVersion).where(FeeVersion.list_id == list_id).order_by(FeeVersion.number))
    )


def ports_with_lists(session: Session) -> list[str]:
    return list(session.scalars(select(FeeList.port).distinct().order_by(FeeList.port)))


def lists(
    session: Session,
    *,
    port: str | None = None,
    payee: str | None = None,
    publisher_org_id: int | None = None,
) -> list[tuple[FeeList, FeePayee]]:
    stmt = select(FeeList, FeePayee).join(FeePayee, FeePayee.id == FeeList.payee_id)
    if port:
        stmt = stmt.where(FeeList.port == port.upper())
    if payee:
        stmt = stmt.where(FeePayee.code == payee.upper())
    if publisher_org_id is not None:
        stmt = stmt.where(FeeList.publisher_org_id == publisher_org_id)
    return [(fl, p) for fl, p in session.execute(stmt.order_by(FeeList.port, FeePayee.code))]


def in_force(
    session: Session,
    *,
    on: date,
    port: str | None = None,
    payee: str | None = None,
    publisher_org_id: int | None = None,
) -> list[InForce]:
    """Each list's version in force on ``on``: the highest-numbered version effective by then (a
    later version replaces an earlier one from its own effective date, a correction included)."""
    found = lists(session, port=port, payee=payee, publisher_org_id=publisher_org_id)
    if not found:
        return []
    ids = [fl.id for fl, _ in found]
    best = (
        select(FeeVersion.list_id, func.max(FeeVersion.number).label("n"))
        .where(FeeVersion.list_id.in_(ids), FeeVersion.effective_from <= on)
        .group_by(FeeVersion.list_id)
        .subquery()
    )
    versions = {
        v.list_id: v
        for v in session.scalars(
            select(FeeVersion).join(
                best, (best.c.list_id == FeeVersion.list_id) & (best.c.n == FeeVersion.number)
            )
        )
    }
    bands = bands_of(session, [v.id for v in versions.values()])
    return [
        InForce(fl, p, versions[fl.id], bands[versions[fl.id].id]) for fl, p in found if fl.id in versions
    ]


def changes_since(
    session: Session, since: datetime, *, port: str | None = None, limit: int = 200
) -> list[tuple[FeeVersion, FeeList, FeePayee]]:
    stmt = (
        select(FeeVersion, FeeList, FeePayee)
        .join(FeeList, FeeList.id == FeeVersion.list_id)
        .join(FeePayee, FeePayee.id == FeeList.payee_id)
        .where(FeeVersion.published_at >= since)
    )
    if port:
        stmt = stmt.where(FeeList.port == port.upper())
    stmt = stmt.order_by(FeeVersion.published_at.desc(), FeeVersion.id.desc()).limit(limit)
    return [(v, fl, p) for v, fl, p in session.execute(stmt)]
