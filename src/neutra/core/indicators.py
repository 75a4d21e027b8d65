"""Intensity indicators: emissions per FTE, per million of revenue, per physical unit (DOMAIN.md §5).

The denominators are data with their own yearly history and sources. Revenue
is converted to one chosen currency at the annual average rate of its own year
(core.money's versioned rates), and the basis of the conversion is stated with
every figure (ESRS E1-6 uses net revenue). The numerator and the denominator
cover the same organisational boundary and the numerator's scopes are named
beside every figure.

It must never divide by a year's denominator when that year has no emissions
(or the other way round), never convert money at another year's rate, never
show an intensity without its scopes and boundary, and never give an infinite
or nan intensity: a denominator to divide by is a positive finite amount, and
an intensity past float's range is an `IntensityError` naming its year.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from neutra.core.errors import NeutraError
from neutra.core.history import EMISSION_KEYS, EmissionKey, EmissionsHistory
from neutra.core.money import exchange_rate

__all__ = [
    "FTE",
    "REVENUE",
    "Denominator",
    "DenominatorKind",
    "Intensity",
    "IntensityError",
    "ResolvedDenominator",
    "choose_currency",
    "intensities",
    "resolve_denominators",
]

FTE = "fte"
REVENUE = "revenue"
MILLION = 1_000_000.0  # revenue intensities are per million of the currency (DESIGN.md §8)
DEFAULT_BOUNDARY = "the organisational boundary of the emissions history"


class IntensityError(NeutraError, ValueError):
    """A denominator that cannot be used (not positive, no exchange rate for its year)."""


class DenominatorKind(StrEnum):
    FTE = "fte"  # full-time equivalent employees
    REVENUE = "revenue"  # net revenue, in a currency (ISO 4217)
    CUSTOM = "custom"  # a physical unit named by the user (tonnes_produced, m2, passengers)


# A denominator's value lies within these, in its unit: a smaller one makes intensities
# infinite (1e-320 FTE), a larger one overflows when revenue changes currency. Within
# them, revenue in millions of another currency is 1e-6 x (3.9e-5 to 2.6e4, the cross
# rates of core.money's table) / 1e6, at least about 4e-17; emission figures within the
# bound files and pages keep to (1e15 t a scope) give intensities below 1e32. Only a
# larger figure given to core directly (core.history takes up to MAX_FIGURE, 1e300 t)
# over such a revenue overflows: `intensities` refuses it.
MIN_DENOMINATOR, MAX_DENOMINATOR = 1e-6, 1e18
DENOMINATOR_RANGE = (
    f"a denominator is between {MIN_DENOMINATOR:g} and {MAX_DENOMINATOR:g} in its unit"
)


@dataclass(frozen=True, slots=True)
class Denominator:
    """One year's figure of one indicator's denominator, as reported."""

    year: int
    indicator: str  # "fte", "revenue" or a custom name such as "tonnes_produced"
    value: float  # FTE count, revenue in `unit`, or the custom quantity; more than zero
    unit: str  # "FTE" for fte, an ISO 4217 code for revenue, free text for custom units
    source: str  # where the figure comes from (annual report, HR system, ...)

    def __post_init__(self) -> None:
        if not math.isfinite(self.value) or self.value <= 0:
            raise IntensityError(
                f"{self.year} {self.indicator}: the value {self.value!r} must be more than zero",
                year=self.year,
                indicator=self.indicator,
            )
        if not MIN_DENOMINATOR <= self.value <= MAX_DENOMINATOR:
            raise IntensityError(
                f"{self.year} {self.indicator}: {DENOMINATOR_RANGE} ({self.value!r})",
                year=self.year,
                indicator=self.indicator,
            )

    @property
    def kind(self) -> DenominatorKind:
        if self.indicator == FTE:
            return DenominatorKind.FTE
        if self.indicator == REVENUE:
            return DenominatorKind.REVENUE
        return DenominatorKind.CUSTOM


@dataclass(frozen=True, slots=True)
class ResolvedDenominator:
    """A denominator ready to divide by: in the unit its intensity is per."""

    year: int
    indicator: str
    amount: float  # FTE, millions of the chosen currency, or custom units
    per: str  # what one intensity is per: "FTE", "million USD", "tonnes_produced"
    basis: str  # how the amount was made (the exchange rate, or "as reported")
    source: str  # the denominator's source

    def __post_init__(self) -> None:
        # 0 made each intensity a ZeroDivisionError, nan or inf made them nan or 0.
        if not math.isfinite(self.amount) or self.amount <= 0:
            raise IntensityError(
                f"{self.year} {self.indicator}: the amount to divide by ({self.amount!r} "
                f"{self.per}) must be a finite figure more than zero",
                year=self.year,
                indicator=self.indicator,
            )


@dataclass(frozen=True, slots=True)
class Intensity:
    """Emissions of some scopes per unit of a denominator, for one year."""

    year: int
    indicator: str
    key: EmissionKey  # the scopes and scope 2 basis of the numerator
    emissions_t: float  # the numerator, t CO2e
    denominator: ResolvedDenominator
    boundary: str  # the organisational boundary of numerator and denominator alike
    value: float  # t CO2e per `unit`

    @property
    def unit(self) -> str:
        return f"t CO2e per {self.denominator.per}"

    @property
    def statement(self) -> str:
        """The figure's basis in words: scopes, boundary, denominator and its conversion."""
        return (
            f"{self.key.label} per {self.denominator.per}, {self.year}; numerator and denominator "
            f"both for {self.boundary}; denominator: {self.denominator.basis}"
            + (f", source {self.denominator.source}" if self.denominator.source else "")
        )


