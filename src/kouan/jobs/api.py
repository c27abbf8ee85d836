"""/api/v1/jobs: the post-commit jobs, for the port office and the operator (web/policy.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from kouan.jobs import service
from kouan.jobs.models import STATUSES
from kouan.kit.clock import utcnow
from kouan.kit.errors import Forbidden
from kouan.partners.domain import Principal, sees_all_organisations
from kouan.web.deps import CurrentPrincipal, DbSession, PersonPrincipal
from kouan.web.inputs import Id, Offset

router = APIRouter(prefix="/api/v1", tags=["jobs"])


def _overseer(principal: Principal) -> None:
    if not sees_all_organisations(principal):  # the route guard refuses them first (policy.ROUTES)
        raise Forbidden("the jobs are the port office's and the operator's to see")


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    handler: str | None
    payload: dict[str, Any]
    dedupe_key: str
    parent_id: int | None
    status: str
    attempts: int
    run_after: datetime
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobList(BaseModel):
    counts: dict[str, int]
    jobs: list[JobRead]


@router.get("/jobs", response_model=JobList)
def list_jobs(
    session: DbSession, principal: CurrentPrincipal,
    status: Annotated[str | None, Query(pattern=f"^({'|'.join(STATUSES)})$")] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> JobList:
    """Post-commit jobs, newest first, with the count in each status: a `failed` one has run out of
    attempts (its `last_error` says why) and waits for `POST /api/v1/jobs/{id}/retry`."""
    _overseer(principal)
    rows = service.list_jobs(session, status=status, kind=kind, limit=limit, offset=offset)
    return JobList(counts=service.counts(session), jobs=[JobRead.model_validate(j) for j in rows])


@router.post("/jobs/{job_id}/retry", response_model=JobRead)
def retry_job(job_id: Id, session: DbSession, principal: PersonPrincipal) -> JobRead:
    """Queue a failed job again with a fresh count of attempts (audited); 409 unless it failed."""
    _overseer(principal)
    return JobRead.model_validate(service.retry(session, job_id, now=utcnow()))
