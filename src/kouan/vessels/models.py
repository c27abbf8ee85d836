from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, UTCDateTime


class VesselClearance(Base):
    __tablename__ = "vessel_clearance"
    __audited__ = True
    __audit_org__ = "declarant_org_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    transport_call: Mapped[str] = mapped_column(String(80), unique=True)
    port: Mapped[str] = mapped_column(ForeignKey("port.locode"))
    declarant_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VesselCheck(Base):
    __tablename__ = "vessel_check"
    __table_args__ = (UniqueConstraint("clearance_id", "agency"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    clearance_id: Mapped[int] = mapped_column(
        ForeignKey("vessel_clearance.id", ondelete="CASCADE"), index=True
    )
    agency: Mapped[str] = mapped_column(String(24))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_by: Mapped[str] = mapped_column(String(64))
