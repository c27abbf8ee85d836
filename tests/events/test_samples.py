"""The public and synthetic sample files through the real ingest, on SQLite and PostgreSQL:
stored once, a re-send changes nothing, a cut-off interchange is half stored and half quarantined,
and the quarantine CLI shows and retries what was kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kouan.db.session import transaction
from kouan.events import service
from kouan.events.authority import KOUAN as AS_KOUAN  # these tests state every fact as Kouan would
from kouan.events.models import Event, QuarantinedMessage
from kouan.kit.clock import utcnow
from kouan.partners.domain import system

ACTOR = system("tests")
DATA = Path(__file__).parent.parent / "data"
SAMPLES = [*sorted((DATA / "edifact").glob("*.edi")),
           DATA / "dcsa" / "tnt-v2.2.0-get-events-response.json"]
# Events repeated inside one file count as duplicates on the first import already: the BERMAN
# replacement notice (BGM 5) repeats the ETD of the original notice, the same event.
IN_FILE_DUPLICATES = {"berman_d00b_kouan.edi": 1}
KOUAN = [sys.executable, "-m", "kouan.cli"]


def ingest(kouan, data: bytes) -> service.IngestReport:
    with transaction(kouan.sessions, actor=ACTOR) as s:
        return service.ingest(s, source="DCT", org_id=None, sender=AS_KOUAN, data=data, fmt="auto",
                              channel="test", now=utcnow(), actor=ACTOR.label)


def count(kouan, model) -> int:
    with kouan.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def coarri() -> str:
    return (DATA / "edifact" / "coarri_d95b_itg13_itgoa.edi").read_text(encoding="utf-8")


def truncated_coarri() -> tuple[str, int]:
    """The COARRI interchange cut inside its second message (the loading report), mid-EQD."""
    text = coarri()
    return text, text.index("EQD+CN+CBHU8671943") + 12


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_is_stored_once_and_a_resend_is_all_duplicates(kouan, path: Path) -> None:
    data = path.read_bytes()
    first = ingest(kouan, data)
    repeated = IN_FILE_DUPLICATES.get(path.name, 0)
    assert first.format == ("dcsa" if path.suffix == ".json" else "edifact")
    assert first.quarantined == 0 and first.errors == []
    assert first.stored > 0 and first.updated == 0
    assert (first.duplicates, first.stored + first.duplicates) == (repeated, first.received)
    assert count(kouan, Event) == first.stored
    again = ingest(kouan, data)
    assert (again.stored, again.updated, again.quarantined) == (0, 0, 0)
    assert again.duplicates == again.received == first.received
    assert count(kouan, Event) == first.stored and count(kouan, QuarantinedMessage) == 0


def test_a_truncated_interchange_stores_the_complete_message_and_quarantines_the_cut_one(
        kouan) -> None:
    text, cut = truncated_coarri()
    report = ingest(kouan, text[:cut].encode())
    assert (report.stored, report.quarantined) == (2, 1)  # the discharge report's two containers
    with kouan.sessions() as s:
        q = s.scalars(select(QuarantinedMessage)).one()
        milestones = s.scalars(select(Event.milestone)).all()
    assert milestones == ["DISCHARGED", "DISCHARGED"]
    unh = text.index("UNH+1452515553819")
    segment = len(text[unh:cut].splitlines())  # UNH = segment 1
    assert q.location == f"interchange 1 message 2 segment {segment} (EQD)"
    assert "COARRI '1452515553819' is incomplete" in q.reason
    assert f"its last segment, {segment} (EQD), is cut off" in q.reason
    assert q.raw == text[unh:cut] and q.raw.endswith("EQD+CN+CBHU8")
    assert (q.status, q.format, q.source) == ("open", "edifact", "DCT")


def test_a_resent_interchange_under_new_control_references_stores_nothing(kouan) -> None:
    text = coarri()
    first = ingest(kouan, text.encode())
    resent = (text.replace("1452515554132", "1452515559999")  # UNB / UNZ
              .replace("1452515553811", "1452515553898")  # UNH / UNT of message 1
              .replace("1452515553819", "1452515553899"))  # UNH / UNT of message 2
    assert resent != text
    again = ingest(kouan, resent.encode())
    assert (again.stored, again.quarantined, again.received) == (0, 0, first.received)
    # The envelope references travel in attrs but are not part of what the event says: every
    # event is a duplicate, none is "updated".
    assert (again.duplicates, again.updated) == (first.stored, 0)
    assert count(kouan, Event) == first.stored == 21


def test_the_quarantine_cli_lists_shows_and_retries_after_a_fix(kouan, tmp_path) -> None:
    text, cut = truncated_coarri()
    ingest(kouan, text[:cut].encode())
    with kouan.sessions() as s:
        qid, reason = s.execute(select(QuarantinedMessage.id, QuarantinedMessage.reason)).one()
    env = dict(os.environ, KOUAN_DATABASE_URL=kouan.settings.effective_database_url,
               KOUAN_DATA_DIR=str(tmp_path), COLUMNS="1000")

    def cli(*args: str) -> str:
        r = subprocess.run([*KOUAN, "quarantine", *args], env=env, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout

    listed = cli("list")
    assert f"│ {qid} " in listed and "COARRI '1452515553819'" in listed
    assert "interchange 1 message 2 segment 20 (EQD)" in listed
    shown = cli("show", str(qid))
    assert text[text.index("UNH+1452515553819"):cut] in shown  # the raw message, verbatim
    assert f"reason: {reason}" in shown and "its last segment, 20 (EQD), is cut off" in shown
    assert f"#{qid} DCT edifact" in shown and "(open, 0 retries)" in shown

    still = json.loads(cli("retry", str(qid), "--json"))  # nothing fixed yet: stays quarantined
    assert (still["retried"], still["resolved"], still["still_quarantined"]) == (1, 0, 1)

    # "the mapping fix": the row's raw becomes the complete loading report
    with transaction(kouan.sessions, actor=ACTOR) as s:
        q = s.get(QuarantinedMessage, qid)
        q.raw = text[text.index("UNH+1452515553819"): text.index("UNZ+")].strip()
    fixed = json.loads(cli("retry", str(qid), "--json"))
    assert (fixed["retried"], fixed["resolved"], fixed["still_quarantined"]) == (1, 1, 0)
    assert fixed["stored"] == 19 and len(fixed["batch_ids"]) == 1
    with kouan.sessions() as s:
        q = s.get(QuarantinedMessage, qid)
        assert (q.status, q.retries, q.resolved_batch_id) == ("resolved", 2, fixed["batch_ids"][0])
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.milestone == "LOADED")) == 19
    where = "interchange 1 message 2 segment 20 (EQD)"
    assert where not in cli("list") and where in cli("list", "--status", "resolved")
