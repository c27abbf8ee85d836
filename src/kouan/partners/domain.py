"""Who is who, and who may do what. Pure rules: no web, no database.

Every organisation sees only its own data; a few roles see more, and they are named here:
- the port office (口岸办) onboards partners, so its administrators manage every organisation;
- the platform operator organisation (kind ``operator``) runs the installation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OrgKind(StrEnum):
    OPERATOR = "operator"
    PORT_OFFICE = "port_office"
    CUSTOMS = "customs"
    TRADER = "trader"
    BROKER = "broker"
    TERMINAL = "terminal"
    SHIPPING_LINE = "shipping_line"
    RAIL_OPERATOR = "rail_operator"
    FEE_PUBLISHER = "fee_publisher"
    INSURER = "insurer"
    COMMERCE_BUREAU = "commerce_bureau"
    BORDER_INSPECTION = "border_inspection"  # 边检 (exit-entry frontier inspection)
    MARITIME = "maritime"  # 海事 (maritime safety administration)


# Enterprises registered in China carry a USCC; government bodies and foreign carriers may not
# hold one (a foreign shipping line acts through its Chinese agent).
USCC_REQUIRED = frozenset(
    {OrgKind.TRADER, OrgKind.BROKER, OrgKind.TERMINAL, OrgKind.RAIL_OPERATOR,
     OrgKind.FEE_PUBLISHER, OrgKind.INSURER}
)

# Organisations whose systems push events (the 分批对接 partners).
PARTNER_KINDS = frozenset(
    {OrgKind.TERMINAL, OrgKind.SHIPPING_LINE, OrgKind.RAIL_OPERATOR, OrgKind.CUSTOMS,
     OrgKind.TRADER, OrgKind.BROKER}
)


class Role(StrEnum):
    ADMIN = "admin"  # manages its organisation's people and API keys
    STAFF = "staff"  # works: lodges, decides, publishes
    VIEWER = "viewer"  # reads


class Scope(StrEnum):
    EVENTS_WRITE = "events:write"
    READ = "read"
    DECLARATIONS_WRITE = "declarations:write"
    FEES_WRITE = "fees:write"  # a fee publisher's key publishes its own lists (kouan.fees)
    INSURANCE_WRITE = "insurance:write"  # an exporter applies, an insurer decides (kouan.insurance)
    APPOINTMENTS_WRITE = "appointments:write"  # book 7×24 clearance slots; publish them (units, terminals)


# A key carries the least scope by default, and only scopes its organisation's kind may use at all:
# feeds write events (what they state is judged by events.authority) and read their own quarantine
# and docking status; declarants read and, when asked for, lodge or report their lodgements;
# a fee publisher or a commerce bureau only ever reads, an insurer reads and, when asked for, decides
# insurance applications (insurance:write); none of them gets a scope unless asked.
_FEED = (Scope.EVENTS_WRITE, Scope.READ)
KEY_SCOPES: dict[OrgKind, tuple[tuple[Scope, ...], frozenset[Scope]]] = {  # kind -> (default, allowed)
    OrgKind.TERMINAL: (_FEED, frozenset({*_FEED, Scope.APPOINTMENTS_WRITE})),
    # declarations:write when asked for: a line's key opens its vessel's entry clearance, a customs
    # key runs the arrival match (web.policy.ROUTES)
    OrgKind.SHIPPING_LINE: (_FEED, frozenset({*_FEED, Scope.DECLARATIONS_WRITE})),
    OrgKind.RAIL_OPERATOR: (_FEED, frozenset(_FEED)),
    OrgKind.CUSTOMS: (_FEED, frozenset({*_FEED, Scope.DECLARATIONS_WRITE, Scope.APPOINTMENTS_WRITE})),
    OrgKind.MARITIME: (_FEED, frozenset(_FEED)),
    OrgKind.BORDER_INSPECTION: (_FEED, frozenset({*_FEED, Scope.APPOINTMENTS_WRITE})),
    OrgKind.TRADER: ((Scope.READ,), frozenset(Scope) - {Scope.FEES_WRITE}),
    OrgKind.BROKER: ((Scope.READ,), frozenset(Scope) - {Scope.FEES_WRITE}),
    OrgKind.INSURER: ((), frozenset({Scope.READ, Scope.INSURANCE_WRITE})),
    OrgKind.FEE_PUBLISHER: ((), frozenset({Scope.READ, Scope.FEES_WRITE})),
    OrgKind.COMMERCE_BUREAU: ((), frozenset({Scope.READ})),
    OrgKind.PORT_OFFICE: ((Scope.READ,), frozenset({Scope.READ})),
    OrgKind.OPERATOR: ((Scope.READ,), frozenset({Scope.READ})),
}


def default_key_scopes(kind: str) -> tuple[Scope, ...]:
    """What a new key of an organisation of ``kind`` carries when no scope is asked for."""
    return KEY_SCOPES.get(kind, ((), frozenset()))[0]  # type: ignore[call-overload]  # StrEnum key


def key_scope_allowed(kind: str, scope: str) -> bool:
    """Whether a key of an organisation of ``kind`` may be given ``scope`` at all."""
    return scope in KEY_SCOPES.get(kind, ((), frozenset()))[1]  # type: ignore[call-overload]

_OVERSEERS = frozenset({OrgKind.OPERATOR, OrgKind.PORT_OFFICE})


@dataclass(frozen=True)
class Principal:
    """Who is acting: a person (session login) or a partner system (API key)."""

    kind: str  # "person" | "apikey" | "system"
    id: int | None
    org_id: int | None
    org_kind: OrgKind | None
    role: Role | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    name: str = ""
    org_code: str | None = None  # the ``source`` of events this principal sends

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id if self.id is not None else self.name}"

    @property
    def is_person(self) -> bool:
        return self.kind == "person"


def system(name: str) -> Principal:
    """Kouan itself acting (a CLI command, a migration, the demo loader)."""
    return Principal(kind="system", id=None, org_id=None, org_kind=OrgKind.OPERATOR,
                     role=Role.ADMIN, name=name)


SYSTEM = system("kouan")


def sees_all_organisations(actor: Principal) -> bool:
    return actor.kind == "system" or (actor.is_person and actor.org_kind in _OVERSEERS)


def can_view_org(actor: Principal, org_id: int) -> bool:
    return sees_all_organisations(actor) or actor.org_id == org_id


def can_manage_org(actor: Principal, org_id: int) -> bool:
    """Change an organisation's people and keys: its own admins, or an overseer's admins."""
    if actor.kind == "system":
        return True
    if not actor.is_person or actor.role != Role.ADMIN:
        return False
    return actor.org_id == org_id or actor.org_kind in _OVERSEERS


def can_create_org(actor: Principal) -> bool:
    return actor.kind == "system" or (
        actor.is_person and actor.role == Role.ADMIN and actor.org_kind in _OVERSEERS
    )


def can_send_events(actor: Principal) -> bool:
    """Partner keys with ``events:write``, or a working person uploading their organisation's file."""
    if actor.org_code is None:
        return False
    if actor.kind == "apikey":
        return Scope.EVENTS_WRITE.value in actor.scopes
    return actor.is_person and actor.role in (Role.ADMIN, Role.STAFF)


def has_scope(actor: Principal, scope: Scope) -> bool:
    """People act through their role; keys only within the scopes they were issued with."""
    if actor.kind != "apikey":
        return True
    return scope.value in actor.scopes
