"""The authorization matrix's world: two sides (Dalian, district 0900, and Shanghai, 2200), each with
one organisation of every kind, and on each side a declaration, an appointment, a quarantined
message per organisation, a vessel clearance, a consignment, a DCSA feed, people and keys.

Side A's people and keys are the callers; side B's objects are "another organisation's"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.events.helpers import ev, jsonl
from tests.factories import PASSWORD, _csrf_from, valid_uscc

from kouan.db.session import transaction
from kouan.events import feeds
from kouan.events import service as events_service
from kouan.kit.clock import utcnow
from kouan.partners import service as partners
from kouan.partners.domain import OrgKind, Role, Scope, key_scope_allowed, system

SIDES = {"A": ("CNDAL", "0900", "CN-LN", "210200"), "B": ("CNSHA", "2200", "CN-SH", "310000")}
SCOPE_SETS = tuple(frozenset({s.value}) for s in Scope)
NOW = datetime.now(UTC).replace(microsecond=0)
BOXES = {"A": "CSQU3054383", "B": "MSKU9070323"}  # one box per side: a shared box would link them


@dataclass
class OrgRec:
    id: int
    code: str
    kind: OrgKind
    side: str
    people: dict[Role, int] = field(default_factory=dict)  # role -> person id
    keys: dict[frozenset[str], tuple[int, str]] = field(default_factory=dict)  # scopes -> (id, secret)
    feed_id: int = 0
    token: str = ""
    qid: int = 0


@dataclass
class Side:
    orgs: dict[OrgKind, OrgRec]
    declaration: str = ""
    appointment: str = ""
    clearance: int = 0
    call: str = ""
    bill: str = ""

    def markers(self) -> list[str]:
        """Strings that name this side's objects in any response."""
        return [self.declaration, self.appointment, self.call, self.bill,
                *(o.code for o in self.orgs.values())]


