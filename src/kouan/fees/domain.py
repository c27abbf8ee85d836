"""Port-fee publication (收费公示): fee bands, the CSV template's row rules, the diff between two
versions of a list, and the pricing of one shipment. Pure: no web, no database.

A *band* is one row of the port office's template: one item of one payee's list at one port, under
its conditions (trade, direction, container size, type, full or empty), for a range of days when
the unit is per container-day. A *version* of a list is the full set of its bands from a date on;
nothing is overwritten, so any past version prices as it did.

Money is ``Decimal``: a rate as published (up to 4 places), an amount rounded half up to the fen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - Babel's marker; kit.errors has one too, domain stays alone
    return message


class Regime(StrEnum):
    GOVERNMENT = "government"  # 政府定价
    GUIDED = "guided"  # 政府指导价
    MARKET = "market"  # 市场调节价


REGIME_ZH = {Regime.GOVERNMENT: "政府定价", Regime.GUIDED: "政府指导价", Regime.MARKET: "市场调节价"}


class Unit(StrEnum):
    CONTAINER = "container"  # 元/箱, by size
    CONTAINER_DAY = "container_day"  # 元/箱·天, free days and day tiers
    DECLARATION = "declaration"  # 元/票
    VOYAGE = "voyage"  # 元/航次
    NET_TON = "net_ton"  # 元/净吨 (the ship's net tonnage)
    TON_OR_FREIGHT_TON = "ton_or_freight_ton"  # 元/吨 or 计费吨, whichever greater (择大)
    M3 = "m3"  # 元/立方米


CONTAINER_UNITS = frozenset({Unit.CONTAINER, Unit.CONTAINER_DAY})


class PayeeKind(StrEnum):
    TERMINAL = "terminal"  # 码头
    PILOT_STATION = "pilot_station"  # 引航站
    TUG_COMPANY = "tug_company"  # 拖轮公司
    TALLY = "tally"  # 理货
    CUSTOMS_BROKER = "customs_broker"  # 报关行
    FORWARDER = "forwarder"  # 货代
    CARRIER = "carrier"  # 船公司
    PORT_AUTHORITY = "port_authority"  # 港口管理部门 (货物港务费)
    OTHER = "other"  # e.g. a fumigation company


TRADES = ("foreign", "domestic", "transhipment")
SIZES = ("20", "40", "45")
DIRECTIONS = ("I", "E")
TEMPLATE = (
    "port",
    "payee",
    "item",
    "name_zh",
    "name_en",
    "regime",
    "unit",
    "size",
    "type",
    "full",
    "trade",
    "direction",
    "rate",
    "currency",
    "free_days",
    "day_from",
    "day_to",
    "effective_from",
    "legal_basis",
)
CODE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,39}")
LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
TYPE_GROUP = re.compile(r"[A-Z][A-Z0-9]")  # ISO 6346 type group: GP, HC, RF, UT, PL, TN ...
CURRENCY = re.compile(r"[A-Z]{3}")
FEN = Decimal("0.01")
MAX_RATE = Decimal("100000000")


def money(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def text_of(value: Decimal) -> str:
    """A rate or amount as the API writes it: no exponent, no trailing zeros past the fen."""
    q = value.quantize(FEN) if value == value.quantize(FEN) else value.normalize()
    return format(q, "f")


@dataclass(frozen=True)
class Band:
    item: str
    name_zh: str
    name_en: str
    regime: Regime
    unit: Unit
    rate: Decimal
    currency: str = "CNY"
    size: str | None = None
    type: str | None = None
    full: bool | None = None
    trade: str | None = None
    direction: str | None = None
    free_days: int | None = None
    day_from: int | None = None
    day_to: int | None = None
    legal_basis: str = ""

    @property
    def conditions(self) -> tuple[Any, ...]:
        return (self.size, self.type, self.full, self.trade, self.direction)

    @property
    def key(self) -> tuple[Any, ...]:
        """What tells two bands of one list apart (a second row with it is a duplicate)."""
        return (self.item, *self.conditions, self.day_from, self.day_to)

    @property
    def specificity(self) -> int:
        return sum(c is not None for c in self.conditions)

    def describe(self) -> str:
        """The band's conditions in plain words (English; the pages word them themselves)."""
        parts = []
        box = " ".join(
            p
            for p in (
                f"{self.size}'" if self.size else "",
                self.type or "",
                {True: "full", False: "empty", None: ""}[self.full],
            )
            if p
        )
        if box:
            parts.append(box)
        if self.trade:
            parts.append(self.trade)
        if self.direction:
            parts.append({"I": "import", "E": "export"}[self.direction])
        if self.unit == Unit.CONTAINER_DAY:
            days = f"days {self.day_from}–{self.day_to}" if self.day_to else f"days {self.day_from}+"
            parts.append(days + (f" ({self.free_days} free)" if self.free_days else ""))
        return ", ".join(parts) or "any"

    def band_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "type": self.type,
            "full": self.full,
            "trade": self.trade,
            "direction": self.direction,
            "free_days": self.free_days,
            "day_from": self.day_from,
            "day_to": self.day_to,
            "text": self.describe(),
        }

    def as_row(self) -> dict[str, str]:
        """The template's columns of this band (without port, payee and effective_from)."""

        def s(v: Any) -> str:
            return "" if v is None else ("true" if v is True else "false" if v is False else str(v))

        return {
            "item": self.item,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "regime": self.regime.value,
            "unit": self.unit.value,
            "size": s(self.size),
            "type": s(self.type),
            "full": s(self.full),
            "trade": s(self.trade),
            "direction": s(self.direction),
            "rate": text_of(self.rate),
            "currency": self.currency,
            "free_days": s(self.free_days),
            "day_from": s(self.day_from),
            "day_to": s(self.day_to),
            "legal_basis": self.legal_basis,
        }


