"""Fee publishers for the fee tests: COSCOFEE's publisher (A) and a second publisher (B), each with a
staff person, a fees:write key and a read-only key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.factories import PASSWORD, valid_uscc

from kouan.db.session import transaction
from kouan.fees import service as fees_service
from kouan.kit.clock import utcnow
from kouan.partners import service
from kouan.partners.domain import system

DATA = Path(__file__).parent.parent / "data"
CSV = (DATA / "fees_hubei_examples.csv").read_bytes()


@dataclass
class Publisher:
    id: int
    code: str
    staff: str
    writer: dict[str, str]
    reader: dict[str, str]


def _publisher(s, code: str, serial: int, payees: list[tuple[str, str, str]]) -> Publisher:  # type: ignore[no-untyped-def]
    actor = system("tests")
    org = service.create_org(
        s,
        actor=actor,
        now=utcnow(),
        fields=service.OrgFields(
            code=code, name=f"{code} 收费公示", kind="fee_publisher", uscc=valid_uscc(serial)
        ),
    )
    service.create_person(
        s,
        actor=actor,
        org_id=org.id,
        username=f"{code.lower()}.staff",
        display_name=f"{code} staff",
        password=PASSWORD,
        role="staff",
        now=utcnow(),
    )
    w = service.create_api_key(s, actor=actor, org_id=org.id, name="w", scopes=["fees:write"], now=utcnow())
    r = service.create_api_key(s, actor=actor, org_id=org.id, name="r", scopes=["read"], now=utcnow())
    for pcode, name, kind in payees:
        fees_service.register_payee(
            s,
            actor=actor,
            publisher_org_id=org.id,
            code=pcode,
            name_zh=name,
            name_en=pcode.title(),
            kind=kind,
            now=utcnow(),
        )
    return Publisher(
        org.id,
        code,
        f"{code.lower()}.staff",
        {"Authorization": f"Bearer {w.secret}"},
        {"Authorization": f"Bearer {r.secret}"},
    )


@dataclass
class FeeWorld:
    a: Publisher
    b: Publisher


@pytest.fixture
def fees(kouan, world):  # type: ignore[no-untyped-def]
    with transaction(kouan.sessions, actor=system("tests")) as s:
        a = _publisher(
            s, "PUBA", 901, [("COSCOFEE", "中远海运收费", "carrier"), ("DLTALLYX", "大连理货", "tally")]
        )
        b = _publisher(s, "PUBB", 902, [("OTHERPAYEE", "另一收费主体", "terminal")])
    return FeeWorld(a, b)


def csv_of(*lines: str) -> bytes:
    from kouan.fees.domain import TEMPLATE

    return ("\n".join([",".join(TEMPLATE), *lines]) + "\n").encode()


@pytest.fixture
def published(client, fees):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/fees/import", content=CSV, headers={**fees.a.writer, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    return r.json()
