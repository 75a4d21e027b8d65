"""The small-CSV readers every file but the activities goes through: strict about quotes."""

from __future__ import annotations

from pathlib import Path

from neutra.core.errors import Problem
from neutra.formats.csv_records import open_table_records, read_records

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
