"""The DESNZ / BEIS importer against the publisher's own flat files (tests/data/publishers/desnz)."""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from neutra.core.errors import InvalidInputError
from neutra.core.factors import Scope
from neutra.core.gwp import gwp_set
from neutra.core.units import parse_unit
from neutra.formats.desnz import UNITS, read, scope3_category
from neutra.formats.factor_import import FactorImport, importer
from tests.conftest import publisher_file

CSV_2025 = "desnz/ghg-conversion-factors-2025-flat-format.csv"
XLSX_2024 = "desnz/ghg-conversion-factors-2024-FlatFormat_v1_1.xlsx"
XLSX_2020 = "desnz/Conversion_Factors_2020_-_Flat_file__for_automatic_processing_only_.xlsx"
XLS_2019 = "desnz/conversion-factors-2019-flat-file-v01-02.xls"
HEADER_2025 = (
    "ID,Scope,Level 1,Level 2,Level 3,Level 4,Column Text,UOM,GHG/Unit,GHG Conversion Factor 2025"
)


@cache
def imported(relative: str) -> FactorImport:
    return read(publisher_file(relative))


def kg_co2e(result: FactorImport, factor_id: str, gwp: str = "AR5") -> float:
    """The factor's kg CO2e (biogenic CO2 aside), its gases weighted with `gwp`."""
    factor = result.factor_set.get(factor_id)
    assert factor is not None, factor_id
    weights = gwp_set(gwp)
    return 1000 * sum(
        g.t_per_unit * (1.0 if g.gas == "CO2e" else weights.gwp(g.gas))
        for g in factor.gases
        if not g.biogenic
    )


# The publisher rounds the total and each part to five decimals (kg).
ROUNDING_KG = 2e-5


def sheet_rows(relative: str) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(publisher_file(relative)))
    rows: list[list[object]] = book.get_sheet_by_name("Factors by Category").to_python(
        skip_empty_area=False
    )
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Factors by Category")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return path


def csv_lines(relative: str) -> list[str]:
    return publisher_file(relative).read_text(encoding="utf-8-sig").splitlines()


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInputError) as caught:
        read(path)
    return [str(p) for p in caught.value.problems]


# -- counts ---------------------------------------------------------------------


def test_the_2025_csv_rows_add_up_to_factors_parts_conversions_and_empty_rows():
    result = imported(CSV_2025)
    factors = result.factor_set
    scoped = [f for f in factors if f.scope is not None]
    per_gas = [f for f in scoped if not f.is_co2e]
    biogenic = [f for f in factors if f.scope is None]
    assert (len(scoped), len(biogenic), len(result.conversions)) == (2616, 56, 451)
    # Every family with parts keeps its gases: the count of 1,302 families.
    assert len(per_gas) == 1302
    summary = result.notes[0]
    assert "3906 per-gas part rows" in summary
    assert "1711 rows without a value" in summary
    assert 2616 + 56 + 3906 + 451 + 1711 == 8740
    assert summary.startswith("8740 rows read")


def test_the_2024_xlsx_has_the_same_families_as_the_2025_csv_and_ignores_the_scratch_sheets():
    result = imported(XLSX_2024)
    assert result.factor_set.name == "desnz-2024"
    assert result.notes[0].startswith("8740 rows read")
    ids_2024 = {f.factor_id for f in result.factor_set}
    ids_2025 = {f.factor_id for f in imported(CSV_2025).factor_set}
    assert ids_2024 == ids_2025


def test_the_old_layouts_count_their_rows_and_set_aside_the_refrigerants_published_as_below_one():
    r2020, r2019 = imported(XLSX_2020), imported(XLS_2019)
    assert (len(r2020.factor_set), len(r2020.conversions)) == (2399, 447)
    assert (len(r2019.factor_set), len(r2019.conversions)) == (2422, 0)
    assert r2020.notes[0].startswith("7509 rows read")
    assert "920 rows without a value" in r2020.notes[0]
    assert r2019.notes[0].startswith("6990 rows read")
    assert any("541, 542" in note for note in r2019.notes)


# -- figures --------------------------------------------------------------------

# Region: GB, the publisher's own (DOMAIN.md §4), unless the texts name another place.
FIGURES_2025 = {
    "1_100_1004_6": (0.18296, "kWh", Scope.S1, None, "GB"),  # natural gas, gross CV
    "1_101_1011_8": (2.57082, "L", Scope.S1, None, "GB"),  # diesel, average biofuel blend
    "7_400_4000_5": (0.177, "kWh", Scope.S2, None, "GB"),  # UK electricity
    "21_316_3170_11": (0.11704, "passenger_km", Scope.S3, 6, "GB"),  # long haul to/from UK
    "29_600_4000_13": (10.4, "night", Scope.S3, 6, "GB"),  # hotel, UK
    "20_507_5313_15": (520.5327, "t", Scope.S3, 5, "GB"),  # C&I waste, landfill
}


