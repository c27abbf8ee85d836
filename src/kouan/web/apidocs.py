"""The API docs, /docs (Swagger UI), with no CDN: its script and stylesheet come from the
``fastapi-offline`` package (Swagger UI 5 as files in the wheel, installed with Kouan like any
dependency), served under ``/docs-assets``; /redoc leads there (ReDoc's page would still fetch its
badge from a CDN). On an intranet or offline the docs work
as they do on the internet; FastAPI's own pages would load them from a CDN at every visit.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def install(app: FastAPI) -> None:
    """``app`` was made with ``docs_url=None, redoc_url=None``: add the packaged pages instead."""
    assets = resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2 = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} — Swagger UI", oauth2_redirect_url=oauth2,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg")

    @app.get(oauth2, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        # ReDoc's page loads its badge from a CDN whatever its options: /docs is the offline one.
        return RedirectResponse("/docs", status_code=307)
