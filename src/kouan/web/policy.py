"""Who may call which route: one declared table, read by the route guard, the startup check, the
authorization matrix test and the README. Data and a pure checker; no FastAPI.

The table is the *route-level* gate: the kind of caller (anonymous, a person of which organisation
kinds and roles, an API key holding which scope). Which objects a caller then sees or changes is
the services' object check (another organisation's object answers 404), named in ``sees``.
A route missing from this table is refused (500) and the app refuses to start, so a new route
cannot slip past.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kouan.kit.errors import N_
from kouan.partners.domain import OrgKind, Principal, Role, Scope


class Sees(StrEnum):
    """What of other organisations' objects a route shows (the services' object check)."""

    PUBLIC = "public"  # no organisation's data, or published data
    OWN = "own"  # the caller's organisation's objects; the port office and operator every one
    DISTRICT = "district"  # as OWN, and customs its district's (declarations, appointments, calls)
    STAKE = "stake"  # consignments: where a party with authority names the caller
    AGGREGATE = "aggregate"  # figures over many organisations, no object of anyone's


ANY_KIND = frozenset(OrgKind)
ALL_ROLES = frozenset(Role)
WORKERS = frozenset({Role.ADMIN, Role.STAFF})
ADMINS = frozenset({Role.ADMIN})
OVERSEERS = frozenset({OrgKind.OPERATOR, OrgKind.PORT_OFFICE})
ENTERPRISES = frozenset({OrgKind.TRADER, OrgKind.BROKER})
AGENCIES = frozenset({OrgKind.CUSTOMS, OrgKind.BORDER_INSPECTION, OrgKind.MARITIME})


ANY_SCOPE = frozenset(Scope)  # a key holding any scope (``/api/v1/me``: a key may ask whose it is)
ScopeSpec = Scope | frozenset[Scope] | None


@dataclass(frozen=True)
class Rule:
    public: bool = False  # anyone, logged in or not; the guard asks for no credentials
    page: bool = False  # HTML: a person's login session only (keys are not read), else /login
    kinds: frozenset[OrgKind] = ANY_KIND  # people of these organisation kinds ...
    roles: frozenset[Role] = ALL_ROLES  # ... in these roles
    scopes: frozenset[Scope] = frozenset()  # API keys holding one of these scopes; empty: no key
    key_kinds: frozenset[OrgKind] = ANY_KIND  # ... of these organisation kinds
    sees: Sees = Sees.OWN
    # Kinds besides the port office and operator that see other organisations' objects here (the
    # matrix test holds everyone else to zero cross-tenant reads).
    wide: frozenset[OrgKind] = frozenset()
    note: str = ""
    refusal: str = ""  # what a refused person reads (a msgid); a generic sentence if empty


def public(sees: Sees = Sees.PUBLIC, note: str = "") -> Rule:
    return Rule(public=True, sees=sees, note=note)


def page(kinds: frozenset[OrgKind] = ANY_KIND, roles: frozenset[Role] = ALL_ROLES,
         sees: Sees = Sees.OWN, wide: frozenset[OrgKind] = frozenset(), note: str = "",
         refusal: str = "") -> Rule:
    return Rule(page=True, kinds=kinds, roles=roles, sees=sees, wide=wide, note=note, refusal=refusal)


def api(scope: ScopeSpec = None, kinds: frozenset[OrgKind] = ANY_KIND,
        roles: frozenset[Role] = ALL_ROLES, key_kinds: frozenset[OrgKind] = ANY_KIND,
        sees: Sees = Sees.OWN, wide: frozenset[OrgKind] = frozenset(), note: str = "",
        refusal: str = "") -> Rule:
    scopes = frozenset() if scope is None else frozenset({scope}) if isinstance(scope, Scope) else scope
    return Rule(scopes=scopes, kinds=kinds, roles=roles, key_kinds=key_kinds, sees=sees, wide=wide,
                note=note, refusal=refusal)


# Nobody beyond the overseers opens every consignment: customs people see their district's
# (consignments.visibility, issue #12 finding 11).
STAKE_WIDE: frozenset[OrgKind] = frozenset()
# The commerce department lists every declaration behind a figure (numbers only, no timeline).
DRILL_WIDE = frozenset({OrgKind.COMMERCE_BUREAU})
LODGERS = N_("declarations are lodged by a trader or a customs broker")
OFFICERS = N_("targeting and inspection are a customs officer's")
CUSTOMS = frozenset({OrgKind.CUSTOMS})
FW = Scope.FEES_WRITE
PUBLISHERS = frozenset({OrgKind.FEE_PUBLISHER})
_FEES = "/api/v1/fees"
EXPORTERS = N_("the inclusive export credit cover is for small and micro exporters (traders)")
R, EW, DW = Scope.READ, Scope.EVENTS_WRITE, Scope.DECLARATIONS_WRITE
IW, AW = Scope.INSURANCE_WRITE, Scope.APPOINTMENTS_WRITE
TRADERS, INSURERS = frozenset({OrgKind.TRADER}), frozenset({OrgKind.INSURER})
BUREAUS = frozenset({OrgKind.COMMERCE_BUREAU})
INSURANCE_PARTIES = TRADERS | INSURERS | OVERSEERS
# 7×24 appointment clearance: units and terminals publish slots, traders and brokers book them.
SLOT_PUBLISHERS = frozenset({OrgKind.CUSTOMS, OrgKind.TERMINAL, OrgKind.BORDER_INSPECTION})
# The quick-response desk: enterprises log tickets, the port office dispatches, units answer.
DESK_CREATORS = frozenset({OrgKind.TRADER, OrgKind.BROKER, OrgKind.SHIPPING_LINE, OrgKind.RAIL_OPERATOR})
DESK_UNITS = frozenset({OrgKind.CUSTOMS, OrgKind.BORDER_INSPECTION, OrgKind.MARITIME, OrgKind.TERMINAL,
                        OrgKind.PORT_OFFICE})
_V1 = "/api/v1"

ROUTES: dict[tuple[str, str], Rule] = {
    # --- framework and shared pages ---------------------------------------------------------
    ("GET", "/openapi.json"): public(), ("GET", "/docs"): public(),
    ("GET", "/docs/oauth2-redirect"): public(), ("GET", "/redoc"): public(),
    ("GET", "/static"): public(note="stylesheets and scripts"),
    ("GET", "/docs-assets"): public(note="Swagger UI, from a package: no CDN"),
    ("GET", "/healthz"): public(), ("GET", "/"): public(), ("GET", "/login"): public(),
    ("POST", "/login"): public(note="CSRF token of the form"), ("POST", "/logout"): public(),
    ("GET", "/lang/{locale}"): public(),
    # --- organisations, people, keys (pages) ---------------------------------------------------
    ("GET", "/orgs"): page(),
    ("POST", "/orgs"): page(OVERSEERS, ADMINS),
    ("GET", "/orgs/{org_id}"): page(),
    ("POST", "/orgs/{org_id}"): page(roles=WORKERS, note="rights-granting fields: port office / customs"),
    ("POST", "/orgs/{org_id}/people"): page(roles=ADMINS),
    ("POST", "/orgs/{org_id}/api-keys"): page(roles=ADMINS),
    ("POST", "/api-keys/{key_id}/revoke"): page(roles=ADMINS),
    # --- organisations, people, keys (API) -----------------------------------------------------
    ("GET", f"{_V1}/me"): api(ANY_SCOPE),
    ("GET", f"{_V1}/organisations"): api(R),
    ("POST", f"{_V1}/organisations"): api(kinds=OVERSEERS, roles=ADMINS),
    ("GET", f"{_V1}/organisations/{{org_id}}"): api(R),
    ("PATCH", f"{_V1}/organisations/{{org_id}}"): api(
        roles=WORKERS, note="own admins: name and contact; port office: all; customs: credit ratings"),
    ("GET", f"{_V1}/organisations/{{org_id}}/people"): api(),
    ("POST", f"{_V1}/organisations/{{org_id}}/people"): api(roles=ADMINS),
    ("GET", f"{_V1}/people/{{person_id}}"): api(),
    ("PATCH", f"{_V1}/people/{{person_id}}"): api(),
    ("GET", f"{_V1}/organisations/{{org_id}}/api-keys"): api(roles=ADMINS),
    ("POST", f"{_V1}/organisations/{{org_id}}/api-keys"): api(roles=ADMINS),
    ("POST", f"{_V1}/api-keys/{{key_id}}/revoke"): api(roles=ADMINS),
    ("GET", f"{_V1}/audit"): api(),
    # --- reference data --------------------------------------------------------------------------
    ("GET", f"{_V1}/ports"): public(), ("GET", f"{_V1}/ports/{{locode}}"): public(),
    ("GET", f"{_V1}/customs-districts"): public(), ("GET", f"{_V1}/bonded-zones"): public(),
    # --- events, quarantine, docking, DCSA feeds ------------------------------------------------
    ("POST", f"{_V1}/events"): api(EW, roles=WORKERS, note="source is the caller's organisation"),
    ("POST", f"{_V1}/events/dcsa"): api(EW, roles=WORKERS),
    ("POST", f"{_V1}/events/edifact"): api(EW, roles=WORKERS),
    ("GET", f"{_V1}/quarantine"): api(R, note="raw payloads: its own source's"),
    ("GET", f"{_V1}/quarantine/{{qid}}"): api(R),
    ("POST", f"{_V1}/quarantine/{{qid}}/retry"): api(roles=WORKERS),
    ("GET", f"{_V1}/docking"): api(R),
    ("POST", f"{_V1}/organisations/{{org_id}}/dcsa-feeds"): api(roles=ADMINS),
    ("GET", f"{_V1}/organisations/{{org_id}}/dcsa-feeds"): api(),
    ("POST", f"{_V1}/dcsa-feeds/{{feed_id}}/deactivate"): api(roles=ADMINS),
    ("POST", f"{_V1}/dcsa/callbacks/{{token}}"): public(note="HMAC signature of the feed's secret"),
    ("HEAD", f"{_V1}/dcsa/callbacks/{{token}}"): public(note="the feed's unguessable token"),
    # --- consignments ------------------------------------------------------------------------------
    ("GET", f"{_V1}/consignments/{{ref:path}}"): api(R, sees=Sees.STAKE, wide=STAKE_WIDE),
    ("GET", "/consignments"): page(sees=Sees.STAKE),
    ("GET", "/consignments/{ref:path}"): page(sees=Sees.STAKE, wide=STAKE_WIDE),
    ("POST", f"{_V1}/consignment-shares"): api(roles=WORKERS, sees=Sees.STAKE),
    ("GET", "/docking"): page(),
    # --- clearance time ---------------------------------------------------------------------------
    ("GET", f"{_V1}/kpi"): api(R, sees=Sees.AGGREGATE),
    ("GET", f"{_V1}/kpi/facilitation"): api(R, sees=Sees.AGGREGATE),
    ("GET", f"{_V1}/bulletin"): public(note="like the printed bulletin"),
    ("GET", f"{_V1}/reference-figures"): public(),
    ("POST", f"{_V1}/reference-figures"): api(kinds=OVERSEERS, roles=ADMINS),
    # --- declarations and appointments -------------------------------------------------------------
    ("POST", f"{_V1}/declarations"): api(DW, ENTERPRISES, WORKERS, ENTERPRISES, refusal=LODGERS),
    ("GET", f"{_V1}/declarations"): api(R, sees=Sees.DISTRICT),
    ("GET", f"{_V1}/declarations/{{number}}"): api(R, sees=Sees.DISTRICT),
    ("POST", f"{_V1}/declarations/{{number}}/actions/{{action}}"): api(
        DW, ENTERPRISES | {OrgKind.CUSTOMS}, WORKERS, ENTERPRISES, sees=Sees.DISTRICT,
        note="lodging steps: the declarant; decisions: customs people of the district"),
    ("POST", f"{_V1}/declarations/match-arrivals"): api(
        DW, OVERSEERS | {OrgKind.CUSTOMS}, WORKERS, frozenset({OrgKind.CUSTOMS})),
    ("POST", f"{_V1}/declarations/{{number}}/appointments"): api(DW, ENTERPRISES, WORKERS, ENTERPRISES),
    ("GET", f"{_V1}/appointments"): api(R, sees=Sees.DISTRICT),
    ("GET", f"{_V1}/appointments/{{reference}}"): api(R, sees=Sees.DISTRICT),
    ("POST", f"{_V1}/appointments/{{reference}}/actions/{{step}}"): api(
        frozenset({DW, EW}), ENTERPRISES | {OrgKind.TERMINAL}, WORKERS, ENTERPRISES | {OrgKind.TERMINAL},
        note="use: the terminal (a fact it states: events:write); cancel: the booker"),
    ("GET", "/declarations"): page(sees=Sees.DISTRICT),
    ("GET", "/declarations/new"): page(ENTERPRISES, WORKERS, refusal=LODGERS),
    ("POST", "/declarations/new"): page(ENTERPRISES, WORKERS, refusal=LODGERS),
    ("GET", "/declarations/{number}"): page(sees=Sees.DISTRICT),
    ("POST", "/declarations/{number}/actions/{action}"): page(
        ENTERPRISES | {OrgKind.CUSTOMS}, WORKERS, sees=Sees.DISTRICT),
    ("GET", "/customs/queue"): page(OVERSEERS | {OrgKind.CUSTOMS}, sees=Sees.DISTRICT,
                                    refusal=N_("the declaration queue is a customs officer's")),
    ("POST", "/declarations/{number}/appointments"): page(ENTERPRISES, WORKERS),
    ("GET", "/appointments"): page(sees=Sees.DISTRICT),
    ("POST", "/appointments/{reference}/actions/{step}"): page(ENTERPRISES | {OrgKind.TERMINAL}, WORKERS),
    # --- risk targeting and inspection (kouan.inspection) ------------------------------------------
    ("GET", f"{_V1}/inspection/rules"): api(R, OVERSEERS | {OrgKind.CUSTOMS}, sees=Sees.DISTRICT,
                                             refusal=OFFICERS),
    ("POST", f"{_V1}/inspection/rules"): api(kinds=CUSTOMS, roles=WORKERS,
                                              sees=Sees.DISTRICT, note="a new version of a code; audited",
                                              refusal=OFFICERS),
    ("POST", f"{_V1}/inspection/rules/{{code}}/withdraw"): api(
        kinds=CUSTOMS, roles=WORKERS, sees=Sees.DISTRICT, refusal=OFFICERS),
    ("GET", f"{_V1}/inspection/rates"): api(R, OVERSEERS | {OrgKind.CUSTOMS}, refusal=OFFICERS),
    ("POST", f"{_V1}/inspection/rates"): api(kinds=CUSTOMS, roles=WORKERS, refusal=OFFICERS),
    ("GET", f"{_V1}/inspection/green-channels"): api(R, note="groups as data"),
    ("GET", f"{_V1}/inspection/green-channels/kpi"): api(R, sees=Sees.AGGREGATE),
    ("GET", f"{_V1}/inspection/report"): api(R, OVERSEERS | {OrgKind.CUSTOMS}, sees=Sees.AGGREGATE,
                                              note="customs: its district's", refusal=OFFICERS),
    ("POST", f"{_V1}/inspection/draft-survey"): api(R, note="a computation, nothing stored"),
    ("GET", f"{_V1}/declarations/{{number}}/selectivity"): api(R, OVERSEERS | {OrgKind.CUSTOMS},
                                                              sees=Sees.DISTRICT, refusal=OFFICERS),
    ("GET", f"{_V1}/declarations/{{number}}/inspections"): api(R, OVERSEERS | {OrgKind.CUSTOMS},
                                                              sees=Sees.DISTRICT, refusal=OFFICERS),
    ("POST", f"{_V1}/declarations/{{number}}/inspections"): api(
        kinds=CUSTOMS, roles=WORKERS, sees=Sees.DISTRICT,
        note="无因不查: a rule hit, the recorded draw or a written reason", refusal=OFFICERS),
    ("POST", f"{_V1}/declarations/{{number}}/inspections/records"): api(
        kinds=CUSTOMS, roles=WORKERS, sees=Sees.DISTRICT, refusal=OFFICERS),
    ("GET", "/inspection"): page(OVERSEERS | {OrgKind.CUSTOMS}, sees=Sees.DISTRICT, refusal=OFFICERS),
    ("POST", "/inspection/rules"): page(CUSTOMS, WORKERS, refusal=OFFICERS),
    ("POST", "/inspection/rates"): page(CUSTOMS, WORKERS, refusal=OFFICERS),
    ("POST", "/declarations/{number}/inspections/records"): page(CUSTOMS, WORKERS,
                                                                 sees=Sees.DISTRICT, refusal=OFFICERS),
    # --- 7×24 appointment clearance (预约通关) -------------------------------------------------------
    ("POST", f"{_V1}/slots"): api(AW, SLOT_PUBLISHERS, WORKERS, SLOT_PUBLISHERS,
                                  note="a unit or terminal, at a port it serves"),
    ("POST", f"{_V1}/slot-patterns"): api(AW, SLOT_PUBLISHERS, WORKERS, SLOT_PUBLISHERS),
    ("GET", f"{_V1}/slots"): api(R, sees=Sees.PUBLIC, note="published slots: an offer to every party"),
    ("GET", f"{_V1}/slots/{{slot_id}}"): api(R, sees=Sees.PUBLIC),
    ("POST", f"{_V1}/slots/{{slot_id}}/bookings"): api(AW, ENTERPRISES, WORKERS, ENTERPRISES,
                                                       note="409 with the next free slots when full"),
    ("GET", f"{_V1}/bookings"): api(R, sees=Sees.DISTRICT, note="the booker's and the serving side's"),
    ("GET", f"{_V1}/bookings/{{reference}}"): api(R, sees=Sees.DISTRICT),
    ("POST", f"{_V1}/bookings/{{reference}}/actions/{{step}}"): api(
        AW, ENTERPRISES | SLOT_PUBLISHERS, WORKERS, ENTERPRISES | SLOT_PUBLISHERS,
        note="move, cancel: the booker; use, no_show: the serving side"),
    ("GET", f"{_V1}/off-hours-use"): api(R, sees=Sees.AGGREGATE),
    ("GET", "/slots"): page(sees=Sees.DISTRICT),
    ("POST", "/slots"): page(SLOT_PUBLISHERS, WORKERS),
    ("POST", "/slots/patterns"): page(SLOT_PUBLISHERS, WORKERS),
    ("POST", "/slots/{slot_id}/bookings"): page(ENTERPRISES, WORKERS),
    ("POST", "/bookings/{reference}/actions/{step}"): page(ENTERPRISES | SLOT_PUBLISHERS, WORKERS),
    ("GET", "/slots/report"): page(sees=Sees.AGGREGATE),
    # --- 24-hour quick-response desk (通关快速反应) ----------------------------------------------------
    ("POST", f"{_V1}/desk/tickets"): api(kinds=DESK_CREATORS, roles=WORKERS),
    ("GET", f"{_V1}/desk/tickets"): api(R, note="the enterprise's own, the unit's dispatched"),
    ("GET", f"{_V1}/desk/tickets/{{ticket_id}}"): api(R),
    ("POST", f"{_V1}/desk/tickets/{{ticket_id}}/actions/{{action}}"): api(
        kinds=OVERSEERS | DESK_CREATORS | DESK_UNITS, roles=WORKERS,
        note="dispatch: the port office; acknowledge, resolve: the unit; reopen, close: the enterprise"),
    ("GET", f"{_V1}/desk/sla"): api(R, sees=Sees.PUBLIC),
    ("PUT", f"{_V1}/desk/sla/{{category}}"): api(kinds=OVERSEERS, roles=ADMINS),
    ("GET", f"{_V1}/desk/sla-report"): api(kinds=OVERSEERS, sees=Sees.AGGREGATE),
    ("GET", "/desk"): page(),
    ("POST", "/desk"): page(DESK_CREATORS, WORKERS),
    ("GET", "/desk/report"): page(OVERSEERS, sees=Sees.AGGREGATE,
                                  refusal=N_("the SLA report is the port office's")),
    ("GET", "/desk/{ticket_id}"): page(),
    ("POST", "/desk/{ticket_id}/actions/{action}"): page(OVERSEERS | DESK_CREATORS | DESK_UNITS, WORKERS),
    # --- vessel entry clearance ----------------------------------------------------------------------
    ("POST", f"{_V1}/vessel-clearances"): api(
        DW, OVERSEERS | {OrgKind.SHIPPING_LINE}, WORKERS, frozenset({OrgKind.SHIPPING_LINE}),
        note="the call's carrier (its own events name the call) or the port office"),
    ("GET", f"{_V1}/vessel-clearances"): api(R, sees=Sees.DISTRICT),
    ("POST", f"{_V1}/vessel-clearances/{{clearance_id}}/checks"): api(
        kinds=AGENCIES, roles=WORKERS, sees=Sees.DISTRICT,
        note="customs of the call port's district; border inspection and maritime of its port"),
    # --- post-commit jobs ------------------------------------------------------------------------------
    ("GET", f"{_V1}/jobs"): api(kinds=OVERSEERS, note="the port office's and operator's people"),
    ("POST", f"{_V1}/jobs/{{job_id}}/retry"): api(kinds=OVERSEERS, roles=WORKERS,
                                                  note="a failed job, audited"),
    # --- dashboard ---------------------------------------------------------------------------------------
    **{("GET", f"{_V1}/dashboard/{chart}"): api(R, sees=Sees.AGGREGATE)
       for chart in ("trend", "segments", "ports", "facilitation")},
    ("GET", f"{_V1}/dashboard/docking"): api(R),
    ("GET", f"{_V1}/dashboard/declarations"): api(R, sees=Sees.DISTRICT, wide=DRILL_WIDE),
    ("GET", f"{_V1}/dashboard/gantt"): api(R, sees=Sees.STAKE, wide=STAKE_WIDE),
    ("GET", f"{_V1}/dashboard/bulletin"): public(),
    ("GET", "/dashboard"): page(sees=Sees.AGGREGATE),
    ("GET", "/dashboard/declarations"): page(sees=Sees.DISTRICT, wide=DRILL_WIDE),
    ("GET", "/bulletins"): public(), ("GET", "/bulletins/{region}/{month}"): public(),
    # --- port fees (收费公示): public lists, feed and estimate; publishers; supervision ----------------
    ("GET", _FEES): public(note="published lists: search by port, payee, item, as of a date"),
    ("GET", f"{_FEES}/changes"): public(), ("POST", f"{_FEES}/estimate"): public(),
    ("GET", f"{_FEES}/{{port}}/{{payee}}/versions"): public(),
    ("GET", f"{_FEES}/{{port}}/{{payee}}/versions/{{number}}"): public(),
    ("GET", f"{_FEES}/{{port}}/{{payee}}/items/{{item}}"): public(),
    ("GET", f"{_FEES}/payees"): api(frozenset({R, FW}), PUBLISHERS, key_kinds=PUBLISHERS),
    ("POST", f"{_FEES}/payees"): api(FW, PUBLISHERS, WORKERS, PUBLISHERS),
    ("POST", f"{_FEES}/import"): api(FW, PUBLISHERS, WORKERS, PUBLISHERS,
                                     note="only the payees the caller's organisation publishes"),
    ("PUT", f"{_FEES}/lists/{{port}}/{{payee}}"): api(FW, PUBLISHERS, WORKERS, PUBLISHERS,
                                                note="its own payee's list: a new version"),
    ("GET", f"{_FEES}/supervision"): api(kinds=OVERSEERS, sees=Sees.AGGREGATE),
    ("POST", f"{_FEES}/supervision/charges"): api(kinds=OVERSEERS, sees=Sees.AGGREGATE),
    ("GET", f"{_FEES}/inspections"): api(kinds=OVERSEERS),
    ("POST", f"{_FEES}/inspections"): api(kinds=OVERSEERS, roles=WORKERS),
    ("GET", f"{_FEES}/inspections/{{inspection_id}}"): api(kinds=OVERSEERS),
    ("POST", f"{_FEES}/inspections/{{inspection_id}}/findings"): api(kinds=OVERSEERS, roles=WORKERS),
    ("POST", f"{_FEES}/findings/{{finding_id}}/resolve"): api(kinds=OVERSEERS, roles=WORKERS),
    ("POST", f"{_FEES}/inspections/{{inspection_id}}/close"): api(kinds=OVERSEERS, roles=WORKERS),
    ("GET", "/fees"): public(), ("GET", "/fees/changes.atom"): public(note="Atom (RFC 4287)"),
    ("GET", "/fees/estimate"): public(), ("POST", "/fees/estimate"): public(note="CSRF token of the form"),
    ("GET", "/fees/{port}"): public(note="printable list of a port as of a date"),
    ("GET", "/fees/{port}/{payee}/{item}"): public(note="an item's history"),
    ("GET", "/fees/publish"): page(PUBLISHERS, WORKERS),
    ("POST", "/fees/publish/import"): page(PUBLISHERS, WORKERS),
    ("GET", "/fees/publish/{port}/{payee}"): page(PUBLISHERS, WORKERS),
    ("POST", "/fees/publish/{port}/{payee}"): page(PUBLISHERS, WORKERS),
    ("GET", "/fees/supervision"): page(OVERSEERS, sees=Sees.AGGREGATE),
    ("POST", "/fees/supervision/inspections"): page(OVERSEERS, WORKERS),
    ("POST", "/fees/supervision/findings/{finding_id}"): page(OVERSEERS, WORKERS),
    ("POST", "/fees/supervision/inspections/{inspection_id}/close"): page(OVERSEERS, WORKERS),
    # --- export credit insurance (kouan.insurance) ------------------------------------------------------
    ("GET", f"{_V1}/insurance/prefill"): api(R, TRADERS, key_kinds=TRADERS,
                                            note="the exporter's own export declarations"),
    ("POST", f"{_V1}/insurance/applications"): api(IW, TRADERS, WORKERS, TRADERS, refusal=EXPORTERS),
    ("GET", f"{_V1}/insurance/applications"): api(
        frozenset({R, IW}), INSURANCE_PARTIES, key_kinds=TRADERS | INSURERS,
        note="the exporter's own; the insurer's: those addressed to it"),
    ("GET", f"{_V1}/insurance/applications/{{reference}}"): api(
        frozenset({R, IW}), INSURANCE_PARTIES, key_kinds=TRADERS | INSURERS),
    ("POST", f"{_V1}/insurance/applications/{{reference}}/issue"): api(
        IW, INSURERS, WORKERS, INSURERS, note="the insurer the application is addressed to"),
    ("POST", f"{_V1}/insurance/applications/{{reference}}/reject"): api(IW, INSURERS, WORKERS, INSURERS),
    ("POST", f"{_V1}/insurance/applications/{{reference}}/loss-notices"): api(
        IW, TRADERS, WORKERS, TRADERS, note="the insured exporter, on an issued policy"),
    ("GET", f"{_V1}/insurance/statistics"): api(
        R, BUREAUS | OVERSEERS, key_kinds=BUREAUS, sees=Sees.AGGREGATE, note="by city and month"),
    ("POST", f"{_V1}/insurance/rule"): api(kinds=BUREAUS | OVERSEERS, roles=WORKERS,
                                          note="the commerce bureau's ceiling for its province"),
    ("POST", f"{_V1}/insurance/webhook"): api(kinds=INSURERS, roles=ADMINS, note="the secret is shown once"),
    ("GET", f"{_V1}/insurance/webhook"): api(kinds=INSURERS),
    ("GET", "/insurance"): page(INSURANCE_PARTIES),
    ("GET", "/insurance/new"): page(TRADERS, WORKERS, refusal=EXPORTERS),
    ("POST", "/insurance/new"): page(TRADERS, WORKERS, refusal=EXPORTERS),
    ("GET", "/insurance/statistics"): page(BUREAUS | OVERSEERS, sees=Sees.AGGREGATE),
    ("POST", "/insurance/rule"): page(BUREAUS | OVERSEERS, WORKERS),
    ("POST", "/insurance/webhook"): page(INSURERS, ADMINS),
    ("GET", "/insurance/{reference}"): page(INSURANCE_PARTIES),
    ("POST", "/insurance/{reference}/issue"): page(INSURERS, WORKERS),
    ("POST", "/insurance/{reference}/reject"): page(INSURERS, WORKERS),
    ("POST", "/insurance/{reference}/loss-notices"): page(TRADERS, WORKERS),
    # --- vessel schedule and port gathering (kouan.gathering) ----------------------------------------
    ("GET", f"{_V1}/gathering/{{ref:path}}"): api(
        R, sees=Sees.STAKE, wide=STAKE_WIDE,
        note="the call's schedule to whoever sees the booking; boxes at the port to those who see it whole"),
    ("GET", "/gathering"): page(sees=Sees.STAKE, wide=STAKE_WIDE),
}


def rule_for(method: str, path: str) -> Rule | None:
    """The route's rule; HEAD is answered as GET where a route declares GET only."""
    found = ROUTES.get((method, path))
    if found is None and method == "HEAD":
        found = ROUTES.get(("GET", path))
    return found


