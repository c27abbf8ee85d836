"""EDIFACT input far beyond what any directory allows is quarantined at once, with its place."""

import tracemalloc

from kouan.events.formats import edifact
from kouan.events.formats.edifact_syntax import MAX_ELEMENT, MAX_SEGMENT

HEAD = "UNB+UNOC:3+SENDER+KOUAN+240101:1200+REF1'UNH+1+CODECO:D:95B:UN'BGM+34+X+9'"
TAIL = "UNT+4+1'UNZ+1+REF1'"


def test_a_fifty_megabyte_segment_is_quarantined_with_its_position_without_being_copied():
    data = (HEAD + "FTX+AAI+++" + "A" * 50_000_000 + "'" + TAIL).encode()
    tracemalloc.start()
    try:
        result = edifact.parse(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.events == []
    [rejection] = result.rejections
    assert rejection.where == "interchange 1 message 1 segment 3 (FTX)"
    assert "50,000,010 characters long" in rejection.reason and f"{MAX_SEGMENT:,}" in rejection.reason
    # the bytes and their decoded text are 100 MB; the scan adds no copy of the segment (it took
    # 1.1 GB before the cap)
    assert peak < 160_000_000


def test_a_segment_with_an_oversized_element_is_refused_and_the_next_message_is_kept():
    big = "UNH+1+CODECO:D:95B:UN'BGM+34+X+9'FTX+AAI+++" + "B" * (MAX_ELEMENT + 1) + "'UNT+4+1'"
    good = ("UNH+2+CODECO:D:95B:UN'BGM+34+Y+9'TDT+20+V1+1++MSK:172:20+++9074729:146::MAERSK'"
            "LOC+165+CNDAL:139:6'EQD+CN+MSKU1234565+45G1:102:5++2+5'DTM+7:202401011200:203'"
            "UNT+7+2'")
    data = ("UNB+UNOC:3+SENDER+KOUAN+240101:1200+REF1'" + big + good + "UNZ+2+REF1'").encode()
    result = edifact.parse(data)
    [rejection] = result.rejections
    assert rejection.where == "interchange 1 message 1 segment 3 (FTX)"
    assert f"element 4 is {MAX_ELEMENT + 1:,} characters long" in rejection.reason
    assert len(result.events) == 1
