"""The custom factor file (DESIGN §3.2): what it accepts, and every mistake at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.factors import Basis, Scope
from neutra.formats.factor_csv import read_factor_csv

HEADER = (
    "factor_id,activity,gas,value,unit,gwp_set,region,year,scope,category,biogenic,basis,source"
)


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "factors.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        read_factor_csv(path)
    return list(caught.value.problems)


def test_rows_of_one_factor_id_form_one_per_gas_factor_in_tonnes(tmp_path):
    path = write(
        tmp_path,
        "ng,fuel.natural_gas,CO2,53.06,kg/mmBtu,,US,2025,1,,,,EPA Hub 2025 Table 1",
        "ng,fuel.natural_gas,CH4,1,g/mmBtu,,US,2025,1,,,,EPA Hub 2025 Table 1",
        "ng,fuel.natural_gas,N2O,0.1,g/mmBtu,,US,2025,1,,,,EPA Hub 2025 Table 1",
    )
    factor_set = read_factor_csv(path, name="epa")
    (factor,) = factor_set.factors
    assert factor.unit == "mmBtu"
    assert {g.gas: g.t_per_unit for g in factor.gases} == pytest.approx(
        {"CO2": 0.05306, "CH4": 1e-6, "N2O": 1e-7}
    )
    assert (factor.region, factor.year, factor.scope) == ("US", 2025, Scope.S1)
    assert factor_set.name == "epa"


def test_a_co2e_factor_keeps_the_gwp_set_it_was_made_with(tmp_path):
    path = write(
        tmp_path, "e,electricity.grid,CO2e,0.177,kg/kWh,ar5,GB,2025,2,,,location,DESNZ 2025"
    )
    (factor,) = read_factor_csv(path).factors
    assert factor.gwp_set == "AR5"
    assert factor.basis is Basis.LOCATION


def test_biogenic_co2_is_marked_and_residual_mix_is_a_basis(tmp_path):
    path = write(
        tmp_path,
        "p,fuel.wood_pellets,CO2,1677.18,kg/t,,,,1,,true,,",
        "p,fuel.wood_pellets,CH4,0.3,kg/t,,,,1,,,,",
        "rm,electricity.grid,CO2e,0.45,kg/kWh,AR5,DE,2024,2,,,residual_mix,",
    )
    pellets, residual = sorted(read_factor_csv(path).factors, key=lambda f: f.factor_id)
    assert [(g.gas, g.biogenic) for g in pellets.gases] == [("CH4", False), ("CO2", True)]
    assert residual.basis is Basis.RESIDUAL_MIX


def test_the_same_content_gives_the_same_version_and_a_change_another(tmp_path):
    first = read_factor_csv(write(tmp_path, "a,x,CO2e,1,kg/kWh,AR5,,,1,,,,")).version
    again = read_factor_csv(write(tmp_path, "a,x,CO2e,1,kg/kWh,AR5,,,1,,,,")).version
    changed = read_factor_csv(write(tmp_path, "a,x,CO2e,1.1,kg/kWh,AR5,,,1,,,,")).version
    assert first == again
    assert first != changed


def test_every_mistake_is_listed_with_its_row_and_column(tmp_path):
    path = write(
        tmp_path,
        "a,x,CO2e,1,kg/kWh,,,,1,,,,",  # CO2e without gwp_set
        "b,x,XYZ,1,kg/kWh,,,,1,,,,",  # unknown gas
        "c,x,CO2,abc,kg/kWh,,,,1,,,,",  # not a number
        "d,x,CO2,1,kWh/kg,,,,1,,,,",  # not a mass per unit
        "e,x,CO2,1,kg/furlong_per_week,,,,1,,,,",  # unknown unit
        "f,x,CO2,1,kg/kWh,,ZZ,,1,,,,",  # unknown region
        "g,x,CO2,1,kg/kWh,,,20x5,1,,,,",  # bad year
        "h,x,CO2,1,kg/kWh,,,,1,6,,,",  # category on a scope 1 factor
        "i,x,CH4,1,kg/kWh,,,,1,,true,,",  # only CO2 can be biogenic
        "j:k,x,CO2,1,kg/kWh,,,,1,,,,",  # ':' in the id
        "l,x,CO2,-1,kg/kWh,,,,1,,,,",  # negative factor
        "m,x,CO2,1,kg CH4/kWh,,,,1,,,,",  # the unit names another gas
    )
    found = {(p.row, p.column) for p in problems(path)}
    assert found == {
        (2, "gwp_set"), (3, "gas"), (4, "value"), (5, "unit"), (6, "unit"), (7, "region"),
        (8, "year"), (9, "category"), (10, "biogenic"), (11, "factor_id"), (12, "value"), (13, "unit"),
    }  # fmt: skip


def test_rows_of_one_factor_must_agree_on_what_the_factor_is(tmp_path):
    path = write(
        tmp_path,
        "a,fuel.diesel,CO2,2.5,kg/L,,GB,2025,1,,,,",
        "a,fuel.petrol,CH4,0.1,g/L,,GB,2025,1,,,,",
        "a,fuel.diesel,N2O,0.1,g/kWh,,GB,2025,1,,,,",
    )
    assert {(p.row, p.column) for p in problems(path)} == {(3, "activity"), (4, "unit")}


def test_a_missing_required_column_or_a_bad_file_is_a_clear_problem(tmp_path):
    missing = write(tmp_path, "a,CO2,1", header="factor_id,gas,value")
    assert [(p.row, p.column) for p in problems(missing)] == [(1, "unit")]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("factor_id,gas,value,unit\nHeizöl,CO2,1,kg/L\n".encode("latin-1"))
    assert "UTF-8" in problems(latin)[0].reason
    assert "does not exist" in problems(tmp_path / "nope.csv")[0].reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e308", "too large: a factor is below 1e+12 (check the unit)"),
        ("1_0", "not a number (use . as decimal point, no thousands separators)"),
        ("١", "not a number (use . as decimal point, no thousands separators)"),
        ("1e999", "not a number (use . as decimal point, no thousands separators)"),
        ("nan", "not a number (use . as decimal point, no thousands separators)"),
    ],
)
def test_a_factor_value_is_a_plain_number_of_sensible_size(tmp_path, value, reason):
    # float() takes "1_0" and Arabic-Indic digits; 1e308 made the output hash's JSON infinite.
    path = write(tmp_path, f"F1,my.gas,CO2,{value},kg/kWh,,GB,2025,1,,,,me")
    assert [(p.row, p.column, p.reason) for p in problems(path)] == [(2, "value", reason)]


def test_a_factor_year_in_other_digits_is_refused(tmp_path):
    path = write(tmp_path, "F1,my.gas,CO2,0.2,kg/kWh,,GB,٢٠٢٥,1,,,,me")
    assert [(p.row, p.column) for p in problems(path)] == [(2, "year")]
