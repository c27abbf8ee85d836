"""What the ``kouan`` commands need from the rest of Kouan, imported when a command first uses it.

Every command imports ``kouan.cli`` (and the command modules it registers) only to be listed:
``kouan --help`` and ``kouan version`` must not pay for SQLAlchemy's ORM, the settings' pydantic,
the password hasher or the models (``tests/test_cli_startup.py``). These stand in for the names the
command modules used to import at their top, and import the real thing on first call.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from kouan.bootstrap import Kouan
    from kouan.config import Settings


class LazyModule:
    """A module imported on first attribute access."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


def build(settings: Settings) -> Kouan:
    from kouan.bootstrap import build as build_kouan

    return build_kouan(settings)


def get_settings() -> Settings:
    from kouan.config import get_settings as settings

    return settings()


def transaction(*args: Any, **kwargs: Any) -> AbstractContextManager[Any]:
    from kouan.db.session import transaction as open_transaction

    return open_transaction(*args, **kwargs)
