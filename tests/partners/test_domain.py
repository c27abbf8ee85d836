from kouan.partners.domain import (
    OrgKind,
    Principal,
    Role,
    Scope,
    can_create_org,
    can_manage_org,
    can_view_org,
    has_scope,
    sees_all_organisations,
)


def person(org_id, kind, role):
    return Principal(kind="person", id=1, org_id=org_id, org_kind=kind, role=role)


def key(org_id, kind, scopes=("read",)):
    return Principal(kind="apikey", id=9, org_id=org_id, org_kind=kind, scopes=frozenset(scopes))


def test_a_trader_admin_manages_only_its_own_organisation():
    admin = person(1, OrgKind.TRADER, Role.ADMIN)
    assert can_manage_org(admin, 1)
    assert not can_manage_org(admin, 2)
    assert not can_view_org(admin, 2)


def test_staff_cannot_manage_even_their_own_organisation():
    assert not can_manage_org(person(1, OrgKind.TRADER, Role.STAFF), 1)


def test_the_port_office_admin_oversees_every_organisation():
    admin = person(1, OrgKind.PORT_OFFICE, Role.ADMIN)
    assert sees_all_organisations(admin)
    assert can_manage_org(admin, 7)
    assert can_create_org(admin)


def test_a_port_office_viewer_sees_all_but_changes_nothing():
    viewer = person(1, OrgKind.PORT_OFFICE, Role.VIEWER)
    assert can_view_org(viewer, 7)
    assert not can_manage_org(viewer, 7)
    assert not can_create_org(viewer)


def test_an_api_key_never_manages_and_sees_only_its_organisation():
    k = key(3, OrgKind.PORT_OFFICE)
    assert not can_manage_org(k, 3)
    assert not sees_all_organisations(k)
    assert can_view_org(k, 3)
    assert not can_view_org(k, 4)


def test_api_keys_act_only_within_their_scopes():
    assert has_scope(key(3, OrgKind.TERMINAL, scopes=("events:write",)), Scope.EVENTS_WRITE)
    assert not has_scope(key(3, OrgKind.TERMINAL, scopes=("events:write",)), Scope.READ)
    assert has_scope(person(1, OrgKind.TRADER, Role.VIEWER), Scope.READ)
