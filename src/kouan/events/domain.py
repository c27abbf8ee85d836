"""Canonical events: one record per thing that happened (or is planned/estimated) to a shipment,
whatever format it arrived in. Standard library only.

See shared/DESIGN.md "Canonical event" and "Milestone vocabulary". Adapters in ``formats/`` turn
bytes into ``CanonicalEvent`` and ``Rejection`` objects; the ingest service stores them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# The source of the events Kouan's own workflows record (events.record): always entitled.
KOUAN_SOURCE = "kouan"


class Milestone(StrEnum):
    TRANSPORT_ENTRY_DECLARED = "TRANSPORT_ENTRY_DECLARED"  # 运输工具申报进境
    TRANSPORT_ARRIVED = "TRANSPORT_ARRIVED"  # 抵港
    TRANSPORT_DEPARTED = "TRANSPORT_DEPARTED"  # 离港
    TRANSPORT_CHECK_DONE = "TRANSPORT_CHECK_DONE"  # one agency's entry check of the vessel done
    TRANSPORT_CLEARED = "TRANSPORT_CLEARED"  # 船舶进境联合查验完毕: every agency done
    MANIFEST_FILED = "MANIFEST_FILED"  # 舱单申报
    GOODS_ARRIVED_AT_PORT = "GOODS_ARRIVED_AT_PORT"  # 运抵
    DISCHARGED = "DISCHARGED"  # 卸船
    LOADED = "LOADED"  # 装船
    DECLARATION_LODGED = "DECLARATION_LODGED"  # 申报 (two-step: 概要申报)
    DECLARATION_COMPLETED = "DECLARATION_COMPLETED"  # 完整申报
    DECLARATION_ACCEPTED = "DECLARATION_ACCEPTED"  # 审结 (receipt G / SpJ)
    DECLARATION_RETURNED = "DECLARATION_RETURNED"  # 退单 (receipt E)
    INSPECTION_ORDERED = "INSPECTION_ORDERED"  # 布控查验
    INSPECTION_DONE = "INSPECTION_DONE"  # 查验完毕
    CUSTOMS_HOLD = "CUSTOMS_HOLD"  # 扣留/暂停
    CUSTOMS_RELEASED = "CUSTOMS_RELEASED"  # 海关放行
    GATE_OUT = "GATE_OUT"  # 提离
    MARKET_RELEASED = "MARKET_RELEASED"  # 合格入市 (两段准入 stage 2)
    DECLARATION_CLOSED = "DECLARATION_CLOSED"  # 结关 (receipt R)
    OTHER = "OTHER"  # a code Kouan cannot map: kept with its original code, never dropped


def N_(message: str) -> str:  # noqa: N802 - Babel's marker: the name is translated where it is shown
    return message


# Every milestone's name in English (the msgid; the catalogs give the Chinese and the English),
# so a page never shows a code such as CUSTOMS_RELEASED. A new milestone needs a name here.
MILESTONE_NAMES: dict[Milestone, str] = {
    Milestone.TRANSPORT_ENTRY_DECLARED: N_("Transport entry declared"),
    Milestone.TRANSPORT_ARRIVED: N_("Transport arrived"),
    Milestone.TRANSPORT_DEPARTED: N_("Transport departed"),
    Milestone.TRANSPORT_CHECK_DONE: N_("Transport check done"),
    Milestone.TRANSPORT_CLEARED: N_("Transport cleared"),
    Milestone.MANIFEST_FILED: N_("Manifest filed"),
    Milestone.GOODS_ARRIVED_AT_PORT: N_("Goods arrived at port"),
    Milestone.DISCHARGED: N_("Discharged"),
    Milestone.LOADED: N_("Loaded"),
    Milestone.DECLARATION_LODGED: N_("Declaration lodged"),
    Milestone.DECLARATION_COMPLETED: N_("Declaration completed"),
    Milestone.DECLARATION_ACCEPTED: N_("Declaration accepted"),
    Milestone.DECLARATION_RETURNED: N_("Declaration returned"),
    Milestone.INSPECTION_ORDERED: N_("Inspection ordered"),
    Milestone.INSPECTION_DONE: N_("Inspection done"),
    Milestone.CUSTOMS_HOLD: N_("Customs hold"),
    Milestone.CUSTOMS_RELEASED: N_("Customs released"),
    Milestone.GATE_OUT: N_("Gate out"),
    Milestone.MARKET_RELEASED: N_("Released to market"),
    Milestone.DECLARATION_CLOSED: N_("Declaration closed"),
    Milestone.OTHER: N_("Other event"),
}


def milestone_name(code: str) -> str:
    """The English name of a milestone code (translate it to show it); an unknown code as is."""
    return MILESTONE_NAMES.get(code, code)  # type: ignore[call-overload]  # a StrEnum key is its str


class Classifier(StrEnum):
    ACT = "ACT"  # actual: the only kind that counts in clearance time
    EST = "EST"
    PLN = "PLN"


# Every classifier's name in English (the msgid), so a page shows 实际 / Actual, not ACT.
CLASSIFIER_NAMES: dict[Classifier, str] = {
    Classifier.ACT: N_("Actual"),
    Classifier.EST: N_("Estimated"),
    Classifier.PLN: N_("Planned"),
}


def classifier_name(code: str) -> str:
    """The English name of a classifier code (translate it to show it); an unknown code as is."""
    return CLASSIFIER_NAMES.get(code, code)  # type: ignore[call-overload]  # a StrEnum key is its str


class Direction(StrEnum):
    IMPORT = "I"
    EXPORT = "E"


class RefKind(StrEnum):
    DECLARATION = "declaration"
    BILL_OF_LADING = "bill_of_lading"
    BOOKING = "booking"
    CONTAINER = "container"
    TRANSPORT_CALL = "transport_call"


@dataclass(frozen=True, order=True)
class Ref:
    kind: RefKind
    key: str


@dataclass(frozen=True)
class CanonicalEvent:
    """A partner's event in Kouan's vocabulary. ``source`` is added by the ingest service."""

    event_id: str
    milestone: Milestone
    occurred_at: datetime  # timezone-aware
    classifier: Classifier = Classifier.ACT
    recorded_at: datetime | None = None
    port: str | None = None  # UN/LOCODE
    direction: Direction | None = None
    refs: tuple[Ref, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    original_code: str | None = None  # e.g. "EQUIPMENT/GTIN", "COARRI/46" — always kept
    version: datetime | None = None  # a later version of the same event_id replaces this one
    location: str | None = None  # where in the received message: "line 3", "segment 14 (EQD)"

    def keys(self, kind: RefKind) -> tuple[str, ...]:
        return tuple(r.key for r in self.refs if r.kind == kind)


@dataclass(frozen=True)
class Rejection:
    """Something received that could not be parsed or validated: kept verbatim, with why and where."""

    reason: str
    where: str  # "line 3", "segment 12 (DTM) element 2", "/events/3/eventCreatedDateTime"
    raw: str


@dataclass
class ParseResult:
    events: list[CanonicalEvent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    # The adapter knows every event's text is storable (no NUL, no lone surrogate): JSON text with
    # no escape and no NUL, decoded as strict UTF-8, can hold neither (``parsing.storable``).
    text_checked: bool = False

    def extend(self, other: ParseResult) -> None:
        self.events.extend(other.events)
        self.rejections.extend(other.rejections)


# --- object keys: every adapter writes the same key for the same thing ---------------------

_SPACES = re.compile(r"\s+")


def bl_key(value: str) -> str:
    """Bill of lading number as issued, upper case, no spaces."""
    return _SPACES.sub("", value).upper()


def container_key(value: str) -> str:
    """ISO 6346 container number, 11 characters, upper case (no spaces or dashes)."""
    return re.sub(r"[\s-]", "", value).upper()


def vessel_call_key(imo: str, voyage: str, locode: str) -> str:
    """``IMO/VOYAGE/LOCODE``, e.g. ``9321483/2103N/CNDAL``."""
    imo = imo.upper().removeprefix("IMO").strip()
    return f"{imo}/{_SPACES.sub('', voyage).upper()}/{locode.upper()}"


def dated_call_key(number: str, day: str, locode: str) -> str:
    """``TRAIN/DATE/LOCODE`` or ``FLIGHT/DATE/LOCODE`` (date as YYYY-MM-DD)."""
    return f"{_SPACES.sub('', number).upper()}/{day}/{locode.upper()}"


def content_event_id(prefix: str, *parts: Any) -> str:
    """A stable id for formats that carry none (EDIFACT, id-less CSV): the same content, the same id,
    so a re-sent message is recognised as a duplicate even under a new interchange reference."""
    blob = json.dumps([str(p) for p in parts], ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}:{hashlib.sha256(blob.encode()).hexdigest()[:32]}"