def choose_currency(denominators: Iterable[Denominator]) -> str | None:
    """The currency revenue intensities are shown in unless one is chosen: the latest year's."""
    revenue = sorted(
        (d for d in denominators if d.kind is DenominatorKind.REVENUE), key=lambda d: d.year
    )
    return revenue[-1].unit if revenue else None


def resolve_denominators(
    denominators: Iterable[Denominator], *, currency: str | None = None
) -> dict[str, dict[int, ResolvedDenominator]]:
    """Every denominator by indicator and year, revenue in millions of one currency.

    Raises `IntensityError` naming the year when an exchange rate is missing, or
    when one indicator has two figures for a year.
    """
    given = list(denominators)
    target = currency or choose_currency(given)
    resolved: dict[str, dict[int, ResolvedDenominator]] = {}
    for d in given:
        by_year = resolved.setdefault(d.indicator, {})
        if d.year in by_year:
            raise IntensityError(
                f"{d.indicator} has two figures for {d.year}", year=d.year, indicator=d.indicator
            )
        if d.kind is DenominatorKind.REVENUE:
            assert target is not None  # there is revenue, so a currency was chosen
            try:
                rate = exchange_rate(d.unit, target, d.year)
            except ValueError as exc:
                raise IntensityError(
                    f"revenue of {d.year} in {d.unit}: {exc}", year=d.year, indicator=d.indicator
                ) from None
            amount = d.value * rate.rate / MILLION
            per, basis = f"million {target}", f"net revenue, {rate.basis}"
        elif d.kind is DenominatorKind.FTE:
            amount, per, basis = d.value, "FTE", "full-time equivalent employees as reported"
        else:
            amount, per, basis = d.value, d.unit or d.indicator, f"{d.indicator} as reported"
        by_year[d.year] = ResolvedDenominator(d.year, d.indicator, amount, per, basis, d.source)
    return resolved


def intensities(
    history: EmissionsHistory,
    denominators: Mapping[str, Mapping[int, ResolvedDenominator]],
    *,
    keys: Iterable[EmissionKey] = EMISSION_KEYS,
    boundary: str = DEFAULT_BOUNDARY,
) -> tuple[Intensity, ...]:
    """The intensity of every scope combination per every denominator, year by year.

    Only years with both emissions and a denominator have an intensity. Raises
    `IntensityError` naming the year and indicator when one would be past float's
    range (a figure near core.history's MAX_FIGURE over a tiny revenue in millions).
    """
    wanted = tuple(keys)
    found = []
    for indicator in sorted(denominators):
        for year, denominator in sorted(denominators[indicator].items()):
            if year not in history:
                continue
            emissions = history.year(year)
            for key in wanted:
                figure = emissions.figure(key)
                value = figure / denominator.amount  # past 1.8e308 this is inf, silently
                if not math.isfinite(value):
                    raise IntensityError(
                        f"{year} {indicator}: {figure:g} t CO2e ({key.label}) per "
                        f"{denominator.amount:g} {denominator.per} is not a finite figure: "
                        "check the emissions and the denominator of the year",
                        year=year,
                        indicator=indicator,
                    )
                found.append(Intensity(year, indicator, key, figure, denominator, boundary, value))
    return tuple(found)
