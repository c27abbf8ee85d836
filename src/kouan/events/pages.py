"""Pages: partner docking status and the quarantine browser."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kouan.events import docking
from kouan.events import repository as repo
from kouan.kit.clock import utcnow
from kouan.partners.domain import sees_all_organisations
from kouan.web.deps import DbSession, PagePrincipal
from kouan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/docking")
def docking_page(request: Request, session: DbSession, principal: PagePrincipal):
    rows = docking.statuses(session, actor=principal, now=utcnow())
    sees_all = sees_all_organisations(principal)
    source = None if sees_all else (principal.org_code or "\x00")
    quarantined = repo.list_quarantined(session, source=source, status="open", limit=20, offset=0)
    return render(request, "events/docking.html",
                  {"rows": rows, "quarantined": quarantined, "sees_all": sees_all})
