"""Filters resolved against the store (the default month range, the known regions and modes) and
the pick-lists the filter form offers."""

from __future__ import annotations

from dataclasses import dataclass

from kouan.clearance import bulletins
from kouan.dashboard import filters
from kouan.dashboard import repository as repo
from kouan.dashboard.charts import Store, this_month
from kouan.declarations.domain import Mode

MODES: tuple[str, ...] = ("standard", *(m.value for m in Mode))


@dataclass(frozen=True)
class Choices:
    regions: list[tuple[str, str, str]]  # code, name_zh, name_en; "CN" first
    ports: list[tuple[str, str]]  # locode, name
    modes: tuple[str, ...]


def resolve(store: Store, raw: dict[str, str | None]) -> filters.Filters:
    """Parse the query; with no range, the last 12 complete months up to the latest one with data
    (see ``filters.parse``; the month not over yet is chosen only by name), over the cases as they
    are: ``charts.freshness`` says what is pending."""
    complete = filters.shift(this_month(store), -1)
    with store.sessions() as s:
        last = repo.latest_month(s, not_after=complete) or complete
        first = repo.earliest_month(s)
    return filters.parse(raw, default_last=last, default_first=first, modes=MODES,
                         regions=set(bulletins.region_names()))


def choices(store: Store, f: filters.Filters, *, lang: str = "zh") -> Choices:
    names = bulletins.region_names()
    with store.sessions() as s:
        with_data = repo.regions_with_data(s)
        ports = repo.ports_with_data(s, province=f.province, lang=lang)
    codes = ["CN", *sorted(set(with_data) | {filters.DEFAULT_REGION, f.region} - {"CN"})]
    regions = [(c, *names.get(c, (c, c))) for c in codes]
    if f.port and f.port not in {p for p, _ in ports}:
        ports.append((f.port, ""))
    return Choices(regions=regions, ports=ports, modes=MODES)
