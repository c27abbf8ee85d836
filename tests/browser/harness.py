"""What the browser tests do on a page: log in, open pages, read charts, watch for errors, take
screenshots. The DOM contract of the charts is in the README (Browser tests)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# Chromium on a closed network: no sandbox (containers), no GPU, and nothing that phones home
# (without the background-networking flags its own connections are refused and logged).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
CJK = re.compile(r"[\u4e00-\u9fff]")
_HTTP_ERROR_LOG = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")

# Reads every <canvas> of a chart container: its size, how many sampled pixels differ from the
# background (the top-left pixel) and how many distinct colours were sampled. A blank or cleared
# canvas has no differing pixel; a drawn chart has axes, labels and marks in several colours.
_CANVAS_JS = """
(el) => [...el.querySelectorAll('canvas')].map((c) => {
  const out = {width: c.width, height: c.height, painted: 0, colours: 0, sampled: 0,
               dataUrlLength: c.width && c.height ? c.toDataURL().length : 0};
  if (!c.width || !c.height) return out;
  const blank = document.createElement('canvas');
  blank.width = c.width; blank.height = c.height;
  out.blankDataUrlLength = blank.toDataURL().length;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const bg = [d[0], d[1], d[2], d[3]];
  const colours = new Set();
  const step = Math.max(1, Math.floor((c.width * c.height) / 40000));
  for (let p = 0; p < c.width * c.height; p += step) {
    const i = p * 4;
    out.sampled++;
    if (d[i] !== bg[0] || d[i + 1] !== bg[1] || d[i + 2] !== bg[2] || d[i + 3] !== bg[3]) {
      out.painted++;
      colours.add((d[i] << 24) ^ (d[i + 1] << 16) ^ (d[i + 2] << 8) ^ d[i + 3]);
    }
  }
  out.colours = colours.size;
  return out;
})
"""


@dataclass
class Chart:
    name: str
    rendered: str | None
    series: list[str]
    canvases: list[dict[str, Any]]

    @property
    def painted_share(self) -> float:
        return max((c["painted"] / c["sampled"] for c in self.canvases if c["sampled"]), default=0.0)

    def assert_drawn(self) -> None:
        assert self.rendered == "true", f"chart {self.name}: data-rendered={self.rendered!r}, expected 'true'"
        assert self.canvases, f"chart {self.name}: no <canvas> inside #chart-{self.name}"
        big = max(self.canvases, key=lambda c: c["width"] * c["height"])
        assert big["width"] >= 200 and big["height"] >= 100, f"chart {self.name}: canvas too small {big}"
        assert big["dataUrlLength"] > big["blankDataUrlLength"], f"chart {self.name}: canvas is blank {big}"
        assert self.painted_share > 0.005, f"chart {self.name}: almost nothing drawn {self.canvases}"
        assert max(c["colours"] for c in self.canvases) >= 3, f"chart {self.name}: one colour only"
        assert self.series, f"chart {self.name}: data-series is empty"


@dataclass
class UI:
    page: Any  # playwright.sync_api.Page
    base_url: str
    logins: dict[str, str]
    screenshot_dir: Path
    test_name: str
    problems: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        ours = urlparse(self.base_url).netloc
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error on {self.page.url}: {exc}"))
        self.page.on("requestfailed", lambda r: self.problems.append(
            f"request failed: {r.method} {r.url}: {r.failure}"))
        self.page.on("response", lambda r: urlparse(r.url).netloc == ours and r.status >= 400
                     and r.status not in self.allowed_statuses
                     and self.problems.append(f"HTTP {r.status} from {r.request.method} {r.url}"))

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        provoked = _HTTP_ERROR_LOG.match(message.text)
        if provoked and int(provoked.group(1)) in self.allowed_statuses:
            return  # Chromium logs every 4xx answer, even the one the test asked for
        self.problems.append(f"console error on {self.page.url}: {message.text} "
                             f"({message.location.get('url', '')})")

    @contextmanager
    def expecting(self, status: int) -> Iterator[None]:
        """An error answer the test provokes on purpose (a wrong password) is not a problem."""
        self.allowed_statuses.add(status)
        try:
            yield
        finally:
            self.allowed_statuses.discard(status)

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(self.url(path), wait_until="load")
        assert response is not None and response.status == status, (
            f"GET {path}: HTTP {response.status if response else None}, expected {status}")
        self.settle()

    def follow(self, target: Any) -> None:
        """Click a link or a submit button (a locator or a selector) and wait for the next page."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation(wait_until="load"):
            locator.click()
        self.settle()

    def settle(self) -> None:
        """Wait until every chart on the page has fetched its data and drawn (or said why not) and
        the network is quiet, so that leaving the page aborts nothing; then check for problems."""
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.chart[data-src]')].every((el) => el.dataset.rendered)")
        self.page.wait_for_load_state("networkidle")
        self.assert_no_problems()

    def log_in(self, username: str = "port.admin", next_path: str | None = None, *,
               lands_on: str = "/dashboard") -> None:
        """Log in through the form; without ``next_path`` the person lands on their own page."""
        self.open("/login" if next_path is None else f"/login?next={next_path}")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", self.logins[username])
        self.follow("form.stacked button[type=submit]")
        expected = lands_on if next_path is None else next_path.split("?")[0]
        assert urlparse(self.page.url).path == expected, f"login ended on {self.page.url}"

    def nav_texts(self) -> list[str]:
        return [t.strip() for t in self.page.locator("header nav a").all_inner_texts()]

    def chart(self, name: str, *, timeout: float = 30_000) -> Chart:
        box = self.page.locator(f"#chart-{name}")
        assert box.count() == 1, f"#chart-{name} not found on {self.page.url}"
        self.page.wait_for_function(
            "(el) => Boolean(el.dataset.rendered)",  # 'true', 'empty' or 'error'; assert_drawn tells
            arg=box.element_handle(), timeout=timeout)
        series = box.get_attribute("data-series") or ""
        return Chart(name=name, rendered=box.get_attribute("data-rendered"),
                     series=[s for s in series.split("|") if s],
                     canvases=box.evaluate(_CANVAS_JS))

    def chart_table(self, name: str) -> Any:
        """Opens the chart's <details class="chart-data"> as a reader would; its table's locator."""
        card = self.page.locator(".chart-card", has=self.page.locator(f"#chart-{name}"))
        details = card.locator("details.chart-data")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        return details.locator("table")

    def shot(self, page_name: str) -> Path:
        path = self.screenshot_dir / f"{self.test_name}-{page_name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def assert_no_problems(self) -> None:
        problems, self.problems[:] = list(self.problems), []
        assert not problems, "the browser saw problems:\n" + "\n".join(problems)
