"""Demo fee lists for the six Liaoning seaports (Dalian, Dandong, Jinzhou, Yingkou, Panjin, Huludao),
with a change history, loaded by ``kouan demo``.

The rates are the public examples of business-rules.md section 2.1 (the Hubei Single Window's
口岸收费公示 page: tally, brokerage, booking, document fees, seals, demurrage tiers, fumigation),
applied to each port as examples, and Dalian's pilotage after the 2022 notice's 10% cut (CNY 41,650;
the rate before it is derived as 41,650 / 0.9). They are not any port's actual tariff. Version 1 of
every list takes effect on 2021-07-01; version 2 on 2022-04-01 follows the 2022 MoT/NDRC notice
(the pilotage cut) and shows other kinds of change (an item added, a rate lowered within its
published range, an item withdrawn). Panjin's carrier lists no demurrage, so the supervision page
has a completeness gap to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from kouan.fees import service
from kouan.fees.domain import Band, PayeeKind, Regime, Unit
from kouan.fees.repository import payee_by_code
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service
from kouan.partners.domain import OrgKind, Principal, system

ACTOR = system("demo")
V1, V2 = date(2021, 7, 1), date(2022, 4, 1)
V1_AT = datetime(2021, 6, 25, 2, 0, tzinfo=UTC)
V2_AT = datetime(2022, 3, 25, 2, 0, tzinfo=UTC)
BASIS = "港口收费计费办法（交水规〔2019〕2号）"
NOTICE_2022 = "交通运输部 国家发展改革委 2022 年港口收费通知（2022-04-01 起）"


@dataclass(frozen=True)
class DemoPort:
    locode: str
    prefix: str
    city: str
    city_en: str
    region: str  # for the publisher's synthetic USCC


PORTS = (
    DemoPort("CNDAL", "DL", "大连", "Dalian", "210200"),
    DemoPort("CNDDG", "DD", "丹东", "Dandong", "210600"),
    DemoPort("CNJNZ", "JZ", "锦州", "Jinzhou", "210700"),
    DemoPort("CNYIK", "YK", "营口", "Yingkou", "210800"),
    DemoPort("CNPAJ", "PJ", "盘锦", "Panjin", "211100"),
    DemoPort("CNHUD", "HLD", "葫芦岛", "Huludao", "211400"),
)


def _b(
    item: str,
    zh: str,
    en: str,
    unit: Unit,
    rate: str | int,
    *,
    regime: Regime = Regime.MARKET,
    basis: str = "",
    **kw,
) -> Band:  # type: ignore[no-untyped-def]
    return Band(
        item=item,
        name_zh=zh,
        name_en=en,
        regime=regime,
        unit=unit,
        rate=Decimal(str(rate)),
        legal_basis=basis,
        **kw,
    )


def _per_size(item: str, zh: str, en: str, r20: int | str, r40: int | str, **kw) -> list[Band]:  # type: ignore[no-untyped-def]
    return [
        _b(item, zh, en, Unit.CONTAINER, r20, size="20", **kw),
        _b(item, zh, en, Unit.CONTAINER, r40, size="40", **kw),
    ]


def tally(with_breakbulk: bool) -> list[Band]:
    out = []
    for trade, (r20, r40) in (("foreign", (14, 28)), ("domestic", (10, 20)), ("transhipment", (7, 14))):
        out += _per_size("TALLY", "理箱", "Container tally", r20, r40, trade=trade)
    out.append(_b("TALLY_DOCS", "理货单证费", "Tally documents", Unit.VOYAGE, 193))
    out.append(_b("PACKING_TALLY", "装箱理货", "Stuffing tally (on-site box)", Unit.CONTAINER, 38))
    if with_breakbulk:
        out.append(_b("BB_TALLY", "件杂货理货", "Break-bulk tally", Unit.TON_OR_FREIGHT_TON, 2))
    return out


def broker(inspection_agency: int) -> list[Band]:
    return [
        _b("BROKERAGE", "报关服务费", "Customs brokerage", Unit.DECLARATION, 190, direction="E"),
        _b("BROKERAGE", "报关服务费", "Customs brokerage", Unit.DECLARATION, 200, direction="I"),
        _b("INSPECTION_AGENCY", "查验代理", "Inspection attendance", Unit.DECLARATION, inspection_agency),
    ]


def forwarder() -> list[Band]:
    return _per_size("BOOKING", "订舱费", "Booking", 200, 400, direction="E") + _per_size(
        "DO_EXCHANGE", "换单费", "Delivery-order exchange", 200, 400, direction="I"
    )


def carrier(*, demurrage: bool, doc_fee: int = 450, eir: bool = True) -> list[Band]:
    out = [
        _b("DOC_FEE", "文件费", "Documentation", Unit.DECLARATION, doc_fee),
        _b("SEAL", "铅封", "Seal", Unit.CONTAINER, 30),
    ]
    if eir:
        out.append(_b("EIR", "设备单", "Equipment interchange receipt", Unit.CONTAINER, 30))
    if demurrage:
        tiers = {("GP", "20"): (85, 170, 340), ("GP", "40"): (170, 340, 680), ("HC", "40"): (190, 380, 760)}
        for (ctype, size), rates in tiers.items():
            for (lo, hi), rate in zip(((8, 14), (15, 21), (22, None)), rates, strict=True):
                out.append(
                    _b(
                        "DEMURRAGE",
                        "滞箱费",
                        "Container demurrage",
                        Unit.CONTAINER_DAY,
                        rate,
                        size=size,
                        type=ctype,
                        free_days=7,
                        day_from=lo,
                        day_to=hi,
                    )
                )
    return out


def fumigation() -> list[Band]:
    return (
        _per_size("FUMIGATION", "熏蒸费", "Fumigation", 180, 360)
        + [_b("TENT_FUMIGATION", "帐幕熏蒸", "Tent fumigation", Unit.M3, "10.8")]
        + _per_size("DISINFECTION", "消毒费", "Disinfection", 18, 36)
    )


def pilotage(rate: str, basis: str) -> list[Band]:
    return [
        _b(
            "PILOTAGE",
            "引航费（≤10海里，>12万净吨）",
            "Pilotage (≤10 nm, >120,000 NT)",
            Unit.VOYAGE,
            rate,
            regime=Regime.GUIDED,
            trade="foreign",
            basis=basis,
        )
    ]


def _lists(p: DemoPort) -> list[tuple[str, str, str, PayeeKind, list[Band], list[Band] | None, str]]:
    """(payee code, name zh, name en, kind, version 1, version 2 or None, note of version 2)."""
    x = p.prefix
    out = [
        (
            f"{x}BROKER",
            f"{p.city}通达报关（演示）",
            f"{p.city_en} customs broker (demo)",
            PayeeKind.CUSTOMS_BROKER,
            broker(200),
            broker(150) if x == "DD" else None,
            "查验代理费下调（在公示区间 50–200 元/票内）",
        ),
        (
            f"{x}FWD",
            f"{p.city}货运代理（演示）",
            f"{p.city_en} forwarder (demo)",
            PayeeKind.FORWARDER,
            forwarder(),
            None,
            "",
        ),
        (
            f"{x}LINE",
            f"{p.city}船代（演示）",
            f"{p.city_en} carrier agent (demo)",
            PayeeKind.CARRIER,
            carrier(demurrage=x != "PJ"),
            carrier(demurrage=True, eir=False) if x == "HLD" else None,
            "取消设备单费",
        ),
        (
            f"{x}FUMI",
            f"{p.city}熏蒸消毒（演示）",
            f"{p.city_en} fumigation (demo)",
            PayeeKind.OTHER,
            fumigation(),
            None,
            "",
        ),
    ]
    if x != "DL":  # Dalian's tally publishes its own list (the demo's tally.admin)
        out.append(
            (
                f"{x}TALLY",
                f"{p.city}外轮理货（演示）",
                f"{p.city_en} tally (demo)",
                PayeeKind.TALLY,
                tally(False),
                tally(True) if x == "YK" else None,
                "新增件杂货理货（择大计费）",
            )
        )
    if x == "DL":
        out.append(
            (
                "DLPILOT",
                "大连引航站（演示）",
                "Dalian pilot station (demo)",
                PayeeKind.PILOT_STATION,
                pilotage("46278", BASIS + "；2022 年下调前（按 41,650 / 0.9 推算）"),
                pilotage("41650", NOTICE_2022 + "：国际航线引航费基准下调 10%"),
                "国际航线引航费下调 10%",
            )
        )
    return out


def _publisher(session: Session, actor: Principal, p: DemoPort, now: datetime) -> int:
    from kouan.demo.service import synthetic_uscc

    code = f"{p.prefix}FEES"
    org = partners_repo.get_org_by_code(session, code)
    if org is None:
        org = partners_service.create_org(
            session,
            actor=actor,
            now=now,
            fields=partners_service.OrgFields(
                code=code,
                name=f"{p.city}口岸收费公示（演示）",
                name_en=f"{p.city_en} port-fee publication (demo)",
                kind=OrgKind.FEE_PUBLISHER.value,
                uscc=synthetic_uscc(p.region, 100000200 + PORTS.index(p)),
                province="CN-LN",
                home_port=p.locode,
            ),
        )
    return org.id


def load(session: Session, *, now: datetime) -> int:
    """Create what is missing (a publisher per port, its payees, versions 1 and 2); leave what
    exists alone. Returns the number of versions made."""
    session.info["actor"] = ACTOR
    made = 0
    tally_org = partners_repo.get_org_by_code(session, "DLTALLY")
    for p in PORTS:
        pub_id = _publisher(session, ACTOR, p, now)
        lists = _lists(p)
        if p.prefix == "DL" and tally_org is not None:
            lists.append(
                (
                    "DLTALLY",
                    "大连外轮理货有限公司",
                    "Dalian Ocean Shipping Tally",
                    PayeeKind.TALLY,
                    tally(True),
                    None,
                    "",
                )
            )
        for code, zh, en, kind, v1, v2, note in lists:
            owner = tally_org.id if code == "DLTALLY" and tally_org is not None else pub_id
            if payee_by_code(session, code) is not None:
                continue
            payee = service.register_payee(
                session,
                actor=ACTOR,
                publisher_org_id=owner,
                code=code,
                name_zh=zh,
                name_en=en,
                kind=kind.value,
                now=now,
            )
            service.publish(
                session,
                actor=ACTOR,
                payee=payee,
                port=p.locode,
                effective_from=V1,
                bands=v1,
                source="demo",
                note="演示清单（business-rules.md 2.1 的公开示例）",
                now=V1_AT,
            )
            made += 1
            if (
                v2 is not None
                and service.publish(
                    session,
                    actor=ACTOR,
                    payee=payee,
                    port=p.locode,
                    effective_from=V2,
                    bands=v2,
                    source="demo",
                    note=note,
                    now=V2_AT,
                ).version
                is not None
            ):
                made += 1
    return made
