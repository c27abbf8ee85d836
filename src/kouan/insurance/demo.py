"""Demo data for the export-credit-insurance channel and the one-stop gathering view. Idempotent.

- three applications to Sinosure (sinosure.sun): trader.chen's (海润贸易, Dalian) issued with a loss
  notice, seafood.wu's (海味食品, Dalian) with the insurer, fruit.liu's (鲜果进出口, Yingkou) over the
  ceiling (not eligible); the commerce bureau (commerce.zhou) sees them by city and month;
- an export booking ``BKDEMO0001`` on a demo vessel's call at Dalian: the carrier's estimated and
  planned times, the terminal's cut-off, actual arrival and two of three boxes gated in, and the
  trader's lodgement; ``BKDEMO0002`` has no declaration (the prompt to declare in advance).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kouan.events import service as events_service
from kouan.insurance import service
from kouan.insurance.models import InsuranceApplication
from kouan.kit.ids import iso6346_check_digit
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service

TRADER, INSURER, INSURER_CODE = "trader.chen", "sinosure.sun", "SINOSURE"
BOOKING, OPEN_BOOKING = "BKDEMO0001", "BKDEMO0002"


def _principal(session: Session, username: str):  # type: ignore[no-untyped-def]
    person = partners_repo.get_person_by_username(session, username)
    return None if person is None else partners_service.principal_for_person(session, person)


def _fields(value: str, buyers: list[tuple[str, str, str, str]], product: str) -> service.ApplicationFields:
    return service.ApplicationFields(
        insurer=INSURER_CODE,
        contact_name="陈经理",
        contact_phone="0411-8266 0001",
        contact_email="chen@hairun.example.cn",
        export_value_usd=Decimal(value),
        value_reason="含经代理出口的货值 (exports through an agent included)",
        product=product,
        consent=True,
        buyers=[
            service.Buyer(name=n, country=c, payment_terms=t, requested_usd=Decimal(r))
            for n, c, t, r in buyers
        ],
    )


# Two more small exporters, so the commerce bureau's figures have two cities.
EXPORTERS = (
    (
        "DLSEAFOOD",
        "大连海味食品有限公司",
        "Dalian Haiwei Foods",
        "210200",
        100000201,
        "seafood.wu",
        "吴经理 (海味食品)",
    ),
    (
        "YKFRUIT",
        "营口鲜果进出口有限公司",
        "Yingkou Fresh Fruit I&E",
        "210800",
        100000202,
        "fruit.liu",
        "刘经理 (鲜果进出口)",
    ),
)


def _exporters(session: Session, *, actor, now: datetime, password: str) -> None:  # type: ignore[no-untyped-def]
    from kouan.demo.service import synthetic_uscc

    for code, name, name_en, region, serial, username, display in EXPORTERS:
        org = partners_repo.get_org_by_code(session, code)
        if org is None:
            org = partners_service.create_org(
                session,
                actor=actor,
                now=now,
                fields=partners_service.OrgFields(
                    code=code,
                    name=name,
                    name_en=name_en,
                    kind="trader",
                    uscc=synthetic_uscc(region, serial),
                    province="CN-LN",
                    customs_district="0900",
                ),
            )
        if partners_repo.get_person_by_username(session, username) is None:
            partners_service.create_person(
                session,
                actor=actor,
                org_id=org.id,
                username=username,
                display_name=display,
                password=password,
                role="admin",
                now=now,
            )


def load_applications(session: Session, *, actor, now: datetime, password: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The demo applications (once): issued with a loss notice, with the insurer, not eligible."""
    _exporters(session, actor=actor, now=now, password=password)
    trader, insurer = _principal(session, TRADER), _principal(session, INSURER)
    seafood, fruit = _principal(session, "seafood.wu"), _principal(session, "fruit.liu")
    if None in (trader, insurer, seafood, fruit):
        return []
    if session.scalar(select(func.count()).select_from(InsuranceApplication)):
        return []
    issued = service.submit(
        session,
        actor=trader,
        now=now - timedelta(days=40),
        fields=_fields(
            "1850000",
            [("Tanaka Trading Co., Ltd.", "JP", "OA", "150000"), ("Busan Foods Inc.", "KR", "DA", "80000")],
            "冷冻海产品 frozen seafood",
        ),
    )
    service.issue(
        session,
        actor=insurer,
        reference=issued.reference,
        policy_number="SINO-LN-2026-000317",
        cover_usd=[Decimal("150000"), Decimal("60000")],
        now=now - timedelta(days=35),
    )
    service.notify_loss(
        session,
        actor=trader,
        reference=issued.reference,
        now=now - timedelta(days=2),
        fields=service.LossFields(
            buyer="Tanaka Trading Co., Ltd.",
            amount_usd=Decimal("42000"),
            due_date=(now - timedelta(days=20)).date(),
            cause="default",
            description="货款逾期 20 天未付 (20 days overdue)",
        ),
    )
    waiting = service.submit(
        session,
        actor=seafood,
        now=now - timedelta(hours=5),
        fields=_fields("920000", [("Vladivostok Retail LLC", "RU", "LC", "100000")], "海参 sea cucumber"),
    )
    over = service.submit(
        session,
        actor=fruit,
        now=now - timedelta(days=3),
        fields=_fields("3600000", [("Hamburg Import GmbH", "DE", "OA", "200000")], "苹果 apples"),
    )
    return [issued.reference, waiting.reference, over.reference]


