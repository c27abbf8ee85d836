"""Fee publication: publish a list (a new version, never an overwrite), import the port office's
template (CSV or Excel: every row checked first, nothing applied unless all pass), read lists as of
a day, estimate one shipment, and the port office's supervision (checks, inspection rounds).

Who may publish: the publisher organisation of the payee, through a working person or a key with
``fees:write``; nobody else, the port office neither (it inspects). Reading is public.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.fees import domain
from kouan.fees import repository as repo
from kouan.fees.domain import Band, PayeeKind, Row, RowError, Rules
from kouan.fees.models import FeeBand, FeeFinding, FeeInspection, FeeList, FeePayee, FeeVersion
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import N_, Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kouan.partners import repository as partners_repo
from kouan.partners.domain import OrgKind, Principal, Role, Scope, sees_all_organisations
from kouan.ports.models import Port

MAX_ROWS = 20000


# --- who may do what --------------------------------------------------------------------------------


def may_publish(actor: Principal, publisher_org_id: int) -> bool:
    if actor.kind == "system":
        return True
    if actor.org_id != publisher_org_id or actor.org_kind != OrgKind.FEE_PUBLISHER:
        return False
    if actor.kind == "apikey":
        return Scope.FEES_WRITE.value in actor.scopes
    return actor.is_person and actor.role in (Role.ADMIN, Role.STAFF)


def is_supervisor(actor: Principal) -> bool:
    return sees_all_organisations(actor)


def _require_supervisor(actor: Principal, *, write: bool = False) -> None:
    if not is_supervisor(actor):
        raise Forbidden(N_("fee supervision is the port office's"))
    if write and actor.is_person and actor.role == Role.VIEWER:
        raise Forbidden(N_("a viewer cannot do this"))


def who(actor: Principal) -> str:
    return f"{actor.name or actor.label} ({actor.label})"


def publisher_id(session: Session, code: str) -> int:
    org = partners_repo.get_org_by_code(session, code.upper())
    if org is None or org.kind != OrgKind.FEE_PUBLISHER:
        raise NotFound(N_("no fee publisher %(code)s"), params={"code": code})
    return org.id


# --- payees -----------------------------------------------------------------------------------------


def register_payee(
    session: Session,
    *,
    actor: Principal,
    publisher_org_id: int,
    code: str,
    name_zh: str,
    name_en: str,
    kind: str,
    now: datetime,
) -> FeePayee:
    """A payee whose lists the publisher publishes (its own, or those it publishes for)."""
    if not (may_publish(actor, publisher_org_id) or (actor.kind == "system")):
        raise Forbidden(N_("only the fee publisher itself registers its payees"))
    code = code.strip().upper()
    errors = []
    if not domain.CODE.fullmatch(code):
        errors.append(FieldError("/code", "letters, digits, _ . - (at most 40)", code))
    if kind not in set(PayeeKind):
        errors.append(FieldError("/kind", "one of " + ", ".join(PayeeKind), kind))
    if not name_zh.strip():
        errors.append(FieldError("/name_zh", "the Chinese name is required"))
    if errors:
        raise InvalidInput(N_("the payee is not valid"), errors=errors)
    if repo.payee_by_code(session, code) is not None:
        raise Conflict(N_("the payee %(code)s exists"), params={"code": code})
    payee = FeePayee(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip() or name_zh.strip(),
        kind=kind,
        publisher_org_id=publisher_org_id,
        created_at=now,
    )
    session.add(payee)
    session.flush()
    return payee


def payees_of(session: Session, publisher_org_id: int) -> list[FeePayee]:
    return list(
        session.scalars(
            select(FeePayee).where(FeePayee.publisher_org_id == publisher_org_id).order_by(FeePayee.code)
        )
    )


# --- publishing ---------------------------------------------------------------------------------------


@dataclass
class Published:
    port: str
    payee: str
    version: FeeVersion | None  # None: the list was unchanged, so no version was made
    diff: list[dict[str, Any]] = field(default_factory=list)


def _current_bands(session: Session, fl: FeeList) -> tuple[FeeVersion | None, tuple[Band, ...]]:
    if fl.current == 0:
        return None, ()
    v = repo.version(session, fl.id, fl.current)
    assert v is not None
    return v, repo.bands_of(session, [v.id])[v.id]


def publish(
    session: Session,
    *,
    actor: Principal,
    payee: FeePayee,
    port: str,
    effective_from: date,
    bands: Sequence[Band],
    source: str,
    note: str = "",
    now: datetime,
) -> Published:
    """A new version of the payee's list at ``port`` holding exactly ``bands``, with its diff
    against the latest version. The same bands from the same date again make no version."""
    if not may_publish(actor, payee.publisher_org_id):
        raise Forbidden(N_("a fee publisher changes only its own lists"))
    fl = repo.list_of(session, port, payee.id)
    if fl is None:
        fl = FeeList(
            port=port, payee_id=payee.id, publisher_org_id=payee.publisher_org_id, current=0, updated_at=now
        )
        session.add(fl)
        session.flush()
    last, old = _current_bands(session, fl)
    changes = domain.diff_dicts(domain.diff(old, bands))
    if last is not None and not changes and last.effective_from == effective_from:
        return Published(port, payee.code, None, [])
    if last is not None and effective_from < last.effective_from and actor.kind != "system":
        # a correction back in time is allowed, but never before the first version's date
        first = repo.version(session, fl.id, 1)
        if first is not None and effective_from < first.effective_from:
            raise InvalidInput(
                N_("a version cannot take effect before the list's first version"),
                errors=[
                    FieldError("/effective_from", "before the first version", effective_from.isoformat())
                ],
            )
    v = FeeVersion(
        list_id=fl.id,
        number=fl.current + 1,
        publisher_org_id=payee.publisher_org_id,
        effective_from=effective_from,
        published_at=now,
        published_by=who(actor)[:200],
        source=source,
        note=note[:500],
        diff=changes,
        band_count=len(bands),
    )
    session.add(v)
    session.flush()
    session.add_all(repo.band_row(b, version_id=v.id, list_id=fl.id, seq=i) for i, b in enumerate(bands, 1))
    fl.current = v.number
    fl.updated_at = now
    session.flush()
    return Published(port, payee.code, v, changes)


def read_table(data: bytes, *, excel: bool) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The template's header and numbered rows from CSV (UTF-8, a BOM allowed) or Excel bytes."""
    if excel:
        return _read_excel(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            N_("the file is not UTF-8 text"), errors=[FieldError("line 1", f"byte {exc.start} is not UTF-8")]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(N_("the file is empty"), errors=[FieldError("line 1", "no header")]) from None
    rows = []
    for cells in reader:
        rows.append((reader.line_num, cells))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(N_("the file has more than %(n)s rows"), params={"n": MAX_ROWS})
    return header, rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_excel(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        import openpyxl  # an optional reader: only an Excel import loads it
    except ImportError as exc:  # pragma: no cover - a pinned dependency
        raise InvalidInput(N_("Excel import needs openpyxl")) from exc
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the sender's error
        raise InvalidInput(
            N_("the file is not an Excel workbook (.xlsx)"), errors=[FieldError("line 1", str(exc)[:200])]
        ) from exc
    sheet = book.worksheets[0]
    rows: list[tuple[int, list[str]]] = []
    header: list[str] = []
    for n, values in enumerate(sheet.iter_rows(values_only=True), 1):
        cells = [_cell(v) for v in values]
        while cells and cells[-1] == "" and (not header or len(cells) > len(header)):
            cells.pop()
        if n == 1:
            header = cells
        else:
            rows.append((n, cells + [""] * (len(header) - len(cells))))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(N_("the file has more than %(n)s rows"), params={"n": MAX_ROWS})
    book.close()
    return header, rows


@dataclass
class ImportReport:
    published: list[Published]

    @property
    def versions(self) -> list[FeeVersion]:
        return [p.version for p in self.published if p.version is not None]


def _refuse(errors: Sequence[RowError]) -> InvalidInput:
    return InvalidInput(
        N_("the file was not applied: %(n)s bad cell(s); the first at line %(line)s, column %(column)s"),
        params={"n": len(errors), "line": errors[0].line, "column": errors[0].column},
        errors=[
            FieldError(f"line {e.line}, column {e.column}", e.detail, e.value or None) for e in errors[:200]
        ],
        extra={
            "rows": [
                {"line": e.line, "column": e.column, "detail": e.detail, "value": e.value}
                for e in errors[:200]
            ]
        },
    )


def import_table(
    session: Session,
    *,
    actor: Principal,
    publisher_org_id: int,
    data: bytes,
    excel: bool = False,
    note: str = "",
    source: str = "import",
    now: datetime,
) -> ImportReport:
    """Every list of the file becomes a new version (one per port and payee), or none: a bad cell
    refuses the whole file with its line and column."""
    if not may_publish(actor, publisher_org_id):
        raise Forbidden(N_("a fee publisher changes only its own lists"))
    header, rows = read_table(data, excel=excel)
    lists, errors = domain.parse_rows(header, rows)
    errors = list(errors)
    payees = repo.payees_by_code(session, sorted({payee for _port, payee in lists}))
    ports = set(session.scalars(select(Port.locode).where(Port.locode.in_(sorted({p for p, _ in lists})))))
    for (port, payee), rows_of in lists.items():
        first = rows_of[0].line
        if port not in ports:
            errors.append(RowError(first, "port", "no such port (UN/LOCODE)", port))
        found = payees.get(payee)
        if found is None:
            errors.append(RowError(first, "payee", "no payee registered with this code", payee))
        elif found.publisher_org_id != publisher_org_id:
            errors.append(RowError(first, "payee", "the payee's list is another publisher's", payee))
    if errors:
        errors.sort(
            key=lambda e: (e.line, domain.TEMPLATE.index(e.column) if e.column in domain.TEMPLATE else 0)
        )
        raise _refuse(errors)
    out = []
    for (port, payee), rows_of in sorted(lists.items()):
        out.append(
            publish(
                session,
                actor=actor,
                payee=payees[payee],
                port=port,
                effective_from=rows_of[0].effective_from,
                bands=[r.band for r in rows_of],
                source=source,
                note=note,
                now=now,
            )
        )
    return ImportReport(out)


def bands_from_rows(
    port: str, payee: str, effective_from: date, rows: Iterable[dict[str, Any]]
) -> list[Band]:
    """Bands from JSON rows of the template's columns (the API's list body), checked like a file."""
    parsed: list[Row] = []
    errors: list[RowError] = []
    for n, raw in enumerate(rows):
        cells = {
            k: ""
            if raw.get(k) is None
            else domain.text_of(raw[k])
            if isinstance(raw.get(k), Decimal)
            else _cell(raw.get(k))
            for k in domain.TEMPLATE
        }
        cells.update(port=port, payee=payee, effective_from=effective_from.isoformat())
        row, bad = domain.parse_row(n, cells)
        errors.extend(bad)
        if row:
            parsed.append(row)
    errors.extend(domain.check_list(parsed))
    if errors:
        raise InvalidInput(
            N_("the list is not valid"),
            errors=[FieldError(f"/items/{e.line}/{e.column}", e.detail, e.value or None) for e in errors],
        )
    return [r.band for r in parsed]


def template_csv(bands_by_list: Iterable[tuple[str, str, date, Sequence[Band]]]) -> str:
    """Lists written back in the template (an export a publisher can edit and import again)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(domain.TEMPLATE)
    for port, payee, eff, bands in bands_by_list:
        for b in bands:
            row = b.as_row()
            w.writerow(
                [
                    port
                    if c == "port"
                    else payee
                    if c == "payee"
                    else eff.isoformat()
                    if c == "effective_from"
                    else row[c]
                    for c in domain.TEMPLATE
                ]
            )
    return buf.getvalue()


# --- reading --------------------------------------------------------------------------------------------


def today() -> date:
    return datetime.now(CHINA_TZ).date()


def search(
    session: Session,
    *,
    on: date,
    port: str | None = None,
    payee: str | None = None,
    item: str | None = None,
    q: str | None = None,
) -> list[repo.InForce]:
    """Lists in force on ``on``; with ``item`` or ``q`` only their matching bands (and lists that
    have one)."""
    found = repo.in_force(session, on=on, port=port, payee=payee)
    if not item and not q:
        return found
    out = []
    needle = (q or "").strip().lower()
    for f in found:
        bands = tuple(
            b
            for b in f.bands
            if (not item or b.item == item.upper())
            and (
                not needle
                or needle in b.item.lower()
                or needle in b.name_zh.lower()
                or needle in b.name_en.lower()
                or needle in f.payee.name_zh.lower()
                or needle in f.payee.code.lower()
            )
        )
        if bands:
            out.append(repo.InForce(f.fee_list, f.payee, f.version, bands))
    return out


def get_list(session: Session, port: str, payee: str) -> tuple[FeeList, FeePayee]:
    p = repo.payee_by_code(session, payee)
    fl = repo.list_of(session, port.upper(), p.id) if p else None
    if p is None or fl is None:
        raise NotFound(N_("no fee list of %(payee)s at %(port)s"), params={"payee": payee, "port": port})
    return fl, p


@dataclass(frozen=True)
class ItemVersion:
    version: FeeVersion
    bands: tuple[Band, ...]  # the item's bands in this version (empty: the item was not listed)
    changed: bool  # differs from the version before


def item_history(
    session: Session, *, port: str, payee: str, item: str
) -> tuple[FeeList, FeePayee, list[ItemVersion]]:
    fl, p = get_list(session, port, payee)
    versions = repo.versions_of(session, fl.id)
    bands = repo.bands_of(session, [v.id for v in versions])
    out: list[ItemVersion] = []
    prev: tuple[Band, ...] = ()
    for v in versions:
        mine = tuple(b for b in bands[v.id] if b.item == item.upper())
        changed = bool(domain.diff(prev, mine)) if (prev or mine) else False
        out.append(ItemVersion(v, mine, changed))
        prev = mine
    if not any(iv.bands for iv in out):
        raise NotFound(
            N_("no item %(item)s in the list of %(payee)s at %(port)s"),
            params={"item": item, "payee": payee, "port": port},
        )
    return fl, p, out


def since_of(since: datetime | date | None) -> datetime:
    """The feed's lower bound: a date is its start in Beijing time; none: 30 days ago."""
    if since is None:
        return utcnow().replace(microsecond=0) - DAYS_30
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=CHINA_TZ)
    return datetime.combine(since, time(0), tzinfo=CHINA_TZ)


DAYS_30 = timedelta(days=30)


def since_of_date(day: date) -> datetime:
    """The start of a day in Beijing time."""
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)


