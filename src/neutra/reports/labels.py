"""Names people read beside the figures: scopes, scope 3 categories, flags.

The GHG Protocol's names for the fifteen scope 3 categories (Corporate Value
Chain (Scope 3) Standard, 2011, Table 5.3) and, for each flag the engine
puts on a line, what it means in words (docs/methodology.md §12).

It must never hold a figure: only the words around them.
"""

from __future__ import annotations

from types import MappingProxyType

from neutra.core.flags import FlagKind

__all__ = [
    "FLAG_EXPLANATIONS",
    "SCOPE3_CATEGORY_NAMES",
    "TOTAL_LABELS",
    "explain_flag",
    "gas_label",
    "scope3_category_label",
]

# The totals of a footprint (neutra.core.engine.result.SCOPE_KEYS), as headed in tables.
TOTAL_LABELS = MappingProxyType(
    {
        "scope1": "Scope 1",
        "scope2_location": "Scope 2, location-based",
        "scope2_market": "Scope 2, market-based",
        "scope3": "Scope 3",
        "total_location": "Total, location-based",
        "total_market": "Total, market-based",
    }
)

SCOPE3_CATEGORY_NAMES = MappingProxyType(
    {
        1: "Purchased goods and services",
        2: "Capital goods",
        3: "Fuel- and energy-related activities",
        4: "Upstream transportation and distribution",
        5: "Waste generated in operations",
        6: "Business travel",
        7: "Employee commuting",
        8: "Upstream leased assets",
        9: "Downstream transportation and distribution",
        10: "Processing of sold products",
        11: "Use of sold products",
        12: "End-of-life treatment of sold products",
        13: "Downstream leased assets",
        14: "Franchises",
        15: "Investments",
    }
)

# What each flag kind means, in words: every FlagKind has one (a test checks).
FLAG_EXPLANATIONS: MappingProxyType[FlagKind, str] = MappingProxyType(
    {
        FlagKind.REGION_FALLBACK: "The factor is not for the row's own region: that of a wider "
        "region (country, region or world) or, as a last resort, of another region (a "
        "publisher's own, such as DESNZ's GB) was used; the detail names both.",
        FlagKind.YEAR_FALLBACK: "The factor is not for the row's year: the latest earlier year's "
        "factor (or the one referenced) was used; the detail gives the gap in years.",
        FlagKind.SET_FALLBACK: "A factor set pinned earlier has this activity only for later "
        "years: the factor came from a later set (another publisher, perhaps another method).",
        FlagKind.RESIDUAL_MIX_MISSING: "Scope 2 consumption not covered by instruments and no "
        "residual-mix factor: the market-based figure uses the grid average.",
        FlagKind.GWP_SET_MISMATCH: "The factor is in CO2e made with another GWP set than the "
        "inventory's; it is used as published, not re-weighted.",
        FlagKind.NEGATIVE_QUANTITY: "The quantity is negative: a correction of an earlier row.",
        FlagKind.LIFECYCLE_FACTOR: "The grid factor is a lifecycle, generation-based intensity, not "
        "the combustion-only rate scope 2 asks for.",
        FlagKind.MONEY_CONVERTED: "Spend converted to the factor's currency and price year "
        "(annual exchange rate, then the price index).",
        FlagKind.INSTRUMENT_NOT_QUALIFIED: "A contractual instrument fails a quality criterion and "
        "does not lower the market-based figure.",
        FlagKind.INSTRUMENT_UNUSED: "A contractual instrument matches no consumption, or has energy "
        "left over.",
        FlagKind.SCOPE_OVERRIDDEN: "The row declares a scope or scope 3 category other than its "
        "factor's, and is counted where the row says; check that the declaration is meant.",
    }
)


def scope3_category_label(category: int) -> str:
    """ "6. Business travel" for 6."""
    name = SCOPE3_CATEGORY_NAMES.get(category)
    return f"{category}. {name}" if name else f"Category {category}"


def explain_flag(flag: FlagKind | str) -> str:
    """What a flag on a line means, in words.

    A stored line names its flags as text; a name that is no longer a
    FlagKind (a flag an older version emitted) reads as its own words.
    """
    try:
        return FLAG_EXPLANATIONS[FlagKind(flag)]
    except ValueError:
        return flag.replace("_", " ")


def gas_label(gas: str) -> str:
    """A row label of the figures by gas: "CO2e" is not a gas but the factors given only in CO2e."""
    return "CO2e (factors given only in CO2e)" if gas == "CO2e" else gas