@pytest.mark.parametrize("factor_id", sorted(FIGURES_2025))
def test_2025_factors_weighted_with_ar5_give_the_published_kg_co2e_total(factor_id):
    result = imported(CSV_2025)
    value, unit, scope, category, region = FIGURES_2025[factor_id]
    factor = result.factor_set.get(factor_id)
    assert factor is not None
    assert kg_co2e(result, factor_id) == pytest.approx(value, abs=ROUNDING_KG)
    if factor.is_co2e:  # no per-gas parts published (hotel, waste): the total, exact as printed
        assert factor.gases[0].t_per_unit == float(f"{value}e-3")
        assert factor.gwp_set == "AR5"
    else:
        assert factor.gwp_set is None  # masses of gases: any GWP set weights them
    assert (factor.unit, factor.scope, factor.category, factor.region) == (
        unit,
        scope,
        category,
        region,
    )
    assert factor.year == 2025
    assert (
        factor.source == "Department for Energy Security and Net Zero, GHG Conversion Factors 2025"
    )


def test_the_2024_xlsx_gives_the_figures_of_its_own_cells_under_the_same_ids():
    rows = sheet_rows(XLSX_2024)
    published = {row[0]: row[9] for row in rows if isinstance(row[9], float)}
    result = imported(XLSX_2024)
    for factor_id in FIGURES_2025:
        total = published[factor_id + "_1"]
        assert kg_co2e(result, factor_id) == pytest.approx(total, abs=ROUNDING_KG)
    assert kg_co2e(result, "7_400_4000_5") == pytest.approx(0.20705, abs=ROUNDING_KG)  # by hand


def masses_kg(result: FactorImport, factor_id: str) -> dict[tuple[str, bool], float]:
    factor = result.factor_set.get(factor_id)
    assert factor is not None, factor_id
    return {(g.gas, g.biogenic): g.t_per_unit * 1000 for g in factor.gases}


def test_desnz_factors_keep_their_gases_as_masses_from_the_files_own_gwps():
    # GHG Protocol Corporate Standard ch. 9: emissions are reported per gas. DESNZ 2025 is
    # made with AR5 (the file's own "Refrigerant & other" rows: methane 28, nitrous oxide 265
    # per kg), so each CO2e-weighted part divided by that GWP is the mass of its gas.
    # Natural gas, kWh gross CV: parts 0.18259 (CO2), 0.00028 (CH4), 0.00009 (N2O) kg CO2e.
    natural_gas = masses_kg(imported(CSV_2025), "1_100_1004_6")
    assert natural_gas == {
        ("CO2", False): pytest.approx(0.18259, rel=1e-12),
        ("CH4", False): pytest.approx(0.00028 / 28, rel=1e-12),
        ("N2O", False): pytest.approx(0.00009 / 265, rel=1e-12),
    }
    # The total is the check: the parts add up to the published 0.18296 kg CO2e.
    assert pytest.approx(0.18296, abs=1e-12) == 0.18259 + 0.00028 + 0.00009
    # Any GWP set now applies: under AR6 (combustion CH4 27.0, N2O 273) the figure moves.
    ar6 = 0.18259 + 0.00028 / 28 * 27.0 + 0.00009 / 265 * 273
    assert kg_co2e(imported(CSV_2025), "1_100_1004_6", "AR6") == pytest.approx(ar6, rel=1e-12)


# Column indexes of the two layouts: Level 1, Level 3, UOM, GHG text, value.
COLUMNS = {"new": (2, 4, 7, 8, 9), "old": (1, 3, 7, 8, 10)}