def changes(
    session: Session, *, since: datetime, port: str | None = None, limit: int = 200
) -> list[tuple[FeeVersion, FeeList, FeePayee]]:
    return repo.changes_since(session, since, port=port, limit=limit)


def estimate(session: Session, shipment: domain.Shipment) -> domain.Estimate:
    found = repo.in_force(session, on=shipment.on, port=shipment.port)
    lists = [
        domain.PublishedList(
            payee=f.payee.code,
            payee_name=f.payee.name_zh,
            version=f.version.number,
            version_id=f.version.id,
            effective_from=f.version.effective_from,
            bands=f.bands,
        )
        for f in found
    ]
    return domain.estimate(shipment, lists)


# --- supervision (督导检查) -----------------------------------------------------------------------------


def load_rules(path: Path | None) -> Rules:
    """The required items per payee kind and the caps of government-set items: the defaults, with
    the port office's JSON file (``KOUAN_FEE_RULES_FILE``) over them."""
    if path is None:
        return domain.DEFAULT_RULES
    return domain.rules_from(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ListCheck:
    port: str
    payee: str
    payee_name: str
    kind: str
    publisher_org_id: int
    list_id: int
    version: int
    version_id: int
    last_update: datetime
    effective_from: date
    missing: tuple[str, ...]
    above_cap: tuple[tuple[Band, domain.Cap], ...]
    days_since_update: int


def overview(
    session: Session,
    *,
    actor: Principal,
    rules: Rules,
    on: date,
    port: str | None = None,
    payee: str | None = None,
) -> list[ListCheck]:
    """Each list's last update, the required items it lacks, its government-set items above cap."""
    _require_supervisor(actor)
    out = []
    for f in repo.in_force(session, on=on, port=port, payee=payee):
        out.append(
            ListCheck(
                port=f.fee_list.port,
                payee=f.payee.code,
                payee_name=f.payee.name_zh,
                kind=f.payee.kind,
                publisher_org_id=f.fee_list.publisher_org_id,
                list_id=f.fee_list.id,
                version=f.version.number,
                version_id=f.version.id,
                last_update=f.fee_list.updated_at,
                effective_from=f.version.effective_from,
                missing=tuple(domain.missing_items(f.payee.kind, f.bands, rules)),
                above_cap=tuple(domain.above_cap(f.bands, rules)),
                days_since_update=(on - f.fee_list.updated_at.astimezone(CHINA_TZ).date()).days,
            )
        )
    return out


def unlisted_charges(
    session: Session, *, actor: Principal, charges: Sequence[domain.Charge]
) -> list[domain.Charge]:
    """Charges recorded elsewhere whose item no list of that payee at that port held on that day.
    Kouan itself records no port charges yet; the input is a list of recorded charges."""
    _require_supervisor(actor)
    published: dict[tuple[str, str, date], set[str]] = {}
    for c in charges:
        key = (c.port.upper(), c.payee.upper(), c.on)
        if key not in published:
            found = repo.in_force(session, on=c.on, port=key[0], payee=key[1])
            published[key] = {b.item for f in found for b in f.bands}
    normal = [
        domain.Charge(c.port.upper(), c.payee.upper(), c.item.upper(), c.on, c.amount, c.reference)
        for c in charges
    ]
    return domain.unlisted(normal, published)


def open_inspection(
    session: Session,
    *,
    actor: Principal,
    rules: Rules,
    title: str,
    ports: Sequence[str],
    payees: Sequence[str],
    deadline: date,
    on: date,
    note: str = "",
    now: datetime,
) -> FeeInspection:
    """A round over ``ports`` (and ``payees``; none: all), its findings drawn from the checks of
    the versions in force on ``on``: each required item missing and each item above its cap."""
    _require_supervisor(actor, write=True)
    if not ports:
        raise InvalidInput(
            N_("an inspection names at least one port"), errors=[FieldError("/ports", "empty")]
        )
    if deadline < on:
        raise InvalidInput(
            N_("the rectification deadline is before the inspection"),
            errors=[FieldError("/deadline", "before the inspection", deadline.isoformat())],
        )
    org_id = actor.org_id if actor.org_id is not None else _port_office_id(session)
    insp = FeeInspection(
        org_id=org_id,
        title=title[:200],
        ports=[p.upper() for p in ports],
        payees=[p.upper() for p in payees],
        deadline=deadline,
        status="open",
        opened_at=now,
        opened_by=who(actor)[:200],
        note=note[:1000],
    )
    session.add(insp)
    session.flush()
    for port in insp.ports:
        for check in overview(session, actor=actor, rules=rules, on=on, port=port):
            if insp.payees and check.payee not in insp.payees:
                continue
            for item in check.missing:
                _finding(
                    session,
                    insp,
                    check,
                    "missing_item",
                    item,
                    f"required item {item} of a {check.kind} is not published",
                    now,
                )
            for band, cap in check.above_cap:
                _finding(
                    session,
                    insp,
                    check,
                    "above_cap",
                    band.item,
                    f"{band.item} {band.describe()}: {domain.text_of(band.rate)} above the cap "
                    f"{domain.text_of(cap.rate)} ({cap.basis})",
                    now,
                )
    return insp


def _port_office_id(session: Session) -> int:
    from kouan.partners.models import Organisation

    org = session.scalar(
        select(Organisation).where(Organisation.kind == OrgKind.PORT_OFFICE.value).order_by(Organisation.id)
    )
    if org is None:
        raise NotFound(N_("no port office organisation"))
    return org.id


def _finding(
    session: Session,
    insp: FeeInspection,
    check: ListCheck,
    kind: str,
    item: str | None,
    detail: str,
    now: datetime,
) -> FeeFinding:
    f = FeeFinding(
        inspection_id=insp.id,
        list_id=check.list_id,
        version_id=check.version_id,
        publisher_org_id=check.publisher_org_id,
        kind=kind,
        item=item,
        detail=detail[:1000],
        deadline=insp.deadline,
        status="open",
        created_at=now,
    )
    session.add(f)
    session.flush()
    return f


def add_finding(
    session: Session,
    *,
    actor: Principal,
    inspection_id: int,
    port: str,
    payee: str,
    version: int,
    kind: str,
    item: str | None,
    detail: str,
    deadline: date | None,
    now: datetime,
) -> FeeFinding:
    _require_supervisor(actor, write=True)
    insp = get_inspection(session, actor=actor, inspection_id=inspection_id)
    if insp.status != "open":
        raise Conflict(N_("the inspection is closed"))
    fl, _p = get_list(session, port, payee)
    v = repo.version(session, fl.id, version)
    if v is None:
        raise NotFound(N_("no version %(n)s of that list"), params={"n": version})
    f = FeeFinding(
        inspection_id=insp.id,
        list_id=fl.id,
        version_id=v.id,
        publisher_org_id=fl.publisher_org_id,
        kind=kind[:24],
        item=item.upper() if item else None,
        detail=detail[:1000],
        deadline=deadline or insp.deadline,
        status="open",
        created_at=now,
    )
    session.add(f)
    session.flush()
    return f


def resolve_finding(
    session: Session, *, actor: Principal, finding_id: int, outcome: str, resolution: str, now: datetime
) -> FeeFinding:
    """Rectified (linked to the list's latest version, which must be newer than the finding's) or
    waived (with the reason)."""
    _require_supervisor(actor, write=True)
    f = session.get(FeeFinding, finding_id)
    if f is None:
        raise NotFound(N_("no finding %(id)s"), params={"id": finding_id})
    if f.status != "open":
        raise Conflict(N_("the finding is already %(status)s"), params={"status": f.status})
    if outcome not in ("rectified", "waived"):
        raise InvalidInput(N_("the outcome is rectified or waived"), errors=[FieldError("/outcome", outcome)])
    if outcome == "rectified":
        fl = session.get(FeeList, f.list_id)
        assert fl is not None
        latest = repo.version(session, fl.id, fl.current)
        found = session.get(FeeVersion, f.version_id) if f.version_id else None
        if latest is None or (found is not None and latest.number <= found.number):
            raise Conflict(N_("no newer version of the list was published since the finding"))
        f.resolved_version_id = latest.id
    elif not resolution.strip():
        raise InvalidInput(N_("a waiver needs its reason"), errors=[FieldError("/resolution", "empty")])
    f.status, f.resolved_at, f.resolution = outcome, now, resolution[:1000]
    session.flush()
    return f


def close_inspection(
    session: Session, *, actor: Principal, inspection_id: int, now: datetime
) -> FeeInspection:
    _require_supervisor(actor, write=True)
    insp = get_inspection(session, actor=actor, inspection_id=inspection_id)
    if insp.status != "open":
        raise Conflict(N_("the inspection is closed"))
    still = [f.id for f in findings_of(session, insp.id) if f.status == "open"]
    if still:
        raise Conflict(
            N_("%(n)s finding(s) are still open"), params={"n": len(still)}, extra={"open_findings": still}
        )
    insp.status, insp.closed_at, insp.closed_by = "closed", now, who(actor)[:200]
    session.flush()
    return insp


def get_inspection(session: Session, *, actor: Principal, inspection_id: int) -> FeeInspection:
    _require_supervisor(actor)
    insp = session.get(FeeInspection, inspection_id)
    if insp is None:
        raise NotFound(N_("no inspection %(id)s"), params={"id": inspection_id})
    return insp


def inspections(session: Session, *, actor: Principal) -> list[FeeInspection]:
    _require_supervisor(actor)
    return list(session.scalars(select(FeeInspection).order_by(FeeInspection.id.desc())))


def findings_of(session: Session, inspection_id: int) -> list[FeeFinding]:
    return list(
        session.scalars(
            select(FeeFinding).where(FeeFinding.inspection_id == inspection_id).order_by(FeeFinding.id)
        )
    )


def is_overdue(f: FeeFinding, on: date) -> bool:
    return f.status == "open" and f.deadline < on


def band_rows(session: Session, version_id: int) -> list[FeeBand]:
    return list(
        session.scalars(select(FeeBand).where(FeeBand.version_id == version_id).order_by(FeeBand.seq))
    )
