"""The one rounding policy for showing figures to people.

Figures stay unrounded float64 everywhere else; only display calls this.
"""

from __future__ import annotations

import math

__all__ = ["format_tonnes"]


def format_tonnes(value: float) -> str:
    """Tonnes for display: thousands separated, 3 decimals (kilogram precision)."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:,.3f}"
    return "0.000" if text == "-0.000" else text
