"""The engine explains its own lines: the explained arithmetic is the arithmetic used."""

from __future__ import annotations

import pytest

from neutra.core.engine import FootprintOptions, compute_footprint, explain_line
from neutra.core.factors import Scope
from neutra.core.gwp import gwp_set
from tests.core.test_engine import activities, factor, factor_set, row

AR5, AR6 = gwp_set("AR5"), gwp_set("AR6")
DIESEL = factor(
    "diesel", "fuel.diesel", "L", {"CO2": 2.5, "CH4": 0.01, "N2O": 0.02, "CO2_bio": 0.1},
    scope=Scope.S1,
)  # fmt: skip
POWER = factor("grid", "electricity.grid", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S2)
SPEND = factor(
    "it", "spend.it", "USD", {"CO2e": 0.3}, gwp_set="AR5", scope=Scope.S3, category=1, year=2022
)


def _engine_line(quantity: float, unit: str, activity: str, gwp=AR5, year: int = 2024) -> float:
    data = activities(row("r1", activity, quantity, unit, year=year))
    sets = [factor_set(DIESEL, POWER, SPEND)]
    result = compute_footprint(data, sets, gwp, options=FootprintOptions(lines=True))
    assert result.lines is not None
    (line,) = result.lines.to_pylist()
    return float(line["emissions_t_co2e"])


def test_a_fuel_line_is_explained_gas_by_gas_with_the_gwp_of_each():
    explained = explain_line(quantity=1000, unit="L", year=2024, factor=DIESEL, gwp=AR5)
    weights = {g.gas: g.gwp for g in explained.gases if not g.biogenic}
    assert weights == {"CO2": 1.0, "CH4": 28.0, "N2O": 265.0}  # AR5 GWP100
    # (2.5 + 0.01 x 28 + 0.02 x 265) kg per L = 8.08 kg; the biogenic 0.1 kg is a memo
    assert explained.co2e_per_unit == pytest.approx(8.08e-3)
    assert explained.t_co2e == pytest.approx(8.08)
    assert explained.t_co2e == pytest.approx(_engine_line(1000, "L", "fuel.diesel"), rel=1e-12)


def test_a_row_in_mwh_is_scaled_to_the_factors_kwh_as_the_engine_does():
    explained = explain_line(quantity=2.5, unit="MWh", year=2024, factor=POWER, gwp=AR5)
    assert explained.scale == pytest.approx(1000)
    assert explained.scale_note == "1 MWh = 1000 kWh"
    assert explained.t_co2e == pytest.approx(0.5)  # 2,500 kWh x 0.2 kg
    assert explained.t_co2e == pytest.approx(
        _engine_line(2.5, "MWh", "electricity.grid"), rel=1e-12
    )


def test_spend_is_explained_through_the_engines_money_conversion():
    explained = explain_line(quantity=1000, unit="USD", year=2024, factor=SPEND, gwp=AR5)
    assert explained.scale is not None
    assert explained.scale < 1
    assert "2022" in explained.scale_note
    assert explained.t_co2e == pytest.approx(_engine_line(1000, "USD", "spend.it"), rel=1e-12)


def test_a_co2e_factor_under_another_gwp_set_is_explained_as_used_as_published():
    explained = explain_line(quantity=1000, unit="kWh", year=2024, factor=POWER, gwp=AR6)
    (gas,) = explained.gases
    assert gas.gwp == 1.0
    assert gas.note == (
        "already CO2e, made with AR5; not weighted again (the inventory uses AR6: "
        "flagged gwp_set_mismatch)"
    )
    assert explained.t_co2e == pytest.approx(
        _engine_line(1000, "kWh", "electricity.grid", gwp=AR6), rel=1e-12
    )


def test_a_unit_of_another_dimension_leaves_the_line_unexplained_with_the_reason():
    explained = explain_line(quantity=5, unit="kg", year=2024, factor=POWER, gwp=AR5)
    assert explained.scale is None
    assert explained.t_co2e is None
    assert "kg" in explained.scale_note
