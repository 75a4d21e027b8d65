"""Template filters for showing figures: through the project's one rounding policy.

Figures are stored and passed unrounded; only these filters round, and only
for people to read. They must never be used on a figure that is computed on.
"""

from __future__ import annotations

from django import template

from neutra.core.rounding import format_tonnes

register = template.Library()


@register.filter
def tonnes(value: object) -> str:
    """Tonnes for display (`neutra.core.rounding.format_tonnes`); empty for a missing figure."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return format_tonnes(float(value))


@register.filter
def count(value: object) -> str:
    """A whole count with thousands separated (150,141)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return ""
    return f"{value:,}"
