"""/api/v1/fees bodies and answers. Money is a decimal string in JSON (never a float)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, field_serializer

from kouan.fees import domain
from kouan.fees.repository import InForce
from kouan.web.inputs import Input


class BandRead(BaseModel):
    item: str
    name_zh: str
    name_en: str
    regime: str
    unit: str
    size: str | None
    type: str | None
    full: bool | None
    trade: str | None
    direction: str | None
    rate: str
    currency: str
    free_days: int | None
    day_from: int | None
    day_to: int | None
    legal_basis: str
    band: str  # the conditions in words

    @classmethod
    def of(cls, b: domain.Band) -> BandRead:
        return cls(
            item=b.item,
            name_zh=b.name_zh,
            name_en=b.name_en,
            regime=b.regime.value,
            unit=b.unit.value,
            size=b.size,
            type=b.type,
            full=b.full,
            trade=b.trade,
            direction=b.direction,
            rate=domain.text_of(b.rate),
            currency=b.currency,
            free_days=b.free_days,
            day_from=b.day_from,
            day_to=b.day_to,
            legal_basis=b.legal_basis,
            band=b.describe(),
        )


class VersionRead(BaseModel):
    port: str
    payee: str
    version: int
    effective_from: date
    published_at: datetime
    published_by: str
    source: str
    note: str
    diff: list[dict[str, Any]]


class FeeListRead(BaseModel):
    port: str
    payee: str
    payee_name_zh: str
    payee_name_en: str
    payee_kind: str
    version: int
    effective_from: date
    published_at: datetime
    items: list[BandRead]

    @classmethod
    def of(cls, f: InForce) -> FeeListRead:
        return cls(
            port=f.fee_list.port,
            payee=f.payee.code,
            payee_name_zh=f.payee.name_zh,
            payee_name_en=f.payee.name_en,
            payee_kind=f.payee.kind,
            version=f.version.number,
            effective_from=f.version.effective_from,
            published_at=f.version.published_at,
            items=[BandRead.of(b) for b in f.bands],
        )


class VersionWithItems(VersionRead):
    items: list[BandRead]


class ItemHistoryEntry(BaseModel):
    version: int
    effective_from: date
    published_at: datetime
    published_by: str
    changed: bool
    listed: bool
    bands: list[BandRead]


class ItemHistory(BaseModel):
    port: str
    payee: str
    item: str
    versions: list[ItemHistoryEntry]


class ContainersIn(Input):
    size: Literal["20", "40", "45"]
    type: str = Field("GP", pattern=r"^[A-Z][A-Z0-9]$")
    full: bool = True
    count: int = Field(1, ge=1, le=10000)
    days: int | None = Field(None, ge=0, le=3650)


class EstimateIn(Input):
    port: str = Field(pattern=r"^[A-Za-z]{2}[A-Za-z2-9]{3}$")
    trade: Literal["foreign", "domestic", "transhipment"] = "foreign"
    direction: Literal["I", "E"] = "I"
    on: date
    declarations: int = Field(0, ge=0, le=1000)
    containers: list[ContainersIn] = Field(default_factory=list, max_length=50)
    voyages: int = Field(0, ge=0, le=100)
    net_tons: Decimal = Field(Decimal(0), ge=0, le=Decimal("10000000"))
    cargo_tons: Decimal = Field(Decimal(0), ge=0, le=Decimal("10000000"))
    cargo_m3: Decimal = Field(Decimal(0), ge=0, le=Decimal("10000000"))
    exclude: list[str] = Field(default_factory=list, max_length=100, description="item codes not used")

    def shipment(self) -> domain.Shipment:
        return domain.Shipment(
            port=self.port.upper(),
            trade=self.trade,
            direction=self.direction,
            on=self.on,
            declarations=self.declarations,
            voyages=self.voyages,
            net_tons=self.net_tons,
            cargo_tons=self.cargo_tons,
            cargo_m3=self.cargo_m3,
            exclude=frozenset(i.strip().upper() for i in self.exclude),
            containers=tuple(domain.Boxes(c.size, c.type, c.full, c.count, c.days) for c in self.containers),
        )


class EstimateLine(BaseModel):
    payee: str
    item: str
    name_zh: str
    name_en: str
    version: int
    effective_from: date
    unit: str
    quantity: str
    rate: str
    amount: str
    currency: str
    band: dict[str, Any]
    containers: str | None


class AbsentRead(BaseModel):
    payee: str
    item: str
    name_zh: str
    name_en: str
    version: int
    code: str
    reason: str


class EstimateRead(BaseModel):
    port: str
    on: date
    currency: str
    total: str
    totals: dict[str, str]
    lines: list[EstimateLine]
    absent: list[AbsentRead]

    @classmethod
    def of(cls, s: domain.Shipment, e: domain.Estimate) -> EstimateRead:
        return cls(
            port=s.port,
            on=s.on,
            currency=e.currency,
            total=domain.text_of(e.total),
            totals={k: domain.text_of(v) for k, v in e.totals.items()},
            lines=[
                EstimateLine(
                    payee=line.payee,
                    item=line.item,
                    name_zh=line.name_zh,
                    name_en=line.name_en,
                    version=line.version,
                    effective_from=line.effective_from,
                    unit=line.unit.value,
                    quantity=domain.text_of(line.quantity) if line.quantity % 1 else str(int(line.quantity)),
                    rate=domain.text_of(line.rate),
                    amount=domain.text_of(line.amount),
                    currency=line.currency,
                    band=line.band.band_dict(),
                    containers=line.boxes,
                )
                for line in e.lines
            ],
            absent=[
                AbsentRead(
                    payee=a.payee,
                    item=a.item,
                    name_zh=a.name_zh,
                    name_en=a.name_en,
                    version=a.version,
                    code=a.code,
                    reason=a.reason,
                )
                for a in e.absent
            ],
        )


class PayeeIn(Input):
    code: str = Field(max_length=40)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    kind: str


class PayeeRead(BaseModel):
    code: str
    name_zh: str
    name_en: str
    kind: str


class ListIn(Input):
    """A whole list: every band as the template's columns (without port, payee, effective_from)."""

    effective_from: date
    note: str = Field("", max_length=500)
    items: list[dict[str, str | int | float | bool | None]] = Field(max_length=5000)


