"""Small CSV files (factors, entities, instruments, ledgers) read whole into records, with every problem.

`read_table_records` also takes the first sheet of an XLSX workbook (a cell holding an
Excel error is a problem of its row, which is not read).

It must never raise on a bad file: what is wrong comes back as problems with
their row, so callers can list everything at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from neutra.core.errors import Problem
from neutra.formats.paths import path_problem
from neutra.formats.workbook import cell_errors, cell_text, first_sheet

__all__ = ["Record", "open_table_records", "read_records", "read_table_records"]

Record = dict[str, str]  # lower-case column name -> stripped cell text


def read_records(
    path: Path, label: str, required: Sequence[str]
) -> tuple[list[str], list[tuple[int, Record]], list[Problem]]:
    """Header, (row number, record) pairs without blank lines, and the problems found.

    Row numbers are spreadsheet rows: the header is row 1.
    """
    unreadable = path_problem(path)
    if unreadable is not None:
        return [], [], [Problem(label, None, None, None, unreadable)]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        reason = "the file is not UTF-8 text: save it as 'CSV UTF-8'"
        return [], [], [Problem(label, None, None, None, reason)]
    except OSError as exc:
        return [], [], [Problem(label, None, None, None, f"cannot read the file: {exc.strerror}")]
    # Only real line ends end a record (not the \x1e or \x85 that str.splitlines takes).
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines: list[list[str]] = []
    read = 0  # lines of the records read
    try:
        for cells in reader:
            lines.append(cells)
            read = reader.line_num
    except csv.Error as exc:
        return [], [], [_unreadable(label, read + 1, exc)]
    return _records(lines, label, required)


def _unreadable(label: str, line: int, exc: csv.Error) -> Problem:
    """The CSV error of the record that starts on `line`.

    Readers are strict: an opening quote that never closes is an error, not a value
    that swallows every line after it.
    """
    if str(exc) == "unexpected end of data":
        reason = f"a quoted value on line {line} never closes (check the quotes)"
    else:
        reason = f"cannot read the record on line {line} as CSV: {exc} (check the quotes)"
    return Problem(label, None, None, None, reason)


def read_table_records(
    path: Path, label: str, required: Sequence[str]
) -> tuple[list[str], list[tuple[int, Record]], list[Problem]]:
    """As `read_records`, for a CSV file or the first sheet of an XLSX workbook (by suffix)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return read_records(path, label, required)
    unreadable = path_problem(path)
    if unreadable is not None:
        return [], [], [Problem(label, None, None, None, unreadable)]
    sheet, unreadable = first_sheet(path)
    if unreadable is not None:
        return [], [], [Problem(label, None, None, None, unreadable)]
    lines = [[cell_text(cell) for cell in row] for row in sheet]
    while lines and lines[-1] and not any(lines[-1]):
        lines.pop()
    header, rows, problems = _records(lines, label, required)
    errors = [
        Problem(label, number, column, error.code, error.reason)
        for number, column, error in cell_errors(sheet, header)
    ]
    if not errors:
        return header, rows, problems
    # A row with an error is not read: its error would be taken for a value.
    wrong = {problem.row for problem in errors}
    rows = [(number, record) for number, record in rows if number not in wrong]
    return header, rows, sorted([*problems, *errors], key=lambda problem: problem.row or 0)


def open_table_records(
    path: Path, label: str, required: Sequence[str], problems: list[Problem]
) -> tuple[list[str], Iterator[tuple[int, Record]]]:
    """Header and a stream of (row number, record), for files too big to hold as text.

    Problems go to `problems` as they are found (the header's at once, the
    rows' while streaming). A CSV streams; a workbook is read whole.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, rows, found = read_table_records(path, label, required)
        problems.extend(found)
        if any(p.row is None or p.row == 1 for p in found):
            return header, iter(())
        return header, iter(rows)
    unreadable = path_problem(path)
    if unreadable is not None:
        problems.append(Problem(label, None, None, None, unreadable))
        return [], iter(())
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        reader = csv.reader(handle, strict=True)
        first = next(reader, None)
    except FileNotFoundError:
        problems.append(Problem(label, None, None, None, "the file does not exist"))
        return [], iter(())
    except IsADirectoryError:
        problems.append(Problem(label, None, None, None, "this is a directory, not a file"))
        return [], iter(())
    except UnicodeDecodeError:
        problems.append(
            Problem(label, None, None, None, "the file is not UTF-8 text: save it as 'CSV UTF-8'")
        )
        handle.close()
        return [], iter(())
    except (OSError, csv.Error) as exc:
        problems.append(Problem(label, None, None, None, f"cannot read the file: {exc}"))
        return [], iter(())
    if first is None:
        handle.close()
        problems.append(
            Problem(label, None, None, None, "the file is empty: it needs a header row")
        )
        return [], iter(())
    header, _, found = _records([first], label, required)
    problems.extend(found)
    if found:  # the rows cannot be read without their columns
        handle.close()
        return header, iter(())
    return header, _stream(handle, reader, header, label, problems)


def _stream(
    handle: Any, reader: Any, header: list[str], label: str, problems: list[Problem]
) -> Iterator[tuple[int, Record]]:
    with handle:
        number = 1
        read = reader.line_num  # lines of the records read
        try:
            for cells in reader:
                number += 1
                read = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    reason = f"the line has {len(cells)} values but the header has {len(header)} (check quotes and commas)"
                    problems.append(Problem(label, number, None, ",".join(cells)[:80], reason))
                    continue
                padded = [*cells, *[""] * (len(header) - len(cells))]
                yield number, {name: c.strip() for name, c in zip(header, padded, strict=True)}
        except UnicodeDecodeError:
            reason = "the file is not UTF-8 text: save it as 'CSV UTF-8'"
            problems.append(Problem(label, number, None, None, reason))
        except csv.Error as exc:
            problems.append(_unreadable(label, read + 1, exc))


def _records(
    lines: list[list[str]], label: str, required: Sequence[str]
) -> tuple[list[str], list[tuple[int, Record]], list[Problem]]:
    if not lines:
        return (
            [],
            [],
            [Problem(label, None, None, None, "the file is empty: it needs a header row")],
        )
    header = [name.strip().lower() for name in lines[0]]
    problems = [
        Problem(label, 1, name, None, f"missing column {name!r}")
        for name in required
        if name not in header
    ]
    problems += [
        Problem(label, 1, name, None, "the column appears more than once")
        for name in sorted({n for n in header if n and header.count(n) > 1})
    ]
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are spreadsheet leftovers
        if len(cells) > len(header):
            reason = f"the line has {len(cells)} values but the header has {len(header)} (check quotes and commas)"
            problems.append(Problem(label, number, None, ",".join(cells)[:80], reason))
            continue
        # A short line ends with empty cells, as spreadsheets write them.
        padded = [*cells, *[""] * (len(header) - len(cells))]
        rows.append((number, {name: c.strip() for name, c in zip(header, padded, strict=True)}))
    return header, rows, problems
