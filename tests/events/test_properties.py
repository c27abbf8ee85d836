"""Property: any permutation, duplication and batching of the same events gives the same store."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.conftest import _wipe
from tests.events.helpers import ev, jsonl

from kouan.consignments.models import ConsignmentHub, ConsignmentMember
from kouan.db.session import transaction
from kouan.events import service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

ACTOR = system("tests")
CALL = "9321483/2103N/CNDAL"

# A small universe where ids repeat with newer versions, keys overlap and consignments merge.
UNIVERSE = [
    ev("a", "MANIFEST_FILED", 0, bill_of_lading="BL1", container=["CSQU3054383"], transport_call=CALL),
    ev("b", "DECLARATION_LODGED", 2, declaration="090020221000000001", bill_of_lading="BL1"),
    ev("c", "MANIFEST_FILED", 1, bill_of_lading="BL2", container=["MSKU9070323"], transport_call=CALL),
    ev("d", "DISCHARGED", 3, container="MSKU9070323", transport_call=CALL),
    ev("e", "DECLARATION_COMPLETED", 4, declaration="090020221000000001", bill_of_lading="BL2"),
    ev("f", "TRANSPORT_ARRIVED", 0, classifier="EST", transport_call=CALL,
       version="2022-03-01T00:00:00+08:00"),
    ev("f", "TRANSPORT_ARRIVED", 1, classifier="ACT", transport_call=CALL,
       version="2022-03-01T09:00:00+08:00"),
    ev("g", "CUSTOMS_RELEASED", 9, declaration="090020221000000001"),
    ev("h", "GATE_OUT", 12, container="CSQU3054383", booking="BK9"),
    ev("i", "OTHER_CODE", 5, booking="BK9", bill_of_lading="BL3"),
]


def snapshot(kouan):
    with kouan.sessions() as s:
        events = {(e.source, e.event_id, e.milestone, e.classifier, e.occurred_at, e.content_hash,
                   tuple(map(tuple, e.refs))) for e in s.scalars(select(Event))}
        members: dict[int, set] = {}
        for m in s.scalars(select(ConsignmentMember)):
            members.setdefault(m.consignment_id, set()).add((m.kind, m.key))
        hubs: dict[int, set] = {}
        for h in s.scalars(select(ConsignmentHub)):
            hubs.setdefault(h.consignment_id, set()).add((h.kind, h.key, h.linked_at))
    # Consignment ids depend on arrival order; what they group must not.
    groups = {frozenset(keys): frozenset(hubs.get(cid, set())) for cid, keys in members.items()}
    return events, groups


def load(kouan, batches):
    _wipe(kouan)
    for batch in batches:
        with transaction(kouan.sessions, actor=ACTOR) as s:
            service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=jsonl(*batch), fmt="jsonl",
                           channel="test", now=utcnow(), actor=ACTOR.label)
    return snapshot(kouan)


@st.composite
def batchings(draw):
    items = draw(st.permutations(UNIVERSE + draw(st.lists(st.sampled_from(UNIVERSE), max_size=6))))
    cuts = sorted(draw(st.sets(st.integers(1, len(items) - 1), max_size=4)))
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=batchings())
def test_any_permutation_duplication_and_batching_gives_the_same_store(kouan, batches):
    reference = load(kouan, [UNIVERSE])
    assert load(kouan, batches) == reference
    events, groups = reference
    assert len(events) == 9  # "f" kept once, in its newest version
    assert len(groups) == 2  # BL1+BL2+declaration merged; BK9+BL3 apart
