"""Create the demo organisations and people for the Liaoning ports. Idempotent.

The USCCs are synthetic: valid check characters (GB 32100-2015) on made-up registration numbers,
so that validation passes without naming a real company.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from stdnum.cn import uscc as uscc_mod

from kouan.clearance import figures
from kouan.db.session import transaction
from kouan.demo import generator
from kouan.events import service as events_service
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service
from kouan.partners.domain import OrgKind, Principal, Role, system

DEMO_PASSWORD = "kouan-demo-2022"


def synthetic_uscc(region: str, serial: int) -> str:
    """A valid-looking USCC: 9 (industry & commerce) 1 (enterprise) + 6-digit region + serial."""
    body = f"91{region}{serial:09d}"[:17]
    return body + uscc_mod.calc_check_digit(body)


@dataclass(frozen=True)
class DemoOrg:
    code: str
    name: str
    name_en: str
    kind: OrgKind
    province: str | None = "CN-LN"
    customs_district: str | None = None
    home_port: str | None = None
    uscc_serial: int | None = None
    region: str = "210200"  # Dalian
    credit_rating: str | None = None
    carrier_codes: tuple[str, ...] = ()  # a shipping line's: it also gets the demo fleet


@dataclass(frozen=True)
class DemoPerson:
    org_code: str
    username: str
    display_name: str
    role: Role


ORGS: tuple[DemoOrg, ...] = (
    DemoOrg("LNPO", "辽宁省口岸办公室", "Liaoning Port Office", OrgKind.PORT_OFFICE, region="210100"),
    DemoOrg("DLCUS", "大连海关", "Dalian Customs", OrgKind.CUSTOMS, customs_district="0900"),
    DemoOrg("SYCUS", "沈阳海关", "Shenyang Customs", OrgKind.CUSTOMS, customs_district="0800"),
    DemoOrg("DCT", "大连集装箱码头有限公司", "Dalian Container Terminal", OrgKind.TERMINAL,
            customs_district="0900", home_port="CNDAL", uscc_serial=100000101),
    DemoOrg("YKCT", "营口集装箱码头有限公司", "Yingkou Container Terminal", OrgKind.TERMINAL,
            customs_district="0900", home_port="CNYIK", uscc_serial=100000102, region="210800"),
    DemoOrg("JZPT", "锦州港股份有限公司", "Jinzhou Port", OrgKind.TERMINAL,
            customs_district="0900", home_port="CNJNZ", uscc_serial=100000103, region="210700"),
    DemoOrg("DDPT", "丹东港集团有限公司", "Dandong Port", OrgKind.TERMINAL,
            customs_district="0900", home_port="CNDDG", uscc_serial=100000104, region="210600"),
    DemoOrg("COSCO", "中远海运集装箱运输有限公司大连分公司", "COSCO Shipping Lines (Dalian)",
            OrgKind.SHIPPING_LINE, home_port="CNDAL", uscc_serial=100000105, carrier_codes=("COSU",)),
    DemoOrg("CRCT", "中铁集装箱运输有限责任公司沈阳分公司", "China Railway Container (Shenyang)",
            OrgKind.RAIL_OPERATOR, customs_district="0800", home_port="CNSHY",
            uscc_serial=100000106, region="210100"),
    DemoOrg("LNTRADE", "辽宁海润进出口贸易有限公司", "Liaoning Hairun Import & Export", OrgKind.TRADER,
            customs_district="0900", uscc_serial=100000107, credit_rating="advanced"),
    DemoOrg("DLBROKER", "大连通达报关有限公司", "Dalian Tongda Customs Brokerage", OrgKind.BROKER,
            customs_district="0900", uscc_serial=100000108, credit_rating="general"),
    DemoOrg("DLTALLY", "大连外轮理货有限公司", "Dalian Ocean Shipping Tally", OrgKind.FEE_PUBLISHER,
            home_port="CNDAL", uscc_serial=100000109),
    DemoOrg("SINOSURE", "中国出口信用保险公司辽宁分公司", "Sinosure Liaoning Branch", OrgKind.INSURER,
            uscc_serial=100000110, region="210100"),
    DemoOrg("LNCOM", "辽宁省商务厅", "Liaoning Department of Commerce", OrgKind.COMMERCE_BUREAU,
            region="210100"),
    # Shanghai's feeds give the log its second province (the dashboard's and bulletins' comparison).
    DemoOrg("SHCUS", "上海海关", "Shanghai Customs", OrgKind.CUSTOMS, province="CN-SH",
            customs_district="2200", region="310000"),
    DemoOrg("SIPG", "上海国际港务（集团）股份有限公司", "Shanghai International Port Group", OrgKind.TERMINAL,
            province="CN-SH", customs_district="2200", home_port="CNSHA", uscc_serial=100000111,
            region="310000"),
)

PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("LNPO", "port.admin", "王主任 (口岸办)", Role.ADMIN),
    DemoPerson("LNPO", "port.analyst", "刘分析员", Role.VIEWER),
    DemoPerson("DLCUS", "officer.wang", "王关员 (大连海关)", Role.STAFF),
    DemoPerson("DLCUS", "customs.admin", "大连海关管理员", Role.ADMIN),
    DemoPerson("SYCUS", "officer.zhao", "赵关员 (沈阳海关)", Role.STAFF),
    DemoPerson("DCT", "dct.admin", "DCT 系统管理员", Role.ADMIN),
    DemoPerson("COSCO", "cosco.admin", "中远海运管理员", Role.ADMIN),
    DemoPerson("LNTRADE", "trader.chen", "陈经理 (海润贸易)", Role.ADMIN),
    DemoPerson("DLBROKER", "broker.li", "李报关员 (通达报关)", Role.STAFF),
    DemoPerson("DLTALLY", "tally.admin", "理货公司收费管理员", Role.ADMIN),
    DemoPerson("SINOSURE", "sinosure.sun", "孙经理 (中国信保)", Role.STAFF),
    DemoPerson("LNCOM", "commerce.zhou", "周处长 (商务厅)", Role.STAFF),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    display_name: str
    organisation: str
    role: str


def load(session: Session, *, actor: Principal, now: datetime) -> list[DemoLogin]:
    """Create what is missing; leave what exists alone. Returns every demo login."""
    for d in ORGS:
        if partners_repo.get_org_by_code(session, d.code) is None:
            partners_service.create_org(session, actor=actor, now=now, fields=partners_service.OrgFields(
                code=d.code, name=d.name, name_en=d.name_en, kind=d.kind.value,
                uscc=synthetic_uscc(d.region, d.uscc_serial) if d.uscc_serial else None,
                province=d.province, customs_district=d.customs_district, home_port=d.home_port,
                credit_rating=d.credit_rating, carrier_codes=list(d.carrier_codes) or None,
                fleet=demo_fleet() if d.carrier_codes else None,
            ))
    logins = []
    for p in PEOPLE:
        org = partners_repo.get_org_by_code(session, p.org_code)
        assert org is not None
        if partners_repo.get_person_by_username(session, p.username) is None:
            partners_service.create_person(
                session, actor=actor, org_id=org.id, username=p.username,
                display_name=p.display_name, password=DEMO_PASSWORD, role=p.role.value, now=now,
            )
        logins.append(DemoLogin(p.username, DEMO_PASSWORD, p.display_name, org.name, p.role.value))
    figures.load_national_defaults(session, now=now)
    return logins


def demo_fleet(seed: int = 2022) -> list[str]:
    """The vessels the demo's shipping line operates (set as the port office would): the generated
    log's and the portal's calls. Without them its entry declarations would be claims (events.authority)
    and the import clock would start nowhere."""
    return sorted(set(generator.fleet(seed)) | set(generator.fleet(portal_fleet_seed())[:3]))


def portal_fleet_seed() -> int:
    return 9  # demo.portal._calls: the portal's three calls


def _carry_the_fleet(sessions: sessionmaker[Session], seed: int) -> None:
    """Give the demo's shipping lines the vessels of the log generated with ``seed``."""
    with transaction(sessions, actor=system("demo")) as s:
        for d in ORGS:
            org = partners_repo.get_org_by_code(s, d.code) if d.carrier_codes else None
            if org is not None and not set(generator.fleet(seed)) <= set(org.fleet or ()):
                partners_service.update_org(s, actor=system("demo"), org_id=org.id, changes={
                    "fleet": sorted(set(org.fleet or ()) | set(generator.fleet(seed)))})


