"""ASGI entry point for multi-worker servers: ``uvicorn kouan.web.asgi:app``."""

from kouan.web.app import create_app

app = create_app()
