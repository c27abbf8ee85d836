"""Personas for tests: a small, readable world built through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field

from stdnum.cn import uscc as uscc_mod

from kouan.bootstrap import Kouan
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.partners import service
from kouan.partners.domain import default_key_scopes, system

PASSWORD = "correct-horse-battery"


def valid_uscc(serial: int, region: str = "210200") -> str:
    body = f"91{region}{serial:09d}"
    return body + uscc_mod.calc_check_digit(body)


@dataclass
class Org:
    id: int
    code: str
    admin_id: int
    admin: str  # username
    staff: str | None = None
    key: str | None = None  # an API key secret
    key_id: int | None = None


@dataclass
class World:
    port_office: Org
    trader_a: Org
    trader_b: Org
    terminal: Org
    customs: Org
    orgs: dict[str, Org] = field(default_factory=dict)
    carrier: Org | None = None  # a shipping line operating vessel 9321483 (events.authority)


def _org(session, code, name, kind, *, uscc=None, district=None, port=None, fleet=None):  # type: ignore[no-untyped-def]
    actor = system("tests")
    org = service.create_org(session, actor=actor, now=utcnow(), fields=service.OrgFields(
        code=code, name=name, kind=kind, uscc=uscc, customs_district=district, home_port=port,
        fleet=fleet, carrier_codes=["COSU"] if fleet else None))
    admin = service.create_person(session, actor=actor, org_id=org.id, username=f"{code.lower()}.admin",
                                  display_name=f"{code} admin", password=PASSWORD, role="admin",
                                  now=utcnow())
    staff = service.create_person(session, actor=actor, org_id=org.id, username=f"{code.lower()}.staff",
                                  display_name=f"{code} staff", password=PASSWORD, role="staff",
                                  now=utcnow())
    # A declarant's key reads by default (partners.domain.KEY_SCOPES); these tests' traders also
    # report events, so they ask for events:write too.
    # An insurer's, a fee publisher's or a commerce bureau's key has no default scope: it reads.
    scopes = (["events:write", "read"] if kind in ("trader", "broker")
              else None if default_key_scopes(kind) else ["read"])
    issued = service.create_api_key(session, actor=actor, org_id=org.id, name="feed", scopes=scopes,
                                    now=utcnow())
    return Org(id=org.id, code=code, admin_id=admin.id, admin=admin.username, staff=staff.username,
               key=issued.secret, key_id=issued.key.id)


def build_world(kouan: Kouan) -> World:
    with transaction(kouan.sessions, actor=system("tests")) as s:
        w = World(
            port_office=_org(s, "LNPO", "辽宁省口岸办", "port_office"),
            trader_a=_org(s, "TRADERA", "甲贸易公司", "trader", uscc=valid_uscc(1)),
            trader_b=_org(s, "TRADERB", "乙贸易公司", "trader", uscc=valid_uscc(2)),
            terminal=_org(s, "DCT", "大连集装箱码头", "terminal", uscc=valid_uscc(3), port="CNDAL"),
            customs=_org(s, "DLCUS", "大连海关", "customs", district="0900"),
            carrier=_org(s, "COSCO", "中远海运", "shipping_line", port="CNDAL", fleet=["9321483"]),
        )
    w.orgs = {o.code: o for o in (w.port_office, w.trader_a, w.trader_b, w.terminal, w.customs, w.carrier)}
    return w


def login(client, username: str, password: str = PASSWORD) -> str:  # type: ignore[no-untyped-def]
    """Log in through the real form; returns the CSRF token for later cookie-authenticated calls."""
    page = client.get("/login")
    token = _csrf_from(page.text)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return _csrf_from(client.get("/").text)


def _csrf_from(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def other_district_officer(kouan: Kouan, username: str = "sy.officer") -> str:
    """A customs officer of another district (Shenyang 0800): sees none of Dalian's work."""
    with transaction(kouan.sessions, actor=system("tests")) as s:
        org = service.create_org(s, actor=system("tests"), now=utcnow(), fields=service.OrgFields(
            code="SYCUS", name="沈阳海关", kind="customs", customs_district="0800"))
        service.create_person(s, actor=system("tests"), org_id=org.id, username=username, display_name="x",
                              password=PASSWORD, role="staff", now=utcnow())
    return username


def run_jobs(kouan: Kouan) -> list:  # type: ignore[type-arg]
    """Run every due post-commit job (case refresh, arrival match) as the worker would."""
    from kouan.jobs import service as jobs_service

    outcomes = jobs_service.drain(kouan.sessions, policy=jobs_service.Policy(backoff_seconds=0))
    failed = [o for o in outcomes if o.status != "done"]
    assert not failed, failed
    return outcomes
