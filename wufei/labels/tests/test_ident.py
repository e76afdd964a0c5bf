from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from wufei.labels.ident import (
    IDENT_LENGTH,
    IdentCodeError,
    IdentParts,
    is_valid_ident_code,
    make_ident_code,
    parse_ident_code,
)

from .conftest import DAY, USCC, wrong_check_digit


def test_make_is_37_characters_in_four_segments():
    code = make_ident_code(USCC, "900-249-08", DAY, 7)
    assert len(code) == IDENT_LENGTH == 37
    assert code == f"{USCC}90024908{DAY:%Y%m%d}007"


def test_parse_round_trip_and_parts():
    code = make_ident_code(USCC, "336-064-17", date(2024, 12, 31), 999)
    parts = parse_ident_code(code)
    assert parts == IdentParts(USCC, "336-064-17", date(2024, 12, 31), 999)
    assert parts.category == "HW17"
    assert parts.code == code
    assert is_valid_ident_code(code)


def test_waste_code_without_hyphens_and_lowercase_code_with_spaces():
    assert make_ident_code(USCC, "90024908", DAY, 1) == make_ident_code(USCC, "900-249-08", DAY, 1)
    code = make_ident_code(USCC, "900-249-08", DAY, 1)
    spaced = f" {code[:18].lower()} {code[18:26]} {code[26:34]} {code[34:]} "
    assert parse_ident_code(spaced).code == code


def test_wrong_uscc_check_digit():
    with translation.override("en"), pytest.raises(IdentCodeError) as err:
        make_ident_code(wrong_check_digit(USCC), "900-249-08", DAY, 1)
    assert err.value.part == "uscc"
    assert err.value.code == "labels.ident_uscc"
    assert "check digit" in str(err.value)
    good = make_ident_code(USCC, "900-249-08", DAY, 1)
    with pytest.raises(IdentCodeError) as err:
        parse_ident_code(wrong_check_digit(USCC) + good[18:])
    assert err.value.part == "uscc"


@pytest.mark.parametrize("uscc", ["", "9133060", "91330602MA2B3C4D5I", "X" * 18])
def test_bad_uscc_shape(uscc):
    with pytest.raises(IdentCodeError) as err:
        make_ident_code(uscc, "900-249-08", DAY, 1)
    assert err.value.part == "uscc"


@pytest.mark.parametrize(
    "waste_code", ["", "900-249-8", "900_249_08", "HW08", "900-249-00", "900-249-51", "9002490"]
)
def test_bad_waste_code(waste_code):
    with pytest.raises(IdentCodeError) as err:
        make_ident_code(USCC, waste_code, DAY, 1)
    assert err.value.part == "waste_code"
    assert isinstance(err.value, ValueError)


def test_bad_waste_code_inside_a_code():
    good = make_ident_code(USCC, "900-249-08", DAY, 1)
    with pytest.raises(IdentCodeError) as err:
        parse_ident_code(good[:18] + "9002495A" + good[26:])
    assert err.value.part == "waste_code"


@pytest.mark.parametrize("day", ["20250230", "20251301", "2025AB01", "00000000"])
def test_bad_date(day):
    good = make_ident_code(USCC, "900-249-08", DAY, 1)
    with pytest.raises(IdentCodeError) as err:
        parse_ident_code(good[:26] + day + good[34:])
    assert err.value.part == "date"


def test_make_needs_a_date():
    with pytest.raises(IdentCodeError) as err:
        make_ident_code(USCC, "900-249-08", "2025-03-18", 1)  # type: ignore[arg-type]
    assert err.value.part == "date"


@pytest.mark.parametrize("sequence", [0, 1000, -1, True, 1.5, "abc", None])
def test_bad_sequence(sequence):
    with pytest.raises(IdentCodeError) as err:
        make_ident_code(USCC, "900-249-08", DAY, sequence)
    assert err.value.part == "sequence"


@pytest.mark.parametrize("tail", ["000", "1A2"])
def test_bad_sequence_inside_a_code(tail):
    good = make_ident_code(USCC, "900-249-08", DAY, 1)
    with pytest.raises(IdentCodeError) as err:
        parse_ident_code(good[:34] + tail)
    assert err.value.part == "sequence"


@pytest.mark.parametrize("code", ["", None, "1" * 36, "1" * 38])
def test_bad_length(code):
    with pytest.raises(IdentCodeError) as err:
        parse_ident_code(code)
    assert err.value.part == "length"
    assert not is_valid_ident_code(code)


def test_sequence_bounds_accepted():
    assert make_ident_code(USCC, "900-249-08", DAY, 1).endswith("001")
    assert make_ident_code(USCC, "900-249-08", DAY, 999).endswith("999")
    assert make_ident_code(USCC, "900-249-08", DAY, "12").endswith("012")


def test_error_messages_are_translated_to_chinese():
    with translation.override("zh-hans"), pytest.raises(IdentCodeError) as err:
        make_ident_code(USCC, "900-249-08", DAY, 0)
    assert "顺序号" in str(err.value)
    assert err.value.as_dict()["code"] == "labels.ident_sequence"
    with translation.override("en"), pytest.raises(IdentCodeError) as err:
        make_ident_code(USCC, "900-249-08", DAY, 0)
    assert "between 1 and 999" in str(err.value)
