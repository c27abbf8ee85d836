"""The real `kouan` command in separate processes: upgrade, serve, demo, users, API keys."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

KOUAN = [sys.executable, "-m", "kouan.cli"]


@pytest.fixture
def env(kouan, tmp_path):
    e = dict(os.environ)
    e.update(KOUAN_DATABASE_URL=kouan.settings.effective_database_url, KOUAN_DATA_DIR=str(tmp_path),
             KOUAN_ARGON2_TIME_COST="1", KOUAN_ARGON2_MEMORY_KIB="1024")
    return e


def run(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*KOUAN, *args], env=env, capture_output=True, text=True, input=stdin,
                          timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_upgrade_then_serve_answers_health_home_and_openapi(env):
    assert run(env, "db", "upgrade").returncode == 0
    port = free_port()
    proc = subprocess.Popen([*KOUAN, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "kouan serve did not start in 30 s"
                time.sleep(0.2)
        assert health.status_code == 200
        home = httpx.get(base + "/")
        assert home.status_code == 200 and '<html lang="zh-CN">' in home.text
        paths = httpx.get(base + "/openapi.json").json()["paths"]
        assert any(p.startswith("/api/v1/") for p in paths)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_an_unmigrated_database(tmp_path):
    e = dict(os.environ, KOUAN_DATA_DIR=str(tmp_path))
    e.pop("KOUAN_DATABASE_URL", None)
    r = run(e, "serve", "--port", str(free_port()))
    assert r.returncode == 2 and "kouan db upgrade" in r.stderr


def test_demo_creates_logins_once_and_they_work(env, client):
    first = run(env, "demo", "--json", "--no-events")
    assert first.returncode == 0, first.stderr
    logins = json.loads(first.stdout)
    assert {"port.admin", "officer.wang", "broker.li", "dct.admin"} <= {x["username"] for x in logins}
    again = run(env, "demo", "--json", "--no-events")
    assert json.loads(again.stdout) == logins  # idempotent: nothing new, nothing doubled
    from tests.factories import login

    login(client, "port.admin", logins[0]["password"])
    orgs = client.get("/api/v1/organisations").json()
    assert len({o["code"] for o in orgs}) == len(orgs) >= 14
    assert {"LNPO", "DLCUS", "SYCUS", "DCT", "COSCO"} <= {o["code"] for o in orgs}


def test_users_and_api_keys_from_the_command_line(env, world, client):
    r = run(env, "users", "create", "--org", "TRADERA", "--username", "cli.user", "--name", "CLI",
            "--password", "-", stdin="a-long-password\n")
    assert r.returncode == 0, r.stderr
    r = run(env, "apikeys", "create", "--org", "DCT", "--name", "TOS", "--json")
    assert r.returncode == 0, r.stderr
    issued = json.loads(r.stdout)
    headers = {"Authorization": f"Bearer {issued['secret']}"}
    assert client.get("/api/v1/me", headers=headers).json()["org_id"] == world.terminal.id
    assert run(env, "apikeys", "revoke", str(issued["id"])).returncode == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cli_errors_name_the_field(env, world):
    r = run(env, "orgs", "create", "--code", "BAD", "--name", "x", "--kind", "trader",
            "--uscc", "91110000600037341M")
    assert r.returncode == 2
    assert "/uscc" in r.stderr and "check character" in r.stderr
    r = run(env, "users", "create", "--org", "TRADERA", "--username", "short.pw", "--name", "x",
            "--password", "-", stdin="short\n")
    assert r.returncode == 2 and "/password" in r.stderr


def test_a_month_that_is_no_month_is_refused_in_one_line_by_kpi_and_bulletin(env):
    for args in (["kpi", "--month", "2022-13", "--json"], ["bulletin", "--month", "2022-13"]):
        r = run(env, *args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "the month is not valid" in r.stderr and "2022-13" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "InvalidInput" not in r.stderr, r.stderr
