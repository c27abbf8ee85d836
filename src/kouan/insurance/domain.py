"""Rules of the export-credit-insurance channel. Standard library only (and kit).

Kouan is a channel, not an underwriter (business-rules.md §3): it checks the commerce bureau's
eligibility rule, passes an eligible application to the insurer, and records the insurer's decision.

    submitted ──eligibility──▶ in_review ──insurer──▶ issued ──▶ (loss notices)
        │                          └────────insurer──▶ rejected
        └──────────────────────▶ ineligible
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kouan.kit.errors import N_
from kouan.kit.ids import check_uscc

DEFAULT_CEILING_USD = Decimal("3000000")  # [K] Sinosure's historic "small and micro" line (§3)
MAX_BUYERS = 20


class Status(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"  # eligible; with the insurer
    INELIGIBLE = "ineligible"
    ISSUED = "issued"
    REJECTED = "rejected"


STATUS_NAMES = {
    Status.SUBMITTED: N_("Submitted"),
    Status.IN_REVIEW: N_("With the insurer"),
    Status.INELIGIBLE: N_("Not eligible"),
    Status.ISSUED: N_("Policy issued"),
    Status.REJECTED: N_("Rejected by the insurer"),
}

# What the insurer may do from each status.
INSURER_STEPS: dict[Status, frozenset[str]] = {Status.IN_REVIEW: frozenset({"issue", "reject"})}
COVERED = frozenset({Status.IN_REVIEW, Status.ISSUED})  # "already covered" (or about to be)

PAYMENT_TERMS = (
    "LC",
    "DP",
    "DA",
    "OA",
)  # letter of credit, documents against payment/acceptance, open account
PAYMENT_TERM_NAMES = {
    "LC": N_("Letter of credit"),
    "DP": N_("Documents against payment"),
    "DA": N_("Documents against acceptance"),
    "OA": N_("Open account"),
}

# GB/T 2260 prefecture codes of Liaoning (the USCC's region, characters 3-8); other codes are shown
# as they are.
CITIES = {
    "2101": "沈阳市",
    "2102": "大连市",
    "2103": "鞍山市",
    "2104": "抚顺市",
    "2105": "本溪市",
    "2106": "丹东市",
    "2107": "锦州市",
    "2108": "营口市",
    "2109": "阜新市",
    "2110": "辽阳市",
    "2111": "盘锦市",
    "2112": "铁岭市",
    "2113": "朝阳市",
    "2114": "葫芦岛市",
}


def city_of(uscc: str) -> str:
    """The prefecture code (4 digits + ``00``) of a USCC's registration region."""
    region = uscc[2:8] if len(uscc) == 18 else ""
    return f"{region[:4]}00" if region.isdigit() else "000000"


def city_name(code: str) -> str:
    return CITIES.get(code[:4], code)


CHECK_NAMES = {
    "uscc": N_("USCC valid"),
    "ceiling": N_("Prior-year exports within the ceiling"),
    "not_covered": N_("Not already covered"),
}


@dataclass(frozen=True)
class Check:
    name: str  # "uscc" | "ceiling" | "not_covered"
    passed: bool
    reason: str = ""  # English, a msgid with %(..)s params filled in by the caller


@dataclass(frozen=True)
class Eligibility:
    checks: tuple[Check, ...]

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks if not c.passed]


def eligibility(
    *, uscc: str, export_value_usd: Decimal, ceiling_usd: Decimal, already_covered: str | None
) -> Eligibility:
    """The commerce bureau's rule: a valid USCC, prior-year exports within the ceiling, and no other
    application of the same enterprise covered (or under review) for the policy year."""
    bad = check_uscc(uscc)
    return Eligibility(
        (
            Check("uscc", bad is None, bad or ""),
            Check(
                "ceiling",
                export_value_usd <= ceiling_usd,
                ""
                if export_value_usd <= ceiling_usd
                else f"prior-year exports of USD {export_value_usd:,.2f} exceed the ceiling of "
                f"USD {ceiling_usd:,.2f}",
            ),
            Check(
                "not_covered",
                already_covered is None,
                "" if already_covered is None else f"already covered by application {already_covered}",
            ),
        )
    )


def insurer_may(status: str, step: str) -> bool:
    return step in INSURER_STEPS.get(Status(status), frozenset())