def allows(rule: Rule, principal: Principal | None) -> bool:
    """May this caller (None: anonymous) call a route with this rule? Pure."""
    if rule.public:
        return True
    if principal is None:
        return False
    if principal.kind == "system":
        return True
    if principal.org_kind is None:
        return False
    if principal.is_person:
        return principal.org_kind in rule.kinds and principal.role in rule.roles
    if principal.kind != "apikey" or rule.page or not rule.scopes:
        return False
    if principal.org_kind not in rule.key_kinds:
        return False
    return any(scope.value in principal.scopes for scope in rule.scopes)


def refusal(rule: Rule, principal: Principal) -> str:
    """Why ``allows`` said no, in English (a msgid where a page may show it)."""
    if principal.kind == "apikey":
        if not rule.scopes or rule.page:
            return N_("only a person may do this, not an API key")
        if principal.org_kind in rule.key_kinds:
            return f"this API key lacks the {' or '.join(sorted(rule.scopes))!r} scope"
        return N_("an API key of your organisation's kind may not do this")
    if principal.org_kind not in rule.kinds:
        return rule.refusal or N_("your organisation's kind may not do this")
    return N_("a viewer cannot do this") if principal.role == Role.VIEWER else N_("your role may not do this")


def missing(routes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (method, path) pairs of the app that the table does not name."""
    return sorted({r for r in routes if rule_for(*r) is None})


def _who(rule: Rule) -> tuple[str, str]:
    if rule.public:
        return "anyone", "—"
    kinds = "any kind" if rule.kinds == ANY_KIND else ", ".join(sorted(rule.kinds))
    roles = "" if rule.roles == ALL_ROLES else f" ({', '.join(sorted(rule.roles))})"
    if not rule.scopes or rule.page:
        return kinds + roles, "—"
    key_kinds = "" if rule.key_kinds == ANY_KIND else f" ({', '.join(sorted(rule.key_kinds))})"
    scopes = "any" if rule.scopes == ANY_SCOPE else " or ".join(sorted(rule.scopes))
    return kinds + roles, f"`{scopes}`{key_kinds}"


def as_markdown() -> str:
    """The table for the README: ``python -m kouan.web.policy``."""
    lines = ["| route | people | API keys | sees |", "| --- | --- | --- | --- |"]
    for (method, path), rule in ROUTES.items():
        people, keys = _who(rule)
        note = f" — {rule.note}" if rule.note else ""
        lines.append(f"| `{method} {path}` | {people} | {keys} | {rule.sees.value}{note} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(as_markdown())
