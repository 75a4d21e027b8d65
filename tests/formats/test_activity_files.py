"""Reading activity files: CSV, XLSX and Parquet into validated activities."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from neutra.core.activities import CANONICAL_COLUMNS
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.activity_files import read_activities
from neutra.formats.hashing import FileHash

HEADER = "id,year,activity,quantity,unit,region,description"


def _csv(tmp_path: Path, name: str, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def _rows(*paths: Path) -> list[dict[str, object]]:
    return read_activities(list(paths)).table.to_pyarrow().to_pylist()


def _problems(*paths: Path) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        read_activities(list(paths))
    return list(caught.value.problems)


def test_a_csv_with_a_bom_and_quoted_commas_reads_as_typed_activities(tmp_path):
    path = _csv(
        tmp_path,
        "a.csv",
        f'{HEADER}\nA1,2024,diesel,12.5,L,de,"Fleet, north depot"\n',
        bom=True,
    )
    (row,) = _rows(path)
    assert row["id"] == "A1"
    assert row["quantity"] == 12.5
    assert row["region"] == "DE"
    assert row["description"] == "Fleet, north depot"
    assert (row["_source"], row["_row"]) == (str(path), 2)


def test_headers_are_matched_case_blind_and_stripped(tmp_path):
    path = _csv(tmp_path, "a.csv", " Year ,ACTIVITY,Quantity,Unit\n2024,diesel,1,L\n")
    (row,) = _rows(path)
    assert (row["year"], row["activity"]) == (2024, "diesel")


def test_the_sources_are_the_sha256_of_each_file(tmp_path):
    path = _csv(tmp_path, "a.csv", f"{HEADER}\n1,2024,diesel,1,L,,\n")
    data = read_activities([path])
    assert data.sources == {str(path): hashlib.sha256(path.read_bytes()).hexdigest()}


def test_pass_through_columns_survive_as_strings(tmp_path):
    path = _csv(tmp_path, "a.csv", "year,activity,quantity,unit,cost_centre\n2024,x,1,kg,42\n")
    data = read_activities([path])
    assert data.passthrough == ("cost_centre",)
    assert data.table.columns == (*CANONICAL_COLUMNS, "cost_centre")
    assert data.table.to_pyarrow().column("cost_centre").to_pylist() == ["42"]


def test_the_year_is_taken_from_the_period(tmp_path):
    text = "period_start,period_end,activity,quantity,unit\n2023-01-01,2023-06-30,x,1,kg\n"
    (row,) = _rows(_csv(tmp_path, "a.csv", text))
    assert row["year"] == 2023


def test_several_files_are_concatenated_and_keep_their_source(tmp_path):
    first = _csv(tmp_path, "a.csv", "year,activity,quantity,unit,team\n2024,x,1,kg,red\n")
    second = _csv(tmp_path, "b.csv", "year,factor,quantity,unit,site\n2024,F1,2,kg,Oslo\n")
    rows = _rows(first, second)
    assert [(r["_source"], r["_row"], r["team"], r["site"]) for r in rows] == [
        (str(first), 2, "red", None),
        (str(second), 2, None, "Oslo"),
    ]


def test_the_same_id_in_two_files_is_not_a_duplicate(tmp_path):
    first = _csv(tmp_path, "a.csv", f"{HEADER}\n1,2024,x,1,kg,,\n")
    second = _csv(tmp_path, "b.csv", f"{HEADER}\n1,2024,x,1,kg,,\n")
    assert len(_rows(first, second)) == 2


def test_a_duplicate_id_within_a_file_names_both_rows(tmp_path):
    path = _csv(tmp_path, "a.csv", f"{HEADER}\n7,2024,x,1,kg,,\n8,2024,x,1,kg,,\n7,2024,x,1,kg,,\n")
    (problem,) = _problems(path)
    assert (problem.row, problem.column, problem.value) == (4, "id", "7")
    assert "row 2" in problem.reason


def test_a_file_with_three_different_mistakes_lists_three_problems(tmp_path):
    text = f'{HEADER}\n1,2024,x,"1,000",kg,,\n2,2024,x,1,bananas,,\n3,1492,x,1,kg,,\n'
    problems = _problems(_csv(tmp_path, "a.csv", text))
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "quantity", "1,000"),
        (3, "unit", "bananas"),
        (4, "year", "1492"),
    ]


def test_every_kind_of_row_mistake_is_reported_at_once_with_its_place(tmp_path):
    text = (
        "id,year,period_start,period_end,activity,factor,quantity,unit,region,scope,category\n"
        "1,2024,,,x,,abc,kg,,,\n"  # row 2: quantity
        "2,2024,,,x,,1,furlongz,,,\n"  # row 3: unit
        "3,2024.5,,,x,,1,kg,,,\n"  # row 4: year
        "4,,2023-12-01,2024-01-31,x,,1,kg,,,\n"  # row 5: period spans two years
        "5,2024,,,x,,1,kg,XX,,\n"  # row 6: region
        "6,2024,,,x,,1,kg,,7,\n"  # row 7: scope
        "7,2024,,,x,,1,kg,,1,6\n"  # row 8: category with scope 1
        "8,2024,,,,,1,kg,,,\n"  # row 9: neither activity nor factor
        "8,2024,,,x,,1,kg,,,\n"  # row 10: duplicate id
    )
    problems = _problems(_csv(tmp_path, "a.csv", text))
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "quantity", "abc"),
        (3, "unit", "furlongz"),
        (4, "year", "2024.5"),
        (5, "period_end", "2024-01-31"),
        (6, "region", "XX"),
        (7, "scope", "7"),
        (8, "category", "6"),
        (9, "activity", ""),
        (10, "id", "8"),
    ]
    assert all(p.file.endswith("a.csv") for p in problems)


def test_file_level_mistakes_and_row_mistakes_come_back_together(tmp_path):
    good_but_wrong = _csv(tmp_path, "a.csv", f"{HEADER}\n1,2024,x,abc,kg,,\n")
    problems = _problems(
        good_but_wrong,
        tmp_path / "missing.csv",
        tmp_path,
        _csv(tmp_path, "notes.txt", "hello"),
        _csv(tmp_path, "empty.csv", ""),
        _csv(tmp_path, "header.csv", f"{HEADER}\n"),
    )
    reasons = {Path(p.file).name: p.reason for p in problems}
    assert reasons["a.csv"].startswith("quantity is not a number")
    assert reasons["missing.csv"] == "the file does not exist"
    assert reasons[tmp_path.name] == "this is a directory, not a file"
    assert reasons["notes.txt"].startswith("unsupported file type '.txt'")
    assert reasons["empty.csv"] == "the file is empty"
    assert reasons["header.csv"] == "the file has a header but no data rows"


def test_a_csv_that_is_not_utf8_is_a_problem(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n1,2024,Heizöl,1,L,,\n".encode("latin-1"))
    (problem,) = _problems(path)
    assert "not UTF-8" in problem.reason


def test_a_ragged_line_is_a_problem_and_the_other_rows_are_still_checked_with_their_numbers(
    tmp_path,
):
    text = f"{HEADER}\n1,2024,x,1,kg,,\n2,2024,x,1,kg,,,extra\n3,2024,x,bad,kg,,\n"
    problems = _problems(_csv(tmp_path, "a.csv", text))
    assert [(p.row, p.column) for p in problems] == [(3, None), (4, "quantity")]
    assert (
        problems[0].reason == "the line has 8 values but the header has 7 (check quotes and commas)"
    )
    assert problems[1].reason.startswith("quantity is not a number")


def test_a_missing_required_column_is_a_header_problem(tmp_path):
    problems = _problems(_csv(tmp_path, "a.csv", "year,activity,unit\n2024,x,kg\n"))
    assert [(p.row, p.column, p.reason) for p in problems] == [
        (1, "quantity", "required column 'quantity' is missing")
    ]


def test_a_duplicate_header_is_a_problem(tmp_path):
    problems = _problems(
        _csv(tmp_path, "a.csv", "year,activity,quantity,unit,Unit\n2024,x,1,kg,t\n")
    )
    assert [(p.row, p.column, p.reason) for p in problems] == [
        (1, "unit", "the column name appears twice")
    ]


def test_an_xlsx_first_sheet_reads_numbers_dates_and_integral_floats(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "period_start", "period_end", "activity", "quantity", "unit", "scope"])
    sheet.append([101, dt.date(2024, 1, 1), dt.datetime(2024, 3, 31), "diesel", 12.5, "L", 1.0])
    sheet.append(["", None, None, None, None, None, None])  # a blank row is skipped
    sheet.append([102.0, dt.date(2024, 4, 1), dt.date(2024, 6, 30), "petrol", 3, "L", 1])
    workbook.create_sheet("ignored").append(["not", "read"])
    workbook.save(path)
    rows = _rows(path)
    assert [(r["_row"], r["id"], r["year"], r["quantity"], r["scope"]) for r in rows] == [
        (2, "101", 2024, 12.5, 1),
        (4, "102", 2024, 3.0, 1),
    ]


def test_an_xlsx_mistake_names_its_sheet_row(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["year", "activity", "quantity", "unit"])
    sheet.append([2024, "diesel", 1, "L"])
    sheet.append([2024.5, "diesel", "12abc", "L"])
    workbook.save(path)
    problems = _problems(path)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "year", "2024.5"),
        (3, "quantity", "12abc"),
    ]


def test_an_xlsx_cell_holding_an_excel_error_is_a_problem_not_a_missing_value(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["year", "activity", "quantity", "unit", "description"])
    sheet.append([2024, "diesel", "#DIV/0!", "L", "a"])  # openpyxl writes it as an error
    sheet.append([2024, "diesel", 1, "L", "#N/A"])  # an optional column is no different
    sheet.append([2024, "diesel", 2, "L", "c", "#REF!"])  # a column without a header is read
    sheet.append([2024, "diesel", "", "L", "d"])
    workbook.save(path)
    problems = _problems(path)
    assert [(p.row, p.column, p.value, p.reason) for p in problems] == [
        (2, "quantity", "#DIV/0!", "the cell holds the Excel error #DIV/0!"),
        (3, "description", "#N/A", "the cell holds the Excel error #N/A"),
        (4, "column_6", "#REF!", "the cell holds the Excel error #REF!"),
        (5, "quantity", "", "quantity is empty"),
    ]


def test_an_xlsx_header_cell_holding_an_excel_error_is_a_problem(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["year", "activity", "#NAME?", "unit"])
    workbook.active.append([2024, "diesel", 1, "L"])
    workbook.save(path)
    assert [(p.row, p.column, p.value, p.reason) for p in _problems(path)] == [
        (1, "C", "#NAME?", "the cell holds the Excel error #NAME?")
    ]


def test_an_xlsx_with_its_data_on_a_later_sheet_says_the_first_sheet_is_empty(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Read me"
    workbook.create_sheet("Activities").append(["year", "activity", "quantity", "unit"])
    workbook.save(path)
    (problem,) = _problems(path)
    assert problem.reason == (
        "the first sheet, 'Read me', is empty; the data must be on the first sheet, and the"
        " sheet 'Activities' holds some: move it to the front"
    )


def test_a_corrupt_xlsx_or_parquet_is_a_problem_not_a_traceback(tmp_path):
    xlsx = tmp_path / "bad.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 this is not a workbook")
    parquet = tmp_path / "bad.parquet"
    parquet.write_bytes(b"PAR1 not really PAR1")
    problems = _problems(xlsx, parquet)
    assert [Path(p.file).name for p in problems] == ["bad.xlsx", "bad.parquet"]
    assert problems[0].reason.startswith("cannot read the file as a workbook")
    assert problems[1].reason.startswith("cannot read the file as Parquet")


def test_parquet_with_typed_columns_reads_as_activities(tmp_path):
    path = tmp_path / "a.parquet"
    table = pa.table(
        {
            "year": pa.array([2024, 2023], pa.int64()),
            "activity": ["diesel", "petrol"],
            "quantity": pa.array([12.5, -3.0], pa.float64()),
            "unit": ["L", "L"],
            "scope": pa.array([1, None], pa.int32()),
            "weight": pa.array([0.5, 1.5]),
        }
    )
    pq.write_table(table, path)
    data = read_activities([path])
    rows = data.table.to_pyarrow().to_pylist()
    assert [(r["_row"], r["year"], r["quantity"], r["scope"], r["weight"]) for r in rows] == [
        (2, 2024, 12.5, 1, "0.5"),
        (3, 2023, -3.0, None, "1.5"),
    ]


def test_the_progress_callback_hears_reading_and_validating(tmp_path):
    path = _csv(tmp_path, "a.csv", f"{HEADER}\n1,2024,x,1,kg,,\n")
    calls: list[tuple[str, int, int]] = []
    read_activities([path], progress=lambda stage, done, total: calls.append((stage, done, total)))
    size = path.stat().st_size
    assert (f"reading {path}", size, size) in calls
    assert calls[-1] == ("validating", 1, 1)


def test_a_wide_csv_is_read_by_a_query_that_grows_with_its_columns_not_their_square(tmp_path):
    # Each column's check for a line of irregular length once wrote the whole test out
    # again: 1,000 columns made a query of a million terms and took gigabytes.
    extra = [f"c{i}" for i in range(400)]
    path = _csv(
        tmp_path,
        "wide.csv",
        f"{HEADER},{','.join(extra)}\n1,2024,x,1,kg,,,{','.join(extra)}\n",
    )
    data = read_activities([path])
    con = data.table._find_backend().con
    ((sql,),) = con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name LIKE '%_text'"
    ).fetchall()
    assert len(sql) < 200 * 407  # about 150 characters a column
    row = data.table.to_pyarrow().to_pylist()[0]
    assert (row["quantity"], row["c0"], row["c399"]) == (1.0, "c0", "c399")


def test_a_file_whose_every_line_is_ragged_names_each_line(tmp_path):
    # Not "a header but no data rows": the lines are there, and each says what is wrong.
    path = _csv(tmp_path, "a.csv", f"{HEADER}\n1,2024,x,1,kg,,,extra\n2,2024,x,1\n")
    assert [(p.row, p.reason) for p in _problems(path)] == [
        (2, "the line has 8 values but the header has 7 (check quotes and commas)"),
        (3, "the line has 4 values but the header has 7 (check quotes and commas)"),
    ]


def test_a_parquet_duration_is_no_quantity(tmp_path):
    # DuckDB reads a duration as its count of seconds: 5 s would be 5 kWh.
    table = pa.table(
        {
            "year": pa.array([2024], pa.int64()),
            "activity": ["x"],
            "quantity": pa.array([5], pa.duration("s")),
            "unit": ["kWh"],
            "note": pa.array([7], pa.duration("ms")),  # not the contract's: passes through
        }
    )
    parquet = tmp_path / "a.parquet"
    pq.write_table(table, parquet)
    assert [(p.row, p.column, p.value, p.reason) for p in _problems(parquet)] == [
        (1, "quantity", "duration[s]", "holds durations: give plain numbers")
    ]


def test_a_parquet_quantity_too_large_for_an_exact_sum_is_a_problem(tmp_path):
    # Without ids, validation sums the quantities on its way (DECIMAL(38, 9)): 1e300
    # is the row's problem, never a conversion error.
    table = pa.table(
        {
            "year": pa.array([2024, 2024], pa.int64()),
            "activity": ["x", "x"],
            "quantity": pa.array([1.0, 1e300]),
            "unit": ["kg", "kg"],
        }
    )
    parquet = tmp_path / "a.parquet"
    pq.write_table(table, parquet)
    assert [(p.row, p.column, p.reason) for p in _problems(parquet)] == [
        (3, "quantity", "quantity is 1e18 or more: check the unit")
    ]


def test_typed_parquet_numbers_get_the_same_problems_their_text_in_a_csv_gets(tmp_path):
    # Checked as numbers, never as text: NaN and infinity are not numbers, 1e19 is too
    # large, a fractional year or scope is not whole, a missing quantity is empty.
    table = pa.table(
        {
            "id": ["a", "b", "c", "d", "e", "f", "g"],
            "year": pa.array([2024.0, 2024.5, 2024.0, 2024.0, 2024.0, 1800.0, 2024.0]),
            "activity": ["x"] * 7,
            "quantity": pa.array([float("nan"), 1.0, float("inf"), 1e19, None, 1.0, 2.0]),
            "unit": ["kg"] * 7,
            "scope": pa.array([1, 1, 1, 1, 1, 1, 4], pa.int64()),
        }
    )
    parquet = tmp_path / "a.parquet"
    pq.write_table(table, parquet)
    text = "id,year,activity,quantity,unit,scope\n" + "".join(
        f"{i},{y},x,{'' if q is None else q},kg,{s}\n"
        for i, y, q, s in zip(
            table["id"].to_pylist(),
            ["2024.0", "2024.5", "2024.0", "2024.0", "2024.0", "1800.0", "2024.0"],
            ["nan", "1.0", "inf", "1e+19", None, "1.0", "2.0"],
            table["scope"].to_pylist(),
            strict=True,
        )
    )
    from_parquet = [(p.row, p.column, p.value, p.reason) for p in _problems(parquet)]
    from_csv = [
        (p.row, p.column, p.value, p.reason) for p in _problems(_csv(tmp_path, "a.csv", text))
    ]
    assert [(row, column) for row, column, _, _ in from_parquet] == [
        (2, "quantity"),
        (3, "year"),
        (4, "quantity"),
        (5, "quantity"),
        (6, "quantity"),
        (7, "year"),
        (8, "scope"),
    ]
    assert [reason for *_, reason in from_parquet] == [reason for *_, reason in from_csv]


def test_a_parquet_file_damaged_inside_its_data_is_a_problem_not_a_traceback(tmp_path):
    # Its footer (the schema) reads; a data page does not, which shows only when read.
    table = pa.table(
        {
            "year": [2024] * 5000,
            "activity": [f"a{i}" for i in range(5000)],
            "quantity": [float(i) for i in range(5000)],
            "unit": ["kg"] * 5000,
        }
    )
    path = tmp_path / "damaged.parquet"
    pq.write_table(table, path, compression="snappy")
    content = bytearray(path.read_bytes())
    content[200:2200] = b"\xab" * 2000
    path.write_bytes(bytes(content))
    (problem,) = _problems(path)
    assert (problem.file, problem.row) == (str(path), None)
    assert problem.reason.startswith("cannot read the file as Parquet")
    # Beside a sound Parquet file, only the damaged one is named (each is read to its end).
    sound = tmp_path / "sound.parquet"
    pq.write_table(table.slice(0, 10), sound)
    (problem,) = _problems(sound, path)
    assert (problem.file, problem.row) == (str(path), None)
    assert problem.reason.startswith("cannot read the file as Parquet")


def test_row_numbers_hold_in_a_csv_big_enough_for_duckdb_to_read_in_parallel(tmp_path):
    # DuckDB reads a CSV of many megabytes in parallel chunks, and numbers the rows as
    # they come. Each row's quantity here is its own row number: none may differ (a
    # quoted line break deep in the file makes one record of two lines), and a
    # problem deep in the file names its own row.
    rows = 2_500_000  # about 60 MB
    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write("year,activity,quantity,unit,description\n")
        handle.writelines(
            f'2024,diesel,{row},L,"two\nlines"\n'
            if row == 1_500_000
            else f"2024,diesel,{row},L,x\n"
            for row in range(2, rows + 2)
        )
    data = read_activities([path])
    table = data.table
    wrong = table.filter(table.quantity != table._row.cast("float64")).count()
    assert (wrong.to_pyarrow().as_py(), table.count().to_pyarrow().as_py()) == (0, rows)

    text = path.read_text().replace("\n2024,diesel,2000000,L,x\n", "\n2024,diesel,2;0,L,x\n")
    path.write_text(text)
    assert [(p.row, p.column, p.value) for p in _problems(path)] == [(2_000_000, "quantity", "2;0")]


def test_a_csv_and_a_parquet_file_read_together_as_each_reads_alone(tmp_path):
    # The Parquet file's typed quantity and the CSV's text meet in one column: read as
    # text in both, they give the same rows as each file read alone; and the problems
    # of both, each in its own file's words.
    parquet = tmp_path / "b.parquet"
    pq.write_table(
        pa.table(
            {"year": [2024, 2024], "activity": ["diesel"] * 2, "quantity": [1.5, 1e-7],
             "unit": ["L"] * 2}
        ),
        parquet,
    )  # fmt: skip
    text = "year,activity,quantity,unit\n2024,diesel,2.5,L\n2024,petrol, 7 ,L\n"
    csv_path = _csv(tmp_path, "a.csv", text)

    def rows(*paths: Path) -> list[tuple[object, ...]]:
        data = read_activities(list(paths))
        assert data.sums is not None  # checked and summed in the grouped pass
        return [
            (r["_source"], r["_row"], r["activity"], r["quantity"])
            for r in data.table.to_pyarrow().to_pylist()
        ]

    assert sorted(rows(csv_path, parquet)) == sorted(rows(csv_path) + rows(parquet))
    bad = tmp_path / "c.parquet"
    pq.write_table(pa.table({"year": [2024], "activity": ["x"], "quantity": [float("nan")],
                             "unit": ["bananas"]}), bad)  # fmt: skip
    found = [(Path(p.file).name, p.row, p.column) for p in _problems(csv_path, bad)]
    assert found == [("c.parquet", 2, "quantity"), ("c.parquet", 2, "unit")]


def test_a_file_that_cannot_be_read_for_its_hash_is_a_problem_not_an_empty_hash(tmp_path):
    # The hash is read on its own (a thread, started early): here it fails, as on a share
    # that drops mid-read; DuckDB's read of the file then succeeds.
    path = tmp_path / "a.csv"
    hashing = FileHash(path)
    hashing.start()
    hashing.join()
    path.write_text("year,activity,quantity,unit\n2024,diesel,1,L\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        read_activities([path], hashing={path: hashing})
    (problem,) = caught.value.problems
    assert (problem.file, problem.row) == (str(path), None)
    assert problem.reason == (
        "cannot read the file to its end for its hash: No such file or directory"
    )
