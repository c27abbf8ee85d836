"""Schemathesis against Kouan's own ``/openapi.json``, through the app in process.

``fuzz(app, who)`` walks every documented operation, draws ``max_examples`` cases per operation and
generation mode (valid and invalid data, deterministically), sends each as ``who`` and runs
schemathesis' checks on the answer: no 5xx, status codes, content types and headers documented,
bodies matching their schema. It never stops at the first failure: it counts the cases tried and
collects the distinct failures (operation, check, status), so a run says how much is wrong.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

# The full run (README) draws KOUAN_FUZZ_EXAMPLES per operation, mode and caller; unset, it is skipped
# (``make test`` selects slow tests too). CI draws one.
FULL_EXAMPLES = int(os.environ.get("KOUAN_FUZZ_EXAMPLES", "0"))


# Left out, and why: positive_data_acceptance, because Kouan checks what JSON Schema cannot say (USCC
# and ISO 6346 check digits, known ports, a month in range, a declaration's state), so a schema-valid
# request may rightly be a 422 or a 409; ignored_auth, because this harness sends the caller's real
# credentials over the ones schemathesis generates (a full run's only 6 findings were that: a garbled
# session cookie replaced by the real one, answered 200); refusing bad credentials is the
# authorization matrix's. Every other check runs: no 5xx, status code, content type, headers,
# response schema, invalid data refused, missing required headers.
EXCLUDED = [positive_data_acceptance, ignored_auth]


@dataclass
class Who:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    refresh: Callable[[], None] | None = None  # run before each operation: restore what a case undid


@dataclass
class Report:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, check) -> example

    def add(self, operation: str, exc: BaseException) -> None:
        found = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
        for f in found:
            title = getattr(f, "title", None) or f"{type(f).__name__}: {str(f)[:200]}"
            self.failures.setdefault((operation, title), str(f)[:1500])

    def summary(self) -> str:
        lines = [f"{self.cases} cases, {len(self.failures)} distinct failures"]
        lines += [f"  {op}: {title}\n      {detail[:600]}" for (op, title), detail in sorted(self.failures.items())]
        return "\n".join(lines)


def _run_operation(operation: Any, who: Who, report: Report, *, mode: GenerationMode, examples: int) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        report.cases += 1
        try:
            response = case.call(headers=who.headers, cookies=who.cookies)
            report.statuses[response.status_code] += 1
            case.validate_response(response, headers=who.headers, excluded_checks=EXCLUDED)
        except FailureGroup as exc:
            report.add(label, exc)
        except Exception as exc:  # noqa: BLE001 - an app crash is a finding, counted, not a stop
            report.add(label, exc)

    try:
        run()
    except Unsatisfiable:
        pass  # no invalid request exists for an operation without parameters or body (GET /api/v1/me)


def fuzz(app: Any, who: Who, *, examples: int, report: Report | None = None,
         modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)) -> Report:
    report = report or Report()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            if who.refresh:
                who.refresh()
            _run_operation(operation, who, report, mode=mode, examples=examples)
    return report
