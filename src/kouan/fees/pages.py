"""Fee pages: public search, a port's printable list, an item's history, the estimate form and the
Atom change feed (no login); the publisher's own lists (upload the template, edit a list); the port
office's supervision. Thin: the same service functions as ``api.py``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kouan.fees import domain, repository, service
from kouan.fees.api import rules
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.errors import N_, FieldError, Forbidden, InvalidInput, KouanError
from kouan.ports.models import Port
from kouan.web import csrf, i18n
from kouan.web.deps import DbSession, PagePrincipal, load_person_principal
from kouan.web.inputs import Id
from kouan.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)

UNITS = {
    "container": N_("per container"),
    "container_day": N_("per container-day"),
    "declaration": N_("per declaration (票)"),
    "voyage": N_("per voyage"),
    "net_ton": N_("per net ton"),
    "ton_or_freight_ton": N_("per ton or freight ton, whichever greater"),
    "m3": N_("per cubic metre"),
}
REGIMES = {"government": N_("government-set"), "guided": N_("government-guided"), "market": N_("market-set")}
KINDS = {
    "terminal": N_("terminal"),
    "pilot_station": N_("pilot station"),
    "tug_company": N_("tug company"),
    "tally": N_("tally"),
    "customs_broker": N_("customs broker"),
    "forwarder": N_("forwarder"),
    "carrier": N_("carrier"),
    "port_authority": N_("port authority"),
    "other": N_("other"),
}
TRADES = {
    "foreign": N_("foreign trade"),
    "domestic": N_("domestic trade"),
    "transhipment": N_("transhipment"),
}
CHANGES = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}
BOX_ROWS = 3


def _words(request: Request) -> dict[str, Any]:
    return {
        "units": UNITS,
        "regimes": REGIMES,
        "kinds": KINDS,
        "trades": TRADES,
        "change_words": CHANGES,
        "rate_text": domain.text_of,
    }


def _on(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else service.today()
    except ValueError:
        raise InvalidInput(
            N_("the date must be like 2022-03-15"), errors=[FieldError("on", "not a date", value)]
        ) from None


def _fee_ports(session: DbSession) -> list[Port]:
    codes = repository.ports_with_lists(session)
    return [p for p in (session.get(Port, c) for c in codes) if p is not None]


def port_name(p: Port | None, locale: str) -> str:
    if p is None:
        return ""
    return (p.name_zh or p.name) if locale == "zh_CN" else p.name


@router.get("/fees")
def fees_index(request: Request, session: DbSession):
    load_person_principal(request, session)
    qp = request.query_params
    on = _on(qp.get("on"))
    port = (qp.get("port") or "").upper() or None
    payee = (qp.get("payee") or "").strip().upper() or None
    q = (qp.get("q") or "").strip()[:100] or None
    found = service.search(session, on=on, port=port, payee=payee, q=q) if (port or payee or q) else []
    ports = _fee_ports(session)
    return render(
        request,
        "fees/index.html",
        {
            **_words(request),
            "ports": ports,
            "found": found,
            "on": on,
            "port": port or "",
            "payee": payee or "",
            "q": q or "",
            "searched": bool(port or payee or q),
            "port_name": lambda p: port_name(p, locale_of(request)),
            "ports_by_code": {p.locode: p for p in ports},
        },
    )


@router.get("/fees/changes.atom")
def fees_atom(request: Request, session: DbSession):
    """The change feed as Atom (RFC 4287): one entry per published version, newest first."""
    port = (request.query_params.get("port") or "").upper() or None
    found = service.changes(session, since=service.since_of_date(date(2000, 1, 1)), port=port, limit=100)
    base = str(request.base_url).rstrip("/")
    updated = max((v.published_at for v, _fl, _p in found), default=datetime(2022, 1, 1, tzinfo=CHINA_TZ))
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"<title>{escape('口岸收费公示变更 Port-fee list changes' + (' ' + port if port else ''))}</title>",
        f"<id>{escape(base)}/fees/changes.atom{escape('?port=' + port) if port else ''}</id>",
        f'<link rel="self" type="application/atom+xml" href="{escape(base)}/fees/changes.atom"/>',
        f'<link rel="alternate" type="text/html" href="{escape(base)}/fees"/>',
        f"<updated>{updated.isoformat()}</updated>",
        "<author><name>Kouan 口岸</name></author>",
    ]
    for v, fl, p in found:
        href = f"{base}/fees/{fl.port}?on={v.effective_from.isoformat()}"
        out += [
            "<entry>",
            "<title>"
            + escape(f"{fl.port} {p.name_zh} ({p.code}) v{v.number}, from {v.effective_from}")
            + "</title>",
            f"<id>tag:kouan,{v.published_at.date().isoformat()}:fees/{fl.port}/{p.code}/{v.number}</id>",
            f'<link rel="alternate" type="text/html" href="{escape(href)}"/>',
            f"<updated>{v.published_at.isoformat()}</updated>",
            f"<published>{v.published_at.isoformat()}</published>",
            f"<author><name>{escape(v.published_by)}</name></author>",
            f'<summary type="text">{escape(domain.diff_text(v.diff))}</summary>',
            "</entry>",
        ]
    out.append("</feed>")
    return Response("\n".join(out), media_type="application/atom+xml; charset=utf-8")


@router.get("/fees/estimate")
def estimate_form(request: Request, session: DbSession):
    load_person_principal(request, session)
    return _estimate_page(
        request,
        session,
        {
            "port": "CNDAL",
            "trade": "foreign",
            "direction": "I",
            "on": service.today().isoformat(),
            "declarations": "1",
        },
        None,
        [],
    )


def _estimate_page(
    request: Request,
    session: DbSession,
    form: dict[str, str],
    result: Any,
    errors: list[FieldError],
    status: int = 200,
):  # type: ignore[no-untyped-def]
    boxes = [
        {k: form.get(f"{k}_{i}", "") for k in ("size", "type", "full", "count", "days")}
        for i in range(BOX_ROWS)
    ]
    if not any(b["size"] for b in boxes):
        boxes[0].update(size="40", type="GP", full="true", count="2", days="23")
    locale = locale_of(request)

    def say(a: domain.Absent) -> str:
        words = i18n.gettext(locale, a.template)
        try:
            return words % a.params
        except (KeyError, ValueError, TypeError):
            return a.reason

    return render(
        request,
        "fees/estimate.html",
        {
            **_words(request),
            "form": form,
            "boxes": boxes,
            "result": result,
            "errors": errors,
            "ports": _fee_ports(session),
            "say_absent": say,
            "port_name": lambda p: port_name(p, locale),
        },
        status=status,
    )


def _number(form: dict[str, str], key: str, errors: list[FieldError], *, decimal: bool = False) -> Any:
    raw = form.get(key, "").strip()
    if not raw:
        return Decimal(0) if decimal else 0
    try:
        value = Decimal(raw) if decimal else int(raw)
        if value < 0 or value > 10_000_000:
            raise ValueError
        return value
    except (ValueError, InvalidOperation):
        errors.append(FieldError(key, N_("must be a number of 0 or more"), raw))
        return Decimal(0) if decimal else 0


@router.post("/fees/estimate")
async def estimate_post(request: Request, session: DbSession):
    load_person_principal(request, session)
    raw = await request.form()
    form = {k: str(v)[:100] for k, v in raw.items()}
    csrf.verify(request, form.get("csrf_token"))
    errors: list[FieldError] = []
    port = form.get("port", "").upper()
    if not domain.LOCODE.fullmatch(port):
        errors.append(FieldError("port", N_("must be a UN/LOCODE such as CNDAL"), port))
    trade = form.get("trade", "foreign")
    direction = form.get("direction", "I")
    if trade not in domain.TRADES:
        errors.append(FieldError("trade", N_("choose a trade"), trade))
    if direction not in domain.DIRECTIONS:
        errors.append(FieldError("direction", N_("choose a direction"), direction))
    try:
        on = date.fromisoformat(form.get("on", ""))
    except ValueError:
        errors.append(FieldError("on", N_("the date must be like 2022-03-15"), form.get("on")))
        on = service.today()
    boxes = []
    for i in range(BOX_ROWS):
        size = form.get(f"size_{i}", "")
        if not size:
            continue
        ctype = form.get(f"type_{i}", "GP").upper() or "GP"
        if size not in domain.SIZES:
            errors.append(FieldError(f"size_{i}", N_("must be 20, 40 or 45"), size))
        if not domain.TYPE_GROUP.fullmatch(ctype):
            errors.append(
                FieldError(f"type_{i}", N_("must be an ISO 6346 type group such as GP, HC or RF"), ctype)
            )
        count = _number(form, f"count_{i}", errors) or 1
        days_raw = form.get(f"days_{i}", "").strip()
        days = _number(form, f"days_{i}", errors) if days_raw else None
        boxes.append(domain.Boxes(size, ctype, form.get(f"full_{i}", "true") == "true", count, days))
    shipment = domain.Shipment(
        port=port,
        trade=trade,
        direction=direction,
        on=on,
        declarations=_number(form, "declarations", errors),
        containers=tuple(boxes),
        voyages=_number(form, "voyages", errors),
        net_tons=_number(form, "net_tons", errors, decimal=True),
        cargo_tons=_number(form, "cargo_tons", errors, decimal=True),
        cargo_m3=_number(form, "cargo_m3", errors, decimal=True),
        exclude=frozenset(form.get("exclude", "").upper().replace(",", " ").split()),
    )
    if errors:
        return _estimate_page(request, session, form, None, errors, status=422)
    return _estimate_page(request, session, form, service.estimate(session, shipment), [])


# --- the publisher's pages ------------------------------------------------------------------------------


def _own_lists(session: DbSession, principal: PagePrincipal) -> list[Any]:
    return repository.lists(session, publisher_org_id=principal.org_id)


@router.get("/fees/publish")
def publish_home(request: Request, session: DbSession, principal: PagePrincipal):
    return _publish_page(request, session, principal, None, [])


def _publish_page(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    report: Any,
    errors: list[FieldError],
    status: int = 200,
):  # type: ignore[no-untyped-def]
    return render(
        request,
        "fees/publish.html",
        {
            **_words(request),
            "lists": _own_lists(session, principal),
            "payees": service.payees_of(session, principal.org_id),  # type: ignore[arg-type]
            "report": report,
            "errors": errors,
            "template": ",".join(domain.TEMPLATE),
        },
        status=status,
    )


@router.post("/fees/publish/import")
async def publish_import(request: Request, session: DbSession, principal: PagePrincipal):
    raw = await request.form()
    csrf.verify(request, str(raw.get("csrf_token", "")))
    upload = raw.get("file")
    data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    name = getattr(upload, "filename", "") or ""
    try:
        report = service.import_table(
            session,
            actor=principal,
            publisher_org_id=principal.org_id,  # type: ignore[arg-type]
            data=data,
            excel=name.lower().endswith(".xlsx") or data[:2] == b"PK",
            note=str(raw.get("note", ""))[:500],
            source="import",
            now=utcnow(),
        )
    except InvalidInput as refused:
        session.rollback()
        return _publish_page(
            request,
            session,
            principal,
            None,
            [FieldError(e.pointer, e.detail, e.value) for e in refused.errors]
            or [FieldError("file", refused.detail)],
            status=422,
        )
    return _publish_page(request, session, principal, report, [])


def _editable(session: DbSession, principal: PagePrincipal, port: str, payee: str):  # type: ignore[no-untyped-def]
    fl, p = service.get_list(session, port, payee)
    if p.publisher_org_id != principal.org_id:
        raise Forbidden(N_("a fee publisher changes only its own lists"))
    v = repository.version(session, fl.id, fl.current)
    bands = repository.bands_of(session, [v.id])[v.id] if v else ()
    return fl, p, v, bands


@router.get("/fees/publish/{port}/{payee}")
def edit_list(port: str, payee: str, request: Request, session: DbSession, principal: PagePrincipal):
    fl, p, v, bands = _editable(session, principal, port, payee)
    return render(
        request,
        "fees/edit.html",
        {
            **_words(request),
            "fl": fl,
            "payee": p,
            "v": v,
            "bands": bands,
            "errors": [],
            "today": service.today(),
        },
    )


@router.post("/fees/publish/{port}/{payee}")
async def save_list(port: str, payee: str, request: Request, session: DbSession, principal: PagePrincipal):
    """The edited list: each band's new rate, the bands ticked for removal, one new band; a new version."""
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items()}
    csrf.verify(request, form.get("csrf_token"))
    fl, p, v, bands = _editable(session, principal, port, payee)
    rows: list[dict[str, Any]] = []
    for i, b in enumerate(bands):
        if form.get(f"remove_{i}"):
            continue
        row: dict[str, Any] = b.as_row()
        row["rate"] = form.get(f"rate_{i}", row["rate"]).strip()
        rows.append(row)
    if form.get("new_item", "").strip():
        rows.append(
            {c: form.get(f"new_{c}", "").strip() for c in domain.TEMPLATE}
            | {"item": form["new_item"].strip()}
        )
    try:
        effective = date.fromisoformat(form.get("effective_from", ""))
        new_bands = service.bands_from_rows(fl.port, p.code, effective, rows)
        service.publish(
            session,
            actor=principal,
            payee=p,
            port=fl.port,
            effective_from=effective,
            bands=new_bands,
            source="page",
            note=form.get("note", "")[:500],
            now=utcnow(),
        )
    except (ValueError, KouanError) as refused:
        errors = (
            refused.errors
            if isinstance(refused, InvalidInput) and refused.errors
            else [FieldError("effective_from", N_("the date must be like 2022-03-15"))]
            if isinstance(refused, ValueError)
            else [FieldError("", refused.detail)]
        )
        session.rollback()
        return render(
            request,
            "fees/edit.html",
            {
                **_words(request),
                "fl": fl,
                "payee": p,
                "v": v,
                "bands": bands,
                "errors": errors,
                "today": service.today(),
            },
            status=422,
        )
    return RedirectResponse("/fees/publish", status_code=303)


