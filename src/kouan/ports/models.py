from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kouan.db.base import Base


class CustomsDistrict(Base):
    """A customs district directly under the GAC (直属海关), e.g. 0900 Dalian."""

    __tablename__ = "customs_district"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(6), index=True)


class Port(Base):
    """A UN/LOCODE location. ``functions`` is a comma list: sea, rail, road, air, postal, ..."""

    __tablename__ = "port"

    locode: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    name_zh: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    province: Mapped[str | None] = mapped_column(String(6), index=True)
    function_code: Mapped[str] = mapped_column(String(8))
    functions: Mapped[str] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(2))
    iata: Mapped[str | None] = mapped_column(String(3))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    coordinates_geocoded: Mapped[bool] = mapped_column(default=False)
    customs_district: Mapped[str | None] = mapped_column(
        ForeignKey("customs_district.code"), index=True
    )
