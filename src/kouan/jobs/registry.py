"""Who does what after a kind of job: features register handlers, the spine knows none of them.

```python
@jobs.handler("batch.committed")
def refresh_cases(session: Session, *, batch_id: int, now: datetime) -> None: ...
```

``bootstrap.build`` names the modules that register handlers (``subscribe``); they are imported the
first time a worker asks for a kind's handlers, so a command that only enqueues (an import) does
not pay for importing every reader.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HandlerFn = Callable[..., Any]


@dataclass(frozen=True)
class Handler:
    name: str  # stored in job.handler: stable, e.g. "clearance.refresh_cases"
    kind: str
    fn: HandlerFn
    actor: Any = None  # the Principal its transaction acts as (audit); system("jobs") if None


_HANDLERS: dict[str, dict[str, Handler]] = {}
_MODULES: list[str] = []
_loaded: set[str] = set()


def handler(kind: str, *, name: str | None = None, actor: Any = None) -> Callable[[HandlerFn], HandlerFn]:
    """Register ``fn(session, **payload, now=...)`` for jobs of ``kind``. It runs in its own
    transaction and must be idempotent: run twice, the second run changes nothing."""

    def register(fn: HandlerFn) -> HandlerFn:
        module = fn.__module__.removeprefix("kouan.").split(".")[0]
        key = name or f"{module}.{fn.__name__}"
        _HANDLERS.setdefault(kind, {})[key] = Handler(name=key, kind=kind, fn=fn, actor=actor)
        return fn

    return register


def subscribe(*modules: str) -> None:
    """Modules whose import registers handlers (wired in ``bootstrap``)."""
    for m in modules:
        if m not in _MODULES:
            _MODULES.append(m)


def _load() -> None:
    for m in _MODULES:
        if m not in _loaded:
            importlib.import_module(m)
            _loaded.add(m)


def handlers_for(kind: str) -> list[Handler]:
    _load()
    return sorted(_HANDLERS.get(kind, {}).values(), key=lambda h: h.name)


def get(name: str) -> Handler | None:
    _load()
    for by_name in _HANDLERS.values():
        if name in by_name:
            return by_name[name]
    return None
