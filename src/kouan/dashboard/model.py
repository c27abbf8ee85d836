"""What a chart endpoint answers: panels of categories and series, plus the same numbers as a table.

``dashboard.js`` turns one ``Chart`` into an ECharts option (one grid per panel), the ``<details>``
table and the CSV come from ``Chart.table()``, so the picture, the table and the file show the same
numbers. All labels are already translated when a chart is built.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kouan.dashboard import labels
from kouan.kit import edge

Translate = Callable[[str], str]


@dataclass
class Series:
    name: str
    kind: str  # "line" or "bar"
    values: list[float | None]
    drill: list[str | None] | None = None  # a drill-down URL per value, where one exists
    style: str = "solid"  # "dashed" for reference lines
    stack: str | None = None
    axis: int = 0  # 0: the panel's value axis, 1: its second axis
    unit: str = "h"
    # per value: is it a figure of a month not over yet (Asia/Shanghai)? Only measured series that
    # can be partial carry the list; their table, JSON and CSV rows say so.
    partial: list[bool] | None = None


@dataclass
class Panel:
    title: str
    category_name: str
    value_name: str
    categories: list[str]
    series: list[Series] = field(default_factory=list)
    horizontal: bool = False
    value_name_2: str | None = None


@dataclass
class Chart:
    name: str
    title: str
    panels: list[Panel]
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(v is not None for p in self.panels for s in p.series for v in s.values)

    def series_names(self) -> list[str]:
        return list(dict.fromkeys(s.name for p in self.panels for s in p.series))

    @property
    def has_partial(self) -> bool:
        """Whether the chart's figures can be partial (a month not over yet): then its CSV says which."""
        return any(s.partial is not None for p in self.panels for s in p.series)

    def table(self, t: Translate) -> tuple[list[str], list[list[Any]]]:
        """Long format: panel, category, series, value (then the drill-down link, if any, and
        whether the figure is partial: two columns the header does not name)."""
        category = self.panels[0].category_name if self.panels else t(labels.PERIOD)
        header = [t(labels.PANEL), category, t(labels.SERIES), t(labels.VALUE)]
        rows: list[list[Any]] = []
        for p in self.panels:
            for s in p.series:
                for i, cat in enumerate(p.categories):
                    value = s.values[i]
                    if value is not None:
                        rows.append([p.title, cat, s.name, value, s.drill[i] if s.drill else None,
                                     bool(s.partial and s.partial[i])])
        return header, rows

    def as_dict(self, t: Translate) -> dict[str, Any]:
        header, rows = self.table(t)
        return {"chart": self.name, "title": self.title, "empty": self.empty,
                "series_names": self.series_names(), "panels": [asdict(p) for p in self.panels],
                "notes": self.notes, "table": {"header": header, "rows": rows}, **self.extra}


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text; floats rounded at the edge
    (``kit.edge``: two decimals, hours and percentages)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else repr(edge.number(v)) if isinstance(v, float) else v
                         for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def chart_csv(chart: Chart, t: Translate) -> bytes:
    header, rows = chart.table(t)
    if chart.has_partial:
        return csv_bytes([*header, t(labels.PARTIAL_COLUMN)],
                         [[*r[:4], "true" if r[5] else "false"] for r in rows])
    return csv_bytes(header, [r[:4] for r in rows])
