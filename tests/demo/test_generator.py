"""The demo event log: deterministic, valid, and calibrated to the seed's March 2022 figures."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from tests.factories import run_jobs

from kouan.analytics import bulletin, filters
from kouan.clearance import bulletins, kpi
from kouan.db.session import transaction
from kouan.demo import generator
from kouan.demo import service as demo_service
from kouan.events import docking
from kouan.events.formats.canonical import parse_jsonl
from kouan.events.models import Event, IngestBatch
from kouan.kit.clock import CHINA_TZ
from kouan.kit.ids import check_container
from kouan.partners.domain import system

NOW = datetime.fromisoformat("2022-04-20T12:00:00+08:00")
DOCKED = datetime.fromisoformat("2022-02-01T00:00:00+08:00")  # SMALL's first month
A_WEEK_AND_A_HALF_HOUR = timedelta(days=7, minutes=30)
SMALL = {"seed": 7, "scale": 0.3, "now": NOW, "first_month": "2022-02", "last_month": "2022-04"}


def log(**kw: object) -> list[tuple[str, str, bytes]]:
    return list(generator.batches(**{**SMALL, **kw}))


def test_same_seed_same_bytes_and_another_seed_differs():
    assert log() == log()
    assert log() != log(seed=8)


def test_every_event_parses_and_every_container_is_valid():
    containers = set()
    for _source, _month, data in log():
        result = parse_jsonl(data)
        assert not result.rejections
        containers |= {r.key for e in result.events for r in e.refs if r.kind.value == "container"}
    assert containers and all(check_container(c) is None for c in containers)


def test_a_month_is_the_same_whether_generated_alone_or_in_a_range():
    alone = {(s, m): d for s, m, d in log(first_month="2022-03", last_month="2022-03")}
    ranged = {(s, m): d for s, m, d in log() if m == "2022-03"}
    assert alone == ranged


def test_nothing_actual_happens_after_now_and_some_declarations_stay_open():
    events = [e for _s, _m, d in log() for e in parse_jsonl(d).events]
    assert max(e.occurred_at for e in events if e.classifier.value == "ACT") <= NOW
    modes = {m for e in events for m in e.attrs.get("facilitation_modes", ())}
    assert {"standard", "advance"} <= modes


def test_the_partners_send_every_event_once_within_a_week_of_it_and_never_after_now():
    sends = list(generator.deliveries(**SMALL))
    lines = Counter(line for _s, _m, d in log() for line in d.splitlines())
    assert Counter(line for *_x, d in sends for line in d.splitlines()) == lines
    assert [at for _s, _m, at, _d in sends] == sorted(at for _s, _m, at, _d in sends)
    assert len({(source, at) for source, _m, at, _d in sends}) == len(sends)
    assert {m for _s, m, _at, _d in sends} == {"2022-02", "2022-03", "2022-04"}
    for _source, month, at, data in sends:
        assert DOCKED < at <= NOW and at.astimezone(CHINA_TZ).strftime("%Y-%m") == month
        for e in parse_jsonl(data).events:
            assert e.occurred_at <= at
            if e.occurred_at >= DOCKED:  # what happened before docking came with the first send
                assert at - e.occurred_at <= A_WEEK_AND_A_HALF_HOUR
    assert max(at for _s, _m, at, _d in sends) == NOW  # this week's events so far


@pytest.fixture
def loaded(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        demo_service.load(s, actor=system("tests"), now=NOW)
    n = demo_service.load_events(kouan.sessions, **SMALL)
    assert n > 500
    run_jobs(kouan)  # the batches' case refresh and arrival match, as the worker runs them
    return kouan


def test_march_2022_liaoning_means_are_the_seed_figures(loaded, tmp_path):
    query = kpi.KpiQuery(period=filters.Period("2022-03", "2022-03"), province="CN-LN", by=("direction",))
    result = kpi.run(loaded.sessions, query, database_url=loaded.settings.effective_database_url,
                     export_dir=tmp_path, now=NOW)
    rows = {r.group["direction"]: r for r in result.rows}
    assert rows["I"].mean_h == pytest.approx(39.93, abs=1e-9)
    assert rows["E"].mean_h == pytest.approx(0.84, abs=1e-9)
    f = bulletins.figures_for(loaded.sessions, month="2022-03", region="CN-LN", clock="gac",
                              database_url=loaded.settings.effective_database_url,
                              export_dir=tmp_path, now=NOW)
    assert "分别为39.93小时和0.84小时，较全国平均水平分别快0.16和0.52小时" in bulletin.sentence(f)


def test_the_path_declines_from_the_baseline_and_facilitation_grows():
    rng = random.Random(0)
    year_2017 = [generator.targets(generator.Month(2017, m), rng) for m in range(1, 13)]
    assert sum(i for i, _ in year_2017) / 12 == pytest.approx(97.39, rel=0.08)
    assert sum(e for _, e in year_2017) / 12 == pytest.approx(12.29, rel=0.15)
    assert generator.targets(generator.Month(2022, 3), rng) == (39.93, 0.84)
    assert generator.targets(generator.Month(2024, 3), rng)[0] < 39.93
    assert generator.advance_share(generator.Month(2022, 3), "E") == pytest.approx(0.74)
    assert generator.two_step_share(generator.Month(2022, 5)) == 3 * generator.two_step_share(
        generator.Month(2021, 5))


def test_the_docking_status_of_the_demo_partners_looks_like_weekly_feeds(loaded):
    window = NOW - docking.WINDOW
    occurred = Counter()  # (source, in the window, at most a week before it) -> events
    for source, _month, data in log():
        for e in parse_jsonl(data).events:
            occurred[source, e.occurred_at >= window, e.occurred_at >= window - A_WEEK_AND_A_HALF_HOUR] += 1
    with loaded.sessions() as s:
        rows = docking.statuses(s, actor=system("tests"), now=NOW)
    assert {r.source for r in rows} == {source for source, *_x in occurred}
    for r in rows:
        # Only what was received in the last 30 days: all that happened in them, and at most what
        # happened up to a week before (the week's send came in the window); not the whole log.
        low = occurred[r.source, True, True]
        high = low + occurred[r.source, False, True]
        assert low - 0.15 <= r.events_per_day * docking.WINDOW.days <= high + 0.15, r.source
        assert r.events_per_day * docking.WINDOW.days < r.events - 0.15, r.source
        assert 0 < r.median_latency_hours <= A_WEEK_AND_A_HALF_HOUR / timedelta(hours=1), r.source
        assert r.docked_since.astimezone(CHINA_TZ).strftime("%Y-%m") == "2022-02", r.source
        assert r.last_received_at <= NOW and r.batches > 3, r.source  # more than one a month
        assert r.organisation, f"{r.source} sends the demo's events but is no demo organisation"
        assert r.claims == 0, f"{r.source} states facts it is not entitled to (events.authority)"


def test_loading_the_demo_again_stores_nothing_new(loaded):
    with loaded.sessions() as s:
        events = s.query(Event).count()
        batches = s.query(IngestBatch).count()
    assert demo_service.load_events(loaded.sessions, **SMALL) == events
    with loaded.sessions() as s:
        assert s.query(Event).count() == events
        again = s.query(IngestBatch).order_by(IngestBatch.id).offset(batches).all()
    assert len(again) == batches and not any(b.stored or b.updated for b in again)


def test_no_vessel_discharges_before_it_arrives():
    """A container is discharged from its call only after the terminal reported the vessel there."""
    events = [e for _s, _m, d in log() for e in parse_jsonl(d).events]
    arrived = {r.key: e.occurred_at for e in events if e.milestone.value == "TRANSPORT_ARRIVED"
               and e.classifier.value == "ACT" for r in e.refs if r.kind.value == "transport_call"}
    discharges = [(r.key, e.occurred_at) for e in events if e.milestone.value == "DISCHARGED"
                  for r in e.refs if r.kind.value == "transport_call"]
    assert discharges and all(call in arrived for call, _at in discharges)
    early = [(call, at, arrived[call]) for call, at in discharges if at < arrived[call]]
    assert early == []