# --- the template's rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One bad cell: ``line`` is the file's line (the header is line 1), ``column`` its name."""

    line: int
    column: str
    detail: str
    value: str = ""

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.detail}"


@dataclass(frozen=True)
class Row:
    line: int
    port: str
    payee: str
    effective_from: date
    band: Band


def check_header(header: Sequence[str]) -> list[RowError]:
    got = [h.strip().lstrip("\ufeff").lower() for h in header]
    if tuple(got) == TEMPLATE:
        return []
    missing = [c for c in TEMPLATE if c not in got]
    extra = [c for c in got if c not in TEMPLATE]
    if missing:
        return [
            RowError(
                1,
                missing[0],
                f"the header lacks the column {missing[0]!r}; the template is {','.join(TEMPLATE)}",
            )
        ]
    if extra:
        return [RowError(1, extra[0], f"the column {extra[0]!r} is not in the template")]
    return [RowError(1, got[0], f"the columns are out of order; the template is {','.join(TEMPLATE)}")]


def _int(
    cells: Mapping[str, str], col: str, line: int, errors: list[RowError], *, minimum: int
) -> int | None:
    raw = cells[col]
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < minimum or int(raw) > 100000:
        errors.append(RowError(line, col, f"must be a whole number from {minimum}", raw))
        return None
    return int(raw)


