"""Security headers on every response; no inline script or style in any template; no secret in
the access log."""

import logging
import re
from importlib import resources

import pytest

from kouan.web import logredact

PAGES = ["/", "/login", "/api/v1/me", "/static/kouan.css", "/nowhere", "/openapi.json", "/healthz"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in r.headers  # plain http: no HSTS


@pytest.mark.parametrize(("page", "asset"), [("/docs", "/docs-assets/swagger-ui-bundle.js"),
                                             ("/redoc", "/docs-assets/swagger-ui.css")])
def test_the_api_docs_load_only_from_this_site(client, page, asset):
    """Swagger UI comes from a package (web/apidocs), never a CDN: it works offline; /redoc leads to it."""
    r = client.get(page)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "https:" not in csp and "http:" not in csp
    assert asset in r.text and "https://" not in r.text.replace("https://fastapi", "")
    script = client.get(asset)
    assert script.status_code == 200 and len(script.content) > 100_000


def test_https_deployments_send_hsts(kouan):
    from fastapi.testclient import TestClient

    from kouan.web.app import create_app

    app = create_app(kouan.settings.model_copy(update={"secure_cookies": True}), kouan)
    with TestClient(app) as c:
        assert c.get("/healthz").headers["strict-transport-security"].startswith("max-age=")


def test_no_template_runs_inline_script_or_inline_style():
    root = resources.files("kouan") / "web" / "templates"
    offences = []
    for path in root.rglob("*.html"):  # type: ignore[attr-defined]
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offences.append(f"{path.name}: {tag}")
        offences += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=|\sstyle\s*=|<style\b", text)]
    assert offences == []


def test_the_callback_token_and_secret_parameters_never_reach_the_access_log():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4:5", "POST", "/api/v1/dcsa/callbacks/s3cr3tT0ken?x=1&api_key=k",
                                "1.1", 204), None)
    logredact.RedactSecrets().filter(record)
    line = record.getMessage()
    assert "s3cr3tT0ken" not in line and "api_key=k" not in line
    assert "/api/v1/dcsa/callbacks/*** " in line.replace("?", " ") and "x=1" in line


def test_the_filter_is_on_uvicorns_access_logger_once(app):
    from kouan.web.app import create_app

    create_app(app.state.settings, app.state.kouan)
    filters = logging.getLogger("uvicorn.access").filters
    assert sum(isinstance(f, logredact.RedactSecrets) for f in filters) == 1
