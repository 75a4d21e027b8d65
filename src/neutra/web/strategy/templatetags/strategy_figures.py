"""Template filters of the strategy page: intensities and fractions, for display only."""

from __future__ import annotations

import math

from django import template

register = template.Library()

DASH = "–"


@register.filter
def intensity(value: float | None) -> str:
    """An intensity or a denominator to six significant digits: 68.8, 1,094.37, 86,500,000.

    Never in exponent form ("8.65e+07"): a table's figures are read as numbers.
    """
    if value is None or not math.isfinite(value):
        return DASH
    if value == 0:
        return "0"
    decimals = max(0, 5 - math.floor(math.log10(abs(value))))
    text = f"{round(value, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def fraction_percent(value: float | None) -> str:
    """A fraction as a percentage: 0.042 -> "4.20 %"."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{100 * value:.2f} %"


@register.filter
def exact_figure(value: float | None) -> str:
    """The unrounded figure, for a data attribute a test or script reads."""
    return "" if value is None else repr(float(value))
