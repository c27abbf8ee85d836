"""Reference figures: imported, validated line by line, never half-imported."""

import pytest

from kouan.clearance import figures
from kouan.db.session import transaction
from kouan.kit.clock import utcnow
from kouan.kit.errors import InvalidInput
from kouan.partners.domain import system


def test_bad_lines_are_all_named_and_nothing_is_kept():
    text = "scope,month,direction,hours\nCN,2022-03,I,40.09\nCN,2022-13,X,abc\nZZ,2022,E,1\n"
    with pytest.raises(InvalidInput) as exc:
        figures.parse_csv(text)
    pointers = [e.pointer for e in exc.value.errors]
    assert pointers == ["line 3/month", "line 3/direction", "line 3/hours", "line 4/scope"]


def test_a_missing_column_is_named():
    with pytest.raises(InvalidInput) as exc:
        figures.parse_csv("scope,month,hours\nCN,2017,97.39\n")
    assert "direction" in exc.value.errors[0].detail


def test_national_defaults_load_and_reimport_replaces(kouan):
    with transaction(kouan.sessions, actor=system("tests")) as s:
        assert figures.load_national_defaults(s, now=utcnow()) == 16
        assert figures.lookup(s, scope="CN", period="2017", direction="I") == 97.39
        figures.store(s, figures.parse_csv("scope,month,direction,hours\nCN,2017,I,97.4\n"), now=utcnow())
    with kouan.sessions() as s:
        assert figures.lookup(s, scope="CN", period="2017", direction="I") == 97.4
        assert len(figures.list_figures(s, scope="CN")) == 16
