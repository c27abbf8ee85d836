"""The authorization matrix (issue #12): every route of the app × anonymous, a person of every
organisation kind and role, a key of every kind and scope × its own object and another
organisation's → the answer the one policy table (``kouan.web.policy.ROUTES``) says, and zero
cross-tenant reads. Runs on SQLite and PostgreSQL.

Requests go through the real app; only the request's transaction is rolled back instead of
committed, so thousands of calls leave the world as it was built. A route's handler is run where
that is cheap; the analytics routes get a bad ``format`` so an admitted caller's 422 proves the
guard let it through without computing a chart.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from tests.web.authz_world import Persona, Side, build, personas

from kouan.partners.domain import OrgKind, Principal, Role
from kouan.web import authz, deps, policy

OVERSEERS = policy.OVERSEERS
# Routes whose handler computes analytics: probed with a parameter that fails validation after the guard.
PROBES = {"/api/v1/kpi": "engine=x", "/api/v1/kpi/facilitation": "by=month&from_month=x",
          "/api/v1/dashboard/trend": "format=x", "/api/v1/dashboard/segments": "format=x",
          "/api/v1/dashboard/ports": "format=x", "/api/v1/dashboard/facilitation": "format=x",
          "/api/v1/dashboard/docking": "format=x", "/api/v1/dashboard/declarations": "format=x",
          "/api/v1/bulletin": "format=x&month=2022-03", "/api/v1/dashboard/bulletin": "format=x&month=2022-03",
          "/dashboard": "", "/dashboard/declarations": "page=0", "/bulletins": "",
          "/bulletins/{region}/{month}": ""}
SKIP_PUBLIC_FRAMEWORK = {"/docs", "/redoc", "/docs/oauth2-redirect", "/static", "/openapi.json"}


def principal_of(p: Persona) -> Principal | None:
    if p.kind is None:
        return None
    if p.role is not None:
        return Principal(kind="person", id=1, org_id=1, org_kind=p.kind, role=p.role)
    return Principal(kind="apikey", id=1, org_id=1, org_kind=p.kind, scopes=p.scopes or frozenset())


def fill(name: str, p: Persona, sides: dict[str, Side], target: str) -> str:
    """A path parameter: the caller's own object (``own``) or side B's (``other``)."""
    side = sides["A" if target == "own" else "B"]
    org = side.orgs[p.kind or OrgKind.TRADER]
    values = {
        "org_id": org.id, "person_id": org.people[Role.ADMIN], "key_id": next(iter(org.keys.values()))[0],
        "feed_id": org.feed_id, "token": org.token, "qid": org.qid, "number": side.declaration,
        "reference": side.appointment, "clearance_id": side.clearance, "ref:path": side.bill,
        "action": "lodge", "step": "cancel", "locale": "en", "region": "CN-LN", "month": "2022-13",
        # fee lists are published data (public); inspections and findings are the port office's
        "port": "CNDAL", "payee": "NOPAYEE", "item": "SEAL", "inspection_id": 1, "finding_id": 1,
        "locode": "CNDAL", "code": "DL-ORE-01", "job_id": 1,  # jobs are no organisation's: only the overseers reach them
        # slots are an offer to every party, and no ticket is there: an admitted caller gets 404 or 422
        "slot_id": 999999, "ticket_id": 999999, "category": "delay",
    }
    if name not in values:
        pytest.fail(f"the matrix does not know how to fill the path parameter {{{name}}}")
    return str(values[name])


def url(path: str, p: Persona, sides: dict[str, Side], target: str) -> str:
    out, rest = "", path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        out += head + fill(name, p, sides, target)
    out += rest
    query = PROBES.get(path)
    if path == "/api/v1/dashboard/gantt":
        query = f"ref={sides['A' if target == 'own' else 'B'].bill}"
    return f"{out}?{query}" if query else out


def call(client: TestClient, method: str, path: str, p: Persona, sides, target):  # type: ignore[no-untyped-def]
    client.cookies.clear()  # a response's Set-Cookie must not follow the next caller
    headers = dict(p.headers)
    kw: dict = {}
    if method in ("POST", "PATCH"):
        if path.startswith("/api/"):
            kw["json"] = {}
        else:
            kw["data"] = {"csrf_token": p.csrf}
    return client.request(method, url(path, p, sides, target), headers=headers, follow_redirects=False, **kw)


def refused_by_guard(r, rule: policy.Rule, p: Persona) -> bool:  # type: ignore[no-untyped-def]
    if rule.page and p.role is None:  # anonymous, or a key (pages read no keys): to the login form
        return r.status_code == 303 and r.headers["location"].startswith("/login")
    if p.kind is None:
        return r.status_code == 401
    return r.status_code == 403 and r.headers.get("content-type", "").startswith("application/problem+json") \
        and r.json().get("code") == authz.ROUTE_POLICY


def callers(rule: policy.Rule, people: list[Persona]) -> list[Persona]:
    """Who calls a route: everyone, except where the table cannot tell them apart — a public route
    (anonymous, one person, one key), and where keys are refused whatever their scope (a page, or
    a route without a key scope: one key per organisation kind)."""
    if rule.public:
        return [p for p in people if p.kind is None or p.label in ("trader/admin", "trader/key:read")]
    if rule.page or not rule.scopes:
        return [p for p in people if p.scopes is None or p.scopes == frozenset({"read"})]
    return people


def crosses(rule: policy.Rule, p: Persona) -> bool:
    """May this caller see side B's objects on this route (the overseers, or a kind named wide)?"""
    return p.role is not None and p.kind in OVERSEERS or p.kind in rule.wide or rule.public


