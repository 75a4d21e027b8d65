"""Grid intensities: OWID/Ember by country and eGRID by subregion, and a scope 2 footprint from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from neutra.core.engine import FootprintOptions, compute_footprint
from neutra.core.errors import InvalidInputError
from neutra.core.factors import Basis, Scope
from neutra.core.gwp import gwp_set
from neutra.formats import epa_hub
from neutra.formats.activity_files import read_activities
from neutra.formats.factor_import import importer
from neutra.formats.grid import ACTIVITY, LIFECYCLE, read
from tests.conftest import publisher_file

OWID = "grid/owid-carbon-intensity-electricity.csv"
EGRID = "epa/verifi_egrid_subregion_rates_by_year.extracted.csv"
HUB = "epa/ghg-emission-factors-hub-2025.xlsx"


@pytest.fixture(scope="module")
def owid():
    return read(publisher_file(OWID))


@pytest.fixture(scope="module")
def egrid():
    return read(publisher_file(EGRID))


def gases(factor):
    return {g.gas: g.t_per_unit for g in factor.gases}


def test_owid_keeps_the_5691_country_rows_and_counts_the_641_aggregate_rows(owid):
    assert owid.factor_set.name == "owid-ember-2025"
    assert len(owid.factor_set) == 5691
    assert any("set aside 641 rows of 25 aggregates" in note for note in owid.notes)
    regions = {f.region for f in owid.factor_set}
    assert all(len(region) == 2 for region in regions)
    assert not any("ASEAN" in (f.description or "") for f in owid.factor_set)


def test_owid_germany_2024_is_336_38_g_per_kwh_in_tonnes_per_kwh(owid):
    factor = owid.factor_set.get("DEU-2024")
    assert gases(factor) == {"CO2e": 0.00033638}
    assert factor.unit == "kWh"
    assert factor.region == "DE"
    assert factor.year == 2024
    assert factor.scope is Scope.S2
    assert factor.basis is Basis.LOCATION
    assert factor.activity == ACTIVITY == "electricity.grid"
    assert factor.gwp_set == "AR5"


def test_owid_united_kingdom_2025_is_read_as_gb(owid):
    factor = owid.factor_set.get("GBR-2025")
    assert gases(factor) == {"CO2e": 0.00021741}
    assert factor.region == "GB"


def test_owid_factors_say_they_are_lifecycle_and_generation_based(owid):
    assert all(LIFECYCLE in f.description for f in owid.factor_set)
    assert "lifecycle, generation-based (Ember)" in owid.factor_set.get("DEU-2024").description
    assert owid.factor_set.source == "Ember; Our World in Data"
    assert owid.factor_set.licence.startswith("CC BY 4.0")


def test_egrid_gives_location_and_residual_mix_factors_per_subregion_and_year(egrid):
    assert egrid.factor_set.name == "egrid-2025"  # the compilation year: provenance
    # 611 rows; 84 location rows repeat an eGRID edition already read under another year.
    assert len(egrid.factor_set) == 611 - 84
    bases = [f.basis for f in egrid.factor_set]
    assert bases.count(Basis.LOCATION) == 336 - 84
    assert bases.count(Basis.RESIDUAL_MIX) == 275


def test_egrid_camx_2022_keeps_each_gas_in_tonnes_per_mwh(egrid):
    location = egrid.factor_set.get("CAMX-2022-location")  # the file's 2024 row: eGRID2022
    assert location.region == "US-CAMX"
    assert location.unit == "MWh"
    assert location.basis is Basis.LOCATION
    assert location.scope is Scope.S2
    assert location.activity == "electricity.grid"
    # The file prints CH4 as 13.607760000000001 g/MWh: kept to its last digit.
    assert gases(location) == {
        "CO2": 0.225636165256,
        "CH4": 0.000013607760000000001,
        "N2O": 0.000001814368,
    }
    residual = egrid.factor_set.get("CAMX-2022-residual-mix")  # Green-e 2024 (2022 data)
    assert residual.basis is Basis.RESIDUAL_MIX
    assert gases(residual)["CO2"] == pytest.approx(0.228168660972225, rel=1e-14)


def test_egrid_us_average_is_the_country(egrid):
    factor = egrid.factor_set.get("US-2023-location")
    assert factor.region == "US"
    assert gases(factor)["CO2"] == pytest.approx(0.349956660616, rel=1e-14)


def test_an_egrid_factors_year_is_the_year_its_figures_describe_not_the_compilations(egrid):
    # DOMAIN.md §4: eGRID2023 figures published in a 2025 compilation are 2023 data. The
    # compilation's 2025 CAMX row is 436.655 lb CO2/MWh, the EPA Hub 2025's eGRID2023 figure.
    hub = epa_hub.read(publisher_file(HUB)).factor_set.get("t6_camx_mwh")
    assert hub is not None
    assert hub.year == 2023
    grid_2023 = egrid.factor_set.get("CAMX-2023-location")
    assert grid_2023.year == hub.year
    # (The compilation converts lb to kg with 0.453592, the Hub's figure with 0.45359237.)
    assert gases(grid_2023)["CO2"] == pytest.approx(436.655 * 0.453592e-3, rel=1e-9)
    assert gases(grid_2023)["CO2"] == pytest.approx(gases(hub)["CO2"], rel=1e-6)
    # No location factor claims a data year later than the latest eGRID edition (2023).
    location_years = {f.year for f in egrid.factor_set if f.basis is Basis.LOCATION}
    assert max(location_years) == 2023
    # The compilation's 2015, 2016 and 2017 rows are all eGRID2014: one factor, year 2014.
    assert {2014, 2016, 2018, 2019}.issubset(location_years)
    assert not {2015, 2017}.intersection(location_years)


def test_a_2023_camx_row_gets_egrid2023_and_a_2025_row_a_flagged_fallback_to_it(tmp_path, egrid):
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "id,year,activity,quantity,unit,region\n"
        "y23,2023,electricity.grid,1000,MWh,US-CAMX\ny25,2025,electricity.grid,1000,MWh,US-CAMX\n"
    )
    result = compute_footprint(
        read_activities([activities]),
        [egrid.factor_set],
        gwp_set("AR5"),
        options=FootprintOptions(lines=True),
    )
    assert result.lines is not None
    by_row = {line["id"]: line for line in result.lines.to_pylist()}
    assert by_row["y23"]["factor"] == by_row["y25"]["factor"] == "egrid-2025:CAMX-2023-location"
    # (The residual mix, Green-e 2024 = 2022 data, is a fallback for both rows: not asked here.)
    flags = {(f.row, f.flag) for f in result.flags if not f.detail.startswith("residual mix")}
    assert ("y25", "year_fallback") in flags
    assert ("y23", "year_fallback") not in flags


def test_an_egrid_year_repeating_an_edition_with_other_figures_is_refused(tmp_path):
    path = copy_head(tmp_path, EGRID, 1)
    path.write_text(
        path.read_text()
        + "CAMX,LocationMix,2015,294.97,14.1,2.5\nCAMX,LocationMix,2016,300.00,14.1,2.5\n"
    )
    (problem,) = problems_of(path)
    assert problem.row == 3
    assert "eGRID2014" in problem.reason
    assert "differ" in problem.reason


def test_the_registry_names_this_importer():
    assert importer("grid") is read


def copy_head(tmp_path: Path, relative: str, lines: int) -> Path:
    text = publisher_file(relative).read_text(encoding="utf-8-sig").splitlines()[:lines]
    path = tmp_path / "grid_copy.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path):
    with pytest.raises(InvalidInputError) as caught:
        read(path)
    return caught.value.problems


def test_owid_text_in_the_intensity_column_is_an_error_naming_the_row(tmp_path):
    path = copy_head(tmp_path, OWID, 3)
    path.write_text(path.read_text() + "Germany,DEU,2024,about 336\n")
    (problem,) = problems_of(path)
    assert (problem.row, problem.value) == (4, "about 336")
    assert "not a number" in problem.reason


def test_owid_without_its_intensity_column_is_an_error_on_the_header(tmp_path):
    path = tmp_path / "owid.csv"
    path.write_text("Entity,Code,Year\nGermany,DEU,2024\n")
    (problem,) = problems_of(path)
    assert problem.row == 1
    assert "4th column" in problem.reason


def test_egrid_text_in_a_rate_column_is_an_error_naming_the_row(tmp_path):
    path = copy_head(tmp_path, EGRID, 4)
    lines = path.read_text().splitlines()
    lines[2] = "AKMS,LocationMix,2014,n/a,8.5,1.6"
    path.write_text("\n".join(lines) + "\n")
    (problem,) = problems_of(path)
    assert (problem.row, problem.column, problem.value) == (3, "CO2", "n/a")


def test_egrid_without_a_column_is_an_error_naming_it(tmp_path):
    path = tmp_path / "egrid.csv"
    path.write_text("SUBRGN,CATEGORY,Year,CO2,CH4\nCAMX,LocationMix,2024,225.6,13.6\n")
    (problem,) = problems_of(path)
    assert (problem.row, problem.column) == (1, "n2o")


def test_an_unknown_layout_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n")
    (problem,) = problems_of(path)
    assert "unknown layout" in problem.reason


def test_1000_mwh_in_camx_2022_gives_the_hand_computed_location_and_market_figures(tmp_path, egrid):
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "id,year,activity,quantity,unit,region\n1,2022,electricity.grid,1000,MWh,US-CAMX\n"
    )
    data = read_activities([activities])
    result = compute_footprint(data, [egrid.factor_set], gwp_set("AR5"))
    # AR5: CH4 28, N2O 265; the rates per MWh in kg (CO2) and g (CH4, N2O).
    location_t = 1000 * (225.636165256 + 13.60776 * 28 / 1000 + 1.814368 * 265 / 1000) / 1000
    market_t = (
        1000
        * (228.168660972225 + 13.7604908083273 * 28 / 1000 + 1.83473210777697 * 265 / 1000)
        / 1000
    )
    assert location_t == pytest.approx(226.497990056)
    assert market_t == pytest.approx(229.040158723)
    assert result.totals["scope2_location"] == pytest.approx(location_t, rel=1e-12)
    assert result.totals["scope2_market"] == pytest.approx(market_t, rel=1e-12)
    assert result.totals["scope1"] == 0
    assert result.totals["scope3"] == 0