# --- supervision ---------------------------------------------------------------------------


@router.get("/fees/supervision")
def supervision_page(request: Request, session: DbSession, principal: PagePrincipal):
    return _supervision(request, session, principal, [])


def _supervision(
    request: Request,
    session: DbSession,
    principal: PagePrincipal,
    errors: list[FieldError],
    status: int = 200,
):  # type: ignore[no-untyped-def]
    on = _on(request.query_params.get("on"))
    checks = service.overview(session, actor=principal, rules=rules(request), on=on)
    rounds = [(i, service.findings_of(session, i.id)) for i in service.inspections(session, actor=principal)]
    return render(
        request,
        "fees/supervision.html",
        {
            **_words(request),
            "checks": checks,
            "rounds": rounds,
            "on": on,
            "overdue": service.is_overdue,
            "errors": errors,
            "ports": sorted({c.port for c in checks}),
        },
        status=status,
    )


async def _supervision_form(request: Request) -> dict[str, str]:
    raw = await request.form()
    form = {k: str(v)[:1000] for k, v in raw.items()}
    csrf.verify(request, form.get("csrf_token"))
    return form


def _refused(request: Request, session: DbSession, principal: PagePrincipal, refused: KouanError):  # type: ignore[no-untyped-def]
    session.rollback()
    translate = i18n.translations(locale_of(request)).gettext
    errors = [FieldError(e.pointer, e.detail) for e in refused.errors] or [
        FieldError("", refused.say(translate))
    ]
    return _supervision(request, session, principal, errors, status=refused.status)


