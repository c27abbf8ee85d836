"""Streaming import: a file is read in pieces of whole lines (``parsing.parse_stream``), memory stays
flat whatever its size, and it is still one atomic batch, deduplicated across pieces."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from bench import stream_memory
from sqlalchemy import func, select
from tests.events.helpers import ev, jsonl
from tests.factories import build_world

from kouan.db.session import transaction
from kouan.events import parsing
from kouan.events import service as events_service
from kouan.events.authority import KOUAN
from kouan.events.models import Event, IngestBatch
from kouan.kit.clock import utcnow
from kouan.partners.domain import system


def pieces_of(data: bytes, fmt: str, size: int) -> list:
    return list(parsing.parse_stream(data[:100], io.BytesIO(data[100:]), fmt, piece_bytes=size))


def merged(results: list) -> tuple[list, list]:
    return ([e for r in results for e in r.events], [r for p in results for r in p.rejections])


def feed() -> bytes:
    lines = [json.dumps(ev(f"e{i}", "GATE_OUT", i, container="CSQU3054383", bill_of_lading=f"BL{i % 7}"))
             for i in range(60)]
    lines[13] = '{"event_id": "broken"'
    lines[40] = ""  # a blank line is skipped, still counted
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("size", [64, 300, 1000])
def test_pieces_of_json_lines_parse_as_the_whole_file(size):
    data = feed()
    whole = parsing.parse(data, "jsonl")
    results = pieces_of(data, "jsonl", size)
    assert len(results) > 3
    events, rejections = merged(results)
    assert events == whole.events and rejections == whole.rejections
    assert [r.where for r in rejections] == ["line 14"]


def test_pieces_of_csv_are_read_under_the_header_and_never_split_a_quoted_field():
    rows = ["event_id,milestone,occurred_at,ref_container,attr_note"]
    for i in range(40):
        note = '"two\nlines, ""quoted"""' if i % 5 == 0 else "plain"
        rows.append(f"c{i},GATE_OUT,2022-03-01T08:{i:02d}:00+08:00,CSQU3054383,{note}")
    rows.append("c99,GATE_OUT,yesterday,CSQU3054383,x")
    data = ("\r\n".join(rows) + "\r\n").encode()
    whole = parsing.parse(data, "csv")
    results = pieces_of(data, "csv", 200)
    assert len(results) > 3
    events, rejections = merged(results)
    assert events == whole.events and len(events) == 40
    assert [e.attrs["note"] for e in events[:1]] == ['two\nlines, "quoted"']
    assert [r.where for r in rejections] == [r.where for r in whole.rejections] == [f"line {len(rows) + 8}"]


def test_a_piece_that_is_not_utf8_names_its_byte_in_the_file():
    data = feed()
    bad = data.index(b'"e50"')
    data = data[:bad] + b"\xff" + data[bad + 1:]
    where = [r.where for r in merged(pieces_of(data, "jsonl", 300))[1]]
    assert f"byte {bad}" in where and "line 14" in where


def test_a_file_without_a_usable_csv_header_is_one_rejection():
    data = ("nonsense,columns\n" + "a,b\n" * 200).encode()
    results = pieces_of(data, "csv", 100)
    assert len(results) == 1 and [r.where for r in results[0].rejections] == ["line 1"]


def test_a_streamed_batch_dedupes_across_pieces_and_is_hashed_whole(kouan):
    events = [ev(f"d{i}", "GATE_OUT", i, container="CSQU3054383", bill_of_lading="BLD") for i in range(300)]
    later = [events[5], {**events[7], "version": "2022-03-09T00:00:00+08:00"}, "{not json"]
    data = jsonl(*events, *later)
    with transaction(kouan.sessions, actor=system("tests")) as s:
        report = events_service.ingest_stream(s, source="DCT", org_id=None, sender=KOUAN, channel="test",
                                              now=utcnow(), actor="tests", stream=io.BytesIO(data),
                                              piece_bytes=2_000)
    assert (report.received, report.stored, report.duplicates, report.updated, report.quarantined) == (
        303, 300, 1, 1, 1)
    assert report.received == report.stored + report.duplicates + report.updated + report.quarantined
    with kouan.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 300
        batch = s.get(IngestBatch, report.batch_id)
        assert (batch.content_sha256, batch.size_bytes) == (hashlib.sha256(data).hexdigest(), len(data))
        assert (batch.received, batch.stored, batch.duplicates, batch.updated) == (303, 300, 1, 1)
    with transaction(kouan.sessions, actor=system("tests")) as s:  # the re-send changes nothing
        again = events_service.ingest_stream(s, source="DCT", org_id=None, sender=KOUAN, channel="test",
                                             now=utcnow(), actor="tests", stream=io.BytesIO(data),
                                             piece_bytes=2_000)
    assert (again.stored, again.updated, again.duplicates) == (0, 0, 302)


@pytest.mark.slow
def test_importing_a_large_file_keeps_memory_flat(kouan, tmp_path):
    """The CLI imports a 96 MB file in a child process: its peak RSS exceeds that of a 6 MB file by
    far less than the 90 MB between them (reading it whole cost several times the file). On
    PostgreSQL, so that the child's memory is the importer's alone (SQLite's page cache, up to 64 MB,
    lives in the importing process)."""
    if kouan.engine.dialect.name != "postgresql":
        pytest.skip("measured on PostgreSQL: the importer's own memory, without SQLite's page cache")
    build_world(kouan)  # the sending organisation DCT
    url = kouan.engine.url.render_as_string(hide_password=False)
    peaks = {}
    for mb in (6, 96):
        f = tmp_path / f"feed-{mb}.jsonl"
        n = stream_memory.write(f, mb * 2**20, pad=3000)
        peak, _s, summary = stream_memory.peak_import(f, url, tmp_path)
        assert summary["received"] == n == (summary["stored"] + summary["duplicates"] + summary["updated"]
                                            + summary["quarantined"])
        assert summary["duplicates"] >= n // 1000 > 0
        peaks[mb] = peak
        f.unlink()
    assert peaks[96] - peaks[6] < 30 * 2**20, peaks
