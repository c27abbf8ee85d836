from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kouan.partners.domain import OrgKind, Role
from kouan.web.inputs import Input


class OrganisationCreate(Input):
    code: str = Field(description="Short partner code, the `source` of its events", examples=["DCT"])
    name: str = Field(examples=["大连集装箱码头有限公司"])
    name_en: str | None = None
    kind: OrgKind
    uscc: str | None = Field(None, description="统一社会信用代码 (18 characters)")
    province: str | None = Field(None, examples=["CN-LN"])
    customs_district: str | None = Field(None, examples=["0900"])
    home_port: str | None = Field(None, examples=["CNDAL"])
    timezone: str = "Asia/Shanghai"
    credit_rating: str | None = Field(None, description="advanced | general | dishonest")
    fleet: list[str] | None = Field(None, description="IMO numbers of the vessels a shipping line "
                                    "operates (port office only): its calls' facts are entitled",
                                    examples=[["9321483"]])
    carrier_codes: list[str] | None = Field(None, description="SCAC codes that begin its B/L numbers "
                                            "(port office only)", examples=[["COSU"]])


class OrganisationUpdate(Input):
    name: str | None = None
    name_en: str | None = None
    kind: OrgKind | None = None
    uscc: str | None = None
    province: str | None = None
    customs_district: str | None = None
    home_port: str | None = None
    timezone: str | None = None
    credit_rating: str | None = None
    fleet: list[str] | None = Field(None, description="IMO numbers of the vessels a shipping line "
                                    "operates (port office only): its calls' facts are entitled",
                                    examples=[["9321483"]])
    carrier_codes: list[str] | None = Field(None, description="SCAC codes that begin its B/L numbers "
                                            "(port office only)", examples=[["COSU"]])
    active: bool | None = None


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    name_en: str | None
    kind: str
    uscc: str | None
    province: str | None
    customs_district: str | None
    home_port: str | None
    timezone: str
    credit_rating: str | None
    fleet: list[str] | None = None
    carrier_codes: list[str] | None = None
    active: bool
    created_at: datetime


class PersonCreate(Input):
    username: str = Field(examples=["li.na"])
    display_name: str = Field(examples=["李娜"])
    password: str = Field(min_length=1, description="at least 10 characters")
    role: Role = Role.STAFF
    email: str | None = None


class PersonUpdate(Input):
    display_name: str | None = None
    email: str | None = None
    password: str | None = None
    role: Role | None = None
    active: bool | None = None
    locale: str | None = None


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    username: str
    display_name: str
    email: str | None
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class ApiKeyCreate(Input):
    name: str = Field(examples=["TOS event feed"])
    scopes: list[str] | None = Field(None, examples=[["events:write", "read"]])
    expires_at: datetime | None = None


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyIssued(ApiKeyRead):
    secret: str = Field(description="Shown once. Kouan keeps only its hash.")


class Me(BaseModel):
    kind: str
    id: int | None
    org_id: int | None
    org_kind: str | None
    role: str | None
    scopes: list[str]
    name: str