@router.post("/fees/supervision/inspections")
async def open_inspection(request: Request, session: DbSession, principal: PagePrincipal):
    """Open an inspection round over the ports ticked; its findings come from the checks."""
    raw = await request.form()
    csrf.verify(request, str(raw.get("csrf_token", "")))
    ports = [str(p) for p in raw.getlist("ports")]
    try:
        deadline = date.fromisoformat(str(raw.get("deadline", "")))
    except ValueError:
        return _supervision(
            request,
            session,
            principal,
            [FieldError("deadline", N_("the date must be like 2022-03-15"))],
            status=422,
        )
    try:
        service.open_inspection(
            session,
            actor=principal,
            rules=rules(request),
            title=str(raw.get("title", ""))[:200] or "督导检查",
            ports=ports,
            payees=[],
            deadline=deadline,
            on=service.today(),
            now=utcnow(),
        )
    except KouanError as refused:
        return _refused(request, session, principal, refused)
    return RedirectResponse("/fees/supervision", status_code=303)


@router.post("/fees/supervision/findings/{finding_id}")
async def resolve_finding(finding_id: Id, request: Request, session: DbSession, principal: PagePrincipal):
    form = await _supervision_form(request)
    try:
        service.resolve_finding(
            session,
            actor=principal,
            finding_id=finding_id,
            outcome=form.get("outcome", ""),
            resolution=form.get("resolution", ""),
            now=utcnow(),
        )
    except KouanError as refused:
        return _refused(request, session, principal, refused)
    return RedirectResponse("/fees/supervision", status_code=303)