def parse_row(line: int, raw: Mapping[str, str]) -> tuple[Row | None, list[RowError]]:
    """One template row (``raw`` by column name), checked cell by cell."""
    c = {k: (raw.get(k) or "").strip() for k in TEMPLATE}
    errors: list[RowError] = []

    def bad(col: str, detail: str) -> None:
        errors.append(RowError(line, col, detail, c[col]))

    port, payee, item = c["port"].upper(), c["payee"].upper(), c["item"].upper()
    if not LOCODE.fullmatch(port):
        bad("port", "must be a UN/LOCODE such as CNDAL")
    if not CODE.fullmatch(payee):
        bad("payee", "must be the payee's code (letters, digits, _ . -)")
    if not CODE.fullmatch(item):
        bad("item", "must be an item code (letters, digits, _ . -; at most 40)")
    if not c["name_zh"]:
        bad("name_zh", "the Chinese name is required")
    if not c["name_en"]:
        bad("name_en", "the English name is required")
    if len(c["name_zh"]) > 120 or len(c["name_en"]) > 200:
        bad("name_zh" if len(c["name_zh"]) > 120 else "name_en", "is too long")
    regime = unit = None
    try:
        regime = Regime(c["regime"].lower())
    except ValueError:
        bad("regime", "must be government, guided or market")
    try:
        unit = Unit(c["unit"].lower())
    except ValueError:
        bad("unit", "must be one of " + ", ".join(u.value for u in Unit))
    boxed = unit in CONTAINER_UNITS
    size = c["size"] or None
    if size and size not in SIZES:
        bad("size", "must be 20, 40 or 45, or empty for any")
    ctype = c["type"].upper() or None
    if ctype and not TYPE_GROUP.fullmatch(ctype):
        bad("type", "must be an ISO 6346 type group such as GP, HC or RF")
    full: bool | None = None
    if c["full"]:
        if c["full"].lower() not in ("true", "false"):
            bad("full", "must be true, false or empty")
        else:
            full = c["full"].lower() == "true"
    if unit is not None and not boxed:
        for col in ("size", "type", "full"):
            if c[col]:
                bad(col, "only a per-container unit has container conditions")
    trade = c["trade"].lower() or None
    if trade and trade not in TRADES:
        bad("trade", "must be foreign, domestic or transhipment, or empty for any")
    direction = c["direction"].upper() or None
    if direction and direction not in DIRECTIONS:
        bad("direction", "must be I (import) or E (export), or empty for any")
    rate = Decimal(0)
    try:
        rate = Decimal(c["rate"])
        if not rate.is_finite() or rate < 0 or rate >= MAX_RATE or rate.as_tuple().exponent < -4:  # type: ignore[operator]
            bad("rate", "must be an amount of 0 or more with at most 4 decimals")
    except InvalidOperation:
        bad("rate", "must be a number such as 170 or 10.8")
    currency = c["currency"].upper() or "CNY"
    if not CURRENCY.fullmatch(currency):
        bad("currency", "must be an ISO 4217 code such as CNY")
    free_days = _int(c, "free_days", line, errors, minimum=0)
    day_from = _int(c, "day_from", line, errors, minimum=1)
    day_to = _int(c, "day_to", line, errors, minimum=1)
    if unit is not None and unit != Unit.CONTAINER_DAY:
        for col in ("free_days", "day_from", "day_to"):
            if c[col]:
                bad(col, "must be empty unless the unit is container_day")
    if unit == Unit.CONTAINER_DAY and not c["day_from"]:
        bad("day_from", "a per-day band needs the first day it covers")
    if day_from is not None and day_to is not None and day_to < day_from:
        bad("day_to", "must not be before day_from")
    if day_from is not None and free_days is not None and day_from <= free_days:
        bad("day_from", "falls within the free days")
    effective = None
    try:
        effective = date.fromisoformat(c["effective_from"])
    except ValueError:
        bad("effective_from", "must be a date such as 2022-04-01")
    if len(c["legal_basis"]) > 500:
        bad("legal_basis", "is too long")
    if errors or regime is None or unit is None or effective is None:
        return None, errors
    band = Band(
        item=item,
        name_zh=c["name_zh"],
        name_en=c["name_en"],
        regime=regime,
        unit=unit,
        rate=rate,
        currency=currency,
        size=size,
        type=ctype,
        full=full,
        trade=trade,
        direction=direction,
        free_days=free_days if unit == Unit.CONTAINER_DAY else None,
        day_from=day_from,
        day_to=day_to,
        legal_basis=c["legal_basis"],
    )
    return Row(line, port, payee, effective, band), []


