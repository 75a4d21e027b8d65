"""Figures core refuses rather than carry as inf or nan: measures, the MAC curve, the plan's
path, intensities, and prices per unit.

A float division or sum past 1.8e308 is `inf` without a word (`math.fsum` raises
OverflowError instead); every figure here is one a caller could hand core, and each
refusal is a domain error naming what is wrong, never a silent inf, nan or builtin error.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from neutra.core.abatement import Measure, MeasureError, mac_curve, plan_path
from neutra.core.history import (
    MAX_FIGURE,
    EmissionKey,
    EmissionsHistory,
    EmissionsYear,
    HistoryError,
)
from neutra.core.indicators import (
    Denominator,
    IntensityError,
    ResolvedDenominator,
    intensities,
    resolve_denominators,
)
from neutra.core.money import MAX_MONEY, MAX_UNIT_PRICE, plain_unit_price, unit_price_problem

# --- measures and the MAC curve --------------------------------------------------------


@pytest.mark.parametrize(
    ("abated", "cost"),
    [(1e-300, 1e308), (1e-320, 5.0), (1e-320, -5.0)],
    ids=["huge-over-tiny", "five-over-a-subnormal", "savings-over-a-subnormal"],
)
def test_a_measure_whose_cost_per_tonne_is_not_finite_is_refused_naming_it(
    abated: float, cost: float
) -> None:
    with pytest.raises(MeasureError) as refused:
        Measure("Tiny", abated, cost, "EUR", 2027, "ops")
    assert refused.value.message.startswith("measure 'Tiny': ")
    assert "the cost per t CO2e would not be a finite figure" in refused.value.message
    assert refused.value.extra == {"field": "abatement_t_per_year", "measure": "Tiny"}


def test_a_measure_of_a_large_but_finite_cost_per_tonne_is_ranked() -> None:
    (bar,) = mac_curve([Measure("Small", 1e-6, 1e15, "EUR", 2027, "ops")])
    assert bar.cost_per_tonne == pytest.approx(1e21)


def test_the_mac_curve_refuses_abatement_adding_up_past_a_float_naming_the_measure() -> None:
    measures = [
        Measure("A", 1e308, 1.0, "EUR", 2027, "ops"),
        Measure("B", 1e308, 2.0, "EUR", 2027, "ops"),
    ]
    with pytest.raises(MeasureError) as refused:
        mac_curve(measures)
    assert "'B'" in refused.value.message
    assert refused.value.extra["field"] == "abatement_t_per_year"


def test_the_plan_path_refuses_abatement_adding_up_past_a_float() -> None:
    # math.fsum raised OverflowError ("intermediate overflow"): a builtin, not a domain error.
    measures = [
        Measure("A", 1e308, 1.0, "EUR", 2027, "ops"),
        Measure("B", 1e308, 2.0, "EUR", 2027, "ops"),
    ]
    with pytest.raises(MeasureError) as refused:
        plan_path({2024: 100.0}, measures, 2030)
    assert refused.value.extra["field"] == "abatement_t_per_year"
    assert "2027" in refused.value.message


# --- intensities -----------------------------------------------------------------------


def test_an_intensity_too_large_to_be_finite_is_refused_naming_year_and_indicator() -> None:
    # Denominators are at least 1e-6 (core.indicators), and core takes figures up to
    # MAX_FIGURE (1e300 t): over 1e-6 IDR of revenue in millions of GBP (4.6e-17), past
    # 1.8e308.
    history = EmissionsHistory((EmissionsYear(2025, MAX_FIGURE, 0.0, 0.0, 0.0),))
    resolved = resolve_denominators(
        [Denominator(2025, "revenue", 1e-6, "IDR", "annual report")], currency="GBP"
    )
    with pytest.raises(IntensityError) as refused:
        intensities(history, resolved, keys=[EmissionKey.SCOPE1])
    assert refused.value.message.startswith("2025 revenue: ")
    assert "not a finite figure" in refused.value.message
    assert refused.value.extra == {"year": 2025, "indicator": "revenue"}


def test_within_the_file_bounds_the_largest_intensity_stays_finite() -> None:
    # The worst case by hand: every scope at the files' bound (1e15 t, total 3e15 t) over
    # the smallest revenue a denominator may be, 1e-6 IDR, in the currency worth most
    # against it (GBP: 0.85679 per EUR against 18623.06 IDR in 2025): 4.6e-17 million GBP,
    # so 6.5e31 t CO2e per million GBP, far from overflow.
    history = EmissionsHistory((EmissionsYear(2025, 1e15, 1e15, 1e15, 1e15),))
    resolved = resolve_denominators(
        [Denominator(2025, "revenue", 1e-6, "IDR", "annual report")], currency="GBP"
    )
    found = {i.key: i.value for i in intensities(history, resolved)}
    assert found[EmissionKey.TOTAL_MARKET] == pytest.approx(
        3e15 / (1e-6 * 0.85679 / 18623.06 / 1e6)
    )
    assert all(math.isfinite(v) for v in found.values())


@pytest.mark.parametrize("amount", [0.0, -1.0, math.inf, math.nan])
def test_a_resolved_denominator_that_is_not_a_positive_finite_amount_is_refused(
    amount: float,
) -> None:
    # Built by hand (not from a Denominator), 0 made intensities a ZeroDivisionError and
    # nan or inf made every intensity of the year nan or 0.
    with pytest.raises(IntensityError) as refused:
        ResolvedDenominator(2021, "fte", amount, "FTE", "as reported", "HR")
    assert refused.value.extra == {"year": 2021, "indicator": "fte"}


# --- money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        (Decimal("1.25"), ""),
        (Decimal("0"), ""),
        (Decimal("9999999999.9999"), ""),
        (Decimal("1.50000"), ""),  # trailing zeros: still 4 places of value
        (Decimal("-0.01"), "a price per unit is not negative"),
        (Decimal("1e10"), "too large: a price per unit is below 1e+10 in its currency"),
        (Decimal("1e400"), "too large: a price per unit is below 1e+10 in its currency"),
        (Decimal("1.23456"), "at most 4 decimal places"),
        (Decimal("NaN"), "not a number"),
        (Decimal("Infinity"), "not a number"),
    ],
)
def test_a_price_per_unit_is_exact_below_1e10_with_at_most_four_places(
    price: Decimal, problem: str
) -> None:
    assert unit_price_problem(price) == problem


@pytest.mark.parametrize(
    ("given", "written"),
    [("1.5E+2", "150"), ("1.50000", "1.5000"), ("1.50", "1.50"), ("-0.00", "0.00"), ("7", "7")],
)
def test_a_price_is_written_without_an_exponent_as_a_ledger_file_gives_it_back(
    given: str, written: str
) -> None:
    # The ledger file's reader takes digits and one point only: "1.5E+2" would not come back.
    assert str(plain_unit_price(Decimal(given))) == written


def test_the_money_bounds_leave_room_for_every_sum_and_product() -> None:
    # A million amounts at the bound, and a price at its bound times the largest quantity
    # of units (2**62), stay far from float overflow.
    assert math.isfinite(MAX_MONEY * 1e6 * 2)
    assert math.isfinite(float(MAX_UNIT_PRICE) * 2**62)


def test_a_year_of_figures_whose_total_overflows_is_refused_by_core() -> None:
    # scope 1 and scope 3 of 1e308 t each: the total was a bare OverflowError from fsum.
    with pytest.raises(HistoryError, match="2024: an emission figure is beyond 1e\\+300"):
        EmissionsYear(2024, 1e308, 0.0, 0.0, 1e308)
    at_bound = EmissionsYear(2024, MAX_FIGURE, MAX_FIGURE, MAX_FIGURE, MAX_FIGURE)
    assert at_bound.figure(EmissionKey.TOTAL_MARKET) == 3 * MAX_FIGURE
