"""The entitlement table (events.authority): kind and relationship, judged without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kouan.events import authority
from kouan.events.authority import KOUAN, UNKNOWN, entitled, sender_of
from kouan.events.domain import CanonicalEvent, Milestone, Ref, RefKind

DISTRICTS = {"CNDAL": "0900", "CNYIK": "0900", "CNSHA": "2200"}
TERMINAL = sender_of("terminal", home_port="CNDAL")
CARRIER = sender_of("shipping_line", home_port="CNDAL", fleet=["9321483"], carrier_codes=["cosu"])
CUSTOMS = sender_of("customs", customs_district="0900")


def event(milestone: str, port: str | None = "CNDAL", **refs: str) -> CanonicalEvent:
    return CanonicalEvent(event_id="e", milestone=Milestone(milestone), occurred_at=datetime.now(UTC),
                          port=port, refs=tuple(Ref(RefKind(k), v) for k, v in refs.items()))


def test_every_milestone_names_who_may_state_it():
    assert set(authority.TABLE) == set(Milestone)


@pytest.mark.parametrize(("sender", "e", "expected"), [
    (TERMINAL, event("TRANSPORT_ARRIVED", transport_call="9321483/X/CNDAL"), True),
    (TERMINAL, event("TRANSPORT_ARRIVED", port="CNYIK", transport_call="9321483/X/CNYIK"), False),
    (TERMINAL, event("GOODS_ARRIVED_AT_PORT", container="CSQU3054383"), True),
    (TERMINAL, event("CUSTOMS_RELEASED", declaration="090820221000000001"), False),
    (CARRIER, event("TRANSPORT_ARRIVED", port="CNSHA", transport_call="9321483/X/CNSHA"), True),
    (CARRIER, event("TRANSPORT_ARRIVED", transport_call="9999999/X/CNDAL"), False),  # not its vessel
    (CARRIER, event("DISCHARGED", bill_of_lading="COSU6300000001", container="CSQU3054383"), True),
    (CARRIER, event("DISCHARGED", bill_of_lading="MAEU6300000001"), False),
    (CARRIER, event("GOODS_ARRIVED_AT_PORT", container="CSQU3054383"), False),  # 运抵 is the terminal's
    (CUSTOMS, event("CUSTOMS_RELEASED", port="CNYIK", declaration="091020221000000001"), True),
    (CUSTOMS, event("CUSTOMS_RELEASED", port="CNSHA", declaration="224820221000000001"), False),
    (CUSTOMS, event("CUSTOMS_RELEASED", port=None, declaration="090820221000000001"), True),
    (CUSTOMS, event("CUSTOMS_RELEASED", port=None, declaration="224820221000000001"), False),
    (sender_of("insurer"), event("GOODS_ARRIVED_AT_PORT", container="CSQU3054383"), False),
    (sender_of("broker"), event("TRANSPORT_ARRIVED", transport_call="9321483/X/CNDAL"), False),
    (sender_of("broker"), event("DECLARATION_LODGED", declaration="090820221000000001"), True),
    (sender_of("insurer"), event("OTHER"), True),  # moves nothing
    (UNKNOWN, event("OTHER"), False),
    (KOUAN, event("CUSTOMS_RELEASED"), True),
])
def test_a_sender_is_entitled_by_kind_and_relationship(sender, e, expected):
    assert entitled(sender, e, DISTRICTS) is expected