def check_list(rows: Sequence[Row]) -> list[RowError]:
    """Rules across the rows of one list (one port and payee): one effective date, no duplicate
    band, one name, regime and unit per item, one free-day count and no overlapping days per tier."""
    errors: list[RowError] = []
    if not rows:
        return errors
    first = rows[0]
    seen: dict[tuple[Any, ...], Row] = {}
    items: dict[str, Row] = {}
    tiers: dict[tuple[Any, ...], list[Row]] = {}
    for r in rows:
        if r.effective_from != first.effective_from:
            errors.append(
                RowError(
                    r.line,
                    "effective_from",
                    f"a list takes one date: line {first.line} says {first.effective_from.isoformat()}",
                    r.effective_from.isoformat(),
                )
            )
        b = r.band
        if b.key in seen:
            errors.append(RowError(r.line, "item", f"the same band as line {seen[b.key].line}", b.item))
        seen.setdefault(b.key, r)
        if b.item in items:
            o = items[b.item].band
            for col, mine, theirs in (
                ("name_zh", b.name_zh, o.name_zh),
                ("name_en", b.name_en, o.name_en),
                ("regime", b.regime, o.regime),
                ("unit", b.unit, o.unit),
            ):
                if mine != theirs:
                    errors.append(
                        RowError(
                            r.line, col, f"differs from line {items[b.item].line} of the same item", str(mine)
                        )
                    )
        items.setdefault(b.item, r)
        if b.unit == Unit.CONTAINER_DAY:
            tiers.setdefault((b.item, *b.conditions), []).append(r)
    for group in tiers.values():
        frees = {r.band.free_days or 0 for r in group}
        if len(frees) > 1:
            errors.append(
                RowError(
                    group[1].line,
                    "free_days",
                    f"differs from line {group[0].line} of the same item and conditions",
                    str(group[1].band.free_days or ""),
                )
            )
        ordered = sorted(group, key=lambda r: r.band.day_from or 0)
        for a, b in zip(ordered, ordered[1:], strict=False):
            end = a.band.day_to
            if end is None or (b.band.day_from or 0) <= end:
                errors.append(
                    RowError(b.line, "day_from", f"overlaps the days of line {a.line}", str(b.band.day_from))
                )
    return errors


def parse_rows(
    header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]]
) -> tuple[dict[tuple[str, str], list[Row]], list[RowError]]:
    """A whole file: its rows grouped by (port, payee), and every error found (line, column)."""
    errors = check_header(header)
    if errors:
        return {}, errors
    lists: dict[tuple[str, str], list[Row]] = {}
    for line, cells in rows:
        if not any(x.strip() for x in cells):
            continue
        if len(cells) != len(TEMPLATE):
            col = TEMPLATE[min(len(cells), len(TEMPLATE) - 1)]
            errors.append(RowError(line, col, f"has {len(cells)} cells, the template {len(TEMPLATE)}"))
            continue
        row, bad = parse_row(line, dict(zip(TEMPLATE, cells, strict=True)))
        errors.extend(bad)
        if row is not None:
            lists.setdefault((row.port, row.payee), []).append(row)
    for rows_of in lists.values():
        errors.extend(check_list(rows_of))
    if not lists and not errors:
        errors.append(RowError(2, "port", "the file has no rows"))
    return lists, sorted(
        errors, key=lambda e: (e.line, TEMPLATE.index(e.column) if e.column in TEMPLATE else 0)
    )


# --- versions and their diff ----------------------------------------------------------------------


@dataclass(frozen=True)
class BandChange:
    band: str  # the band's conditions in words
    old_rate: str | None  # None: the band is new
    new_rate: str | None  # None: the band is gone


@dataclass(frozen=True)
class ItemChange:
    item: str
    name_zh: str
    name_en: str
    change: str  # added | removed | changed
    bands: tuple[BandChange, ...] = ()