class ImportRead(BaseModel):
    versions: list[VersionRead]
    unchanged: list[str]


class CheckRead(BaseModel):
    port: str
    payee: str
    payee_name: str
    kind: str
    version: int
    effective_from: date
    last_update: datetime
    days_since_update: int
    missing: list[str]
    above_cap: list[dict[str, str]]


class ChargeIn(Input):
    port: str = Field(max_length=5)
    payee: str = Field(max_length=40)
    item: str = Field(max_length=40)
    on: date
    amount: Decimal | None = None
    reference: str = Field("", max_length=80)


class ChargeRead(BaseModel):
    port: str
    payee: str
    item: str
    on: date
    amount: str | None
    reference: str


class InspectionIn(Input):
    title: str = Field(max_length=200)
    ports: list[str] = Field(max_length=20)
    payees: list[str] = Field(default_factory=list, max_length=200)
    deadline: date
    on: date | None = None
    note: str = Field("", max_length=1000)


class FindingIn(Input):
    port: str
    payee: str
    version: int = Field(ge=1)
    kind: str = Field("other", max_length=24)
    item: str | None = Field(None, max_length=40)
    detail: str = Field(max_length=1000)
    deadline: date | None = None


class ResolveIn(Input):
    outcome: Literal["rectified", "waived"]
    resolution: str = Field("", max_length=1000)


class FindingRead(BaseModel):
    id: int
    port: str
    payee: str
    version: int | None
    kind: str
    item: str | None
    detail: str
    deadline: date
    status: str
    overdue: bool
    resolved_version: int | None
    resolution: str


class InspectionRead(BaseModel):
    id: int
    title: str
    ports: list[str]
    payees: list[str]
    deadline: date
    status: str
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    findings: list[FindingRead]
    overdue: int

    @field_serializer("opened_at", "closed_at")
    def _utc(self, v: datetime | None) -> str | None:
        return v.isoformat() if v else None
