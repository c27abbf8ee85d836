"""The one-stop page: ``/gathering?ref=BOOKING``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kouan.gathering import service
from kouan.kit.clock import utcnow
from kouan.kit.errors import NotFound
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/gathering")
def gathering(request: Request, session: DbSession, principal: PagePrincipal, ref: str = ""):
    now = utcnow()
    context = {"ref": ref, "v": None, "error": None, "rates": [], "seed": service.SEED_FIGURE, "now": now}
    if not ref.strip():
        return render(request, "gathering/one_stop.html", context)
    try:
        view = service.one_stop(session, actor=principal, ref=ref)
    except NotFound as exc:
        return render(request, "gathering/one_stop.html", {**context, "error": exc}, status=404)
    context["v"], context["prompt"] = view, view.prompt(now)
    if view.port:
        context["rates"] = service.advance_rates(session, port=view.port)
    return render(request, "gathering/one_stop.html", context)