def _signature(b: Band) -> tuple[Any, ...]:
    return (b.rate, b.currency, b.free_days, b.name_zh, b.name_en, b.regime, b.unit, b.legal_basis)


def diff(old: Sequence[Band], new: Sequence[Band]) -> list[ItemChange]:
    """What changed from ``old`` to ``new``, item by item, with each band's old and new rate."""

    def by_item(bands: Sequence[Band]) -> dict[str, dict[tuple[Any, ...], Band]]:
        out: dict[str, dict[tuple[Any, ...], Band]] = {}
        for b in bands:
            out.setdefault(b.item, {})[b.key] = b
        return out

    before, after = by_item(old), by_item(new)
    changes: list[ItemChange] = []
    for item in sorted(set(before) | set(after)):
        o, n = before.get(item, {}), after.get(item, {})
        sample = next(iter((n or o).values()))
        if not o or not n:
            bands = tuple(
                BandChange(
                    b.describe(), None if not o else text_of(b.rate), text_of(b.rate) if not o else None
                )
                for b in (n or o).values()
            )
            changes.append(
                ItemChange(item, sample.name_zh, sample.name_en, "added" if not o else "removed", bands)
            )
            continue
        moved = []
        for key in sorted(set(o) | set(n), key=repr):
            ob, nb = o.get(key), n.get(key)
            if ob is not None and nb is not None and _signature(ob) == _signature(nb):
                continue
            moved.append(
                BandChange(
                    (nb or ob).describe(),  # type: ignore[union-attr]
                    text_of(ob.rate) if ob else None,
                    text_of(nb.rate) if nb else None,
                )
            )
        if moved:
            changes.append(ItemChange(item, sample.name_zh, sample.name_en, "changed", tuple(moved)))
    return changes


def diff_dicts(changes: Sequence[ItemChange]) -> list[dict[str, Any]]:
    return [
        {
            "item": c.item,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "change": c.change,
            "bands": [{"band": b.band, "old_rate": b.old_rate, "new_rate": b.new_rate} for b in c.bands],
        }
        for c in changes
    ]


def diff_text(changes: Sequence[dict[str, Any]]) -> str:
    """A diff (as stored) in one readable paragraph, for the Atom entry and the CLI."""
    out = []
    for c in changes:
        rates = "; ".join(f"{b['band']}: {b['old_rate'] or '—'} → {b['new_rate'] or '—'}" for b in c["bands"])
        out.append(f"{c['change']} {c['item']} {c['name_zh']} ({rates})")
    return "\n".join(out) or "no change"


# --- pricing one shipment ------------------------------------------------------------------------


@dataclass(frozen=True)
class Boxes:
    size: str
    type: str
    full: bool
    count: int
    days: int | None = None  # days at the terminal / in use, counted from day 1

    def describe(self) -> str:
        return f"{self.count}×{self.size}'{self.type} {'full' if self.full else 'empty'}"


@dataclass(frozen=True)
class Shipment:
    port: str
    trade: str
    direction: str
    on: date
    declarations: int = 0
    containers: tuple[Boxes, ...] = ()
    voyages: int = 0
    net_tons: Decimal = Decimal(0)  # the ship's net tonnage, for per-net-ton items
    cargo_tons: Decimal = Decimal(0)  # weight, for 择大
    cargo_m3: Decimal = Decimal(0)  # volume, for 择大 and per-m³ items
    exclude: frozenset[str] = frozenset()  # item codes the shipper does not use (e.g. FUMIGATION)


@dataclass(frozen=True)
class PublishedList:
    """One payee's list at the port as in force on the shipment's date."""

    payee: str
    payee_name: str
    version: int
    version_id: int
    effective_from: date
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class Line:
    payee: str
    item: str
    name_zh: str
    name_en: str
    version: int
    version_id: int
    effective_from: date
    unit: Unit
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    currency: str
    band: Band
    boxes: str | None = None  # which container group the line prices


