"""Serial to parallel (串联改并联, business-rules.md §1.8 [K]): on a vessel's entry declaration the
three agencies check it at the same time instead of one after another. Pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kouan.partners.domain import OrgKind


class Agency(StrEnum):
    CUSTOMS = "customs"
    BORDER_INSPECTION = "border_inspection"
    MARITIME = "maritime"


AGENCY_OF_ORG: dict[OrgKind, Agency] = {
    OrgKind.CUSTOMS: Agency.CUSTOMS,
    OrgKind.BORDER_INSPECTION: Agency.BORDER_INSPECTION,
    OrgKind.MARITIME: Agency.MARITIME,
}


class AlreadyDone(Exception):
    def __init__(self, agency: Agency, done_at: datetime) -> None:
        super().__init__(f"the {agency.value} check was done at {done_at.isoformat()}")
        self.agency, self.done_at = agency, done_at


@dataclass(frozen=True)
class Overlap:
    """How much parallel work saved: the elapsed time against the checks run one after another."""

    elapsed_h: float
    serial_h: float  # the sum of every agency's check time, as if in sequence

    @property
    def saved_h(self) -> float:
        return self.serial_h - self.elapsed_h


def overlap(opened_at: datetime, done: dict[Agency, datetime]) -> Overlap | None:
    """Only once every agency is done; each check runs from the entry declaration to its end."""
    if set(done) != set(Agency):
        return None
    spans = [(t - opened_at).total_seconds() / 3600 for t in done.values()]
    return Overlap(elapsed_h=max(spans), serial_h=sum(spans))


def complete(
    done: dict[Agency, datetime], agency: Agency, at: datetime
) -> tuple[dict[Agency, datetime], bool]:
    """Record ``agency``'s check; returns the new map and whether the call is now cleared."""
    if agency in done:
        raise AlreadyDone(agency, done[agency])
    new = {**done, agency: at}
    return new, set(new) == set(Agency)
