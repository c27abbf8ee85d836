"""The dashboard's filters: port, region, month range, direction, facilitation mode.

One parser for the page, the chart endpoints and the drill-down, so a chart and the declarations
behind one of its figures are always chosen by the same rules. Bad values are all named at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from kouan.analytics import filters as analytics_filters
from kouan.kit.errors import N_, FieldError, InvalidInput, TemplatedFieldError

MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
LOCODE_RE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
REGION_RE = re.compile(r"CN(-[A-Z]{2})?")
DEFAULT_REGION = "CN-LN"
DEFAULT_MONTHS = 12  # after a chosen ``from``, or when there is no data to start from
BASELINE_FIRST = "2017-01"  # the national baseline year: the default range never starts earlier
MAX_DEFAULT_MONTHS = 12  # no range chosen: the last 12 complete months (segments and ports average it)
DIRECTIONS = ("I", "E")
ALL = ("", "all", "ALL", "*")


@dataclass(frozen=True)
class Filters:
    first_month: str
    last_month: str
    region: str = DEFAULT_REGION  # "CN" means every province
    port: str | None = None
    direction: str | None = None  # "I", "E" or None for both
    mode: str | None = None  # a facilitation mode or None for all

    @property
    def province(self) -> str | None:
        return None if self.region == "CN" else self.region

    @property
    def period(self) -> analytics_filters.Period:
        return analytics_filters.Period(first_month=self.first_month, last_month=self.last_month)

    @property
    def period_text(self) -> str:
        """The range as every chart says it: "2022-03", or "2021-04 – 2022-03"."""
        return self.first_month if self.first_month == self.last_month else \
            f"{self.first_month} – {self.last_month}"

    @property
    def directions(self) -> tuple[str, ...]:
        return (self.direction,) if self.direction else DIRECTIONS

    def params(self) -> dict[str, str]:
        """The filters as query parameters, in the form's names (``from``/``to`` are months)."""
        return {"region": self.region, "port": self.port or "all", "from": self.first_month,
                "to": self.last_month, "direction": self.direction or "all", "mode": self.mode or "all"}

    def query(self, **override: str | None) -> str:
        params = self.params()
        params.update({k: v for k, v in override.items() if v is not None})
        return urlencode(params)

    def narrowed(self, **changes: str | None) -> Filters:
        return replace(self, **changes)


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    return [month_label(i) for i in range(month_index(first), month_index(last) + 1)]


def shift(month: str, months: int) -> str:
    return month_label(month_index(month) + months)


def _blank(value: str | None) -> bool:
    return value is None or value.strip() in ALL


def parse(
    raw: dict[str, str | None], *, default_last: str, modes: tuple[str, ...], regions: set[str],
    default_first: str | None = None,
) -> Filters:
    """Filters from query parameters; ``default_last`` is the latest month with data (or now),
    ``default_first`` the earliest. Without a range: the last 12 months up to ``default_last`` (the
    latest complete month with data), not before the data starts nor before 2017, so the segment
    and port charts average a year, not a decade; the "halve it" story is a ``from=2017-01`` away."""
    errors: list[FieldError] = []

    def month(name: str) -> str | None:
        value = raw.get(name)
        if _blank(value):
            return None
        value = value.strip()  # type: ignore[union-attr]
        if len(value) == 10 and value[7] == "-":  # a date picker's YYYY-MM-DD: keep the month
            value = value[:7]
        if not MONTH_RE.fullmatch(value):
            errors.append(FieldError(name, N_("a month as YYYY-MM"), raw.get(name)))
            return None
        return value

    first, last = month("from"), month("to")
    last = last or (shift(first, DEFAULT_MONTHS - 1) if first and first > default_last else default_last)
    if not first and default_first and default_first <= last:
        first = max(default_first, BASELINE_FIRST, shift(last, -(MAX_DEFAULT_MONTHS - 1)))
    first = first or shift(last, -(DEFAULT_MONTHS - 1))
    if first > last:
        errors.append(TemplatedFieldError("from", N_("a month not after 'to' (%(to)s)"), first,
                                          params={"to": last}))
    region = (raw.get("region") or DEFAULT_REGION).strip().upper()
    if not REGION_RE.fullmatch(region) or (region != "CN" and region not in regions):
        errors.append(FieldError("region", N_("CN (all) or a province such as CN-LN"), raw.get("region")))
    port = None if _blank(raw.get("port")) else raw["port"].strip().upper()  # type: ignore[union-attr]
    if port and not LOCODE_RE.fullmatch(port):
        errors.append(FieldError("port", N_("a UN/LOCODE such as CNDAL, or all"), raw.get("port")))
    direction = None if _blank(raw.get("direction")) else raw["direction"].strip().upper()  # type: ignore[union-attr]
    if direction and direction not in DIRECTIONS:
        errors.append(FieldError("direction", N_("I (import), E (export) or all"), raw.get("direction")))
    mode = None if _blank(raw.get("mode")) else raw["mode"].strip()  # type: ignore[union-attr]
    if mode and mode not in modes:
        errors.append(TemplatedFieldError("mode", N_("all or one of %(modes)s"), raw.get("mode"),
                                          params={"modes": ", ".join(modes)}))
    if errors:
        raise InvalidInput(N_("the dashboard filters are not valid"), errors=errors)
    return Filters(first_month=first, last_month=last, region=region, port=port,  # type: ignore[arg-type]
                   direction=direction, mode=mode)
