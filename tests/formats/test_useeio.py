"""US EPA supply chain factors v1.3 (USEEIO): both published files, read whole and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from neutra.core.errors import InvalidInputError
from neutra.core.factors import Scope
from neutra.formats.factor_import import importer
from neutra.formats.useeio import GWP_SET, read
from tests.conftest import publisher_file

CO2E = "epa/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
BY_GAS = "epa/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_byGHG_USD2022.csv"


@pytest.fixture(scope="module")
def co2e_import():
    return read(publisher_file(CO2E))


@pytest.fixture(scope="module")
def by_gas_import():
    return read(publisher_file(BY_GAS))


def gases(factor):
    return {g.gas: g.t_per_unit for g in factor.gases}


def test_the_co2e_file_gives_two_factors_for_each_of_its_1016_naics_codes(co2e_import):
    factor_set = co2e_import.factor_set
    assert factor_set.name == "useeio-1.3"
    assert len(factor_set) == 2 * 1016
    assert co2e_import.notes[0].startswith("1016 rows, 1016 NAICS codes")
    assert factor_set.licence.startswith("Public domain")


def test_with_margins_is_the_default_id_and_without_margins_has_a_suffix(co2e_import):
    factor_set = co2e_import.factor_set
    assert gases(factor_set.get("484121")) == {"CO2e": 0.000595}  # 0.595 kg -> t
    assert gases(factor_set.get("484121-wo-margins")) == {"CO2e": 0.000595}
    assert gases(factor_set.get("541511")) == {"CO2e": 0.000084}
    assert gases(factor_set.get("111110")) == {"CO2e": 0.000532}
    assert gases(factor_set.get("111110-wo-margins")) == {"CO2e": 0.000488}


def test_a_factor_is_per_2022_usd_in_the_us_scope_3_category_1_under_ar5(co2e_import):
    factor = co2e_import.factor_set.get("484121")
    assert factor.unit == "USD"
    assert factor.year == 2022
    assert factor.region == "US"
    assert factor.scope is Scope.S3
    assert factor.category == 1
    assert factor.activity is None
    assert factor.gwp_set == GWP_SET == "AR5"
    assert "General Freight Trucking, Long-Distance, Truckload" in factor.description
    assert "2022 USD purchaser price" in factor.description
    assert "2022 USD purchaser price" in factor.source


def test_the_by_gas_file_gives_each_gas_in_tonnes_and_the_unspecified_row_as_co2e(
    by_gas_import,
):
    factor_set = by_gas_import.factor_set
    assert len(factor_set) == 2 * 1016
    assert by_gas_import.notes[0].startswith("18288 rows, 1016 NAICS codes")
    soy = gases(factor_set.get("111110"))
    assert len(soy) == 18
    assert soy["CO2"] == pytest.approx(1.72e-01 / 1000, rel=1e-12)
    assert soy["HFC23"] == pytest.approx(4.57e-09 / 1000, rel=1e-12)
    assert soy["C4F10"] > 0  # "Perfluorobutane"
    assert soy["CO2e"] == pytest.approx(8.44e-04 / 1000, rel=1e-12)  # already kg CO2e
    assert gases(factor_set.get("111110-wo-margins"))["CO2"] == pytest.approx(1.34e-04, rel=1e-12)


def test_the_gases_weighted_by_ar5_match_the_co2e_file_and_the_largest_gap_is_reported(
    by_gas_import,
):
    (note,) = [n for n in by_gas_import.notes if n.startswith("compared with")]
    assert "largest gap 0.004341 kg CO2e/USD at 327310" in note
    assert not any("differ by more than rounding" in n for n in by_gas_import.notes)


def test_the_registry_names_this_importer():
    assert importer("useeio") is read


def copy_head(tmp_path: Path, relative: str, lines: int) -> Path:
    text = publisher_file(relative).read_text(encoding="utf-8-sig").splitlines()[:lines]
    path = tmp_path / "SupplyChain_copy.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path):
    with pytest.raises(InvalidInputError) as caught:
        read(path)
    return caught.value.problems


def test_text_in_a_number_column_is_an_error_naming_the_row(tmp_path):
    path = copy_head(tmp_path, CO2E, 6)
    text = path.read_text().replace("0.809,0.04,0.848", "0.809,n/a,0.848", 1)
    path.write_text(text)
    (problem,) = problems_of(path)
    assert problem.row == 4
    assert problem.value == "n/a"
    assert "not a number" in problem.reason


def test_a_missing_column_is_an_error_on_the_header(tmp_path):
    path = copy_head(tmp_path, CO2E, 4)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace("Unit", "Units"), *lines[1:]]) + "\n")
    problems = problems_of(path)
    assert [(p.row, p.column) for p in problems] == [(1, "unit")]


def test_a_truncated_by_gas_file_names_the_code_that_lacks_gases(tmp_path):
    path = copy_head(tmp_path, BY_GAS, 1 + 18 + 5)  # the second code has 5 of its 18 gases
    (problem,) = problems_of(path)
    assert problem.row == 24
    assert "code 111120 lacks gases" in problem.reason


def test_a_copy_without_its_partner_file_is_read_without_comparison(tmp_path):
    path = tmp_path / "co2e.csv"
    shutil.copy(publisher_file(CO2E), path)
    result = read(path, name="spend")
    assert result.factor_set.name == "spend"
    assert not any(n.startswith("compared with") for n in result.notes)


def test_spend_of_any_year_uses_the_2022_usd_factor_moved_with_cpi_u_and_no_year_fallback(tmp_path):
    # DOMAIN.md §3/§4: USEEIO's 2022 is a price year, not a data year. Spend of 2015-2021 is
    # inflated, of 2024 deflated, to 2022 USD with CPI-U (BLS CUUR0000SA0 annual averages:
    # 2015 237.017, 2018 251.107, 2022 292.655, 2024 313.689); that is no year fallback.
    from neutra.core.engine import FootprintOptions, compute_footprint
    from neutra.core.gwp import gwp_set
    from neutra.formats.activity_files import read_activities
    from neutra.formats.starter import starter_library

    useeio = {s.name: s for s in starter_library()}["useeio-1.3"]
    activities = tmp_path / "spend.csv"
    activities.write_text(
        "id,year,activity,quantity,unit,region\n"
        "s15,2015,spend.naics.541511,1000,USD,US\n"
        "s18,2018,spend.naics.541511,1000,USD,US\n"
        "s22,2022,spend.naics.541511,1000,USD,US\n"
        "s24,2024,spend.naics.541511,1000,USD,US\n"
    )
    result = compute_footprint(
        read_activities([activities]),
        [useeio],
        gwp_set("AR5"),
        options=FootprintOptions(lines=True),
    )
    assert result.lines is not None
    t = {line["id"]: line["emissions_t_co2e"] for line in result.lines.to_pylist()}
    kg_per_2022_usd = 0.084  # NAICS 541511, with margins
    for row, index in (("s15", 237.017), ("s18", 251.107), ("s22", 292.655), ("s24", 313.689)):
        expected_t = 1000 * 292.655 / index * kg_per_2022_usd / 1000
        assert t[row] == pytest.approx(expected_t, rel=1e-12), row
    kinds = {(f.row, f.flag) for f in result.flags}
    assert not any(flag == "year_fallback" for _, flag in kinds)
    assert {row for row, flag in kinds if flag == "money_converted"} == {"s15", "s18", "s24"}
