"""The BSN detector: the eleven-test, the ways people write a number, and what it leaves alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.bsn import MASK, contains_bsn, mask_bsn, passes_eleven_test

VALID = "111222333"  # 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3 - 3 = 66 = 6 * 11


def test_the_eleven_test() -> None:
    assert passes_eleven_test(VALID)
    assert passes_eleven_test("123456782")
    assert not passes_eleven_test("123456789")
    assert not passes_eleven_test("000000000")
    assert not passes_eleven_test("12345678a")
    assert not passes_eleven_test("1234567")


@pytest.mark.parametrize(
    "text",
    [
        "mijn bsn is 111222333",
        "BSN: 1112.22.333",
        "111 222 333 is my number",
        "111-222-333",
        "(123456782)",
        "nummer 12345678 2",  # nine digits, oddly grouped
    ],
)
def test_finds_a_bsn_however_it_is_written(text: str) -> None:
    assert contains_bsn(text)
    assert not contains_bsn(mask_bsn(text))
    assert MASK in mask_bsn(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "call 0612345678",  # a phone number: ten digits
        "+31 6 1234 5678",
        "NL91ABNA0417164300",  # an IBAN
        "reference WF-2026-0042",
        "123456789",  # fails the eleven-test
        "1112223334",  # ten digits, though the first nine pass
        "on 2026-12-03 at 09:00",
        "2026-12-02",  # its eight digits pass the eleven-test, but it is a date
        "02-12-2026",
        "2.12.2026",
    ],
)
def test_leaves_other_numbers_alone(text: str) -> None:
    assert not contains_bsn(text)
    assert mask_bsn(text) == text


def test_mask_keeps_the_words_around_the_number() -> None:
    assert mask_bsn("Ik ben 111222333, Amina") == f"Ik ben {MASK}, Amina"
    assert mask_bsn("111222333 and 123456782") == f"{MASK} and {MASK}"


@given(st.text())
def test_masked_text_never_holds_a_bsn(text: str) -> None:
    assert not contains_bsn(mask_bsn(text))
