"""The route guard: every route of the app passes ``policy.ROUTES`` before its handler runs.

An app-level dependency, so it runs first on every FastAPI route (the framework's own routes and
the static files are public in the table, and ``check_complete`` refuses an app with a route the
table does not name). It authenticates only where the rule asks for credentials, and hands the
principal to the route's own ``CurrentPrincipal`` / ``PagePrincipal`` so nobody is looked up twice.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.orm import Session

from kouan.kit.errors import Forbidden, KouanError
from kouan.partners.domain import Principal
from kouan.web import deps, policy


class UnlistedRoute(KouanError):
    """A route the policy table does not name: refused, whoever asks."""

    status = 500
    type = "/problems/unlisted-route"
    title = "Route without a policy"


ROUTE_POLICY = "route_policy"  # the ``code`` of the guard's 403, so tests tell it from a service's


def _bearer(request: Request) -> HTTPAuthorizationCredentials | None:
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not credentials:
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


def _principal(request: Request, session: Session, rule: policy.Rule) -> Principal:
    if rule.page:
        return deps.page_principal(request, session)  # anonymous: LoginRequired, to /login
    return deps.current_principal(request, session, bearer=_bearer(request), _session_cookie=None)


def route_guard(request: Request, session: deps.DbSession) -> None:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    rule = policy.rule_for(request.method, path)
    if rule is None:
        raise UnlistedRoute(f"no policy for {request.method} {path}")
    if rule.public:
        return
    principal = _principal(request, session, rule)
    request.state.guarded_principal = principal
    if not policy.allows(rule, principal):
        raise Forbidden(policy.refusal(rule, principal), extra={"code": ROUTE_POLICY})


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, its framework routes and mounts (as GET) included."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        methods = ctx.methods or {"GET"}
        out.extend((m, ctx.path) for m in methods if m != "HEAD" or methods == {"HEAD"})
    return out


def check_complete(app: FastAPI) -> None:
    """Refuse to build an app with a route the policy table does not name."""
    if gaps := policy.missing(app_routes(app)):
        raise RuntimeError(f"routes without an entry in kouan.web.policy.ROUTES: {gaps}")
