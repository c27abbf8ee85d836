"""The analytics benchmark (``python -m bench.kpi``) measures real work only if its generated log
goes through Kouan as partners' data would, and if its hand-written baselines compute the same
clock as Kouan. Checked here on a small log: ingested for real, bulk-loaded, and computed by
Kouan (both recompute paths and ``kpi``), the DuckDB SQL and pandas."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bench import analytics_baselines, analytics_log, analytics_store
from bench.kpi import disagreements
from sqlalchemy import select

from kouan.clearance import kpi as clearance_kpi
from kouan.clearance import service
from kouan.clearance.clocks import GAC
from kouan.consignments.models import ConsignmentHub, ConsignmentMember
from kouan.db.session import make_engine, make_session_factory, transaction
from kouan.events import service as events_service
from kouan.events.authority import KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event, EventRef
from kouan.kit.clock import utcnow
from kouan.kit.ids import iso6346_check_digit
from kouan.partners.domain import system

ACTOR = system("tests")
EVENTS = 2_500


@pytest.fixture(scope="module")
def log() -> analytics_log.Log:
    return analytics_log.generate(EVENTS, seed=7)


@pytest.fixture(scope="module")
def raw_parquet(log, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("bench") / "raw.parquet"
    pq.write_table(analytics_log.raw_for_parquet(log), path)
    return str(path)


@pytest.fixture(scope="module")
def loaded_store(log, tmp_path_factory) -> Path:
    return analytics_store.load(log, tmp_path_factory.mktemp("bench") / "store.sqlite3")


def ingest(kouan, lines: list[str], size: int = 800) -> None:
    for k in range(0, len(lines), size):
        with transaction(kouan.sessions, actor=ACTOR) as s:
            events_service.ingest(s, source="DCT", org_id=None, sender=KOUAN, data=("\n".join(lines[k:k + size]) + "\n").encode(),
                                  fmt="jsonl", channel="test", now=utcnow(), actor="tests")


def kpi_rows(sessions, url: str, tmp_path: Path) -> dict:
    query = clearance_kpi.KpiQuery(clock="gac", by=("month", "direction"))
    result = clearance_kpi.run(sessions, query, database_url=url, export_dir=tmp_path, now=utcnow())
    return {(r.group["month"], r.group["direction"]): {"n": r.n, "mean_h": r.mean_h, "median_h": r.median_h,
                                                        "p90_h": r.p90_h} for r in result.rows if r.n}


def test_the_log_has_duplicates_newer_versions_estimates_and_open_declarations(log):
    raw = log.raw.to_pylist()
    assert log.duplicates > 0 and log.versions > 0
    assert len({r["event_id"] for r in raw}) == log.events.num_rows < len(raw)
    assert any(r["classifier"] == "EST" for r in raw)
    released = {r["declaration"] for r in raw if r["milestone"] == "CUSTOMS_RELEASED" and r["classifier"] == "ACT"}
    declared = {r["declaration"] for r in raw if r["declaration"]}
    assert declared - released, "some declarations are never released"
    boxes = {r["container"] for r in raw if r["container"]}
    assert all(int(b[10]) == iso6346_check_digit(b[:10]) for b in boxes)


def test_kouan_on_the_ingested_log_gives_the_baselines_figures(kouan, log, raw_parquet, tmp_path):
    ingest(kouan, analytics_log.canonical_lines(log))
    with transaction(kouan.sessions, actor=ACTOR) as s:
        service.recompute_all(s, now=utcnow(), clocks=[GAC])  # the Python path: the semantic reference
    url = kouan.settings.effective_database_url
    got = kpi_rows(kouan.sessions, url, tmp_path)
    duck = analytics_baselines.duckdb_sql(raw_parquet)
    assert len(duck) > 4 and sum(v["n"] for v in duck.values()) > 200
    assert disagreements(got, duck) == []
    assert disagreements(analytics_baselines.pandas_kpi(raw_parquet), duck) == []


def test_the_bulk_load_stores_what_ingestion_stores(kouan, log, loaded_store):
    ingest(kouan, analytics_log.canonical_lines(log))
    bulk = make_session_factory(make_engine(f"sqlite:///{loaded_store}"))
    with kouan.sessions() as a, bulk() as b:
        assert _store(a) == _store(b)


def _store(s) -> dict:
    """The stored events, refs, consignments and hubs, with consignments named by their members."""
    events = {(e.event_id, e.milestone, e.classifier, e.occurred_at, e.port, e.version)
              for e in s.scalars(select(Event))}
    ids = dict(s.execute(select(Event.id, Event.event_id)).all())
    refs = {(ids[pk], kind, key) for pk, kind, key in s.execute(select(EventRef.event_pk, EventRef.kind, EventRef.key))}
    members: dict[int, set] = {}
    for kind, key, cid in s.execute(select(ConsignmentMember.kind, ConsignmentMember.key,
                                           ConsignmentMember.consignment_id)):
        members.setdefault(cid, set()).add((kind, key))
    name = {cid: tuple(sorted(m)) for cid, m in members.items()}
    hubs = {(name[h.consignment_id], h.kind, h.key, h.linked_at) for h in s.scalars(select(ConsignmentHub))}
    return {"events": events, "refs": refs, "consignments": set(name.values()), "hubs": hubs}


def test_the_recompute_on_the_bulk_loaded_store_gives_the_baselines_figures(log, loaded_store, raw_parquet,
                                                                             tmp_path):
    url = f"sqlite:///{loaded_store}"
    sessions = make_session_factory(make_engine(url))
    duck = analytics_baselines.duckdb_sql(raw_parquet)
    for engine in ("duckdb", "store"):
        with transaction(sessions, actor=ACTOR) as s:
            report = service.recompute_all_set_based(s, now=utcnow(), clocks=[GAC], engine=engine)
        assert report.cases == log.consignments
        assert disagreements(kpi_rows(sessions, url, tmp_path), duck) == [], engine
