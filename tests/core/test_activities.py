"""Validation of a raw activity table: typed output, or every problem at once."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neutra.core import activities
from neutra.core.activities import CANONICAL_COLUMNS, validate_activities
from neutra.core.engine.scan import ARRAY_FIELDS, scan_groups
from neutra.core.errors import MAX_PROBLEMS, InvalidInputError, Problem

BASE = {"year": "2024", "activity": "diesel", "quantity": "10", "unit": "L"}


def _table(*rows: dict[str, object]) -> ibis.Table:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    data: dict[str, list[object]] = {c: [row.get(c, "") for row in rows] for c in columns}
    data["_source"] = ["a.csv"] * len(rows)
    data["_row"] = list(range(2, len(rows) + 2))
    return ibis.memtable(pa.table(data))


def _rows(*rows: dict[str, object]) -> list[dict[str, object]]:
    return validate_activities(_table(*rows), {"a.csv": "hash"}).table.to_pyarrow().to_pylist()


def _problems(*rows: dict[str, object]) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        validate_activities(_table(*rows), {"a.csv": "hash"})
    return list(caught.value.problems)


def _only(*rows: dict[str, object]) -> Problem:
    (problem,) = _problems(*rows)
    return problem


def test_a_valid_row_comes_back_typed_with_canonical_columns_first():
    data = validate_activities(
        _table(BASE | {"region": "de", "cost_centre": "CC1"}), {"a.csv": "h"}
    )
    assert data.table.columns == (*CANONICAL_COLUMNS, "cost_centre")
    assert data.passthrough == ("cost_centre",)
    assert data.sources == {"a.csv": "h"}
    (row,) = data.table.to_pyarrow().to_pylist()
    assert row["quantity"] == 10.0
    assert row["year"] == 2024
    assert row["region"] == "DE"
    assert row["id"] == "2"  # the row number, as no id was given
    assert row["factor"] is None
    assert row["cost_centre"] == "CC1"


def test_strings_are_stripped_and_empty_strings_are_null():
    (row,) = _rows(BASE | {"activity": "  diesel ", "entity": "   ", "description": ""})
    assert row["activity"] == "diesel"
    assert row["entity"] is None
    assert row["description"] is None


@pytest.mark.parametrize("text", ["1,000", "1 000", "12abc", "nan", "inf", "", "1.2.3", "--1"])
def test_a_quantity_that_is_not_a_plain_number_is_a_problem(text):
    problem = _only(BASE | {"quantity": text})
    assert (problem.row, problem.column) == (2, "quantity")
    assert problem.value == text


@pytest.mark.parametrize(("text", "value"), [("-5", -5.0), ("1e3", 1000.0), (".5", 0.5)])
def test_negative_and_scientific_quantities_are_numbers(text, value):
    (row,) = _rows(BASE | {"quantity": text})
    assert row["quantity"] == value


def test_an_unknown_unit_is_a_problem_on_every_row_that_has_it():
    problems = _problems(BASE | {"unit": "furlongz"}, BASE, BASE | {"unit": "furlongz"})
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "unit", "furlongz"),
        (4, "unit", "furlongz"),
    ]
    assert problems[0].reason == "unknown unit 'furlongz'"


def test_thousands_of_distinct_units_are_checked_a_page_at_a_time_to_the_last():
    # More distinct units than one result brings back (activities._VALUES_PER_RESULT):
    # the clean-input pass leaves them to the problem path, which reads them in pages.
    many = [BASE | {"unit": f"kg*m**{i // 100}.{i % 100:02d}"} for i in range(6_001)]
    assert len(_rows(*many)) == 6_001
    problems = _problems(*many, BASE | {"unit": "zzfurlongz"})  # sorts into the last page
    assert [(p.row, p.value, p.reason) for p in problems] == [
        (6_003, "zzfurlongz", "unknown unit 'zzfurlongz'")
    ]


def test_a_spreadsheet_float_year_is_a_year_but_half_a_year_is_not():
    (row,) = _rows(BASE | {"year": "2024.0"})
    assert row["year"] == 2024
    assert _only(BASE | {"year": "2024.5"}).reason == "year is not a whole number"
    assert _only(BASE | {"year": "nan"}).reason == "year is not a whole number"


def test_a_year_outside_1900_to_2100_is_a_problem():
    assert _only(BASE | {"year": "1850"}).reason == "year must be between 1900 and 2100"


def test_the_year_comes_from_the_period_when_year_is_empty():
    row_in = BASE | {"year": "", "period_start": "2023-01-01", "period_end": "2023-12-31"}
    (row,) = _rows(row_in)
    assert row["year"] == 2023


def test_a_period_spanning_two_calendar_years_must_be_split():
    problem = _only(BASE | {"year": "", "period_start": "2023-12-01", "period_end": "2024-01-31"})
    assert problem.column == "period_end"
    assert "split the row by year" in problem.reason


def test_a_period_ending_before_it_starts_is_a_problem():
    problem = _only(BASE | {"year": "", "period_start": "2023-05-01", "period_end": "2023-04-01"})
    assert problem.reason == "period_end is before period_start"


def test_a_period_date_that_is_not_iso_or_not_a_day_is_a_problem():
    problems = _problems(
        BASE | {"year": "", "period_start": "01/05/2023", "period_end": "2023-02-30"}
    )
    assert [(p.column, p.value) for p in problems] == [
        ("period_start", "01/05/2023"),
        ("period_end", "2023-02-30"),
    ]


def test_a_year_that_disagrees_with_the_period_is_a_problem():
    problem = _only(
        BASE | {"year": "2024", "period_start": "2023-01-01", "period_end": "2023-12-31"}
    )
    assert problem.reason == "year 2024 does not agree with the period (2023)"


def test_a_row_with_neither_year_nor_period_is_a_problem():
    problem = _only(BASE | {"year": "", "period_start": "", "period_end": ""})
    assert problem.column == "year"


def test_typed_dates_and_numbers_from_parquet_are_accepted():
    table = ibis.memtable(
        {
            "period_start": [dt.date(2023, 1, 1)],
            "period_end": [dt.datetime(2023, 12, 31)],
            "activity": ["diesel"],
            "quantity": [12.5],
            "unit": ["L"],
            "scope": [1],
        }
    )
    (row,) = validate_activities(table, {"t.parquet": "h"}).table.to_pyarrow().to_pylist()
    assert (row["year"], row["quantity"], row["scope"], row["_row"]) == (2023, 12.5, 1, 2)


@pytest.mark.parametrize("scope", ["0", "4", "one", "1.5", "nan", "inf"])
def test_scope_must_be_1_2_or_3(scope):
    assert _only(BASE | {"scope": scope}).reason == "scope must be 1, 2 or 3"


def test_a_category_is_1_to_15_and_only_for_scope_3():
    assert _only(BASE | {"category": "16"}).reason == "category must be a whole number from 1 to 15"
    problem = _only(BASE | {"scope": "1", "category": "6"})
    assert (problem.column, problem.reason) == (
        "category",
        "a category is for scope 3 only, but the row's scope is 1",
    )
    (row,) = _rows(BASE | {"scope": "3", "category": "6.0"})
    assert (row["scope"], row["category"]) == (3, 6)


@pytest.mark.parametrize("region", ["de", "US-CAMX", "gb-sct", "EU27", "WORLD"])
def test_countries_subregions_and_aggregates_are_regions(region):
    (row,) = _rows(BASE | {"region": region})
    assert row["region"] == region.upper()


@pytest.mark.parametrize("region", ["XX", "Germany", "US-", "XX-CAMX", "US-TOOLONGCODE1"])
def test_an_unknown_region_is_a_problem(region):
    problem = _only(BASE | {"region": region})
    assert (problem.column, problem.value) == ("region", region)
    assert problem.reason.startswith("unknown region")


def test_a_row_needs_an_activity_or_a_factor():
    problem = _only(BASE | {"activity": "", "factor": ""})
    assert problem.reason == "the row has neither an activity nor a factor"
    (row,) = _rows(BASE | {"activity": "", "factor": "DESNZ:diesel"})
    assert row["factor"] == "DESNZ:diesel"


def test_a_duplicate_id_names_both_rows():
    problem = _only(BASE | {"id": "A"}, BASE | {"id": "B"}, BASE | {"id": "A"})
    assert (problem.row, problem.column, problem.value) == (4, "id", "A")
    assert problem.reason == "duplicate id: the same id is on row 2"


def test_missing_required_columns_are_header_problems():
    table = ibis.memtable({"activity": ["diesel"], "_source": ["a.csv"], "_row": [2]})
    with pytest.raises(InvalidInputError) as caught:
        validate_activities(table, {"a.csv": "h"})
    missing = {p.column for p in caught.value.problems if p.row == 1}
    assert missing == {"quantity", "unit", "year"}


def test_column_names_match_case_blind_and_duplicates_are_problems():
    (row,) = _rows({" Year ": "2024", "ACTIVITY": "x", "Quantity": "1", "unit": "kg"})
    assert row["activity"] == "x"
    table = ibis.memtable({"unit": ["kg"], "Unit": ["t"], "quantity": ["1"], "year": ["2024"]})
    with pytest.raises(InvalidInputError) as caught:
        validate_activities(table, {"a.csv": "h"})
    assert any(p.reason == "the column name appears twice" for p in caught.value.problems)


def test_every_problem_comes_back_at_once_in_row_order():
    problems = _problems(
        BASE | {"quantity": "1,5"},
        BASE | {"unit": "bananas"},
        BASE | {"year": "1492", "region": "Atlantis"},
    )
    assert [(p.row, p.column) for p in problems] == [
        (2, "quantity"),
        (3, "unit"),
        (4, "year"),
        (4, "region"),
    ]


def test_a_long_list_of_problems_is_capped_with_a_count_of_the_rest():
    with pytest.raises(InvalidInputError) as caught:
        validate_activities(_table(*[BASE | {"quantity": "x"}] * (MAX_PROBLEMS + 5)), {"a.csv": ""})
    error = caught.value
    assert len(error.problems) == MAX_PROBLEMS
    assert all(p.column == "quantity" for p in error.problems)
    assert (error.omitted, error.count) == (5, MAX_PROBLEMS + 5)
    assert error.message == f"{MAX_PROBLEMS + 5} problems in the input"
    assert error.omitted_note == "and 5 more problems not listed"


def test_a_problem_value_is_cut_at_80_characters():
    assert _only(BASE | {"quantity": "9" * 79 + "x" * 30}).value == "9" * 79 + "x"


def test_a_quantity_of_1e18_or_more_is_refused_so_exact_sums_cannot_overflow():
    problems = _problems(
        {
            "year": "2024",
            "activity": "fuel.natural_gas",
            "quantity": "999999999999990000",
            "unit": "kWh",
        },
        {"year": "2024", "activity": "fuel.natural_gas", "quantity": "-1e18", "unit": "kWh"},
    )
    assert [(p.row, p.column) for p in problems] == [(3, "quantity")]
    assert "1e18" in problems[0].reason


def test_a_quantity_past_what_an_exact_sum_holds_is_a_problem_not_an_error():
    # DECIMAL(38, 9) holds 29 digits before the point: 1e30 and 1e300 would stop the
    # summing pass with a conversion error; they are the rows' problems instead.
    problems = _problems(BASE, BASE | {"quantity": "1e30"}, BASE | {"quantity": "-1e300"})
    assert [(p.row, p.value, p.reason) for p in problems] == [
        (3, "1e30", "quantity is 1e18 or more: check the unit"),
        (4, "-1e300", "quantity is 1e18 or more: check the unit"),
    ]


def _not_2025(rows: ibis.Table) -> tuple[list[Problem], int]:
    """A caller's rule: every row belongs to 2025 (a null year was refused already)."""
    found = rows.filter((rows.year != 2025).fill_null(False)).select("_source", "_row", "year")
    return [
        Problem(r["_source"], r["_row"], "year", str(r["year"]), "not the inventory's year")
        for r in found.to_pyarrow().to_pylist()
    ], 0