@pytest.mark.parametrize(
    ("relative", "layout", "ch4_gwp", "n2o_gwp"),
    [
        # Each edition's own statement of its GWPs ("Refrigerant & other", kg CO2e per kg).
        (XLSX_2024, "new", 28, 265),  # AR5
        (XLSX_2020, "old", 25, 298),  # AR4
        (XLS_2019, "old", 25, 298),  # AR4
    ],
)
def test_every_edition_converts_its_parts_with_the_gwps_it_states(
    relative, layout, ch4_gwp, n2o_gwp
):
    level1, level3, uom, ghg, value = COLUMNS[layout]
    rows = [r for r in sheet_rows(relative) if len(r) > value and r[value] not in ("", None)]
    stated = {
        str(r[level3]): float(r[value])  # type: ignore[arg-type]
        for r in rows
        if r[level1] == "Refrigerant & other" and r[level3] in ("Methane", "Nitrous oxide")
    }
    assert (stated["Methane"], stated["Nitrous oxide"]) == (ch4_gwp, n2o_gwp)
    natural_gas = {
        str(r[ghg]).lower(): float(r[value])  # type: ignore[arg-type]
        for r in rows
        if r[level1] == "Fuels" and r[level3] == "Natural gas" and r[uom] == "kWh (Gross CV)"
    }
    co2 = natural_gas.get("kg co2e of co2 per unit", natural_gas.get("kg co2"))
    ch4 = natural_gas.get("kg co2e of ch4 per unit", natural_gas.get("kg ch4"))
    n2o = natural_gas.get("kg co2e of n2o per unit", natural_gas.get("kg n2o"))
    assert co2 is not None
    assert ch4 is not None
    assert n2o is not None
    factor_id = (
        "1_100_1004_6"
        if layout == "new"
        else "fuels.gaseous-fuels.natural-gas.energy-gross-cv.kwh-gross-cv"
    )
    masses = masses_kg(imported(relative), factor_id)
    assert masses[("CO2", False)] == pytest.approx(co2, rel=1e-12)
    assert masses[("CH4", False)] == pytest.approx(ch4 / ch4_gwp, rel=1e-12)
    assert masses[("N2O", False)] == pytest.approx(n2o / n2o_gwp, rel=1e-12)


def test_a_file_that_states_other_gwps_than_its_edition_is_refused(tmp_path):
    lines = csv_lines(CSV_2025)
    changed = [
        line.replace(",kg,kg CO2e,28.00000", ",kg,kg CO2e,25.00000")
        if line.startswith("3_200_2003_3_1,")
        else line
        for line in lines
    ]
    path = tmp_path / "desnz-2025.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    problems = problems_of(path)
    assert any("states a GWP of 25 for CH4" in p and "AR5" in p for p in problems), problems


def test_the_biogenic_co2_of_a_biofuel_blend_is_a_memo_on_its_scope_1_factor_in_every_edition():
    # DESNZ publishes the biogenic CO2 of forecourt diesel as an "Outside of Scopes" row
    # (99_604_1011_8: 0.14 kg/L in 2025); the scope 1 factor carries it as a memo, so the
    # memo does not depend on which set (starter library or imported edition) is used.
    diesel_2025 = masses_kg(imported(CSV_2025), "1_101_1011_8")
    assert diesel_2025[("CO2", True)] == pytest.approx(0.14, rel=1e-12)
    assert diesel_2025[("CO2", False)] == pytest.approx(2.53763, rel=1e-12)
    pellets = masses_kg(imported(CSV_2025), "2_104_1045_15")
    assert pellets[("CO2", True)] == pytest.approx(1677.18, rel=1e-12)
    old_id = "fuels.liquid-fuels.diesel-average-biofuel-blend.volume.litres"
    assert masses_kg(imported(XLS_2019), old_id)[("CO2", True)] == pytest.approx(0.0872)


def test_the_set_is_named_by_its_edition_cited_and_licensed_unless_named():
    result = imported(CSV_2025)
    assert result.factor_set.name == "desnz-2025"
    assert result.factor_set.licence == "Open Government Licence v3.0"
    assert read(publisher_file(CSV_2025), name="uk-2025").factor_set.name == "uk-2025"


def test_net_and_gross_cv_are_two_factors_and_the_description_keeps_the_published_unit():
    result = imported(CSV_2025)
    gross = result.factor_set.get("1_100_1004_6")
    assert gross is not None
    assert gross.description == ("Fuels > Gaseous fuels > Natural gas; per kWh (Gross CV)")
    nets = [
        f
        for f in result.factor_set
        if f.description == "Fuels > Gaseous fuels > Natural gas; per kWh (Net CV)"
    ]
    assert len(nets) == 1
    assert nets[0].factor_id != "1_100_1004_6"
    assert nets[0].unit == "kWh"


def test_outside_of_scopes_wood_pellets_are_biogenic_co2_without_a_scope():
    factor = imported(CSV_2025).factor_set.get("99_104_1045_15")
    assert factor is not None
    (amount,) = factor.gases
    assert (amount.gas, amount.biogenic) == ("CO2", True)
    assert amount.t_per_unit * 1000 == pytest.approx(1677.18, rel=1e-12)
    assert (factor.scope, factor.category, factor.gwp_set) == (None, None, None)


