"""Body limits hold while the body is read, before authentication, on every route."""

import asyncio
import itertools
import json

from tests.factories import login

from kouan.web.limits import Limits

CHUNK = 64 * 1024


def _call(app, method, path, *, headers=(), chunks=()):
    """Drive the ASGI app with a body that is produced only when the app asks for it; returns the
    status, the response body and how many body bytes the app pulled."""
    source = iter(chunks)
    pulled = 0
    sent = []

    async def receive():
        nonlocal pulled
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(k.encode(), v.encode()) for k, v in headers],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, pulled


def test_an_anonymous_500_mb_declared_body_is_refused_without_reading_a_byte(app):
    status, headers, body, pulled = _call(
        app, "POST", "/api/v1/events", headers=[("content-length", str(500 * 1024 * 1024)),
                                                ("content-type", "application/x-ndjson")],
        chunks=itertools.repeat(b"x" * CHUNK))
    assert status == 413 and pulled == 0
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 413 and problem["limit_bytes"] == 64 * 1024 * 1024
    assert "content-security-policy" in headers  # the refusal is a response like any other


def test_a_chunked_declaration_over_one_mib_is_cut_off_at_the_limit(app):
    status, headers, body, pulled = _call(
        app, "POST", "/api/v1/declarations", headers=[("content-type", "application/json")],
        chunks=itertools.repeat(b" " * CHUNK))  # endless: only the limit stops it
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert pulled <= 1024 * 1024 + CHUNK  # memory held: at most the limit and one chunk


def test_a_chunked_login_form_over_64_kib_is_refused_before_the_password_is_looked_at(app):
    status, _, _, pulled = _call(
        app, "POST", "/login", headers=[("content-type", "application/x-www-form-urlencoded")],
        chunks=itertools.repeat(b"a" * 4096))
    assert status == 413 and pulled <= 64 * 1024 + 4096


def test_every_page_form_and_api_route_has_a_limit_from_the_one_table():
    limits = Limits(ingest=64, declaration=32, form=8, default=16)
    assert limits.for_request("POST", "/api/v1/events/edifact") == 64
    assert limits.for_request("POST", "/api/v1/dcsa/callbacks/abc") == 64
    assert limits.for_request("POST", "/api/v1/declarations/0900/actions/accept") == 32
    assert limits.for_request("POST", "/declarations/new") == 32
    assert limits.for_request("POST", "/orgs/3/people") == 8
    assert limits.for_request("PATCH", "/api/v1/organisations/3") == 16


def test_a_body_within_the_limit_still_works_and_a_logged_in_oversize_one_is_413(client, world):
    csrf = login(client, world.trader_a.admin)
    r = client.post("/api/v1/declarations", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                    headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["title"] == "Content too large"
    r = client.post("/api/v1/declarations", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422  # read, and refused for what it says, not for its size


def test_the_limits_are_settings(kouan):
    from kouan.web.app import create_app

    small = create_app(kouan.settings.model_copy(update={"max_body_ingest": 1000}), kouan)
    status, _, body, pulled = _call(small, "POST", "/api/v1/events",
                                    headers=[("content-length", "1001")], chunks=[b"x" * 1001])
    assert status == 413 and pulled == 0 and json.loads(body)["limit_bytes"] == 1000