@dataclass(frozen=True)
class Absent:
    """An item of a list in force that prices nothing for this shipment, and why."""

    payee: str
    item: str
    name_zh: str
    name_en: str
    version: int
    code: str
    template: str  # English msgid with %(name)s parameters
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.template % self.params


@dataclass(frozen=True)
class Estimate:
    currency: str
    total: Decimal
    lines: tuple[Line, ...]
    absent: tuple[Absent, ...]
    totals: dict[str, Decimal] = field(default_factory=dict)  # by currency when more than one


NO_BOX_RATE = N_("no published rate for %(boxes)s boxes")
OTHER_TRADE = N_("published for %(trades)s trade only")
OTHER_DIRECTION = N_("published for direction %(directions)s only")
FREE_DAYS = N_("%(boxes)s: %(days)s days are within the %(free)s free days")
NO_DAYS = N_("%(boxes)s: no number of days given")
NO_QUANTITY = N_("the shipment states no %(what)s")
NO_CONTAINERS = N_("the shipment has no containers")
EXCLUDED = N_("left out at your request")

_QUANTITY_WORDS = {
    Unit.DECLARATION: "declarations",
    Unit.VOYAGE: "voyages",
    Unit.NET_TON: "net tonnage",
    Unit.TON_OR_FREIGHT_TON: "tons or cubic metres",
    Unit.M3: "cubic metres",
}


def _matches(b: Band, s: Shipment, boxes: Boxes | None) -> bool:
    if b.trade is not None and b.trade != s.trade:
        return False
    if b.direction is not None and b.direction != s.direction:
        return False
    if boxes is None:
        return True
    return (
        (b.size is None or b.size == boxes.size)
        and (b.type is None or b.type == boxes.type)
        and (b.full is None or b.full == boxes.full)
    )


def _why_not(bands: Sequence[Band], s: Shipment, boxes: Boxes | None) -> tuple[str, str, dict[str, Any]]:
    trades = sorted({b.trade for b in bands if b.trade})
    if trades and all(b.trade is not None and b.trade != s.trade for b in bands):
        return "other_trade", OTHER_TRADE, {"trades": "/".join(trades)}
    dirs = sorted({b.direction for b in bands if b.direction})
    if dirs and all(b.direction is not None and b.direction != s.direction for b in bands):
        return "other_direction", OTHER_DIRECTION, {"directions": "/".join(dirs)}
    what = f"{boxes.size}' {boxes.type} {'full' if boxes.full else 'empty'}" if boxes else ""
    return "no_box_rate", NO_BOX_RATE, {"boxes": what}


def _most_specific(bands: Sequence[Band]) -> list[Band]:
    """Of the matching bands, those of the most specific conditions (a 40' HC rate wins over an
    any-type 40' rate); per-day tiers stay together."""
    if not bands:
        return []
    top = max(b.specificity for b in bands)
    best = [b for b in bands if b.specificity == top]
    first = best[0].conditions
    return [b for b in best if b.conditions == first]


def _line(pl: PublishedList, b: Band, quantity: Decimal, boxes: Boxes | None = None) -> Line:
    return Line(
        payee=pl.payee,
        item=b.item,
        name_zh=b.name_zh,
        name_en=b.name_en,
        version=pl.version,
        version_id=pl.version_id,
        effective_from=pl.effective_from,
        unit=b.unit,
        quantity=quantity,
        rate=b.rate,
        amount=money(quantity * b.rate),
        currency=b.currency,
        band=b,
        boxes=boxes.describe() if boxes else None,
    )


def day_split(bands: Sequence[Band], days: int) -> list[tuple[Band, int]]:
    """How many of ``days`` (day 1 = the first) each per-day tier charges: the free days charge
    nothing, a tier covers ``day_from..day_to`` inclusive (open-ended without ``day_to``)."""
    free = max((b.free_days or 0) for b in bands) if bands else 0
    out = []
    for b in sorted(bands, key=lambda b: b.day_from or 1):
        lo = max(b.day_from or 1, free + 1)
        hi = days if b.day_to is None else min(b.day_to, days)
        if hi >= lo:
            out.append((b, hi - lo + 1))
    return out