def test_energy_conversions_are_kept_apart_from_the_factors():
    result = imported(CSV_2025)
    conversion_ids = {c.conversion_id for c in result.conversions}
    assert not conversion_ids & {f.factor_id for f in result.factor_set}
    assert all(c.energy_unit == "kWh" and c.basis == "net" for c in result.conversions)
    assert all(c.description.startswith("SECR kWh") for c in result.conversions)


OLD_FIGURES = {
    # file, id built from the texts, kg CO2e as published (hand-read from the sheet)
    (XLSX_2020, "fuels.gaseous-fuels.natural-gas.energy-gross-cv.kwh-gross-cv"): 0.18387,
    (XLSX_2020, "uk-electricity.electricity-generated.electricity-uk.kwh"): 0.23314,
    (XLSX_2020, "hotel-stay.hotel-stay.uk.room-per-night"): 15.7,
    (XLS_2019, "fuels.gaseous-fuels.natural-gas.energy-gross-cv.kwh-gross-cv"): 0.18385,
    (XLS_2019, "uk-electricity.electricity-generated.electricity-uk.kwh"): 0.2556,
    (
        XLS_2019,
        "business-travel-air.flights.long-haul-to-from-uk.economy-class.with-rf.passenger-km",
    ): 0.14981,
}


@pytest.mark.parametrize(("relative", "factor_id"), sorted(OLD_FIGURES))
def test_the_old_layout_gives_the_published_figures_in_ar4_under_ids_built_from_the_texts(
    relative, factor_id
):
    result = imported(relative)
    assert kg_co2e(result, factor_id, "AR4") == pytest.approx(
        OLD_FIGURES[relative, factor_id], abs=ROUNDING_KG
    )
    factor = result.factor_set.get(factor_id)
    assert factor is not None
    assert factor.gwp_set == ("AR4" if factor.is_co2e else None)
    year = factor.year
    assert result.factor_set.name == f"desnz-{year}"
    assert factor.source == (
        f"Department for Business, Energy and Industrial Strategy, GHG Conversion Factors {year}"
    )


def test_old_layout_level_cells_holding_zero_do_not_split_a_family():
    # 2020 row 4678 (total) has an empty Level 4; its parts have a 0 there.
    result = imported(XLSX_2020)
    factor_id = "managed-assets-vehicles.managed-cars-by-size.small-car.diesel.km"
    assert kg_co2e(result, factor_id, "AR4") == pytest.approx(0.13721, abs=ROUNDING_KG)
    assert "3741 per-gas part rows" in result.notes[0]


# -- derivations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("level1", "category"),
    [
        ("WTT- fuels", 3),
        ("WTT- UK & overseas elec", 3),
        ("Transmission and distribution", 3),
        ("UK electricity T&D for EVs", 3),
        ("Business travel- air", 6),
        ("Business travel- sea", 6),
        ("Hotel stay", 6),
        ("Freighting goods", 4),
        ("Waste disposal", 5),
        ("Material use", 1),
        ("Water supply", 1),
        ("Water treatment", 5),
        ("WTT- business travel- air", 6),
        ("WTT- business travel- sea", 6),
        ("WTT- pass vehs & travel- land", 6),
        ("WTT- delivery vehs & freight", 4),
        ("WTT- bioenergy", 3),
        ("WTT- heat and steam", 3),
        ("Homeworking", 7),
        ("Managed assets- vehicles", 8),
        ("Fuels", None),
    ],
)
def test_the_scope_3_category_follows_from_level_1(level1, category):
    assert scope3_category(level1) == category


def test_wtt_goes_with_the_category_of_what_it_is_the_upstream_of_and_wastewater_is_waste():
    # GHG Protocol Scope 3 Standard, ch. 5 (Table 5.4): category 3 holds the upstream of the
    # fuels and energy the company itself consumes; the well-to-tank of business travel is
    # category 6, of freight category 4; wastewater treatment is category 5 (waste in operations).
    factors = imported(CSV_2025).factor_set
    by_level1: dict[str, set[int | None]] = {}
    for factor in factors:
        if factor.scope == Scope.S3:
            level1 = (factor.description or "").split(" > ")[0]
            by_level1.setdefault(level1, set()).add(factor.category)
    assert by_level1["WTT- business travel- air"] == {6}
    assert by_level1["WTT- business travel- sea"] == {6}
    assert by_level1["WTT- pass vehs & travel- land"] == {6}
    assert by_level1["WTT- delivery vehs & freight"] == {4}
    assert by_level1["WTT- fuels"] == by_level1["WTT- UK electricity"] == {3}
    assert by_level1["Water treatment"] == {5}
    assert by_level1["Water supply"] == {1}


