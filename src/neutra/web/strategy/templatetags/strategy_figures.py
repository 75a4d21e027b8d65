"""Template filters of the strategy page: intensities and fractions, for display only."""

from __future__ import annotations

import math

from django import template

register = template.Library()

DASH = "–"


@register.filter
def intensity(value: float | None) -> str:
    """An intensity to six significant digits: 68.8, 1,094.37."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value:,.6g}"


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