def test_a_callers_checks_are_reported_with_the_rows_own_problems_in_one_pass():
    table = _table({**BASE, "quantity": "1,000", "year": "2025"}, {**BASE, "year": "2024"})
    with pytest.raises(InvalidInputError) as caught:
        validate_activities(table, {"a.csv": "hash"}, checks=_not_2025)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "quantity"), (3, "year")]


def test_a_callers_checks_that_find_nothing_leave_the_rows_valid():
    data = validate_activities(
        _table({**BASE, "year": "2025"}), {"a.csv": "hash"}, checks=_not_2025
    )
    assert data.table.to_pyarrow().column("year").to_pylist() == [2025]


# Cells the checks accept, and the ones they refuse (among them values DuckDB would
# cast that the contract refuses: "1_000", "+-1", "inf"). Rows are valid but for at
# most one cell, so clean tables are common and each refusal is met alone.
_GOOD = {
    "id": st.sampled_from(["", "a", "b", " c", "c"]),
    "year": st.sampled_from(["2024", " 2024 ", "2024.0"]),
    "activity": st.sampled_from(["diesel", " diesel "]),
    "quantity": st.sampled_from(["10", " 1e3 ", "-2.5", ".5", "5.", "+7"]),
    "unit": st.sampled_from(["L", " kWh", "m3"]),
    "region": st.sampled_from(["", "de", " GB ", "US-CAMX"]),
    "scope": st.sampled_from(["", "1", "2.0"]),
    "category": st.just(""),
    "cost_centre": st.sampled_from(["", " x "]),
}
_BAD = st.sampled_from(
    [
        ("year", "2024.5"),
        ("year", "1899"),
        ("year", "x"),
        ("activity", "   "),
        *(("quantity", q) for q in ("1_000", "+-1", "inf", "nan", "1e18", "", "1,5", "\t1")),
        ("unit", ""),
        ("unit", "furlongs per fortnight"),
        ("region", "XX"),
        ("scope", "4"),
        ("category", "16"),
        ("category", "3"),  # with scope 1 or 2, or none
    ]
)
_ROW = st.tuples(st.fixed_dictionaries(_GOOD), st.none() | _BAD).map(
    lambda pair: pair[0] | ({} if pair[1] is None else dict([pair[1]]))
)


