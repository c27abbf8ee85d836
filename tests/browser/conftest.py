"""Real-browser tests: Playwright driving Debian's Chromium against a live ``kouan serve``.

Once per test session (``make test`` runs them in one process after the rest): a fresh SQLite
database in a tmp dir, ``kouan db upgrade``, ``kouan demo`` with a small log, then ``kouan serve``
on a free 127.0.0.1 port in a real subprocess, all configured through ``KOUAN_*`` environment
variables. Chromium is the system one (``/usr/bin/chromium``, or ``KOUAN_TEST_CHROMIUM``); nothing
is downloaded. Without it the tests skip, except in CI (``CI=true``) where they fail. Screenshots
go to ``test-artifacts/screenshots/<test>-<page>.png``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.browser.harness import CHROMIUM_ARGS, UI

CHROMIUM = os.environ.get("KOUAN_TEST_CHROMIUM", "/usr/bin/chromium")
DEMO_SCALE = "0.02"  # ~7,700 events, 2017 to now: still declarations both ways every month
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


_READY: list[str] = []  # how long the live server took, for the terminal summary


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _READY:
        terminalreporter.write_line(line)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run; `make test` installs Chromium)",
                    pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class LiveServer:
    url: str
    logins: dict[str, dict[str, str]]  # username -> its row of `kouan demo --json`
    database: Path
    log: Path
    timings: dict[str, float]
    env: dict[str, str]

    def kouan(self, *args: str) -> str:
        """Run the ``kouan`` CLI on the live server's database; its standard output."""
        return _run(list(args), self.env, self.log)


def _kouan_command() -> list[str]:
    script = Path(sys.executable).with_name("kouan")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from kouan.cli import app; sys.argv[0] = 'kouan'; app()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOUAN_")}
    env.update({
        "KOUAN_DATA_DIR": str(data_dir),
        "KOUAN_DATABASE_URL": f"sqlite:///{data_dir / 'kouan.sqlite3'}",
        "KOUAN_SECRET_KEY": "browser-test-secret-key-not-for-production",
        "KOUAN_ENVIRONMENT": "test",
        "KOUAN_ARGON2_TIME_COST": "1",
        "KOUAN_ARGON2_MEMORY_KIB": "1024",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _run(args: list[str], env: dict[str, str], log: Path) -> str:
    done = subprocess.run([*_kouan_command(), *args], env=env, capture_output=True, text=True, timeout=300)
    with log.open("a") as fh:
        fh.write(f"$ kouan {' '.join(args)}\n{done.stderr}\n")
    if done.returncode:
        command = " ".join(args)
        raise RuntimeError(f"`kouan {command}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`kouan serve` exited {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:
                if json.load(resp).get("status") == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"`kouan serve` did not answer /healthz within {timeout:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory,
                pytestconfig: pytest.Config) -> Iterator[LiveServer]:
    """The server's output (CLI runs and access log) is kept in test-artifacts/live-server.log."""
    data_dir = tmp_path_factory.mktemp("live")
    log = data_dir / "server.log"
    env = _server_env(data_dir)
    timings: dict[str, float] = {}
    started = time.monotonic()
    _run(["db", "upgrade"], env, log)
    timings["db upgrade"] = time.monotonic() - started
    logins = {row["username"]: row
              for row in json.loads(_run(["demo", "--json", "--scale", DEMO_SCALE], env, log))}
    timings["demo"] = time.monotonic() - started - timings["db upgrade"]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen([*_kouan_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process, log)
        timings["serve"] = time.monotonic() - started - timings["db upgrade"] - timings["demo"]
        timings["total"] = time.monotonic() - started
        ready = "browser tests: live server ready in " + ", ".join(
            f"{k} {v:.1f} s" for k, v in timings.items())
        _READY.append(ready)
        with log.open("a") as fh:
            fh.write(ready + "\n")
        yield LiveServer(url=url, logins=logins, database=data_dir / "kouan.sqlite3", log=log,
                         timings=timings, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        artifacts = pytestconfig.rootpath / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copyfile(log, artifacts / "live-server.log")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """The system Chromium, launched headless once per session with a fresh temporary profile."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        _unavailable(f"Chromium not found at {CHROMIUM}" + (f" (there is one at {found}: set "
                     "KOUAN_TEST_CHROMIUM)" if found else "; install it with `apt-get install chromium`"))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    """Emptied once per run, so that it holds this run's pictures only."""
    path = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.png"):
        old.unlink()
    return path


@pytest.fixture
def ui(chromium, live_server: LiveServer, screenshot_dir: Path,  # type: ignore[no-untyped-def]
       request: pytest.FixtureRequest) -> Iterator[UI]:
    """A fresh browser context (no cookies) on the live server; it fails the test on any console
    error, page error, failed request or 4xx/5xx answer from our server."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900},
                                   locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(30_000)  # charts compute their figures on a loaded 2-core CI
    name = request.node.name.removeprefix("test_")
    passwords = {user: row["password"] for user, row in live_server.logins.items()}
    browse = UI(context.new_page(), live_server.url, passwords, screenshot_dir, name)
    try:
        yield browse
        browse.assert_no_problems()
    finally:
        context.close()
