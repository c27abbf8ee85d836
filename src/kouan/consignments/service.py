"""Link events into consignments, set-based, inside the ingest transaction.

The result depends only on which events are stored, never on the order they arrived in: shipment
keys form connected components (union-find), hubs keep the earliest ``linked_at``, and when two
consignments meet the smaller id absorbs the other. Links are never undone by a later version of an
event (a partner correcting a reference leaves the old link; the port office can see both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from kouan.consignments.models import (
    Consignment,
    ConsignmentHub,
    ConsignmentMember,
    TransportCallAlias,
)
from kouan.db.session import allocate_ids
from kouan.events import bulk
from kouan.events import repository as events_repo
from kouan.events.domain import CanonicalEvent, RefKind

SHIPMENT_KINDS = frozenset({RefKind.DECLARATION, RefKind.BILL_OF_LADING, RefKind.BOOKING})
HUB_KINDS = frozenset({RefKind.CONTAINER, RefKind.TRANSPORT_CALL})

Node = tuple[str, str]  # (kind, key); existing consignments are ("#", "<id>")


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def find(self, x: Node) -> Node:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: Node, b: Node) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class LinkReport:
    created: int = 0
    merged: int = 0
    members_added: int = 0
    hubs_added: int = 0
    touched: set[int] = field(default_factory=set)
    # container key -> [earliest, latest] of the links this batch moved earlier (from latest to
    # earliest): the trips linked in between may now run on past them (``dirty.reached_by_hubs``)
    moved: dict[str, list[datetime]] = field(default_factory=dict)


def _existing_members(session: Session, nodes: set[Node]) -> dict[Node, int]:
    by_kind: dict[str, list[str]] = {}
    for kind, key in sorted(nodes):
        by_kind.setdefault(kind, []).append(key)
    found: dict[Node, int] = {}
    for kind, keys in by_kind.items():  # (kind, key) is the primary key: let its index find them
        for matching in events_repo.in_chunks(session, ConsignmentMember.key, keys):
            rows = session.execute(
                select(ConsignmentMember.key, ConsignmentMember.consignment_id)
                .where(ConsignmentMember.kind == kind, matching))
            found.update({(kind, key): cid for key, cid in rows})
    return found


def _components(
    events: Sequence[CanonicalEvent], existing: dict[Node, int]
) -> dict[Node, list[Node]]:
    uf = _UnionFind()
    for node, cid in existing.items():
        uf.union(node, ("#", f"{cid:020d}"))
    for e in events:
        nodes = [(r.kind.value, r.key) for r in e.refs if r.kind in SHIPMENT_KINDS]
        for n in nodes:
            uf.find(n)
        for a, b in zip(nodes, nodes[1:], strict=False):
            uf.union(a, b)
    comps: dict[Node, list[Node]] = {}
    for node in list(uf.parent):
        comps.setdefault(uf.find(node), []).append(node)
    return comps


def _settle(session: Session, comps: dict[Node, list[Node]], existing: dict[Node, int],
            now: datetime, report: LinkReport) -> dict[Node, int]:
    """Give each component one consignment id; absorb merged consignments; add new members."""
    target_of: dict[Node, int] = {}
    new_members: list[tuple[str, str, int]] = []
    groups = [(nodes, sorted({int(k) for kind, k in nodes if kind == "#"})) for nodes in comps.values()]
    fresh = iter(_create(session, sum(1 for _n, ids in groups if not ids), now))
    merges: dict[int, int] = {}  # absorbed consignment -> the one that absorbs it
    for nodes, ids in groups:
        target, absorbed = (ids[0], ids[1:]) if ids else (next(fresh), [])
        merges.update(dict.fromkeys(absorbed, target))
        report.touched.add(target)
        for node in nodes:
            if node[0] == "#":
                continue
            target_of[node] = target
            if node not in existing:
                new_members.append((node[0], node[1], target))
    report.created += sum(1 for _n, ids in groups if not ids)
    if merges:
        _absorb(session, merges, report.moved)
        report.merged += len(merges)
    bulk.Bulk(session).insert("consignment_member", ("kind", "key", "consignment_id"), new_members)
    report.members_added += len(new_members)
    return target_of


def _create(session: Session, n: int, now: datetime) -> list[int]:
    """``n`` new consignments in one statement, ids ascending in the order they are handed out."""
    ids = allocate_ids(session, Consignment.__table__, n)
    if ids:
        out = bulk.Bulk(session)
        at = out.ts(now)
        out.insert("consignment", ("id", "created_at", "updated_at"), [(i, at, at) for i in ids])
    return ids


def _absorb(session: Session, merges: dict[int, int], moved: dict[str, list[datetime]]) -> None:
    """Fold every absorbed consignment into the one that absorbs it (``absorbed -> target``), for
    all of a batch's merges at once: one ``executemany`` re-points the members, the absorbed hubs
    are read and deleted by chunks of ids and merged into their targets' in one pass.

    why: one set of five statements a merge made linking grow with the merges a batch brings (at
    600 k events a 50,000-line batch merged 1,580 consignments: 4.7 s of its 18)."""
    absorbed = sorted(merges)
    out = bulk.Bulk(session)
    out.execute_many("UPDATE consignment_member SET consignment_id = ? WHERE consignment_id = ?",
                     [(merges[a], a) for a in absorbed])
    earliest: dict[int, dict[Node, datetime]] = {}
    for chunk in events_repo.chunks(absorbed):
        rows = session.execute(select(ConsignmentHub.consignment_id, ConsignmentHub.kind, ConsignmentHub.key,
                                      ConsignmentHub.linked_at)
                               .where(ConsignmentHub.consignment_id.in_(chunk))).all()
        for cid, k, key, at in rows:  # two absorbed consignments may share a hub: keep the earliest link
            slot = earliest.setdefault(merges[cid], {})
            if (k, key) not in slot or at < slot[(k, key)]:
                slot[(k, key)] = at
        session.execute(delete(ConsignmentHub).where(ConsignmentHub.consignment_id.in_(chunk)))
    _merge_hubs(session, earliest, moved)
    for chunk in events_repo.chunks(absorbed):
        session.execute(delete(Consignment).where(Consignment.id.in_(chunk)))


def _merge_hubs(session: Session, wanted: dict[int, dict[Node, datetime]],
                moved: dict[str, list[datetime]]) -> int:
    """Insert hub links, or move an existing one's linked_at earlier (a container's move is noted
    in ``moved``). Returns how many were new."""
    current: dict[tuple[int, str, str], datetime] = {}
    for matching in events_repo.in_chunks(session, ConsignmentHub.consignment_id, sorted(wanted)):
        rows = session.execute(
            select(ConsignmentHub.consignment_id, ConsignmentHub.kind, ConsignmentHub.key,
                   ConsignmentHub.linked_at).where(matching))
        current.update({(cid, k, key): at for cid, k, key, at in rows})
    out = bulk.Bulk(session)
    new, earlier = [], []
    for cid, hubs in wanted.items():
        for (k, key), at in hubs.items():
            have = current.get((cid, k, key))
            if have is None:
                new.append((cid, k, key, out.ts(at)))
            elif at < have:
                earlier.append((out.ts(at), cid, k, key))
                if k == RefKind.CONTAINER.value:
                    span = moved.setdefault(key, [at, have])
                    span[0], span[1] = min(span[0], at), max(span[1], have)
    out.insert("consignment_hub", ("consignment_id", "kind", "key", "linked_at"), new)
    out.execute_many("UPDATE consignment_hub SET linked_at = ? "
                     "WHERE consignment_id = ? AND kind = ? AND key = ?", earlier)
    return len(new)


def _hub_links(
    events: Sequence[CanonicalEvent], target_of: dict[Node, int]
) -> dict[int, dict[Node, datetime]]:
    wanted: dict[int, dict[Node, datetime]] = {}
    for e in events:
        shipment = [(r.kind.value, r.key) for r in e.refs if r.kind in SHIPMENT_KINDS]
        if not shipment:
            continue
        cid = target_of[shipment[0]]
        for r in e.refs:
            if r.kind in HUB_KINDS:
                node = (r.kind.value, r.key)
                slot = wanted.setdefault(cid, {})
                if node not in slot or e.occurred_at < slot[node]:
                    slot[node] = e.occurred_at
    return wanted


def _link_call_aliases(session: Session, events: Sequence[CanonicalEvent]) -> None:
    groups = [sorted(set(e.keys(RefKind.TRANSPORT_CALL))) for e in events]
    groups = [g for g in groups if len(g) > 1]
    if not groups:
        return
    keys = sorted({k for g in groups for k in g})
    known: dict[str, str] = {}
    for chunk in events_repo.chunks(keys):
        known.update(session.execute(select(TransportCallAlias.key, TransportCallAlias.canonical)
                                     .where(TransportCallAlias.key.in_(chunk))).all())
    # Pull in every key of the alias groups already touched, so a merge re-points all of them.
    canon = sorted(set(known.values()))
    for chunk in events_repo.chunks(canon):
        known.update(session.execute(select(TransportCallAlias.key, TransportCallAlias.canonical)
                                     .where(TransportCallAlias.canonical.in_(chunk))).all())
    uf = _UnionFind()
    for key, c in known.items():
        uf.union(("t", key), ("t", c))
    for g in groups:
        for a, b in zip(g, g[1:], strict=False):
            uf.union(("t", a), ("t", b))
    for node in list(uf.parent):
        key, canonical = node[1], uf.find(node)[1]
        if key not in known:
            session.add(TransportCallAlias(key=key, canonical=canonical))
        elif known[key] != canonical:
            session.execute(update(TransportCallAlias).where(TransportCallAlias.key == key)
                            .values(canonical=canonical))
    session.flush()


# pg_advisory_xact_lock key of linking (any constant; "kouan" in ASCII)
LINK_LOCK = 0x6B6F75616E


def serialise_linking(session: Session) -> None:
    """On PostgreSQL, wait until no other transaction is linking, and hold that turn to commit.

    why: two batches committed concurrently (two HTTP requests, a CLI import beside the server) that
    name the same new declaration or container would both insert its ``consignment_member`` or
    ``consignment_hub`` row; the second would wait on the first's key and then fail with a unique
    violation, its whole batch refused. Linking reads the graph and writes it, so it takes turns, as
    SQLite's one write lock makes it do anyway; parsing, validating and storing the events still run
    side by side. A transaction-level lock is released by the commit or the rollback, never leaked."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LINK_LOCK})


def link(session: Session, events: Sequence[CanonicalEvent], *, now: datetime) -> LinkReport:
    """Fold ``events`` into the consignment graph. Call with each batch's stored events."""
    report = LinkReport()
    serialise_linking(session)
    nodes = {(r.kind.value, r.key) for e in events for r in e.refs if r.kind in SHIPMENT_KINDS}
    if nodes:
        existing = _existing_members(session, nodes)
        comps = _components(events, existing)
        target_of = _settle(session, comps, existing, now, report)
        report.hubs_added = _merge_hubs(session, _hub_links(events, target_of), report.moved)
        if report.touched:
            for chunk in events_repo.chunks(sorted(report.touched)):
                session.execute(update(Consignment).where(Consignment.id.in_(chunk))
                                .values(updated_at=now))
    _link_call_aliases(session, events)
    return report