def _price_item(pl: PublishedList, bands: Sequence[Band], s: Shipment) -> tuple[list[Line], list[Absent]]:
    unit = bands[0].unit
    lines: list[Line] = []
    misses: list[tuple[str, str, dict[str, Any]]] = []
    if unit in CONTAINER_UNITS:
        if not s.containers:
            misses.append(("no_containers", NO_CONTAINERS, {}))
        for boxes in s.containers:
            chosen = _most_specific([b for b in bands if _matches(b, s, boxes)])
            if not chosen:
                misses.append(_why_not(bands, s, boxes))
            elif unit == Unit.CONTAINER:
                lines.append(_line(pl, chosen[0], Decimal(boxes.count), boxes))
            elif boxes.days is None:
                misses.append(("no_days", NO_DAYS, {"boxes": boxes.describe()}))
            else:
                split = day_split(chosen, boxes.days)
                if not split:
                    free = max((b.free_days or 0) for b in chosen)
                    misses.append(
                        (
                            "free_days",
                            FREE_DAYS,
                            {"boxes": boxes.describe(), "days": boxes.days, "free": free},
                        )
                    )
                lines.extend(_line(pl, b, Decimal(n * boxes.count), boxes) for b, n in split)
    else:
        quantity = {
            Unit.DECLARATION: Decimal(s.declarations),
            Unit.VOYAGE: Decimal(s.voyages),
            Unit.NET_TON: s.net_tons,
            Unit.TON_OR_FREIGHT_TON: max(s.cargo_tons, s.cargo_m3),
            Unit.M3: s.cargo_m3,
        }[unit]
        chosen = _most_specific([b for b in bands if _matches(b, s, None)])
        if not chosen:
            misses.append(_why_not(bands, s, None))
        elif quantity <= 0:
            misses.append(("no_quantity", NO_QUANTITY, {"what": _QUANTITY_WORDS[unit]}))
        else:
            lines.append(_line(pl, chosen[0], quantity))
    absent = []
    if not lines and misses:
        b = bands[0]
        code, template, params = misses[0]
        absent.append(Absent(pl.payee, b.item, b.name_zh, b.name_en, pl.version, code, template, params))
    elif misses and unit in CONTAINER_UNITS:  # priced for some boxes, not for others
        b = bands[0]
        for code, template, params in misses:
            if code in ("no_box_rate", "no_days", "free_days"):
                absent.append(
                    Absent(pl.payee, b.item, b.name_zh, b.name_en, pl.version, code, template, params)
                )
    return lines, absent


def estimate(shipment: Shipment, lists: Sequence[PublishedList]) -> Estimate:
    """Every item of every list in force at the port on the shipment's date, priced; the items that
    price nothing are named with the reason. The total is the sum of the lines (in CNY when every
    line is; by currency otherwise, ``total`` then being the CNY part)."""
    lines: list[Line] = []
    absent: list[Absent] = []
    for pl in sorted(lists, key=lambda p: p.payee):
        items: dict[str, list[Band]] = {}
        for b in pl.bands:
            items.setdefault(b.item, []).append(b)
        for item in sorted(items):
            if item in shipment.exclude:
                b = items[item][0]
                absent.append(Absent(pl.payee, item, b.name_zh, b.name_en, pl.version, "excluded", EXCLUDED))
                continue
            got, missing = _price_item(pl, items[item], shipment)
            lines.extend(got)
            absent.extend(missing)
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, Decimal("0.00")) + line.amount
    currency = "CNY" if not totals or "CNY" in totals else sorted(totals)[0]
    return Estimate(
        currency=currency,
        total=totals.get(currency, Decimal("0.00")),
        lines=tuple(lines),
        absent=tuple(absent),
        totals=totals,
    )


