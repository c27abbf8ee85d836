"""/api/v1/fees: public lists, search, item history, change feed and estimate; the publisher's own
lists (a person of the fee publisher, or its key with ``fees:write``); the port office's supervision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from kouan.fees import domain, repository, service
from kouan.fees.models import FeeFinding, FeeInspection, FeeList, FeePayee, FeeVersion
from kouan.fees.schemas import (
    BandRead,
    ChargeIn,
    ChargeRead,
    CheckRead,
    EstimateIn,
    EstimateRead,
    FeeListRead,
    FindingIn,
    FindingRead,
    ImportRead,
    InspectionIn,
    InspectionRead,
    ItemHistory,
    ItemHistoryEntry,
    ListIn,
    PayeeIn,
    PayeeRead,
    ResolveIn,
    VersionRead,
    VersionWithItems,
)
from kouan.kit.clock import utcnow
from kouan.kit.errors import N_, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners.domain import Principal
from kouan.ports.models import Port as PortRow
from kouan.web.deps import CurrentPrincipal, DbSession
from kouan.web.inputs import Id

router = APIRouter(prefix="/api/v1/fees", tags=["port fees"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Port = Annotated[str, Query(pattern=r"^[A-Za-z]{2}[A-Za-z2-9]{3}$", description="UN/LOCODE, e.g. CNDAL")]


def rules(request: Request) -> domain.Rules:
    return service.load_rules(request.app.state.settings.fee_rules_file)


def version_read(v: FeeVersion, fl: FeeList, p: FeePayee) -> VersionRead:
    return VersionRead(
        port=fl.port,
        payee=p.code,
        version=v.number,
        effective_from=v.effective_from,
        published_at=v.published_at,
        published_by=v.published_by,
        source=v.source,
        note=v.note,
        diff=v.diff,
    )


def publisher(principal: CurrentPrincipal) -> Principal:
    if principal.org_id is None:
        raise Forbidden(N_("a fee publisher changes only its own lists"))
    return principal


Publisher = Annotated[Principal, Depends(publisher)]


# --- public -------------------------------------------------------------------------------------------


@router.get("", response_model=list[FeeListRead])
def search(
    session: DbSession,
    port: Port | None = None,
    payee: str | None = Query(None, max_length=40),
    item: str | None = Query(None, max_length=40),
    q: str | None = Query(None, max_length=100),
    on: date | None = None,
):
    """The lists in force on ``on`` (default today, Beijing time): by port, payee, item code, or any
    text of an item's code or names. Public."""
    return [
        FeeListRead.of(f)
        for f in service.search(session, on=on or service.today(), port=port, payee=payee, item=item, q=q)
    ]