def _box(serial: int) -> str:
    prefix = f"HRNU{serial:06d}"
    return prefix + str(iso6346_check_digit(prefix))


def load_booking(session: Session, *, now: datetime, imo: str) -> str | None:
    """The demo export booking's partner events (entitled: the carrier operates ``imo``)."""
    from kouan.consignments import repository as consignments_repo

    if consignments_repo.member_consignment(session, BOOKING) is not None:
        return None
    call = f"{imo}/{now:%y%m}W/CNDAL"
    t0 = now.replace(minute=0, second=0, microsecond=0)

    def ev(eid: str, milestone: str, hours: float, classifier: str = "ACT", **refs) -> dict:  # type: ignore[no-untyped-def]
        return {
            "event_id": f"demo-eci-{eid}",
            "milestone": milestone,
            "classifier": classifier,
            "occurred_at": (t0 + timedelta(hours=hours)).isoformat(),
            "port": "CNDAL",
            "direction": "E",
            "refs": refs,
        }

    boxes = [_box(n) for n in (1, 2, 3)]
    sends = {
        "COSCO": [
            ev("arr-est", "TRANSPORT_ARRIVED", 20, "EST", transport_call=call),
            ev("arr-pln", "TRANSPORT_ARRIVED", 22, "PLN", transport_call=call),
            ev("dep-est", "TRANSPORT_DEPARTED", 40, "EST", transport_call=call),
            ev("dep-pln", "TRANSPORT_DEPARTED", 42, "PLN", transport_call=call),
            ev(
                "mf-1",
                "MANIFEST_FILED",
                -30,
                bill_of_lading="COSU7100000001",
                booking=BOOKING,
                transport_call=call,
                container=boxes,
            ),
            ev(
                "mf-2",
                "MANIFEST_FILED",
                -30,
                bill_of_lading="COSU7100000002",
                booking=OPEN_BOOKING,
                transport_call=call,
                container=[_box(9)],
            ),
        ],
        "DCT": [
            ev("cutoff", "CARGO_CUTOFF", 12, "PLN", transport_call=call),
            ev("gtin-1", "GOODS_ARRIVED_AT_PORT", -6, container=boxes[0]),
            ev("gtin-2", "GOODS_ARRIVED_AT_PORT", -3, container=boxes[1]),
        ],
        "LNTRADE": [ev("decl", "DECLARATION_LODGED", -20, declaration="090020261000900001", booking=BOOKING)],
    }
    for source, events in sends.items():
        org = partners_repo.get_org_by_code(session, source)
        data = ("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n").encode()
        events_service.ingest(
            session,
            source=source,
            org_id=org.id if org else None,
            data=data,
            fmt="jsonl",
            channel="demo",
            now=now,
            actor="demo",
        )
    return BOOKING
