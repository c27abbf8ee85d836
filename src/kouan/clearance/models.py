from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base, JSONType, UTCDateTime
from kouan.events.models import BigId


class ClearanceCase(Base):
    """One declaration under one clock. Analytics read this table, not the raw events."""

    __tablename__ = "clearance_case"
    __table_args__ = (
        Index("ix_clearance_case_clock_month", "clock", "month"),
        Index("ix_clearance_case_consignment", "consignment_id"),
        # Covers every KPI statement (clearance.kpi_store): a month range of it holds each group key,
        # the hours, the segments and the instants; by month and direction it is also ordered by
        # hours (analytics.run._stats_by_seek seeks each month's median / p90 in it).
        Index("ix_clearance_case_stats", "clock", "status", "month", "direction", "hours", "declaration",
              "seg_1", "seg_2", "seg_3", "seg_4", "port", "province", "customs_district",
              "facilitation_mode", "commodity_group", "start_at", "end_at"),
    )

    declaration: Mapped[str] = mapped_column(String(18), primary_key=True)
    clock: Mapped[str] = mapped_column(String(32), primary_key=True)
    consignment_id: Mapped[int | None] = mapped_column(BigId)
    direction: Mapped[str | None] = mapped_column(String(1))
    port: Mapped[str | None] = mapped_column(String(5))
    province: Mapped[str | None] = mapped_column(String(6))
    customs_district: Mapped[str | None] = mapped_column(String(4))
    facilitation_mode: Mapped[str | None] = mapped_column(String(32))
    commodity_group: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    month: Mapped[str | None] = mapped_column(String(7))
    hours: Mapped[float | None] = mapped_column(Float)
    seg_1: Mapped[float | None] = mapped_column(Float)
    seg_2: Mapped[float | None] = mapped_column(Float)
    seg_3: Mapped[float | None] = mapped_column(Float)
    seg_4: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DirtyConsignment(Base):
    """Consignments whose cases must be recomputed: written by ingestion (cheap), drained by
    ``clearance.service.refresh`` before any KPI is read."""

    __tablename__ = "dirty_consignment"

    consignment_id: Mapped[int] = mapped_column(BigId, ForeignKey("consignment.id", ondelete="CASCADE"),
                                                primary_key=True)


class ReferenceFigure(Base):
    """A published clearance time Kouan compares with: national (scope ``CN``) or regional, for a
    month (``YYYY-MM``) or a year (``YYYY``, e.g. the 2017 baseline). Imported, never computed."""

    __tablename__ = "reference_figure"
    __audited__ = True

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    direction: Mapped[str] = mapped_column(String(1), primary_key=True)
    hours: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClockDefinition(Base):
    """A user-defined clock (the JSON shape of ``clocks.Clock``), computed beside the built-ins."""

    __tablename__ = "clock_definition"
    __audited__ = True

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    definition: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
