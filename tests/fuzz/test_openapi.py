"""The OpenAPI document is complete enough for a client (and schemathesis) to trust."""

from __future__ import annotations

import re

from kouan.kit.text import MAX_BIGINT
from kouan.web.openapi import ERROR_STATUSES, PROBLEM

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _operations(spec):  # type: ignore[no-untyped-def]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_every_operation_documents_the_problem_answers_as_problem_json(client):
    spec = client.get("/openapi.json").json()
    for path, method, op in _operations(spec):
        for status in ERROR_STATUSES:
            assert PROBLEM in op["responses"][status]["content"], (method, path, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_integer_parameter_is_bounded_by_what_its_column_holds(client):
    """A later route with a bare ``int`` parameter fails here (annotate it with kouan.web.inputs)."""
    spec = client.get("/openapi.json").json()
    for path, method, op in _operations(spec):
        for p in op.get("parameters", []):
            schema = p["schema"]
            if schema.get("type") == "integer":
                assert schema.get("maximum", MAX_BIGINT + 1) <= MAX_BIGINT, (method, path, p["name"])


def test_a_chart_that_can_answer_csv_documents_text_csv(client):
    spec = client.get("/openapi.json").json()
    assert "text/csv" in spec["paths"]["/api/v1/dashboard/trend"]["get"]["responses"]["200"]["content"]


def test_trace_and_undocumented_methods_are_405_problems_with_allow_on_every_path(client):
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        documented = {m.upper() for m in item if m in METHODS}
        for method in {"TRACE", "PUT", "DELETE", "PATCH"} - documented:
            r = client.request(method, url)
            assert r.status_code == 405, (method, url, r.status_code)
            assert r.headers["content-type"].startswith(PROBLEM), (method, url)
            assert set(r.headers["allow"].replace(" ", "").split(",")) >= documented - {"HEAD"}, (method, url)
