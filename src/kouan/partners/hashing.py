"""The Argon2id cost the settings ask for, held until the password service is imported:
``bootstrap.build`` records it here, and a command that checks no password (``kouan kpi``) never
imports argon2 nor the partners' service (``tests/test_cli_startup.py``)."""

from __future__ import annotations

import sys

_cost: tuple[int, int] | None = None  # (time_cost, memory_kib); None: argon2-cffi's defaults


def cost() -> tuple[int, int] | None:
    return _cost


def configure(*, time_cost: int, memory_kib: int) -> None:
    """Record the cost; applied at once if the service is loaded, else when it is imported."""
    global _cost
    _cost = (time_cost, memory_kib)
    service = sys.modules.get("kouan.partners.service")
    if service is not None:
        service.configure_password_hashing(time_cost=time_cost, memory_kib=memory_kib)
