"""Reference data: load UN/LOCODE ports and customs districts shipped in ``kouan/reference``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from kouan.ports.models import CustomsDistrict, Port

# UN/LOCODE function string positions (UNECE recommendation 16).
_FUNCTIONS = {0: "sea", 1: "rail", 2: "road", 3: "air", 4: "postal", 5: "multimodal",
              6: "fixed", 7: "inland_water"}


def decode_functions(code: str) -> list[str]:
    out = [name for pos, name in _FUNCTIONS.items() if pos < len(code) and code[pos] not in "-0"]
    if "B" in code:
        out.append("border")
    return out


def _reference_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("kouan.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _unlocode_rows() -> list[dict[str, str]]:
    """The UN/LOCODE rows, repairing the source's broken quoting.

    In the source CSV a name with a comma (``Anxi, Quanzhou``) was written as
    ``\"""Anxi","Quanzhou\"""`` and the row lost its status and IATA columns, so a CSV reader
    sees each name split in two and the remaining columns shifted. Those rows are rebuilt here.
    """
    text = resources.files("kouan.reference").joinpath("unlocode_CN.csv").read_text(encoding="utf-8")
    reader = csv.reader(text.splitlines())
    header = next(reader)
    rows = []
    for fields in reader:
        if fields[2].startswith('"'):
            name = ", ".join(part.strip('" ') for part in fields[2:4])
            subdivision, function, lat, lon, geocoded = fields[6:]
            fields = [fields[0], fields[1], name, name, subdivision, "", function, "", lat, lon,
                      geocoded]
        rows.append(dict(zip(header, fields, strict=True)))
    return rows


def _float(value: str) -> float | None:
    return float(value) if value else None


@dataclass(frozen=True)
class LoadReport:
    districts: int
    ports: int


def load_reference(session: Session) -> LoadReport:
    """Insert or refresh the shipped reference rows. Safe to run again: rows are upserted."""
    districts = {d.code: d for d in session.scalars(select(CustomsDistrict))}
    district_rows = _reference_rows("customs_districts.csv")
    for row in district_rows:
        d = districts.get(row["code"]) or CustomsDistrict(code=row["code"])
        d.name_zh, d.name_en, d.province = row["name_zh"], row["name_en"], row["province"]
        session.add(d)
    session.flush()

    overrides = {r["locode"]: r for r in _reference_rows("port_overrides.csv")}
    ports = {p.locode: p for p in session.scalars(select(Port))}
    count = 0
    for row in _unlocode_rows():
        locode = row["country"] + row["location"]
        extra = overrides.get(locode, {})
        p = ports.get(locode) or Port(locode=locode)
        p.name = row["name"]
        p.name_zh = extra.get("name_zh") or p.name_zh
        p.country = row["country"]
        p.province = f"CN-{row['subdivision']}" if row["subdivision"] else None
        p.function_code = row["function"]
        p.functions = ",".join(decode_functions(row["function"]))
        p.status = row["status"] or None
        p.iata = row["iata"] or None
        p.latitude, p.longitude = _float(row["lat"]), _float(row["lon"])
        p.coordinates_geocoded = row["geocoded"] == "true"
        p.customs_district = extra.get("customs_district") or p.customs_district
        session.add(p)
        count += 1
    session.flush()
    return LoadReport(districts=len(district_rows), ports=count)


def list_ports(
    session: Session,
    *,
    province: str | None = None,
    function: str | None = None,
    customs_district: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Port]:
    stmt = select(Port).order_by(Port.locode)
    if province:
        stmt = stmt.where(Port.province == province.upper())
    if function:
        stmt = stmt.where(Port.functions.contains(function.lower()))
    if customs_district:
        stmt = stmt.where(Port.customs_district == customs_district)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(Port.name.ilike(like) | Port.name_zh.ilike(like) | Port.locode.ilike(like))
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def get_port(session: Session, locode: str) -> Port | None:
    return session.get(Port, locode.upper())


def list_districts(session: Session, *, province: str | None = None) -> list[CustomsDistrict]:
    stmt = select(CustomsDistrict).order_by(CustomsDistrict.code)
    if province:
        stmt = stmt.where(CustomsDistrict.province == province.upper())
    return list(session.scalars(stmt))
