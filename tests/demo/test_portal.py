"""The demo's portal declarations: every facilitation mode at work, seen by the right people."""

from __future__ import annotations

from sqlalchemy import func, select

from kouan.audit.models import AuditEntry
from kouan.db.session import transaction
from kouan.declarations import appointment_service
from kouan.declarations import service as declarations
from kouan.declarations.domain import Mode
from kouan.declarations.models import DeclarationRecord
from kouan.demo import portal
from kouan.demo import service as demo_service
from kouan.events.models import Event
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def _load(kouan):
    now = utcnow()
    with transaction(kouan.sessions, actor=system("test")) as s:
        demo_service.load(s, actor=system("test"), now=now)
    with transaction(kouan.sessions, actor=system("test")) as s:
        return now, portal.load(s, now=now)


def test_every_facilitation_mode_is_at_work_and_each_plan_reaches_its_stage(kouan):
    _now, numbers = _load(kouan)
    assert len(numbers) == len(portal.PLANS)
    with kouan.sessions() as s:
        recs = {r.number: r for r in s.scalars(select(DeclarationRecord))}
        modes = {m for r in recs.values() for m in r.modes}
        assert modes >= {m.value for m in Mode}
        status = {p.key: recs[n].status for p, n in zip(portal.PLANS, numbers, strict=True)}
    assert status == {
        "standard-released": "released", "standard-lodged": "lodged", "standard-returned": "returned",
        "standard-draft": "draft", "advance-matched": "released", "advance-waiting": "accepted",
        "two-step": "goods_released", "two-stage": "port_released", "release-then-amend": "released",
        "declare-then-verify": "released", "release-before-inspection": "port_released",
        "ship-side-pickup": "released", "conditional-removal": "port_released", "zone-port-direct": "in_transit",
        "export-released": "released", "export-advance": "accepted", "export-held": "held",
    }


def test_the_officer_sees_a_queue_the_broker_sees_its_own_and_the_terminal_its_pickup(kouan):
    _now, numbers = _load(kouan)
    with kouan.sessions() as s:
        officer = portal._principal(s, portal.OFFICER)
        broker = portal._principal(s, portal.BROKER)
        trader = portal._principal(s, "trader.chen")
        terminal = portal._principal(s, portal.TERMINAL)
        assert {r.number for r in declarations.list_visible(s, actor=broker)} == set(numbers)
        assert declarations.list_visible(s, actor=trader) == [] or all(
            r.number in numbers for r in declarations.list_visible(s, actor=trader))
        queue = {r.status for r in declarations.queue(s, actor=officer)}
        assert "lodged" in queue
        [used] = appointment_service.list_visible(s, actor=terminal)
        assert used.status == "used"


def test_every_step_is_audited_and_emitted_and_a_second_load_adds_nothing(kouan):
    _now, numbers = _load(kouan)
    with kouan.sessions() as s:
        steps = sum(len(p.steps) for p in portal.PLANS if all(w != "terminal" for w, _, _ in p.steps))
        kouan_events = s.scalar(select(func.count()).select_from(Event).where(Event.source == "kouan"))
        assert kouan_events >= steps
        audited = s.scalar(select(func.count()).select_from(AuditEntry)
                           .where(AuditEntry.entity == "declaration"))
        assert audited >= len(numbers)
        before = s.scalar(select(func.count()).select_from(DeclarationRecord))
    with transaction(kouan.sessions, actor=system("test")) as s:
        assert portal.load(s, now=utcnow()) == []
    with kouan.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DeclarationRecord)) == before
