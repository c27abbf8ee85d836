from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as uscc_mod

from kouan.kit import ids


def test_it_accepts_a_valid_uscc():
    assert ids.check_uscc("91110000600037341L") is None  # python-stdnum's documented example


def test_it_names_the_wrong_uscc_check_character():
    problem = ids.check_uscc("91110000600037341M")
    assert problem is not None and "check character" in problem


def test_it_names_a_wrong_uscc_length():
    problem = ids.check_uscc("9111000060003734")
    assert problem is not None and "18 characters" in problem


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_any_uscc_body_with_its_computed_check_character_is_valid(body):
    if not body[:8].isdigit():
        return
    assert ids.check_uscc(body + uscc_mod.calc_check_digit(body)) is None


def test_it_computes_iso6346_check_digits():
    # Examples from ISO 6346 Annex A and widely published container numbers.
    assert ids.iso6346_check_digit("CSQU305438") == 3
    assert ids.check_container("CSQU3054383") is None
    assert ids.check_container("MSKU9070323") is None


def test_it_explains_a_bad_container_check_digit():
    problem = ids.check_container("CSQU3054384")
    assert problem is not None and "check digit 4" in problem and "gives 3" in problem


def test_it_rejects_a_malformed_container_number():
    assert "not an ISO 6346" in ids.check_container("CSQ3054383")


def test_it_checks_imo_numbers():
    assert ids.check_imo("9321483") is None  # the Emma Maersk's IMO number
    assert ids.check_imo("IMO 9321483") is None
    assert "check digit" in ids.check_imo("9321484")
    assert "7 digits" in ids.check_imo("932148")


def test_it_checks_locodes():
    assert ids.check_locode("CNDAL") is None
    assert ids.check_locode("cndal") is not None
    assert ids.check_locode("CN1AL") is not None


def test_it_checks_declaration_numbers():
    assert ids.check_declaration_number("090020221000012345") is None
    assert ids.check_declaration_number("090020220000012345") is None
    assert "position 9" in ids.check_declaration_number("090020227000012345")
    assert "18-digit" in ids.check_declaration_number("0900202210000123")