def test_every_scope_3_factor_of_the_real_files_gets_a_category():
    for relative in (CSV_2025, XLSX_2020):
        factors = imported(relative).factor_set
        assert all(f.category is not None for f in factors if f.scope == Scope.S3)
        assert all(f.category is None for f in factors if f.scope != Scope.S3)


def test_every_desnz_unit_maps_to_a_unit_neutra_knows():
    for unit in UNITS.values():
        parse_unit(unit)
    assert UNITS["million litres"] == "megaliter"


def test_the_importer_registry_finds_this_reader():
    assert importer("desnz") is read


# -- malformed files ------------------------------------------------------------


def test_a_truncated_2024_workbook_without_its_end_marker_is_refused(tmp_path):
    rows = sheet_rows(XLSX_2024)[:500]
    problems = problems_of(write_xlsx(tmp_path / "cut.xlsx", rows))
    assert len(problems) == 1
    assert "row 500" in problems[0]
    assert "END" in problems[0]


def test_a_workbook_with_a_row_inserted_above_the_header_is_a_shifted_header(tmp_path):
    rows = sheet_rows(XLSX_2024)
    rows.insert(0, [""] * 10)
    problems = problems_of(write_xlsx(tmp_path / "shifted.xlsx", rows))
    assert any("row 7" in p and "shifted header" in p for p in problems)


def test_a_header_shifted_one_column_right_is_refused(tmp_path):
    lines = csv_lines(CSV_2025)
    lines[0] = "," + lines[0]
    path = tmp_path / "f.csv"
    path.write_text("\n".join(lines[:20]) + "\n", encoding="utf-8")
    problems = problems_of(path)
    assert any("row 1" in p and "shifted or unexpected header" in p for p in problems)


def test_a_file_without_the_header_names_what_is_missing(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("\n".join(csv_lines(CSV_2025)[1:50]) + "\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert "missing header" in problem


def test_text_in_the_value_column_and_an_unknown_unit_are_reported_together_with_their_rows(
    tmp_path,
):
    lines = csv_lines(CSV_2025)
    rows = list(csv.reader(io.StringIO("\n".join(lines[:40]))))
    rows[9][9] = "about 2"  # spreadsheet row 10
    rows[19][7] = "barrels"  # spreadsheet row 20
    path = tmp_path / "f.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    problems = problems_of(path)
    assert len(problems) == 2
    assert "row 10" in problems[0]
    assert "'about 2'" in problems[0]
    assert "not a number" in problems[0]
    assert "row 20" in problems[1]
    assert "'barrels'" in problems[1]
    assert "unknown unit" in problems[1]


def test_a_repeated_id_is_refused_with_both_rows(tmp_path):
    lines = csv_lines(CSV_2025)[:10]
    path = tmp_path / "f.csv"
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert "row 11" in problem
    assert "row 2" in problem


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    (problem,) = problems_of(tmp_path / "nope.csv")
    assert "does not exist" in problem


CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["Scope 1", "Scope 3", "Outside of Scopes", "kg CO2e", "kWh (Net CV)", "tonnes", "km"]
    ),
    st.sampled_from(["1_100_1004_6_1", "1_1_2", "0.5", "", "-1", "nan", "< 1"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=12), min_size=0, max_size=6))
def test_random_cells_under_the_2025_header_give_a_result_or_invalid_input(tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER_2025.split(","), *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    problems: tuple[object, ...] = ()
    try:
        result = read(path)
    except InvalidInputError as exc:
        problems = exc.problems
        result = None
    assert bool(problems) != (result is not None)
    assert result is None or result.factor_set.name == "desnz-2025"


def test_a_desnz_set_knows_its_region_gb_except_where_its_texts_name_another_place():
    # DOMAIN.md §4: "A publisher set knows its region (DESNZ: GB)", so a UK factor used for a
    # German or US row is flagged. Flights "to/from non-UK" and hotel stays abroad are not GB.
    factors = imported(CSV_2025).factor_set
    regions = {f.factor_id: f.region for f in factors}
    assert regions["1_100_1004_6"] == "GB"  # natural gas (the UK grid blend with biomethane)
    assert regions["21_316_3180_11"] is None  # flights "International, to/from non-UK"
    assert regions["29_600_4017_13"] is None  # hotel stay, Germany (the taxonomy says DE)
    assert {f.region for f in factors} == {"GB", None}
