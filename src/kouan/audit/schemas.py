from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_org_id: int | None
    action: str
    entity: str
    entity_id: str | None
    subject_org_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
