"""The data-collection workbook: the activity-file contract as its first sheet, the
pinned sets' activity keys beside it, and a filled-in copy read as an activity file."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from neutra.core.errors import InvalidInputError
from neutra.core.factors import Factor, FactorSet, GasAmount, Scope
from neutra.formats.activity_files import read_activities
from neutra.formats.activity_template import (
    COLUMNS,
    ActivityKey,
    activity_keys_of,
    write_activity_template,
)
from neutra.formats.starter import starter_library

# DESIGN.md §3.1, in the contract's order, without the period columns.
CONTRACT = (
    "id",
    "entity",
    "year",
    "activity",
    "factor",
    "quantity",
    "unit",
    "region",
    "scope",
    "category",
    "description",
)

CUSTOM = FactorSet(
    name="my-factors",
    factors=(
        Factor("F1", "kg", (GasAmount("CO2e", 0.002),), activity="waste.food", scope=Scope.S3, category=5, gwp_set="AR5", description="Food waste to anaerobic digestion"),
        Factor("F2", "t", (GasAmount("CO2e", 2.0),), activity="waste.food", scope=Scope.S3, category=5, gwp_set="AR5", description="Food waste, per tonne"),
        Factor("F3", "kg", (GasAmount("CO2e", 0.003),), activity="waste.food", scope=Scope.S3, category=5, gwp_set="AR5"),
        Factor("F4", "kWh", (GasAmount("CO2", 0.0002),), activity="fuel.natural_gas", scope=Scope.S1),
        Factor("F5", "kWh", (GasAmount("CO2", 0.0001),)),  # serves no key
    ),
)  # fmt: skip


def _workbook(
    tmp_path: Path,
    *,
    entities: tuple[str, ...] = ("Plant A", "Head office"),
    factor_sets: tuple[str, ...] = (),
    missing_sets: tuple[str, ...] = (),
) -> Path:
    path = tmp_path / "template.xlsx"
    write_activity_template(
        path,
        year=2025,
        entities=entities,
        activity_keys=activity_keys_of([CUSTOM]),
        organisation="B1 Manufacturing",
        factor_sets=factor_sets,
        missing_sets=missing_sets,
    )
    return path


def test_the_first_sheet_header_is_the_activity_file_contract(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(_workbook(tmp_path))
    assert workbook.sheetnames[0] == "activities"
    sheet = workbook["activities"]
    assert COLUMNS == CONTRACT
    assert tuple(cell.value for cell in sheet[1]) == CONTRACT
    assert sheet.max_row == 1  # nothing below the header: a pre-filled cell would be a row


def test_every_header_cell_explains_its_column(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(_workbook(tmp_path))["activities"]
    notes = {cell.value: cell.comment.text for cell in sheet[1]}
    assert "2025 for this inventory" in notes["year"]
    assert "no thousands separators" in notes["quantity"]
    assert "organisation's entities" in notes["entity"]
    assert all(notes[column] for column in CONTRACT)


def test_the_sheet_checks_year_scope_and_category_and_offers_entities(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(_workbook(tmp_path))
    rules = {
        str(rule.sqref).split(":")[0]: rule
        for rule in workbook["activities"].data_validations.dataValidation
    }
    year, entity, scope, category = rules["C2"], rules["B2"], rules["I2"], rules["J2"]
    assert (year.type, year.operator, year.formula1) == ("whole", "equal", "2025")
    assert (scope.type, scope.formula1, scope.formula2) == ("whole", "1", "3")
    assert (category.type, category.formula1, category.formula2) == ("whole", "1", "15")
    assert entity.type == "list"
    listed = [row[0] for row in workbook["lists"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert listed == ["Head office", "Plant A"]


def test_without_entities_the_entity_column_is_free_text(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(_workbook(tmp_path, entities=()))
    ranges = [str(r.sqref) for r in workbook["activities"].data_validations.dataValidation]
    assert not any(r.startswith("B2") for r in ranges)


def test_the_keys_sheet_lists_the_sets_keys(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(_workbook(tmp_path))["activity keys"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("key", "description", "unit", "scope", "category", "sets")
    assert rows[1:] == [
        # In the taxonomy: its words, its typical unit and scope.
        (
            "fuel.natural_gas",
            "Natural gas burnt (kWh on a gross calorific value basis, m3 or t)",
            "kWh",
            1,
            None,
            "my-factors",
        ),
        # A custom key: described by its first factor, with the unit most factors have.
        ("waste.food", "Food waste to anaerobic digestion", "kg", 3, 5, "my-factors"),
    ]


def test_the_starter_library_keys_are_all_listed_once() -> None:
    sets = starter_library()
    keys = activity_keys_of(sets)
    served = {f.activity for s in sets for f in s.factors if f.activity}
    assert [k.key for k in keys] == sorted(served)
    grid = next(k for k in keys if k.key == "electricity.grid")
    assert grid.sets == ("desnz-2025", "desnz-2024", "egrid", "owid-ember")
    assert (grid.unit, grid.scope) == ("kWh", 2)


def test_the_read_me_names_the_organisation_year_and_sets(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        factor_sets=("desnz-2025 (version fa1b9e9d66365e12)",),
        missing_sets=("my-own (version 0123456789abcdef)",),
    )
    texts = [
        str(value)
        for row in openpyxl.load_workbook(path)["read me"].iter_rows(values_only=True)
        for value in row
        if value
    ]
    assert texts[0] == "Activity data of B1 Manufacturing for 2025"
    assert "desnz-2025 (version fa1b9e9d66365e12)" in texts
    assert "my-own (version 0123456789abcdef)" in texts


def test_a_filled_in_copy_is_an_activity_file(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(_workbook(tmp_path))
    sheet = workbook["activities"]
    sheet.append(
        ["gas-1", "Plant A", 2025, "fuel.natural_gas", None, 1250.5, "kWh", "gb", 1, None, "Boiler"]
    )
    sheet.append([None, None, 2025, None, "my-factors:F1", 30, "kg", None, None, 5, None])
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    data = read_activities([filled])
    rows = data.table.order_by("_row").to_pyarrow().to_pylist()
    assert data.passthrough == ()
    assert [
        (r["_row"], r["id"], r["entity"], r["activity"], r["factor"], r["quantity"], r["region"])
        for r in rows
    ] == [
        (2, "gas-1", "Plant A", "fuel.natural_gas", None, 1250.5, "GB"),
        (3, "3", None, None, "my-factors:F1", 30.0, None),
    ]
    assert [(r["scope"], r["category"], r["description"]) for r in rows] == [
        (1, None, "Boiler"),
        (None, 5, None),
    ]


def test_the_empty_template_is_refused_as_a_file_without_rows(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as refused:
        read_activities([_workbook(tmp_path)])
    assert [p.reason for p in refused.value.problems] == ["the file has a header but no data rows"]


def test_the_same_inputs_give_the_same_bytes() -> None:
    keys = [ActivityKey("fuel.diesel", "Diesel burnt", "L", 1, None, ("desnz-2025",))]
    first, second = io.BytesIO(), io.BytesIO()
    for buffer in (first, second):
        write_activity_template(buffer, year=2024, entities=["HQ"], activity_keys=keys)
    assert first.getvalue() == second.getvalue()
    assert first.getvalue()[:2] == b"PK"
