"""Property: on random logs (duplicates, estimates, out-of-order arrival, unreleased declarations),
the KPI equals a small, obviously-correct reference computed straight from the events."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import _wipe
from tests.events.helpers import jsonl
from tests.factories import run_jobs

from kouan.clearance import kpi
from kouan.db.session import transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.kit.clock import CHINA_TZ, utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

T0 = datetime.fromisoformat("2022-03-10T00:00:00+08:00")
ACTOR = system("tests")


def at(quarter_hours: int) -> str:
    return (T0 + timedelta(minutes=15 * quarter_hours)).isoformat()


def container(i: int) -> str:
    body = f"KOAU{i:06d}"
    return body + str(iso6346_check_digit(body))


@st.composite
def declarations(draw, i: int):
    """One declaration's events plus what the reference needs to know about it."""
    direction = draw(st.sampled_from("IE"))
    decl = f"0900{2022}{'1' if direction == 'I' else '0'}{i:09d}"
    q = st.integers(-200, 600)
    released = draw(st.booleans() | st.just(True))
    t_release = draw(q)
    ev = []
    if direction == "I":
        call, bl = f"9321483/V{i}/CNDAL", f"BL{i}"
        entry, arrival = draw(q), draw(q)
        ev += [("entry", "TRANSPORT_ENTRY_DECLARED", entry, {"transport_call": call}, "ACT"),
               ("arri", "TRANSPORT_ARRIVED", arrival, {"transport_call": call}, "ACT"),
               ("mf", "MANIFEST_FILED", draw(q), {"transport_call": call, "bill_of_lading": bl}, "ACT"),
               ("lodged", "DECLARATION_LODGED", draw(q), {"declaration": decl, "bill_of_lading": bl}, "ACT")]
        start = entry
    else:
        boxes = [container(i * 10 + k) for k in range(draw(st.integers(1, 3)))]
        lodged = draw(q)
        arrivals = [draw(q) for _ in boxes]
        ev += [("lodged", "DECLARATION_LODGED", lodged, {"declaration": decl, "container": boxes}, "ACT")]
        ev += [(f"gi{k}", "GOODS_ARRIVED_AT_PORT", t, {"container": b}, "ACT")
               for k, (b, t) in enumerate(zip(boxes, arrivals, strict=True))]
        start = max(lodged, *arrivals)
    ev.append(("est", "CUSTOMS_RELEASED", draw(q), {"declaration": decl}, "EST"))  # must not count
    if released:
        ev.append(("rel", "CUSTOMS_RELEASED", t_release, {"declaration": decl}, "ACT"))
    events = [{"event_id": f"{i}-{name}", "milestone": m, "occurred_at": at(t), "refs": refs,
               "classifier": cls, "port": "CNDAL"} for name, m, t, refs, cls in ev]
    truth = None
    if released:
        end = max(t_release, start)  # a release stamped before the start counts as zero
        month = (T0 + timedelta(minutes=15 * end)).astimezone(CHINA_TZ).strftime("%Y-%m")
        truth = (direction, month, (end - start) / 4)
    return events, truth


@st.composite
def logs(draw):
    n = draw(st.integers(1, 12))
    cases = [draw(declarations(i)) for i in range(n)]
    events = [e for evs, _ in cases for e in evs]
    events += draw(st.lists(st.sampled_from(events), max_size=8))  # re-sent duplicates
    events = draw(st.permutations(events))  # out of order
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(events) - 1)), max_size=3)))
    bounds = [0, *cuts, len(events)]
    batches = [events[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if events[a:b]]
    return batches, [t for _, t in cases if t is not None]


def reference(truths, key):
    groups: dict[tuple, list[float]] = {}
    for direction, month, hours in truths:
        groups.setdefault(key(direction, month), []).append(hours)
    return {g: (len(v), statistics.fmean(v), float(np.percentile(v, 50)), float(np.percentile(v, 90)))
            for g, v in groups.items()}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(log=logs())
def test_the_kpi_equals_the_reference_on_random_logs(kouan, tmp_path, log):
    batches, truths = log
    _wipe(kouan)
    for batch in batches:
        with transaction(kouan.sessions, actor=ACTOR) as s:
            events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=jsonl(*batch), fmt="jsonl",
                                  channel="test", now=utcnow(), actor="tests")
    run_jobs(kouan)  # the case refresh the worker runs after each commit
    result = kpi.run(kouan.sessions, kpi.KpiQuery(by=("direction", "month")),
                     database_url=kouan.settings.effective_database_url, export_dir=tmp_path,
                     now=utcnow())
    got = {(r.group["direction"], r.group["month"]): (r.n, r.mean_h, r.median_h, r.p90_h)
           for r in result.rows if r.n}
    want = reference(truths, lambda d, m: (d, m))
    assert got.keys() == want.keys()
    for g, (n, mean, median, p90) in want.items():
        assert got[g][0] == n
        assert np.allclose(got[g][1:], (mean, median, p90), atol=1e-6), g
