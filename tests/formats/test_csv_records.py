"""The small-CSV readers every file but the activities goes through: strict about quotes."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from neutra.core.errors import Problem
from neutra.formats.csv_records import open_table_records, read_records, read_table_records

UNCLOSED = 'id,value,source\nF1,0.2,"oops\nF2,0.3,me\nF3,0.4,me\n'


def test_a_quote_that_never_closes_is_a_problem_not_a_value_swallowing_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(UNCLOSED)
    header, rows, problems = read_records(path, "f.csv", ["id"])
    assert (header, rows) == ([], [])
    assert problems == [
        Problem(
            "f.csv", None, None, None, "a quoted value on line 2 never closes (check the quotes)"
        )
    ]


def test_a_streamed_file_names_the_line_of_its_unclosed_quote(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('id,value,source\nF0,0.1,x\n"F1,0.2\n' + "F2,0.3,me\n" * 3)
    problems: list[Problem] = []
    header, rows = open_table_records(path, "f.csv", ["id"], problems)
    assert header == ["id", "value", "source"]
    assert [number for number, _ in rows] == [2]  # F0; nothing after the quote
    assert problems == [
        Problem(
            "f.csv", None, None, None, "a quoted value on line 3 never closes (check the quotes)"
        )
    ]


def test_text_after_a_closing_quote_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('id,value\n"a\nb",1\n"c"d,2\n')
    _, rows, problems = read_records(path, "f.csv", ["id"])
    assert rows == []
    assert problems == [
        Problem(
            "f.csv",
            None,
            None,
            None,
            "cannot read the record on line 4 as CSV: ',' expected after '\"' (check the quotes)",
        )
    ]


def test_a_quoted_line_break_that_closes_is_a_value(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('id,source\nF1,"DESNZ\n2025"\nF2,x\n')
    _, rows, problems = read_records(path, "f.csv", ["id"])
    assert problems == []
    assert [record["source"] for _, record in rows] == ["DESNZ\n2025", "x"]


def test_a_workbook_cell_holding_an_excel_error_is_a_problem_of_its_row_and_column(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "value", "source"])
    book.active.append(["F1", "#DIV/0!", "me"])  # openpyxl writes these as Excel errors
    book.active.append(["F2", 0.3, "#N/A"])
    book.active.append(["F3", 0.4, "me"])
    book.save(tmp_path / "f.xlsx")
    header, rows, problems = read_table_records(tmp_path / "f.xlsx", "f.xlsx", ["id"])
    assert header == ["id", "value", "source"]
    assert rows == [(4, {"id": "F3", "value": "0.4", "source": "me"})]
    assert problems == [
        Problem("f.xlsx", 2, "value", "#DIV/0!", "the cell holds the Excel error #DIV/0!"),
        Problem("f.xlsx", 3, "source", "#N/A", "the cell holds the Excel error #N/A"),
    ]


def test_a_workbook_whose_first_sheet_is_empty_says_so_not_that_the_file_is(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    book.create_sheet("Factors").append(["id", "value"])
    book.save(tmp_path / "f.xlsx")
    assert read_table_records(tmp_path / "f.xlsx", "f.xlsx", ["id"]) == (
        [],
        [],
        [
            Problem(
                "f.xlsx",
                None,
                None,
                None,
                "the first sheet, 'Sheet', is empty; the data must be on the first sheet,"
                " and the sheet 'Factors' holds some: move it to the front",
            )
        ],
    )