@router.get("/changes", response_model=list[VersionRead])
def changes(
    session: DbSession,
    since: datetime | date | None = None,
    port: Port | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    """Versions published since ``since`` (a date is its start in Beijing time; default the last
    30 days), newest first, each with its diff: the "dynamic update" feed. Atom: ``/fees/changes.atom``."""
    return [
        version_read(v, fl, p)
        for v, fl, p in service.changes(session, since=service.since_of(since), port=port, limit=limit)
    ]


@router.post("/estimate", response_model=EstimateRead)
def estimate(body: EstimateIn, session: DbSession):
    """Every charge of one shipment from the lists in force at the port on ``on``: each line names
    the payee, item, version and band; ``absent`` names the items that price nothing and why. Public."""
    s = body.shipment()
    return EstimateRead.of(s, service.estimate(session, s))


@router.get("/{port}/{payee}/versions", response_model=list[VersionRead])
def versions(port: str, payee: str, session: DbSession):
    fl, p = service.get_list(session, port, payee)
    return [version_read(v, fl, p) for v in repository.versions_of(session, fl.id)]


@router.get("/{port}/{payee}/versions/{number}", response_model=VersionWithItems)
def one_version(port: str, payee: str, number: Id, session: DbSession):
    """One version as it was published, with all its bands."""
    fl, p = service.get_list(session, port, payee)
    v = repository.version(session, fl.id, number)
    if v is None:
        raise NotFound(N_("no version %(n)s of that list"), params={"n": number})
    bands = repository.bands_of(session, [v.id])[v.id]
    return VersionWithItems(**version_read(v, fl, p).model_dump(), items=[BandRead.of(b) for b in bands])


@router.get("/{port}/{payee}/items/{item}", response_model=ItemHistory)
def item_history(port: str, payee: str, item: str, session: DbSession):
    """An item through every version of its list: its bands and whether they changed."""
    fl, p, hist = service.item_history(session, port=port, payee=payee, item=item)
    return ItemHistory(
        port=fl.port,
        payee=p.code,
        item=item.upper(),
        versions=[
            ItemHistoryEntry(
                version=h.version.number,
                effective_from=h.version.effective_from,
                published_at=h.version.published_at,
                published_by=h.version.published_by,
                changed=h.changed,
                listed=bool(h.bands),
                bands=[BandRead.of(b) for b in h.bands],
            )
            for h in hist
        ],
    )


# --- the publisher's own lists -----------------------------------------------------------------------------


@router.get("/payees", response_model=list[PayeeRead], tags=["port fees: publishing"])
def my_payees(session: DbSession, principal: Publisher):
    return [
        PayeeRead(code=p.code, name_zh=p.name_zh, name_en=p.name_en, kind=p.kind)
        for p in service.payees_of(session, principal.org_id)
    ]  # type: ignore[arg-type]


@router.post(
    "/payees", response_model=PayeeRead, status_code=status.HTTP_201_CREATED, tags=["port fees: publishing"]
)
def add_payee(body: PayeeIn, session: DbSession, principal: Publisher):
    """Register a payee whose lists the caller's organisation publishes."""
    p = service.register_payee(
        session,
        actor=principal,
        publisher_org_id=principal.org_id,  # type: ignore[arg-type]
        code=body.code,
        name_zh=body.name_zh,
        name_en=body.name_en,
        kind=body.kind,
        now=utcnow(),
    )
    return PayeeRead(code=p.code, name_zh=p.name_zh, name_en=p.name_en, kind=p.kind)


@router.post("/import", response_model=ImportRead, tags=["port fees: publishing"])
async def import_file(
    request: Request, session: DbSession, principal: Publisher, note: str = Query("", max_length=500)
):
    """The port office's template as the body: ``text/csv`` (UTF-8) or an Excel workbook (``{xlsx}``).
    One new version per port and payee of the file, or none: a bad cell answers 422 with every bad
    line and column (``errors[].pointer`` ``line N, column C``, and ``rows``)."""
    data = await request.body()  # at most 1 MiB (web.limits)
    excel = request.headers.get("content-type", "").split(";")[0].strip() == XLSX or data[:2] == b"PK"
    report = service.import_table(
        session,
        actor=principal,
        publisher_org_id=principal.org_id,  # type: ignore[arg-type]
        data=data,
        excel=excel,
        note=note,
        source="api",
        now=utcnow(),
    )
    return _import_read(session, report)


import_file.__doc__ = (import_file.__doc__ or "").replace("{xlsx}", XLSX)


def _import_read(session: DbSession, report: service.ImportReport) -> ImportRead:
    out, unchanged = [], []
    for pub in report.published:
        payee = repository.payee_by_code(session, pub.payee)
        assert payee is not None
        if pub.version is None:
            unchanged.append(f"{pub.port}/{pub.payee}")
            continue
        fl = session.get(FeeList, pub.version.list_id)
        out.append(version_read(pub.version, fl, payee))  # type: ignore[arg-type]
    return ImportRead(versions=out, unchanged=unchanged)


@router.put("/lists/{port}/{payee}", response_model=ImportRead, tags=["port fees: publishing"])
def put_list(port: str, payee: str, body: ListIn, session: DbSession, principal: Publisher):
    """The whole list of one payee at one port from ``effective_from``: a new version (the same
    bands from the same date: none)."""
    p = repository.payee_by_code(session, payee)
    if p is None or p.publisher_org_id != principal.org_id:
        raise NotFound(N_("no payee %(code)s of your organisation"), params={"code": payee})
    port = port.upper()
    if session.get(PortRow, port) is None:
        raise InvalidInput(N_("no such port"), errors=[FieldError("/port", "no such UN/LOCODE", port)])
    bands = service.bands_from_rows(port, p.code, body.effective_from, body.items)
    pub = service.publish(
        session,
        actor=principal,
        payee=p,
        port=port,
        effective_from=body.effective_from,
        bands=bands,
        source="api",
        note=body.note,
        now=utcnow(),
    )
    return _import_read(session, service.ImportReport([pub]))


# --- supervision (the port office) ---------------------------------------------------------


@router.get("/supervision", response_model=list[CheckRead], tags=["port fees: supervision"])
def supervision(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    port: Port | None = None,
    payee: str | None = Query(None, max_length=40),
    on: date | None = None,
):
    """Per port and payee: the last update, the required items missing, government-set items above cap."""
    return [
        check_read(c)
        for c in service.overview(
            session, actor=principal, rules=rules(request), on=on or service.today(), port=port, payee=payee
        )
    ]


def check_read(c: service.ListCheck) -> CheckRead:
    return CheckRead(
        port=c.port,
        payee=c.payee,
        payee_name=c.payee_name,
        kind=c.kind,
        version=c.version,
        effective_from=c.effective_from,
        last_update=c.last_update,
        days_since_update=c.days_since_update,
        missing=list(c.missing),
        above_cap=[
            {
                "item": b.item,
                "band": b.describe(),
                "rate": domain.text_of(b.rate),
                "cap": domain.text_of(cap.rate),
                "basis": cap.basis,
            }
            for b, cap in c.above_cap
        ],
    )


@router.post("/supervision/charges", response_model=list[ChargeRead], tags=["port fees: supervision"])
def unlisted_charges(body: list[ChargeIn], session: DbSession, principal: CurrentPrincipal):
    """Of these recorded charges, those no published list held that day (清单之外一律不得收费).
    Kouan records no port charges itself yet: send the charges (e.g. from invoices)."""
    if len(body) > 5000:
        raise InvalidInput(N_("send at most 5000 charges"))
    charges = [domain.Charge(c.port, c.payee, c.item, c.on, c.amount, c.reference) for c in body]
    return [
        ChargeRead(
            port=c.port,
            payee=c.payee,
            item=c.item,
            on=c.on,
            amount=domain.text_of(c.amount) if c.amount is not None else None,
            reference=c.reference,
        )
        for c in service.unlisted_charges(session, actor=principal, charges=charges)
    ]


def inspection_read(session: DbSession, insp: FeeInspection) -> InspectionRead:
    today = service.today()
    findings = [finding_read(session, f, today) for f in service.findings_of(session, insp.id)]
    return InspectionRead(
        id=insp.id,
        title=insp.title,
        ports=insp.ports,
        payees=insp.payees,
        deadline=insp.deadline,
        status=insp.status,
        opened_at=insp.opened_at,
        opened_by=insp.opened_by,
        closed_at=insp.closed_at,
        findings=findings,
        overdue=sum(f.overdue for f in findings),
    )


def finding_read(session: DbSession, f: FeeFinding, today: date) -> FindingRead:
    fl = session.get(FeeList, f.list_id)
    p = session.get(FeePayee, fl.payee_id) if fl else None
    v = session.get(FeeVersion, f.version_id) if f.version_id else None
    r = session.get(FeeVersion, f.resolved_version_id) if f.resolved_version_id else None
    return FindingRead(
        id=f.id,
        port=fl.port if fl else "",
        payee=p.code if p else "",
        version=v.number if v else None,
        kind=f.kind,
        item=f.item,
        detail=f.detail,
        deadline=f.deadline,
        status=f.status,
        overdue=service.is_overdue(f, today),
        resolved_version=r.number if r else None,
        resolution=f.resolution,
    )


@router.get("/inspections", response_model=list[InspectionRead], tags=["port fees: supervision"])
def list_inspections(session: DbSession, principal: CurrentPrincipal):
    return [inspection_read(session, i) for i in service.inspections(session, actor=principal)]


@router.post(
    "/inspections",
    response_model=InspectionRead,
    status_code=status.HTTP_201_CREATED,
    tags=["port fees: supervision"],
)
def open_inspection(body: InspectionIn, request: Request, session: DbSession, principal: CurrentPrincipal):
    """An inspection round over ports (and payees); its findings are drawn from the checks."""
    insp = service.open_inspection(
        session,
        actor=principal,
        rules=rules(request),
        title=body.title,
        ports=body.ports,
        payees=body.payees,
        deadline=body.deadline,
        on=body.on or service.today(),
        note=body.note,
        now=utcnow(),
    )
    return inspection_read(session, insp)


@router.get("/inspections/{inspection_id}", response_model=InspectionRead, tags=["port fees: supervision"])
def get_inspection(inspection_id: Id, session: DbSession, principal: CurrentPrincipal):
    return inspection_read(
        session, service.get_inspection(session, actor=principal, inspection_id=inspection_id)
    )


@router.post(
    "/inspections/{inspection_id}/findings",
    response_model=FindingRead,
    status_code=status.HTTP_201_CREATED,
    tags=["port fees: supervision"],
)
def add_finding(inspection_id: Id, body: FindingIn, session: DbSession, principal: CurrentPrincipal):
    f = service.add_finding(
        session,
        actor=principal,
        inspection_id=inspection_id,
        port=body.port,
        payee=body.payee,
        version=body.version,
        kind=body.kind,
        item=body.item,
        detail=body.detail,
        deadline=body.deadline,
        now=utcnow(),
    )
    return finding_read(session, f, service.today())


@router.post("/findings/{finding_id}/resolve", response_model=FindingRead, tags=["port fees: supervision"])
def resolve_finding(finding_id: Id, body: ResolveIn, session: DbSession, principal: CurrentPrincipal):
    """Rectified (linked to the list's newer version) or waived (with its reason)."""
    f = service.resolve_finding(
        session,
        actor=principal,
        finding_id=finding_id,
        outcome=body.outcome,
        resolution=body.resolution,
        now=utcnow(),
    )
    return finding_read(session, f, service.today())


@router.post(
    "/inspections/{inspection_id}/close", response_model=InspectionRead, tags=["port fees: supervision"]
)
def close_inspection(inspection_id: Id, session: DbSession, principal: CurrentPrincipal):
    """Close a round whose findings are all rectified or waived."""
    return inspection_read(
        session, service.close_inspection(session, actor=principal, inspection_id=inspection_id, now=utcnow())
    )
