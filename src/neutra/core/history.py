"""An organisation's emissions over the years: one figure per scope per year (DESIGN.md §8).

The history is what the strategy computations stand on: base year,
intensities, targets and trajectories all read it. Figures are t CO2e,
unrounded, gross (credits never enter them, DOMAIN.md §5). Scope 2 is kept on
both bases, and every combination names its basis: a total is never an
unlabelled sum.

It must never merge scopes silently or invent a year: a year that is not in
the history has no figures (`HistoryYearMissingError`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from neutra.core.errors import NeutraError

__all__ = [
    "EMISSION_KEYS",
    "MAX_FIGURE",
    "EmissionKey",
    "EmissionsHistory",
    "EmissionsYear",
    "HistoryError",
    "HistoryYearMissingError",
    "Scope2Basis",
    "ScopeCoverage",
]


class HistoryError(NeutraError, ValueError):
    """A history that breaks its invariants (a year twice, a negative or non-finite figure)."""


class HistoryYearMissingError(NeutraError, LookupError):
    """A year asked for that the history does not hold."""


class Scope2Basis(StrEnum):
    """Which scope 2 figure a combination uses (GHG Protocol Scope 2 Guidance)."""

    MARKET = "market"
    LOCATION = "location"


class ScopeCoverage(StrEnum):
    """The scopes a figure, an intensity or a target covers."""

    S1_2 = "1+2"
    S3 = "3"
    S1_2_3 = "1+2+3"


class EmissionKey(StrEnum):
    """The emission figures of a year, as DESIGN.md §8 names them (t CO2e)."""

    SCOPE1 = "scope1"
    SCOPE2_LOCATION = "scope2_location"
    SCOPE2_MARKET = "scope2_market"
    SCOPE3 = "scope3"
    SCOPE1_2_LOCATION = "scope1_2_location"
    SCOPE1_2_MARKET = "scope1_2_market"
    TOTAL_LOCATION = "total_location"
    TOTAL_MARKET = "total_market"

    @property
    def label(self) -> str:
        """The scopes and basis in words, to show beside every figure."""
        return _LABELS[self]

    @classmethod
    def of(cls, scopes: ScopeCoverage, basis: Scope2Basis) -> EmissionKey:
        """The key of a scope combination on a scope 2 basis (scope 3 alone has no basis)."""
        if scopes is ScopeCoverage.S3:
            return cls.SCOPE3
        market = basis is Scope2Basis.MARKET
        if scopes is ScopeCoverage.S1_2:
            return cls.SCOPE1_2_MARKET if market else cls.SCOPE1_2_LOCATION
        return cls.TOTAL_MARKET if market else cls.TOTAL_LOCATION


_LABELS = {
    EmissionKey.SCOPE1: "scope 1",
    EmissionKey.SCOPE2_LOCATION: "scope 2 (location-based)",
    EmissionKey.SCOPE2_MARKET: "scope 2 (market-based)",
    EmissionKey.SCOPE3: "scope 3",
    EmissionKey.SCOPE1_2_LOCATION: "scopes 1 + 2 (location-based)",
    EmissionKey.SCOPE1_2_MARKET: "scopes 1 + 2 (market-based)",
    EmissionKey.TOTAL_LOCATION: "scopes 1 + 2 + 3 (scope 2 location-based)",
    EmissionKey.TOTAL_MARKET: "scopes 1 + 2 + 3 (scope 2 market-based)",
}

EMISSION_KEYS: tuple[EmissionKey, ...] = tuple(EmissionKey)


# The largest figure core takes: the sums of a year's figures (and of their restatements)
# stay finite far from float's 1.8e308. Files and forms hold figures to far less
# (formats.numbers.MAX_TONNES); this bounds what any caller may hand core.
MAX_FIGURE = 1e300


@dataclass(frozen=True, slots=True)
class EmissionsYear:
    """The gross emissions of one reporting year, per scope (t CO2e)."""

    year: int  # the reporting year
    scope1: float  # direct emissions
    scope2_location: float  # purchased energy, location-based
    scope2_market: float  # purchased energy, market-based
    scope3: float  # value chain, all reported categories
    # scope 3 per category (1-15), only the categories reported; may be empty
    categories: Mapping[int, float] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))
        self.check_invariants()

    def check_invariants(self) -> None:
        figures = [self.scope1, self.scope2_location, self.scope2_market, self.scope3]
        figures += list(self.categories.values())
        if not all(math.isfinite(v) for v in figures):
            raise HistoryError(f"{self.year}: an emission figure is not a finite number")
        if any(abs(v) > MAX_FIGURE for v in figures):
            raise HistoryError(f"{self.year}: an emission figure is beyond {MAX_FIGURE:.0e} t CO2e")
        if any(v < 0 for v in figures):
            raise HistoryError(f"{self.year}: an emission figure is negative")
        if any(not 1 <= c <= 15 for c in self.categories):
            raise HistoryError(f"{self.year}: scope 3 categories are 1 to 15")

    def figure(self, key: EmissionKey) -> float:
        """One figure of the year, in t CO2e."""
        if key is EmissionKey.SCOPE1:
            return self.scope1
        if key is EmissionKey.SCOPE2_LOCATION:
            return self.scope2_location
        if key is EmissionKey.SCOPE2_MARKET:
            return self.scope2_market
        if key is EmissionKey.SCOPE3:
            return self.scope3
        if key is EmissionKey.SCOPE1_2_LOCATION:
            return math.fsum([self.scope1, self.scope2_location])
        if key is EmissionKey.SCOPE1_2_MARKET:
            return math.fsum([self.scope1, self.scope2_market])
        if key is EmissionKey.TOTAL_LOCATION:
            return math.fsum([self.scope1, self.scope2_location, self.scope3])
        return math.fsum([self.scope1, self.scope2_market, self.scope3])

    def figures(self) -> dict[str, float]:
        """Every figure of the year by its DESIGN.md §8 key."""
        return {key.value: self.figure(key) for key in EMISSION_KEYS}

    def covered(
        self, scopes: ScopeCoverage, basis: Scope2Basis, categories: Iterable[int] = ()
    ) -> float:
        """The emissions a target or an intensity covers (scope 3 limited to `categories` if given)."""
        chosen = tuple(categories)
        if not chosen or scopes is ScopeCoverage.S1_2:
            return self.figure(EmissionKey.of(scopes, basis))
        scope3 = math.fsum(self.categories.get(c, 0.0) for c in chosen)
        if scopes is ScopeCoverage.S3:
            return scope3
        scope2 = self.scope2_market if basis is Scope2Basis.MARKET else self.scope2_location
        return math.fsum([self.scope1, scope2, scope3])

    def scaled(self, factor: float) -> EmissionsYear:
        """The same year with every figure multiplied (a restatement that keeps the scope mix)."""
        return EmissionsYear(
            self.year,
            self.scope1 * factor,
            self.scope2_location * factor,
            self.scope2_market * factor,
            self.scope3 * factor,
            {c: v * factor for c, v in self.categories.items()},
        )


@dataclass(frozen=True, slots=True)
class EmissionsHistory:
    """Emissions year by year, each year once, in year order."""

    years: tuple[EmissionsYear, ...]  # sorted by year, no year twice

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", tuple(sorted(self.years, key=lambda y: y.year)))
        self.check_invariants()

    def check_invariants(self) -> None:
        seen = [y.year for y in self.years]
        twice = sorted({y for y in seen if seen.count(y) > 1})
        if twice:
            raise HistoryError(f"the history holds {twice[0]} more than once", year=twice[0])

    def __len__(self) -> int:
        return len(self.years)

    def __contains__(self, year: object) -> bool:
        return any(y.year == year for y in self.years)

    @property
    def first_year(self) -> int:
        if not self.years:
            raise HistoryYearMissingError("the history is empty")
        return self.years[0].year

    @property
    def last_year(self) -> int:
        if not self.years:
            raise HistoryYearMissingError("the history is empty")
        return self.years[-1].year

    def year(self, year: int) -> EmissionsYear:
        """The figures of a year; `HistoryYearMissingError` if the history lacks it."""
        for item in self.years:
            if item.year == year:
                return item
        raise HistoryYearMissingError(f"the history has no figures for {year}", year=year)

    def series(self, key: EmissionKey) -> dict[int, float]:
        """One figure for every year, by year."""
        return {y.year: y.figure(key) for y in self.years}
