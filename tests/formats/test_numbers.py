"""Numbers in outside files: plain ASCII of a sane size, or not a number (None)."""

from __future__ import annotations

import time

import pytest

from neutra.formats.numbers import decimal_number, whole_number


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12.0), ("-0.5", -0.5), (".5", 0.5), ("1.", 1.0), ("+1.2e3", 1200.0), ("1E-3", 0.001)],
)
def test_a_plain_ascii_decimal_is_its_float(text: str, value: float) -> None:
    assert decimal_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        ".",
        "e5",
        "1e",
        "1.2.3",
        "1,000",
        "1_000",
        " 1",
        "1 ",
        "١",
        "１",
        "²",
        "nan",
        "inf",
        "1e999",
    ],
)
def test_anything_else_is_not_a_decimal_number(text: str) -> None:
    assert decimal_number(text) is None


def test_a_long_run_of_digits_that_is_not_a_number_is_refused_in_linear_time() -> None:
    started = time.perf_counter()
    assert decimal_number("9" * 200_000 + "x") is None
    assert time.perf_counter() - started < 1.0  # a backtracking pattern takes minutes


def test_whole_numbers_are_ascii_digits_of_at_most_the_digits_allowed() -> None:
    assert whole_number("9" * 18) == 10**18 - 1
    assert whole_number("0" * 30 + "7") == 7  # leading zeros do not count
    assert whole_number("9" * 19) is None
    assert whole_number("9" * 5000) is None  # never handed to int(): more than 4,300 digits
    assert whole_number("2024", max_digits=4) == 2024
    assert whole_number("20240", max_digits=4) is None
    for text in ("", "-1", "+1", "1.0", "1_0", "١٠٠", "２０２４", "²"):
        assert whole_number(text) is None


def test_a_negative_zero_is_zero() -> None:
    for text in ("-0", "-0.0", "-0e5"):
        value = decimal_number(text)
        assert value == 0.0
        assert str(value) == "0.0"  # not "-0.0"