@router.post("/fees/supervision/inspections/{inspection_id}/close")
async def close_inspection(inspection_id: Id, request: Request, session: DbSession, principal: PagePrincipal):
    await _supervision_form(request)
    try:
        service.close_inspection(session, actor=principal, inspection_id=inspection_id, now=utcnow())
    except KouanError as refused:
        return _refused(request, session, principal, refused)
    return RedirectResponse("/fees/supervision", status_code=303)


# --- last: the catch-all public paths (after /fees/publish, /fees/supervision, /fees/estimate) ---


@router.get("/fees/{port}")
def port_list(port: str, request: Request, session: DbSession):
    """A port's lists in force on a day, printable."""
    load_person_principal(request, session)
    port = port.upper()
    on = _on(request.query_params.get("on"))
    p = session.get(Port, port)
    found = repository.in_force(session, on=on, port=port)
    return render(
        request,
        "fees/port.html",
        {
            **_words(request),
            "port": port,
            "port_row": p,
            "on": on,
            "found": found,
            "name": port_name(p, locale_of(request)),
        },
    )


@router.get("/fees/{port}/{payee}/{item}")
def item_page(port: str, payee: str, item: str, request: Request, session: DbSession):
    load_person_principal(request, session)
    fl, p, hist = service.item_history(session, port=port, payee=payee, item=item)
    return render(
        request,
        "fees/item.html",
        {**_words(request), "fl": fl, "payee": p, "item": item.upper(), "history": list(reversed(hist))},
    )
