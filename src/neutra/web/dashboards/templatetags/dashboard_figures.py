"""Template filters that show figures: the project's one rounding policy, for display only."""

from __future__ import annotations

import math

from django import template

from neutra.core.rounding import format_tonnes

register = template.Library()

DASH = "–"  # a figure that does not exist (a version never calculated)


@register.filter
def tonnes(value: float | None) -> str:
    """1234.5678 -> "1,234.568" (kilogram precision)."""
    return DASH if value is None else format_tonnes(float(value))


@register.filter
def signed_tonnes(value: float | None) -> str:
    """A change: "+12.000", "-3.500", "0.000"."""
    if value is None:
        return DASH
    text = format_tonnes(float(value))
    return text if text.startswith("-") or text == "0.000" else "+" + text


@register.filter
def percent(value: float | None) -> str:
    """A change in percent, one decimal: "+4.2 %"."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value:+.1f} %"


@register.filter
def share(value: float | None) -> str:
    """An inclusion share as a percentage: 0.5 -> "50 %"."""
    if value is None:
        return DASH
    return f"{100 * float(value):.6g} %"


@register.filter
def exact(value: float | None) -> str:
    """A factor or a quantity as stored, without rounding it away: 1.853e-05 -> "1.853e-05"."""
    if value is None:
        return DASH
    return f"{float(value):.12g}"


@register.filter
def count(value: float | int | None) -> str:
    """A whole count with thousands separated."""
    return DASH if value is None else f"{int(value):,}"
