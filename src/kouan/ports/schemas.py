from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PortRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    locode: str
    name: str
    name_zh: str | None
    country: str
    province: str | None
    function_code: str
    functions: str
    status: str | None
    iata: str | None
    latitude: float | None
    longitude: float | None
    customs_district: str | None


class CustomsDistrictRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_zh: str
    name_en: str
    province: str
