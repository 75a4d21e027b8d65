"""The strategy files of DESIGN.md §8 read whole, with every problem, and written back the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from neutra.core.baseyear import ChangeKind
from neutra.core.errors import InvalidInputError
from neutra.core.targets import TargetKind
from neutra.formats.strategy_files import (
    read_changes,
    read_denominators,
    read_history,
    read_targets,
    write_changes,
    write_denominators,
    write_history,
    write_targets,
)


def test_a_history_with_categories_is_written_back_and_reads_the_same(tmp_path: Path) -> None:
    source = tmp_path / "history.csv"
    source.write_text(
        "year,scope1,scope2_location,scope2_market,scope3,cat1,cat6\n"
        "2021,10.5,20,15,100,60,40\n"
        "2020,11,21,16,90,50,\n"
    )
    history, rows = read_history(source)
    assert [y.year for y in history.years] == [2020, 2021]  # in year order
    assert rows == {2021: 2, 2020: 3}
    assert dict(history.year(2021).categories) == {1: 60.0, 6: 40.0}
    out = io.StringIO()
    write_history(history, out)
    again = tmp_path / "again.csv"
    again.write_text(out.getvalue())
    assert read_history(again)[0] == history


def test_a_history_refuses_a_year_twice_and_categories_above_scope_3(tmp_path: Path) -> None:
    source = tmp_path / "history.csv"
    source.write_text(
        "year,scope1,scope2_location,scope2_market,scope3,cat1\n"
        "2020,1,1,1,10,20\n2021,1,1,1,10,\n2021,1,1,1,10,\n"
    )
    with pytest.raises(InvalidInputError) as caught:
        read_history(source)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "scope3"), (4, "year")]


def test_a_percentage_given_for_a_reduction_is_refused_with_a_hint(tmp_path: Path) -> None:
    source = tmp_path / "targets.csv"
    source.write_text(
        "target_id,kind,scopes,base_year,target_year,reduction\nT,absolute,1+2,2020,2030,42\n"
    )
    with pytest.raises(InvalidInputError) as caught:
        read_targets(source)
    (problem,) = caught.value.problems
    assert "0.42" in problem.reason


def test_targets_denominators_and_changes_are_written_back_and_read_the_same(
    tmp_path: Path,
) -> None:
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "target_id,kind,scopes,scope2,base_year,base_value,target_year,reduction,denominator,criteria,categories,milestones\n"
        "A,absolute,1+2+3,location,2020,1000,2030,0.42,,sbti-near-term-wb2c,1;6,2025:0.2\n"
        "B,intensity,3,,2021,,2030,0.3,revenue,,,\n"
    )
    read = [t for _, t in read_targets(targets)]
    assert read[1].kind is TargetKind.INTENSITY
    assert read[1].scope2.value == "market"
    assert read[0].milestones[0].year == 2025
    assert read[0].categories == (1, 6)
    out = io.StringIO()
    write_targets(read, out)
    targets.write_text(out.getvalue())
    assert [t for _, t in read_targets(targets)] == read

    denominators = tmp_path / "denominators.csv"
    denominators.write_text(
        "year,indicator,value,unit,source\n2020,FTE,120.5,,HR\n2020,revenue,1e7,GBP,AR\n"
    )
    read_d = [d for _, d in read_denominators(denominators)]
    assert read_d[0].indicator == "fte"
    assert read_d[0].unit == "FTE"
    out = io.StringIO()
    write_denominators(read_d, out)
    denominators.write_text(out.getvalue())
    assert [d for _, d in read_denominators(denominators)] == read_d

    changes = tmp_path / "changes.csv"
    changes.write_text(
        'year,kind,description,base_year_effect_t\n2022,divestment,"Sold plant, Leeds",-5000.5\n'
    )
    read_c = [c for _, c in read_changes(changes)]
    assert read_c[0].kind is ChangeKind.DIVESTMENT
    assert read_c[0].base_year_effect_t == -5000.5
    out = io.StringIO()
    write_changes(read_c, out)
    changes.write_text(out.getvalue())
    assert [c for _, c in read_changes(changes)] == read_c


def test_a_missing_column_and_a_file_that_is_not_there_are_problems_not_tracebacks(
    tmp_path: Path,
) -> None:
    source = tmp_path / "denominators.csv"
    source.write_text("year,indicator,value\n2020,fte,10\n")
    with pytest.raises(InvalidInputError) as caught:
        read_denominators(source)
    assert caught.value.problems[0].column == "unit"
    with pytest.raises(InvalidInputError):
        read_changes(tmp_path / "nothing.csv")


def test_categories_and_denominators_in_other_digits_are_refused(tmp_path: Path) -> None:
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "target_id,kind,scopes,base_year,target_year,reduction,categories\n"
        "T,absolute,3,2020,2030,0.4,1;٣\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as caught:
        read_targets(targets)
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        (2, "categories", "1;٣", "give scope 3 categories 1-15 separated by ';'")
    ]
    denominators = tmp_path / "denominators.csv"
    denominators.write_text("year,indicator,value,unit\n2020,fte,١٢٠٠,FTE\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_denominators(denominators)
    reason = "give a number with '.' as decimal point and no thousands separators"
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        (2, "value", "١٢٠٠", reason)
    ]


def test_a_denominator_too_small_or_too_large_for_finite_intensities_is_refused(
    tmp_path: Path,
) -> None:
    # 1e-320 FTE made every intensity of the year infinite (JSON has no Infinity), and
    # 1e308 of a revenue overflowed when changed into another currency.
    denominators = tmp_path / "denominators.csv"
    denominators.write_text(
        "year,indicator,value,unit\n2020,fte,1e-320,FTE\n2021,revenue,1e308,EUR\n2022,fte,120,FTE\n"
    )
    with pytest.raises(InvalidInputError) as caught:
        read_denominators(denominators)
    reason = "a denominator is between 1e-06 and 1e+18 in its unit"
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        (2, "value", "1e-320", reason),
        (3, "value", "1e308", reason),
    ]
