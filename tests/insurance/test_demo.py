"""The demo gives the insurer and the commerce bureau something to land on, and the exporter a
booking whose one-stop view is filled (issue #17 parts 3 and 4)."""

from __future__ import annotations

from sqlalchemy import select
from tests.factories import login

from kouan.db.session import transaction
from kouan.demo import service as demo_service
from kouan.gathering import service as gathering
from kouan.insurance import demo, service
from kouan.insurance.models import InsuranceApplication
from kouan.kit.clock import utcnow
from kouan.partners import repository as partners_repo
from kouan.partners import service as partners_service
from kouan.partners.domain import system


def test_the_demo_loads_applications_in_every_state_and_a_filled_export_booking(client, kouan):
    now = utcnow()
    with transaction(kouan.sessions, actor=system("demo")) as s:
        demo_service.load(s, actor=system("demo"), now=now)
        refs = demo.load_applications(s, actor=system("demo"), now=now, password=demo_service.DEMO_PASSWORD)
        assert demo.load_booking(s, now=now, imo=demo_service.demo_fleet()[0]) == demo.BOOKING
    with transaction(kouan.sessions, actor=system("demo")) as s:
        assert demo.load_applications(s, actor=system("demo"), now=now, password=demo_service.DEMO_PASSWORD) == []
        assert demo.load_booking(s, now=now, imo=demo_service.demo_fleet()[0]) is None
    with kouan.sessions() as s:
        statuses = dict(s.execute(select(InsuranceApplication.reference, InsuranceApplication.status)).all())
        assert sorted(statuses[r] for r in refs) == ["in_review", "ineligible", "issued"]
        cities = {r.city for r in service.statistics(s, actor=system("t"))}
        assert cities == {"大连市", "营口市"}
        chen = partners_service.principal_for_person(s, partners_repo.get_person_by_username(s, "trader.chen"))
        view = gathering.one_stop(s, actor=chen, ref=demo.BOOKING)
        assert (view.containers, view.at_port) == (3, 2) and view.calls[0].cutoff is not None
        assert set(view.calls[0].times) == {"TRANSPORT_ARRIVED", "TRANSPORT_DEPARTED"}
    # The landing pages of the insurer and the commerce bureau show the demo's work.
    login(client, "sinosure.sun", demo_service.DEMO_PASSWORD)
    assert all(r in client.get("/insurance").text for r in refs[:2])
    client.cookies.clear()
    login(client, "commerce.zhou", demo_service.DEMO_PASSWORD)
    page = client.get("/insurance/statistics").text
    assert "营口市" in page and "USD 210,000.00" in page