@dataclass
class Persona:
    label: str
    side: str
    kind: OrgKind | None
    role: Role | None = None
    scopes: frozenset[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    csrf: str = ""


def _code(kind: OrgKind, side: str) -> str:
    return f"{kind.value.upper().replace('_', '')[:12]}-{'DL' if side == 'A' else 'SH'}"


def _orgs(s, side: str) -> dict[OrgKind, OrgRec]:  # type: ignore[no-untyped-def]
    port, district, province, region = SIDES[side]
    actor, out = system("tests"), {}
    for n, kind in enumerate(OrgKind):
        org = partners.create_org(s, actor=actor, now=utcnow(), fields=partners.OrgFields(
            code=_code(kind, side), name=f"{kind.value} {side}", kind=kind.value, province=province,
            uscc=valid_uscc(100 + n, region), customs_district=district, home_port=port))
        rec = OrgRec(id=org.id, code=org.code, kind=kind, side=side)
        for role in Role:
            rec.people[role] = partners.create_person(
                s, actor=actor, org_id=org.id, username=f"{org.code.lower()}.{role.value}",
                display_name=f"{org.code} {role.value}", password=PASSWORD, role=role.value, now=utcnow()).id
        # A kind gets only the keys it may hold (partners.domain.KEY_SCOPES: an insurer's read or decide insurance).
        for scopes in (ss for ss in SCOPE_SETS if all(key_scope_allowed(kind, sc) for sc in ss)):
            issued = partners.create_api_key(s, actor=actor, org_id=org.id, name=",".join(scopes),
                                             scopes=sorted(scopes), now=utcnow())
            rec.keys[scopes] = (issued.key.id, issued.secret)
        feed = feeds.create_feed(s, actor=actor, org_id=org.id, name="dcsa", now=utcnow()).feed
        rec.feed_id, rec.token = feed.id, feed.callback_token
        report = events_service.ingest(s, source=org.code, org_id=org.id, data=b'{"event_id": "bad"}\n',
                                       fmt="jsonl", channel="test", now=utcnow(), actor="tests")
        assert report.quarantined == 1
        out[kind] = rec
    return out


def _side_objects(client, side: Side, name: str) -> None:  # type: ignore[no-untyped-def]
    """Through the API as the side's own partners: the carrier names its call and B/L, the broker
    drafts a declaration and books a ship-side slot, the carrier opens the vessel clearance."""
    port = SIDES[name][0]
    side.call, side.bill = f"9321483/2301{name}/{port}", f"COSU63{'1' if name == 'A' else '2'}0000077"
    line = side.orgs[OrgKind.SHIPPING_LINE]
    body = jsonl(ev(f"mf-{name}", "MANIFEST_FILED", -30, bill_of_lading=side.bill, transport_call=side.call,
                    port=port),
                 ev(f"eta-{name}", "TRANSPORT_ARRIVED", 2, classifier="EST", transport_call=side.call, port=port))
    r = client.post("/api/v1/events", content=body, headers={
        "Authorization": f"Bearer {line.keys[frozenset({'events:write'})][1]}",
        "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200 and r.json()["stored"] == 2, r.text
    broker = {"Authorization": f"Bearer {side.orgs[OrgKind.BROKER].keys[frozenset({'declarations:write'})][1]}"}
    trader = side.orgs[OrgKind.TRADER]
    draft = {"direction": "I", "consignee_uscc": valid_uscc(100 + list(OrgKind).index(OrgKind.TRADER),
                                                            SIDES[name][3]),
             "consignee_name": "trader", "port": port, "transport_call": side.call, "bill_of_lading": side.bill,
             "containers": [BOXES[name]], "modes": ["advance", "ship_side_pickup"],
             "items": [{"hs_code": "2601111000", "description": "iron ore", "quantity": "1000", "unit": "TNE",
                        "value": "1000000", "origin": "AU"}]}
    r = client.post("/api/v1/declarations", json=draft, headers=broker)
    assert r.status_code == 201, r.text
    side.declaration = r.json()["number"]
    assert trader.id  # the consignee: the trader of the side
    slot = {"terminal": side.orgs[OrgKind.TERMINAL].code, "slot_start": (NOW + timedelta(days=2)).isoformat(),
            "slot_end": (NOW + timedelta(days=2, hours=4)).isoformat()}
    r = client.post(f"/api/v1/declarations/{side.declaration}/appointments", json=slot, headers=broker)
    assert r.status_code == 201, r.text
    side.appointment = r.json()["reference"]
    r = client.post("/api/v1/vessel-clearances", json={"transport_call": side.call, "port": port}, headers={
        "Authorization": f"Bearer {line.keys[frozenset({'declarations:write'})][1]}"})
    assert r.status_code == 201, r.text
    side.clearance = r.json()["id"]


def build(kouan, client) -> dict[str, Side]:  # type: ignore[no-untyped-def]
    sides = {}
    for name in SIDES:
        with transaction(kouan.sessions, actor=system("tests")) as s:
            sides[name] = Side(orgs=_orgs(s, name))
        _side_objects(client, sides[name], name)
    return sides


def personas(client, side: Side) -> list[Persona]:  # type: ignore[no-untyped-def]
    """Anonymous; a person of each kind and role (logged in through the form); a key of each kind
    and scope. Each carries the headers it sends (its cookie, or its key)."""
    out = [Persona("anonymous", "A", None)]
    for kind, org in side.orgs.items():
        for role in Role:
            client.cookies.clear()
            token = _csrf_from(client.get("/login").text)
            r = client.post("/login", data={"username": f"{org.code.lower()}.{role.value}", "password": PASSWORD,
                                            "csrf_token": token}, follow_redirects=False)
            assert r.status_code == 303, r.text
            csrf = _csrf_from(client.get("/login").text)
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            out.append(Persona(f"{kind.value}/{role.value}", "A", kind, role=role,
                               headers={"Cookie": cookie, "X-CSRF-Token": csrf}, csrf=csrf))
        for scopes, (_id, secret) in org.keys.items():
            out.append(Persona(f"{kind.value}/key:{','.join(sorted(scopes))}", "A", kind, scopes=scopes,
                               headers={"Authorization": f"Bearer {secret}"}))
    client.cookies.clear()
    return out
