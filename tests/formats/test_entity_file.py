"""The entity file: a CSV group tree read into a boundary, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from neutra.core.boundary import Approach, Control
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.entity_file import read_entities

HEADER = "entity,parent,equity_share,financial_control,operational_control\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "entities.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        read_entities(path)
    return list(caught.value.problems)


def test_the_domain_worked_case_reads_into_the_documented_shares(tmp_path: Path) -> None:
    path = write(tmp_path, "Parent,,,,\nA,Parent,0.83,full,full\nB,A,0.5,joint,none\n")
    boundary = read_entities(path)
    assert boundary.inclusion_shares(Approach.EQUITY)["B"] == 0.415
    assert boundary.inclusion_shares(Approach.FINANCIAL)["B"] == 0.5
    assert boundary.inclusion_shares(Approach.OPERATIONAL)["B"] == 0.0


def test_an_empty_parent_makes_a_root_holding_all_of_itself(tmp_path: Path) -> None:
    boundary = read_entities(write(tmp_path, "Parent,,,,\n"))
    (link,) = boundary.links
    assert link.parent is None
    assert link.equity_share == 1.0
    assert link.financial_control is Control.FULL


def test_headers_and_control_words_are_read_case_and_space_insensitively(tmp_path: Path) -> None:
    header = " Entity , Parent,EQUITY_SHARE,financial_control,operational_control\n"
    boundary = read_entities(
        write(tmp_path, "Parent,,1,,\n A , Parent , 0.6 , Full , JOINT\n", header)
    )
    assert boundary.links[1].entity == "A"
    assert boundary.links[1].operational_control is Control.JOINT


def test_a_missing_column_is_named_on_the_header_row(tmp_path: Path) -> None:
    path = write(tmp_path, "Parent,\n", header="entity,parent\n")
    problems = problems_of(path)
    assert {(p.row, p.column) for p in problems} == {
        (1, "equity_share"),
        (1, "financial_control"),
        (1, "operational_control"),
    }


def test_a_percentage_is_refused_with_a_hint_to_write_a_fraction(tmp_path: Path) -> None:
    path = write(tmp_path, "Parent,,,,\nA,Parent,83%,full,full\nB,Parent,50,full,full\n")
    problems = problems_of(path)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "equity_share", "83%"),
        (4, "equity_share", "50"),
    ]
    assert all("e.g. 0.83" in p.reason for p in problems)
    assert "looks like a percentage" in problems[1].reason


def test_a_share_in_other_digits_or_with_separators_is_not_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, "Parent,,,,\nA,Parent,٠.٥,full,full\nB,Parent,0.2_5,full,full\n")
    assert [(p.row, p.column, p.value, p.reason) for p in problems_of(path)] == [
        (3, "equity_share", "٠.٥", "not a number: give shares as fractions 0-1, e.g. 0.83"),
        (4, "equity_share", "0.2_5", "not a number: give shares as fractions 0-1, e.g. 0.83"),
    ]


def test_every_problem_in_the_file_is_reported_at_once(tmp_path: Path) -> None:
    body = (
        "Parent,,,,\n"
        "A,Parent,abc,full,full\n"  # bad number
        "B,Parent,0.5,partial,none\n"  # unknown control word
        "C,Nowhere,0.5,full,full\n"  # unknown parent
        "B,Parent,0.5,full,full\n"  # duplicate entity
        "X,Y,0.5,full,full\n"  # a cycle
        "Y,X,0.5,full,full\n"
    )
    problems = problems_of(write(tmp_path, body))
    assert [(p.row, p.column) for p in problems] == [
        (3, "equity_share"),
        (4, "financial_control"),
        (5, "parent"),
        (6, "entity"),
        (7, "parent"),
        (8, "parent"),
    ]
    assert all(p.file.endswith("entities.csv") for p in problems)
    assert "unknown control 'partial'" in problems[1].reason
    assert "X -> Y -> X" in problems[4].reason


def test_a_file_without_a_root_is_refused(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "A,B,0.5,full,full\nB,A,0.5,full,full\n"))
    assert any(p.row is None and "no root" in p.reason for p in problems)


def test_a_non_root_without_share_or_control_is_refused(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "Parent,,,,\nA,Parent,,,full\n"))
    assert [(p.row, p.column) for p in problems] == [(3, "equity_share"), (3, "financial_control")]


def test_a_root_given_a_partial_share_is_refused(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "Parent,,0.5,full,full\n"))
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "equity_share", "0.5")]


def test_blank_lines_are_skipped_and_row_numbers_still_match_the_file(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "Parent,,,,\n,,,,\nA,Parent,2,full,full\n"))
    assert [p.row for p in problems] == [4]


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "", header=""))
    assert "empty" in problems[0].reason