@pytest.fixture(scope="module")
def matrix(migrated_kouan):  # type: ignore[no-untyped-def]
    from tests.conftest import _wipe

    from kouan.web.app import create_app

    _wipe(migrated_kouan)
    app = create_app(migrated_kouan.settings, migrated_kouan)
    with TestClient(app) as client:
        sides = build(migrated_kouan, client)
        for side in sides.values():
            _quarantine_ids(migrated_kouan, side)
        people = personas(client, sides["A"])

        def rolled_back(request: Request):  # type: ignore[no-untyped-def]
            with deps.get_kouan(request).sessions() as session:
                try:
                    yield session
                finally:
                    session.rollback()

        app.dependency_overrides[deps.get_db] = rolled_back
        yield app, client, sides, people
    _wipe(migrated_kouan)


def _quarantine_ids(kouan, side: Side) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from kouan.events.models import QuarantinedMessage

    with kouan.sessions() as s:
        by_source = dict(s.execute(select(QuarantinedMessage.source, QuarantinedMessage.id)).all())
    for org in side.orgs.values():
        org.qid = by_source[org.code]


def test_every_route_answers_as_the_policy_table_says_and_no_one_reads_another_organisations_data(matrix):
    app, client, sides, people = matrix
    routes = [r for r in authz.app_routes(app) if r[1] not in SKIP_PUBLIC_FRAMEWORK]
    failures: list[str] = []
    seen: Counter[str] = Counter()
    slowest: Counter[str] = Counter()
    started = time.monotonic()
    other_markers = [m for m in sides["B"].markers() if m]
    for method, path in routes:
        rule = policy.rule_for(method, path)
        assert rule is not None, f"{method} {path} has no entry in kouan.web.policy.ROUTES"
        t0 = time.monotonic()
        for p in callers(rule, people):
            allowed = policy.allows(rule, principal_of(p))
            # A refused caller is refused before any object is looked up: its own object suffices.
            for target in ("own", "other") if "{" in path and allowed else ("own",):
                r = call(client, method, path, p, sides, target)
                seen["requests"] += 1
                where = f"{method} {path} [{target}] as {p.label}: {r.status_code}"
                if r.status_code >= 500:
                    failures.append(f"{where} (server error) {r.text[:200]}")
                    continue
                if not allowed:
                    seen["refused"] += 1
                    if not refused_by_guard(r, rule, p):
                        failures.append(f"{where}, the table refuses it")
                    continue
                if refused_by_guard(r, rule, p) and not rule.public:
                    failures.append(f"{where}, the table allows it")
                    continue
                seen["admitted"] += 1
                if crosses(rule, p):
                    continue
                if target == "other" and 200 <= r.status_code < 400:
                    failures.append(f"{where}: another organisation's object answered")
                    seen["leaks"] += 1
                elif method == "GET" and r.status_code == 200 and (
                        leaked := [m for m in other_markers if m in r.text]):
                    failures.append(f"{where}: names another organisation's {leaked}")
                    seen["leaks"] += 1
        slowest[f"{method} {path}"] = round(time.monotonic() - t0, 2)
    elapsed = time.monotonic() - started
    print("slowest routes:", slowest.most_common(12))
    print(f"authz matrix: {dict(seen)} in {elapsed:.1f} s")
    assert seen["requests"] > 3000 and seen["refused"] > 1000 and seen["admitted"] > 1000
    assert failures == [], f"{len(failures)} of {seen['requests']}:\n" + "\n".join(failures[:60])


def test_every_route_of_the_app_has_a_policy_and_the_table_names_no_route_that_is_gone(matrix):
    app = matrix[0]
    served = set(authz.app_routes(app))
    assert policy.missing(served) == []
    assert sorted(set(policy.ROUTES) - served) == []


def test_routes_outside_fastapis_dependencies_are_public(matrix):
    from fastapi.routing import APIRoute, iter_route_contexts

    for ctx in iter_route_contexts(matrix[0].routes):
        if not isinstance(ctx.route, APIRoute):  # the guard cannot run there
            for method in ctx.methods or {"GET"}:
                assert policy.rule_for(method, ctx.path).public, ctx.path


def test_an_app_with_a_route_the_table_does_not_name_refuses_to_start():
    app = FastAPI()

    @app.get("/api/v1/forgotten")
    def forgotten() -> dict:  # pragma: no cover - never served
        return {}

    with pytest.raises(RuntimeError, match="/api/v1/forgotten"):
        authz.check_complete(app)


def test_a_route_added_after_start_without_a_policy_is_refused_with_500(matrix):
    app, client, _sides, _people = matrix
    app.router.add_api_route("/api/v1/slipped-in", lambda: {"secret": 1}, methods=["GET"])
    try:
        r = client.get("/api/v1/slipped-in")
        assert r.status_code == 500 and "secret" not in r.text
    finally:
        app.router.routes.pop()