def _outcome(table: ibis.Table) -> list[dict[str, object]] | list[Problem]:
    try:
        return validate_activities(table, {"a.csv": "h"}).table.to_pyarrow().to_pylist()
    except InvalidInputError as exc:
        return list(exc.problems)


@settings(max_examples=40, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=4))
def test_the_one_pass_check_accepts_exactly_what_the_row_by_row_checks_accept(rows):
    # Clean input is checked by one aggregate pass and returned unmaterialised; the
    # materialising path (forced here) names each problem. Both must agree on every
    # table: the same rows, typed the same, or the same problems.
    table = _table(*rows)
    fast = _outcome(table)
    with patch.object(activities, "_all_rows_pass", return_value=None):
        exact = _outcome(table)
    assert fast == exact


_GROUPED_GOOD = {k: v for k, v in _GOOD.items() if k != "id"} | {
    "entity": st.sampled_from(["", "a", " a", "b"]),
    "description": st.sampled_from(["", "x", " note "]),
}
_GROUPED_ROW = st.tuples(st.fixed_dictionaries(_GROUPED_GOOD), st.none() | _BAD).map(
    lambda pair: pair[0] | ({} if pair[1] is None else dict([pair[1]]))
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_GROUPED_ROW, min_size=1, max_size=6))
def test_the_grouped_pass_accepts_exactly_what_the_row_by_row_checks_accept(rows):
    # Without ids, clean input is checked once per distinct combination of values, and
    # the engine's sums come back on the way. Forced off, the same table goes the
    # materialising path. Both must agree: the same rows typed the same, or the same
    # problems; and the sums are those the engine's own scan of the rows finds.
    table = _table(*rows)
    fast = _outcome(table)
    with (
        patch.object(activities, "_grouped_pass", return_value=activities._UNDECIDED),
        patch.object(activities, "_all_rows_pass", return_value=None),
    ):
        exact = _outcome(table)
    assert fast == exact
    if isinstance(fast[0], dict):
        data = validate_activities(table, {"a.csv": "h"})
        assert data.sums is not None
        run = ibis.get_backend(data.table).to_pyarrow
        keys, groups = scan_groups(run, data.table)
        keys_from_sums, groups_from_sums = scan_groups(run, data.table, data.sums)
        assert keys_from_sums == keys
        for name in (*ARRAY_FIELDS, "entities"):
            assert list(getattr(groups_from_sums, name)) == list(getattr(groups, name))
        assert groups_from_sums.quantity.to_pylist() == groups.quantity.to_pylist()


def test_the_grouped_pass_refuses_a_bad_quantity_among_many_good_rows_of_one_group():
    rows = [BASE] * 50 + [{**BASE, "quantity": "1,5"}] + [BASE] * 50
    problems = _problems(*rows)
    assert [(p.row, p.column, p.value) for p in problems] == [(52, "quantity", "1,5")]
