"""The US EPA GHG Emission Factors Hub 2025 importer, checked against the real workbook.

Expected figures are read from the file with calamine here, independently of
the importer's table parsing, and compared with what the importer made.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from neutra.core.errors import InvalidInputError
from neutra.core.factors import Basis, Factor, Scope
from neutra.core.gwp import gwp_set
from neutra.core.units import parse_unit
from neutra.formats.epa_hub import SHEET, read
from neutra.formats.factor_import import FactorImport, importer
from tests.conftest import publisher_file

HUB = "epa/ghg-emission-factors-hub-2025.xlsx"


@pytest.fixture(scope="module")
def hub() -> FactorImport:
    return read(publisher_file(HUB))


@cache
def sheet_rows() -> tuple[tuple[int, tuple[Any, ...]], ...]:
    """(Excel row number, cells from the first used column) of the Hub sheet."""
    sheet = CalamineWorkbook.from_path(str(publisher_file(HUB))).get_sheet_by_name(SHEET)
    first_row = sheet.start[0] if sheet.start else 0
    return tuple((first_row + i + 1, tuple(r)) for i, r in enumerate(sheet.to_python()))


def file_row(table: int, label: str) -> tuple[Any, ...]:
    """The first row under 'Table <table>' whose name cell is `label` and that holds numbers."""
    inside = False
    for _, cells in sheet_rows():
        if str(cells[0]).strip() == f"Table {table}":
            inside = True
        elif inside and str(cells[0]).startswith("Table "):
            break
        elif (
            inside
            and str(cells[1]).strip() == label
            and any(isinstance(c, float) for c in cells[2:])
        ):
            return cells
    raise AssertionError(f"no row {label!r} in Table {table}")


def masses(factor: Factor) -> dict[str, float]:
    return {g.gas: g.t_per_unit for g in factor.gases}


def get(hub: FactorImport, factor_id: str) -> Factor:
    factor = hub.factor_set.get(factor_id)
    assert factor is not None, f"no factor {factor_id}"
    return factor


def test_every_factor_table_gives_one_factor_per_published_figure_group(hub):
    per_table = Counter(f.factor_id.split("_", 1)[0] for f in hub.factor_set)
    assert dict(per_table) == {
        "t1": 121,  # 58 fuels per mmBtu and per physical unit, 5 kraft liquors per mmBtu only
        "t2": 10,
        "t3": 115,
        "t4": 34,
        "t5": 40,
        "t6": 28,  # 27 eGRID subregions and the US average
        "t7": 1,
        "t8": 7,
        "t9": 183,  # 61 materials x 6 treatments, less 183 'NA'
        "t10": 12,
    }
    assert len(hub.factor_set) == 551
    assert len(hub.conversions) == 58


def test_the_set_is_named_after_the_edition_with_the_hubs_citation_and_licence(hub):
    assert hub.factor_set.name == "epa-hub-2025"
    assert hub.factor_set.source == "US EPA GHG Emission Factors Hub, January 2025"
    assert hub.factor_set.licence == "US federal work, public domain"
    assert read(publisher_file(HUB), name="us-2025").factor_set.name == "us-2025"
    assert importer("epa-hub") is read


def test_natural_gas_per_mmbtu_is_53_06_kg_co2_1_g_ch4_and_0_1_g_n2o(hub):
    factor = get(hub, "t1_natural_gas_mmbtu")
    cells = file_row(1, "Natural Gas")
    assert cells[3:6] == (53.06, 1.0, 0.1)
    assert masses(factor) == {"CO2": 0.05306, "CH4": 1e-6, "N2O": 1e-7}
    assert (factor.unit, factor.region, factor.year, factor.scope) == (
        "mmBtu",
        "US",
        2025,
        Scope.S1,
    )
    assert factor.description == "Table 1 Stationary Combustion: Natural Gas, per mmBtu"


def test_the_units_rows_inside_table_1_switch_from_short_tons_to_scf_to_gallons(hub):
    assert get(hub, "t1_anthracite_short_ton").unit == "short_ton"
    assert get(hub, "t1_natural_gas_scf").unit == "scf"
    assert get(hub, "t1_motor_gasoline_gal").unit == "gal"
    propane_gas = file_row(1, "Propane Gas")
    assert masses(get(hub, "t1_propane_gas_scf")) == pytest.approx(
        {"CO2": propane_gas[6] / 1e3, "CH4": propane_gas[7] / 1e6, "N2O": propane_gas[8] / 1e6},
        rel=1e-12,
    )
    anthracite = file_row(1, "Anthracite")
    assert masses(get(hub, "t1_anthracite_short_ton"))["CO2"] == pytest.approx(
        anthracite[6] / 1e3, rel=1e-12
    )


def test_kraft_pulping_liquors_are_given_per_mmbtu_only(hub):
    assert get(hub, "t1_bagasse_mmbtu").unit == "mmBtu"
    assert hub.factor_set.get("t1_bagasse_short_ton") is None
    assert "Kraft Pulping Liquor" in (get(hub, "t1_bagasse_mmbtu").description or "")


def test_biomass_co2_is_biogenic_while_its_methane_and_fossil_co2_are_not(hub):
    wood = {g.gas: g.biogenic for g in get(hub, "t1_wood_and_wood_residuals_short_ton").gases}
    assert wood == {"CO2": True, "CH4": False, "N2O": False}
    assert not any(g.biogenic for g in get(hub, "t1_bituminous_mmbtu").gases)
    assert get(hub, "t2_ethanol_100_gal").gases[0].biogenic
    assert not get(hub, "t2_diesel_fuel_gal").gases[0].biogenic


def test_peat_is_a_fossil_fuel_though_the_hub_lists_it_among_biomass_fuels(hub):
    # IPCC 2006 Guidelines, Vol. 2, ch. 1, Table 1.1: peat is treated as a fossil fuel; its
    # CO2 is scope 1, not the biogenic memo (DOMAIN.md §4).
    for factor_id in ("t1_peat_mmbtu", "t1_peat_short_ton"):
        peat = get(hub, factor_id)
        assert "Biomass Fuels" in (peat.description or "")
        assert {g.gas: g.biogenic for g in peat.gases} == {"CO2": False, "CH4": False, "N2O": False}
        assert peat.scope is Scope.S1


def test_heat_contents_become_energy_conversions_in_mmbtu_per_unit(hub):
    by_id = {c.conversion_id: c for c in hub.conversions}
    gas = by_id["t1_natural_gas_heat_content_scf"]
    assert (gas.value, gas.per_unit, gas.energy_unit, gas.basis) == (
        file_row(1, "Natural Gas")[2],
        "scf",
        "mmBtu",
        "gross",
    )
    assert by_id["t1_anthracite_heat_content_short_ton"].value == 25.09


def test_motor_gasoline_burnt_in_vehicles_emits_8_78_kg_co2_per_gallon(hub):
    factor = get(hub, "t2_motor_gasoline_gal")
    assert file_row(2, "Motor Gasoline")[2:4] == (8.78, "gallon")
    assert masses(factor) == {"CO2": 0.00878}
    assert get(hub, "t2_compressed_natural_gas_cng_scf").unit == "scf"


def test_a_gasoline_car_of_a_model_year_has_ch4_and_n2o_per_vehicle_mile(hub):
    first = file_row(3, "Gasoline Passenger Cars")  # the 1973-1974 model years
    factor = get(hub, "t3_gasoline_passenger_cars_1973_1974_mi")
    assert masses(factor) == pytest.approx({"CH4": first[3] / 1e6, "N2O": first[4] / 1e6})
    assert factor.unit == "mi"
    later = get(hub, "t3_gasoline_passenger_cars_2022_mi")
    assert masses(later) == pytest.approx({"CH4": 0.005e-6, "N2O": 0.0014e-6})
    trucks = get(hub, "t3_gasoline_light_duty_trucks_2022_mi").description or ""
    assert "(Vans, Pickup Trucks, SUVs), model year 2022" in trucks


def test_diesel_and_alternative_fuel_vehicles_carry_the_vehicle_and_fuel_down(hub):
    assert masses(get(hub, "t4_passenger_cars_diesel_1983_2006_mi")) == pytest.approx(
        {"CH4": 0.0005e-6, "N2O": 0.001e-6}
    )
    assert masses(get(hub, "t4_buses_cng_mi")) == pytest.approx({"CH4": 2.719e-6, "N2O": 0.017e-6})


def test_non_road_equipment_is_per_gallon_without_its_footnote_letter(hub):
    factor = get(hub, "t5_agricultural_equipment_gasoline_2_stroke_gal")
    assert masses(factor) == pytest.approx({"CH4": 6.9e-6, "N2O": 0.47e-6})
    assert "EquipmentA" not in (factor.description or "")


def test_camx_electricity_is_converted_from_pounds_per_mwh_to_tonnes(hub):
    cells = file_row(6, "CAMX")
    factor = get(hub, "t6_camx_mwh")
    lb = 0.45359237e-3
    assert masses(factor) == pytest.approx(
        {"CO2": cells[3] * lb, "CH4": cells[4] * lb, "N2O": cells[5] * lb}, rel=1e-12
    )
    assert masses(factor)["CO2"] == pytest.approx(0.1980633763, rel=1e-9)  # 436.655 lb x 0.45359237
    assert (factor.region, factor.scope, factor.basis, factor.year, factor.unit) == (
        "US-CAMX",
        Scope.S2,
        Basis.LOCATION,
        2023,  # eGRID2023 data
        "MWh",
    )
    assert get(hub, "t6_us_average_mwh").region == "US"


def test_steam_and_heat_is_a_scope_2_factor_per_mmbtu(hub):
    factor = get(hub, "t7_steam_and_heat_mmbtu")
    assert masses(factor) == pytest.approx({"CO2": 0.06633, "CH4": 1.25e-6, "N2O": 0.125e-6})
    assert factor.scope is Scope.S2


def test_upstream_transport_is_per_vehicle_mile_or_ton_mile_in_category_4(hub):
    cells = file_row(8, "Medium- and Heavy-Duty TruckC")
    factor = get(hub, "t8_medium_and_heavy_duty_truck_ton_mile")
    assert cells[5] == "short ton-mile"
    assert masses(factor) == pytest.approx(
        {"CO2": cells[2] / 1e3, "CH4": cells[3] / 1e6, "N2O": cells[4] / 1e6}
    )
    assert (factor.unit, factor.scope, factor.category) == ("ton_mile", Scope.S3, 4)
    assert get(hub, "t8_medium_and_heavy_duty_truck_mi").unit == "mi"
    assert "TruckC" not in (factor.description or "")


def test_landfilled_corrugated_containers_emit_t_co2e_per_short_ton_made_with_ar4(hub):
    cells = file_row(9, "Corrugated Containers")
    factor = get(hub, "t9_corrugated_containers_landfilled_short_ton")
    assert masses(factor) == {"CO2e": cells[3]}
    assert (factor.unit, factor.gwp_set, factor.scope, factor.category) == (
        "short_ton",
        "AR4",  # the table's notes: "AR4 GWP values are used"
        Scope.S3,
        5,
    )
    assert hub.factor_set.get("t9_corrugated_containers_composted_short_ton") is None  # NA


def test_a_long_haul_flight_is_per_passenger_mile_in_business_travel(hub):
    cells = file_row(10, "Air Travel - Long Haul (>= 2300 miles)")
    factor = get(hub, "t10_air_travel_long_haul_ge_2300_miles_passenger_mile")
    assert masses(factor) == pytest.approx(
        {"CO2": cells[2] / 1e3, "CH4": cells[3] / 1e6, "N2O": cells[4] / 1e6}, rel=1e-12
    )
    assert (factor.unit, factor.category) == ("passenger_mile", 6)
    car = get(hub, "t10_passenger_car_mi").description or ""
    assert car.endswith("Passenger Car, per vehicle-mile")


def test_every_factor_has_a_known_unit_and_a_citation(hub):
    for factor in hub.factor_set:
        parse_unit(factor.unit)
        assert (factor.source or "").startswith(f"{hub.factor_set.source}, Table ")
        assert (factor.description or "").startswith("Table ")


def test_per_gas_factors_give_other_co2e_under_ar4_than_ar5_with_the_same_masses(hub):
    factor = get(hub, "t1_natural_gas_mmbtu")

    def co2e(gwps: str) -> float:
        weights = gwp_set(gwps)
        return math.fsum(g.t_per_unit * weights.gwp(g.gas) for g in factor.gases)

    assert co2e("AR4") == pytest.approx(0.05306 + 1e-6 * 25 + 1e-7 * 298)
    assert co2e("AR5") == pytest.approx(0.05306 + 1e-6 * 28 + 1e-7 * 265)
    assert co2e("AR4") != co2e("AR5")
    assert masses(factor) == masses(get(read(publisher_file(HUB)), "t1_natural_gas_mmbtu"))


def test_the_hubs_gwps_and_blends_are_checked_against_neutras_and_noted(hub):
    (gwps,) = [n for n in hub.notes if n.startswith("Table 11")]
    assert "32 equal to Neutra's AR5 set; no differences" in gwps
    (blends,) = [n for n in hub.notes if n.startswith("Table 12")]
    assert "no differences" in blends
    assert any(n.startswith("Table 6") and "non-baseload" in n for n in hub.notes)


# --- malformed copies ---------------------------------------------------------------


def edited_copy(tmp_path: Path, edits: dict[str, Any]) -> Path:
    """A copy of the Hub with some cells changed (openpyxl, so the layout stays as published)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the Hub's header and extensions
        book = openpyxl.load_workbook(publisher_file(HUB))
    sheet = book[SHEET]
    for cell, value in edits.items():
        sheet[cell] = value
    path = tmp_path / "hub.xlsx"
    book.save(path)
    return path


def test_a_text_in_a_number_cell_is_named_by_row_and_column(tmp_path):
    # E38: CO2 of natural gas per mmBtu (Excel row 38, column E).
    with pytest.raises(InvalidInputError) as caught:
        read(edited_copy(tmp_path, {"E38": "about 53"}))
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (38, "E", "about 53")
    assert "Natural Gas" in problem.reason


def test_a_missing_table_title_and_a_bad_cell_are_reported_together(tmp_path):
    # B334: "Table 6" (Electricity); E38 as above.
    path = edited_copy(tmp_path, {"B334": None, "E38": "n/a"})
    with pytest.raises(InvalidInputError) as caught:
        read(path)
    reasons = [str(p) for p in caught.value.problems]
    assert any("Table 6 (Electricity) not found" in r for r in reasons)
    assert any("row 38" in r and "'n/a'" in r for r in reasons)