def load_events(
    sessions: sessionmaker[Session], *, now: datetime, seed: int = 2022, scale: float = 1.0,
    first_month: str = generator.FIRST_MONTH, last_month: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Ingest the generated log as the partners would have sent it (``generator.deliveries``):
    each partner docked at the start of ``first_month`` and sends the week's events every Monday,
    half an hour after midnight Beijing time; this week's so far arrive ``now``. Each send is one
    batch, stored with the time it was received (a year's sends are stored and committed together,
    ``events.service.ingest_many``), so the docking status (events per day, reporting latency,
    docked since) looks as after years of real feeds. Re-running stores nothing new:
    ``(source, event_id)`` makes a re-send a no-op whatever its received time. Returns how many
    events were received."""
    received = 0
    _carry_the_fleet(sessions, seed)
    with sessions() as s:
        org_ids = {o.code: o.id for o in (partners_repo.get_org_by_code(s, d.code) for d in ORGS) if o}
    sends = generator.deliveries(seed=seed, scale=scale, now=now, first_month=first_month,
                                 last_month=last_month)
    for _year, year_sends in itertools.groupby(sends, key=lambda send: send[1][:4]):
        # A year's sends (about 500 batches) are stored together (events.service.ingest_many) and
        # committed once: every send is still its own batch, stored at its own time, but the work
        # a batch does is done once for the year; sent one by one (~80 statements each) the demo
        # took minutes.
        year_sends = list(year_sends)
        with transaction(sessions, actor=system("demo")) as session:
            reports = events_service.ingest_many(session, [
                events_service.Send(source=source, org_id=org_ids.get(source), data=data,
                                    received_at=at, fmt="jsonl")
                for source, _month, at, data in year_sends], channel="demo", actor="demo")
        received += sum(r.received for r in reports)
        if progress:
            progress(year_sends[-1][1], received)
    return received
