"""Partner docking status (分批对接): how well each partner's feed is flowing.

For each source: docked since, last event, events per day, the share of actual vs
estimated/planned events, the median reporting latency (received − occurred, actual events),
duplicate, update and quarantine rates, the claims (events the sender was not entitled to state,
never acted on), and identifier validity (ISO 6346 check digits, UN/LOCODEs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from kouan.events.authority import CLAIM
from kouan.events.models import Event, IngestBatch
from kouan.partners.domain import Principal, sees_all_organisations
from kouan.partners.models import Organisation

WINDOW = timedelta(days=30)
SILENT_AFTER = timedelta(days=7)  # a feed with no batch for this long is flagged on the docking view


@dataclass
class DockingStatus:
    source: str
    organisation: str | None = None
    organisation_en: str | None = None  # its English name, where it has one
    kind: str | None = None
    docked_since: datetime | None = None
    last_received_at: datetime | None = None
    last_occurred_at: datetime | None = None
    batches: int = 0
    events: int = 0
    events_per_day: float = 0.0  # stored over the last 30 days
    classifiers: dict[str, int] = field(default_factory=dict)
    actual_share: float | None = None
    median_latency_hours: float | None = None
    received: int = 0
    duplicate_rate: float | None = None
    update_rate: float | None = None
    quarantine_rate: float | None = None
    container_validity: float | None = None
    locode_validity: float | None = None
    formats: list[str] = field(default_factory=list)
    claims: int = 0  # events a sender was not entitled to state (events.authority): never acted on
    claim_share: float | None = None
    silent_days: int | None = None  # days since the last batch, from SILENT_AFTER on


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _latency_seconds(dialect: str) -> ColumnElement[float]:
    if dialect == "sqlite":
        return (func.julianday(Event.received_at) - func.julianday(Event.occurred_at)) * 86400.0
    return func.extract("epoch", Event.received_at - Event.occurred_at)


def median_latency_hours(session: Session, source: str) -> float | None:
    """Exact median over actual events, portable: count, then read the middle row(s) in order."""
    where = (Event.source == source, Event.classifier == "ACT")
    n = session.scalar(select(func.count()).select_from(Event).where(*where)) or 0
    if n == 0:
        return None
    expr = _latency_seconds(session.get_bind().dialect.name)
    stmt = select(expr).where(*where).order_by(expr).offset((n - 1) // 2).limit(2 - n % 2)
    middle = [float(v) for v in session.scalars(stmt)]
    return round(sum(middle) / len(middle) / 3600.0, 3)


def _batch_rows(session: Session, sources: set[str] | None):  # type: ignore[no-untyped-def]
    b = IngestBatch
    stmt = select(b.source, func.min(b.received_at), func.max(b.received_at), func.count(),
                  func.sum(b.received), func.sum(b.duplicates), func.sum(b.updated),
                  func.sum(b.quarantined), func.sum(b.containers_checked),
                  func.sum(b.containers_invalid), func.sum(b.locodes_checked),
                  func.sum(b.locodes_invalid)).group_by(b.source)
    if sources is not None:
        stmt = stmt.where(b.source.in_(sources))
    return session.execute(stmt).all()


def statuses(session: Session, *, actor: Principal, now: datetime) -> list[DockingStatus]:
    own = None if sees_all_organisations(actor) else {actor.org_code or ""}
    out: dict[str, DockingStatus] = {}
    for (src, first, last, nb, rec, dup, upd, quar, cc, ci, lc, li) in _batch_rows(session, own):
        out[src] = DockingStatus(
            source=src, docked_since=first, last_received_at=last, batches=nb, received=rec or 0,
            duplicate_rate=_ratio(dup or 0, rec or 0), update_rate=_ratio(upd or 0, rec or 0),
            quarantine_rate=_ratio(quar or 0, rec or 0),
            container_validity=_ratio((cc or 0) - (ci or 0), cc or 0),
            locode_validity=_ratio((lc or 0) - (li or 0), lc or 0))

    def mine(column):  # type: ignore[no-untyped-def]
        # The port office sees every source: no IN list of all of them (one per partner, unbounded).
        return column.in_(sorted(out)) if own is not None else true()

    by_classifier = (select(Event.source, Event.classifier, func.count()).where(mine(Event.source))
                     .group_by(Event.source, Event.classifier))
    for src, cls, n in session.execute(by_classifier):
        if src in out:
            out[src].classifiers[cls] = n
    claims = dict(session.execute(select(Event.source, func.count()).where(
        mine(Event.source), Event.authority == CLAIM).group_by(Event.source)).all())
    recent = dict(session.execute(select(Event.source, func.count()).where(
        mine(Event.source), Event.received_at >= now - WINDOW).group_by(Event.source)).all())
    last_occ = dict(session.execute(select(Event.source, func.max(Event.occurred_at))
                                    .where(mine(Event.source)).group_by(Event.source)).all())
    fmts = session.execute(select(IngestBatch.source, IngestBatch.format).where(mine(IngestBatch.source))
                           .distinct()).all()
    orgs = {o.code: o for o in session.scalars(select(Organisation).where(mine(Organisation.code)))}
    for src, st in out.items():
        st.events = sum(st.classifiers.values())
        st.actual_share = _ratio(st.classifiers.get("ACT", 0), st.events)
        st.claims = claims.get(src, 0)
        st.claim_share = _ratio(st.claims, st.events)
        st.events_per_day = round(recent.get(src, 0) / WINDOW.days, 2)
        st.last_occurred_at = last_occ.get(src)
        st.median_latency_hours = median_latency_hours(session, src)
        st.formats = sorted({f for s, f in fmts if s == src})
        quiet = now - st.last_received_at if st.last_received_at is not None else None
        if quiet is not None and quiet >= SILENT_AFTER:
            st.silent_days = quiet.days
        if org := orgs.get(src):
            st.organisation, st.organisation_en, st.kind = org.name, org.name_en, org.kind
    return sorted(out.values(), key=lambda s: s.source)