# --- supervision: completeness and caps -----------------------------------------------------------

# Standard item codes the port office's template uses, and the items a payee of each kind must
# publish at least (configurable: ``Settings.fee_rules_file``, see ``rules_from``).
DEFAULT_REQUIRED: dict[str, tuple[str, ...]] = {
    PayeeKind.TERMINAL: ("HANDLING", "STORAGE"),
    PayeeKind.PILOT_STATION: ("PILOTAGE",),
    PayeeKind.TUG_COMPANY: ("TUG",),
    PayeeKind.TALLY: ("TALLY",),
    PayeeKind.CUSTOMS_BROKER: ("BROKERAGE",),
    PayeeKind.FORWARDER: ("BOOKING",),
    PayeeKind.CARRIER: ("DOC_FEE", "DEMURRAGE"),
    PayeeKind.PORT_AUTHORITY: ("PORT_DUES",),
}


@dataclass(frozen=True)
class Cap:
    """The most a government-set (or guided) item may charge under these conditions."""

    item: str
    rate: Decimal
    unit: Unit | None = None
    size: str | None = None
    trade: str | None = None
    basis: str = ""

    def covers(self, b: Band) -> bool:
        return (
            b.item == self.item
            and (self.unit is None or b.unit == self.unit)
            and (self.size is None or b.size == self.size)
            and (self.trade is None or b.trade in (None, self.trade))
        )


@dataclass(frozen=True)
class Rules:
    required: dict[str, tuple[str, ...]]
    caps: tuple[Cap, ...] = ()


DEFAULT_RULES = Rules(required=dict(DEFAULT_REQUIRED))


def rules_from(data: Mapping[str, Any]) -> Rules:
    """Rules from a JSON document: ``{"required": {"terminal": ["HANDLING", ...]}, "caps":
    [{"item": "PORT_DUES", "unit": "container", "size": "20", "trade": "foreign", "rate": "25.6",
    "basis": "..."}]}``; a kind the document does not name keeps its default."""
    required = dict(DEFAULT_REQUIRED)
    for kind, items in (data.get("required") or {}).items():
        required[PayeeKind(kind)] = tuple(str(i).upper() for i in items)
    caps = tuple(
        Cap(
            item=str(c["item"]).upper(),
            rate=Decimal(str(c["rate"])),
            unit=Unit(c["unit"]) if c.get("unit") else None,
            size=c.get("size") or None,
            trade=c.get("trade") or None,
            basis=c.get("basis", ""),
        )
        for c in data.get("caps") or ()
    )
    return Rules(required=required, caps=caps)


def missing_items(kind: str, bands: Sequence[Band], rules: Rules) -> list[str]:
    have = {b.item for b in bands}
    return [i for i in rules.required.get(kind, ()) if i not in have]


def above_cap(bands: Sequence[Band], rules: Rules) -> list[tuple[Band, Cap]]:
    out = []
    for b in bands:
        if b.regime == Regime.MARKET:
            continue
        for cap in rules.caps:
            if cap.covers(b) and b.rate > cap.rate:
                out.append((b, cap))
                break
    return out


@dataclass(frozen=True)
class Charge:
    """A charge recorded somewhere (an invoice line): who charged what at which port on which day."""

    port: str
    payee: str
    item: str
    on: date
    amount: Decimal | None = None
    reference: str = ""


def unlisted(charges: Sequence[Charge], published: Mapping[tuple[str, str, date], set[str]]) -> list[Charge]:
    """The charges whose item no list of that payee at that port held on that day
    (清单之外一律不得收费). ``published`` maps (port, payee, day) to the items in force."""
    return [c for c in charges if c.item not in published.get((c.port, c.payee, c.on), set())]


def with_rate(b: Band, rate: Decimal) -> Band:
    return replace(b, rate=rate)
