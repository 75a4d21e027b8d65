"""Numbers written in outside files: plain ASCII, checked before Python converts them.

Python's `int()` and `float()` take more than a file should say: any Unicode
digit ("١٠٠", "２０２４"), "_" between digits ("1_000") and white space around
the number; and `int()` raises ValueError for text of more than 4,300 digits.
Readers call these helpers instead, so that a number is ASCII digits with at
most one sign, one decimal point and an exponent, and anything else is a
problem on its cell, in the reader's own words.

`exact_decimal` reads the same text as a `Decimal`, for money that must stay
exact (a price of 0.1 is 0.1, never 0.1000000000000000055...).

`MAX_WHOLE_DIGITS` bounds whole numbers (serials, quantities), `MAX_TONNES`
the emission figures a file may give and `MAX_FACTOR` its factors and
instrument figures, so that no product or sum of them can overflow;
`TOO_MANY_DIGITS` and `TOO_MANY_TONNES` are the problems' words.

It must never accept a non-ASCII digit or a separator, and never hand
`int()` text it cannot convert.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

__all__ = [
    "MAX_FACTOR",
    "MAX_TONNES",
    "MAX_WHOLE_DIGITS",
    "TOO_MANY_DIGITS",
    "TOO_MANY_TONNES",
    "decimal_number",
    "exact_decimal",
    "is_decimal_number",
    "is_whole_number",
    "whole_number",
]

# 18 digits stay below 2**63: the web keeps serials and quantities in 64-bit integers.
MAX_WHOLE_DIGITS = 18
TOO_MANY_DIGITS = f"too large: a whole number here has at most {MAX_WHOLE_DIGITS} digits"
# The largest emission figure (t CO2e) a file may give: 20,000 times the world's yearly
# emissions (about 5e10 t). Sums of figures this size stay far from float overflow (1.8e308).
MAX_TONNES = 1e15
TOO_MANY_TONNES = f"too large: an emission figure is at most {MAX_TONNES:.0e} t CO2e"
# The largest factor value or instrument figure a file may give, in its own unit: SF6 is
# 2.35e7 kg CO2e per tonne; times an activity's largest quantity (1e18) and any unit's
# scale, products and their sums stay far from float overflow.
MAX_FACTOR = 1e12

_WHOLE = re.compile(r"[0-9]+")
# "[0-9]+(\.[0-9]*)?", not "[0-9]+\.?[0-9]*": the latter backtracks in quadratic time on a
# long run of digits that does not match.
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def is_whole_number(text: str) -> bool:
    """True for ASCII digits only (`0`-`9`, at least one): no sign, point or separator."""
    return _WHOLE.fullmatch(text) is not None


def whole_number(text: str, max_digits: int = MAX_WHOLE_DIGITS) -> int | None:
    """The value of ASCII digits of at most `max_digits` digits (leading zeros aside);
    None for anything else."""
    if not is_whole_number(text) or len(text.lstrip("0")) > max_digits:
        return None
    return int(text)


def is_decimal_number(text: str) -> bool:
    """True for a plain ASCII decimal: `12`, `-0.5`, `.5`, `1.2e3`; no "1,000", "1_000", "1 000"."""
    return _DECIMAL.fullmatch(text) is not None


def decimal_number(text: str) -> float | None:
    """The finite float a plain ASCII decimal writes; None for anything else (`1e999` too).
    "-0" is 0.0: a negative zero would be stored and printed as "-0.0"."""
    if not is_decimal_number(text):
        return None
    value = float(text) + 0.0
    return value if math.isfinite(value) else None


def exact_decimal(text: str) -> Decimal | None:
    """The exact `Decimal` a plain ASCII decimal writes; None for anything else.

    Bounds are the caller's (core.money's for money). "-0" is 0, as in `decimal_number`.
    """
    if not is_decimal_number(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent past Decimal's own limit: "1e99999999999999999999"
        return None
    return value.copy_abs() if value.is_zero() else value
