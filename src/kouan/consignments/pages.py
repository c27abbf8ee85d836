from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from kouan.consignments import timeline as timeline_service
from kouan.kit.errors import NotFound
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/consignments")
def search(request: Request, session: DbSession, principal: PagePrincipal, ref: str | None = None):
    if ref:
        return RedirectResponse(f"/consignments/{ref.strip()}", status_code=303)
    return render(request, "consignments/search.html", {"ref": "", "error": None})


@router.get("/consignments/{ref:path}")
def show(ref: str, request: Request, session: DbSession, principal: PagePrincipal):
    try:
        t = timeline_service.for_ref(session, actor=principal, ref=ref)
    except NotFound as exc:
        return render(request, "consignments/search.html", {"ref": ref, "error": exc.detail}, status=404)
    by_pk = {e.id: e for e in t.events}
    return render(request, "consignments/timeline.html", {"t": t, "ref": ref, "by_pk": by_pk})
