"""The kinds of flag the engine puts on a line or an instrument: one enum, one home.

A flag tells a reader of the figures something they must know (a fallback
taken, a correction, an instrument that did not count). Every kind the engine
emits is a member here; the words people read for each live in
`neutra.reports.labels` (FLAG_EXPLANATIONS, keyed by this enum), and
docs/methodology.md §12 states the rule behind each.

It must never hold the words shown to people, nor decide when a flag applies.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FlagKind"]


class FlagKind(StrEnum):
    """What kind of note a flag is. The value is the stable name in outputs (DESIGN §3.6)."""

    REGION_FALLBACK = "region_fallback"  # a wider region's or another region's factor was used
    YEAR_FALLBACK = "year_fallback"  # a factor of another year was used (the gap in the detail)
    SET_FALLBACK = "set_fallback"  # an earlier pinned set had the activity, only for later years
    LIFECYCLE_FACTOR = "lifecycle_factor"  # a lifecycle grid intensity, not combustion-only
    MONEY_CONVERTED = "money_converted"  # spend converted to the factor's currency and year
    GWP_SET_MISMATCH = "gwp_set_mismatch"  # CO2e made with another GWP set, used as published
    NEGATIVE_QUANTITY = "negative_quantity"  # a correction of an earlier row
    RESIDUAL_MIX_MISSING = "residual_mix_missing"  # market-based uses the grid average
    INSTRUMENT_NOT_QUALIFIED = "instrument_not_qualified"  # fails a quality criterion
    INSTRUMENT_UNUSED = "instrument_unused"  # matches no consumption, or energy left over
    SCOPE_OVERRIDDEN = "scope_overridden"  # the row's scope or category is not the factor's
