"""Selectivity rules, pure (standard library only).

- Lanes, after ASYCUDA's colours: ``release`` (green), ``documentary`` (yellow), ``inspection``
  (red), ``post_release_audit`` (blue). The strictest lane of the reasons wins.
- Random draw: ``draw(seed, number)`` is the first 52 bits of SHA-256("seed|number") as a number in
  [0, 1); a declaration is drawn when it is below the rate of its port and commodity group. The
  seed and the value are stored with the declaration, so anyone can recompute the selection, and
  the same seed selects the same declarations (business-rules.md §1.7: 随机布控).
- Methods and their rules: remote video needs the enterprise's consent and is not open to a 失信
  enterprise nor to high-risk goods; a non-intrusive scan with a suspect image escalates to a
  physical inspection; a failing lab result holds the goods, a conforming one closes a
  release-before-inspection or conformity case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Lane(StrEnum):
    RELEASE = "release"
    DOCUMENTARY = "documentary"
    INSPECTION = "inspection"
    POST_RELEASE_AUDIT = "post_release_audit"


# Strictness: the lane of a declaration is the strictest among its reasons.
STRICTNESS = {Lane.RELEASE: 0, Lane.POST_RELEASE_AUDIT: 1, Lane.DOCUMENTARY: 2, Lane.INSPECTION: 3}


class Method(StrEnum):
    PHYSICAL = "physical"
    NON_INTRUSIVE = "non_intrusive"
    REMOTE_VIDEO = "remote_video"
    DRONE_DRAFT_SURVEY = "drone_draft_survey"
    LAB = "lab"


class Outcome(StrEnum):
    CONFORMING = "conforming"
    FINDING = "finding"
    ESCALATED = "escalated"  # a scan sent on to a physical inspection


# Goods that remote video may not inspect (high-risk) [K]: weapons, explosives, hazardous chemicals,
# waste, live animals.
HIGH_RISK_HS = ("93", "36", "2844", "3825", "0101", "0102", "0103", "0104", "0105", "0106")
DRAW_BITS = 52


def draw(seed: str, number: str) -> Decimal:
    """The declaration's reproducible random number in [0, 1)."""
    digest = hashlib.sha256(f"{seed}|{number}".encode()).digest()
    value = int.from_bytes(digest[:8], "big") >> (64 - DRAW_BITS)
    return (Decimal(value) / Decimal(2**DRAW_BITS)).quantize(Decimal("0.0000000001"))


def drawn(seed: str, number: str, rate: Decimal) -> bool:
    return draw(seed, number) < rate


@dataclass(frozen=True)
class Reason:
    kind: str  # rule / draw / officer / green_channel
    lane: Lane
    ref: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "lane": self.lane.value, "ref": self.ref, "note": self.note}


@dataclass(frozen=True)
class Decision:
    lane: Lane
    reasons: tuple[Reason, ...] = field(default=())
    method: str | None = None

    @property
    def rule_hits(self) -> tuple[str, ...]:
        return tuple(r.ref for r in self.reasons if r.kind == "rule")


def decide(reasons: list[Reason], methods: dict[str, str] | None = None) -> Decision:
    """The strictest lane among the reasons (release without any); the method of the first reason
    that asks for inspection (a rule's method, else physical)."""
    if not reasons:
        return Decision(Lane.RELEASE)
    lane = max((r.lane for r in reasons), key=STRICTNESS.__getitem__)
    method = None
    if lane == Lane.INSPECTION:
        first = next(r for r in reasons if r.lane == Lane.INSPECTION)
        method = (methods or {}).get(first.ref, Method.PHYSICAL.value)
    return Decision(lane, tuple(reasons), method)


def hs_prefixes(hs_codes: list[str]) -> set[str]:
    """Every prefix (2 to 10 digits) of the declared HS codes: a rule's ``hs_prefix`` hits when it
    is one of them, which an index on the column answers."""
    return {h[:n] for h in hs_codes for n in range(2, len(h) + 1)}


def group_of(
    hs_codes: list[str],
    groups: list[tuple[str, tuple[str, ...], int]],
    transport_mode: str | None = None,
    mode_groups: dict[str, str] | None = None,
) -> str | None:
    """The green-channel group of a declaration: the transport mode's group (China-Europe Railway),
    else the first group (by priority) one of whose prefixes starts one of the HS codes."""
    if transport_mode and mode_groups and transport_mode in mode_groups:
        return mode_groups[transport_mode]
    for code, prefixes, _prio in sorted(groups, key=lambda g: (g[2], g[0])):
        if any(h.startswith(prefixes) for h in hs_codes):
            return code
    return None


def remote_video_refusal(*, consent: bool, credit: str | None, hs_codes: list[str]) -> str | None:
    """Why remote video may not be used, or None."""
    if not consent:
        return "remote_video_consent"
    if credit == "dishonest":
        return "remote_video_dishonest"
    if any(h.startswith(HIGH_RISK_HS) for h in hs_codes):
        return "remote_video_high_risk"
    return None


def binomial_bounds(n: int, rate: float, z: float = 4.0) -> tuple[float, float]:
    """Counts within ``z`` standard deviations of n·rate (for the draw's rate test)."""
    mean = n * rate
    sd = (n * rate * (1 - rate)) ** 0.5
    return mean - z * sd, mean + z * sd
