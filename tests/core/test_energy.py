"""Energy from activity lines (ESRS E1-5, UK SECR), against DESNZ's published calorific values.

DESNZ GHG Conversion Factors 2024, full set v1.1, sheet "Fuel properties" (gross CV):
diesel (average biofuel blend) 45.399 GJ/t, density 833.519 kg/m3, published as
10.511 kWh/litre; natural gas 50.552 GJ/t, 0.796 kg/m3; wood pellets 18.694 GJ/t,
published as 5.193 kWh/kg; coal (industrial) 26.742 GJ/t, no density.
"""

from __future__ import annotations

import sys
from importlib.resources import files

import pytest

from neutra.core.energy import (
    ActivityAmount,
    EnergyCarrier,
    energy_use,
    fuel_properties,
)
from neutra.core.taxonomy import activity_types
from tests.conftest import ROOT, publisher_file

sys.path.insert(0, str(ROOT / "tools"))
from build_fuel_properties import render


def amount(
    activity: str | None, unit: str, quantity: float, scope: int = 1, factor: str | None = None
) -> ActivityAmount:
    return ActivityAmount(activity, factor, unit, scope, quantity)


def test_the_fuel_properties_shipped_are_desnzs_figures_unchanged() -> None:
    workbook = publisher_file(
        "desnz/ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx"
    )
    shipped = (files("neutra.data") / "energy" / "fuel_properties.csv").read_text(encoding="utf-8")
    assert render(workbook) == shipped
    diesel = fuel_properties()["fuel.diesel"]
    assert (diesel.gross_cv_gj_per_t, diesel.density_kg_per_m3) == (45.399, 833.519)


def test_every_scope_1_and_2_key_of_the_taxonomy_has_an_energy_carrier() -> None:
    own = {key for key, kind in activity_types().items() if kind.scope in (1, 2)}
    assert own <= set(fuel_properties())


def test_a_thousand_litres_of_diesel_are_its_mass_times_the_gross_calorific_value() -> None:
    energy = energy_use([amount("fuel.diesel", "L", 1000)])
    # 1,000 L x 0.833519 kg/L x 45.399 GJ/t / 3.6 GJ per MWh = 10,511.369 kWh
    assert energy.kwh(EnergyCarrier.OIL) == pytest.approx(1000 * 0.833519 * 45.399 / 3.6, rel=1e-12)
    # DESNZ's own kWh per litre, rounded to three decimals: 10.511
    assert abs(energy.total_kwh - 1000 * 10.511) < 0.5
    assert energy.not_converted == ()


def test_natural_gas_by_volume_and_wood_pellets_by_mass_use_their_own_figures() -> None:
    energy = energy_use(
        [amount("fuel.natural_gas", "m3", 1000), amount("fuel.wood_pellets", "t", 2)]
    )
    assert energy.kwh(EnergyCarrier.NATURAL_GAS) == pytest.approx(1000 * 0.796 * 50.552 / 3.6)
    assert energy.kwh(EnergyCarrier.BIOMASS) == pytest.approx(2000 * 18.694 / 3.6)
    assert abs(energy.kwh(EnergyCarrier.BIOMASS) - 2000 * 5.193) < 1  # DESNZ's kWh/kg, rounded


def test_energy_units_count_as_they_stand_and_purchased_energy_is_its_own_carrier() -> None:
    energy = energy_use(
        [
            amount("fuel.natural_gas", "kWh", 50_000),
            amount("electricity.grid", "MWh", 120, scope=2),
            amount("heat.district", "GJ", 36, scope=2),
        ]
    )
    assert energy.kwh(EnergyCarrier.NATURAL_GAS) == pytest.approx(50_000)
    assert energy.kwh(EnergyCarrier.ELECTRICITY) == pytest.approx(120_000)
    assert energy.kwh(EnergyCarrier.HEAT) == pytest.approx(10_000)
    assert energy.purchased_kwh == pytest.approx(130_000)
    assert energy.total_kwh == pytest.approx(180_000)


def test_a_row_naming_only_a_desnz_factor_is_its_taxonomy_fuel() -> None:
    energy = energy_use([amount(None, "L", 1000, factor="desnz-2025:1_101_1011_8")])
    assert energy.kwh(EnergyCarrier.OIL) == pytest.approx(1000 * 0.833519 * 45.399 / 3.6)


def test_scope_3_is_the_value_chains_energy_and_not_counted() -> None:
    energy = energy_use([amount("fuel.diesel", "L", 1000, scope=3)])
    assert energy.total_kwh == 0
    assert energy.not_converted == ()


def test_activities_that_cannot_be_converted_are_listed_with_why_never_dropped() -> None:
    energy = energy_use(
        [
            amount("refrigerant.r410a", "kg", 2.5),
            amount("fuel.coal_industrial", "L", 40),
            amount("boiler.custom_fuel", "L", 300),
            amount("boiler.custom_fuel", "L", 200),
            amount("fuel.coal_industrial", "t", 1),
        ]
    )
    listed = {(i.activity, i.unit): i for i in energy.not_converted}
    assert set(listed) == {
        ("refrigerant.r410a", "kg"),
        ("fuel.coal_industrial", "L"),
        ("boiler.custom_fuel", "L"),
    }
    assert "not energy" in listed["refrigerant.r410a", "kg"].reason
    assert (
        "no published density for Coal (industrial)" in listed["fuel.coal_industrial", "L"].reason
    )
    custom = listed["boiler.custom_fuel", "L"]
    assert (custom.quantity, custom.rows) == (500, 2)
    assert "no calorific value" in custom.reason
    assert energy.kwh(EnergyCarrier.COAL) == pytest.approx(
        1000 * 26.742 / 3.6
    )  # by mass it converts


def test_energy_in_kwh_of_an_unknown_activity_counts_but_its_fuel_is_not_named() -> None:
    energy = energy_use(
        [amount("site.generator", "kWh", 700), amount("supplier.cooling", "kWh", 300, scope=2)]
    )
    assert energy.kwh(EnergyCarrier.FUEL_UNSPECIFIED) == 700
    assert energy.kwh(EnergyCarrier.PURCHASED_UNSPECIFIED) == 300
    assert energy.fossil_fuel_kwh == 0
