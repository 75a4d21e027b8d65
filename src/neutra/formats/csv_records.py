"""Small CSV files (factors, entities, instruments) read whole into records, with every problem.

It must never raise on a bad file: what is wrong comes back as problems with
their row, so callers can list everything at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from neutra.core.errors import Problem

__all__ = ["Record", "read_records", "records_of_lines"]

Record = dict[str, str]  # lower-case column name -> stripped cell text


def read_records(
    path: Path, label: str, required: Sequence[str]
) -> tuple[list[str], list[tuple[int, Record]], list[Problem]]:
    """Header, (row number, record) pairs without blank lines, and the problems found.

    Row numbers are spreadsheet rows: the header is row 1.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return [], [], [Problem(label, None, None, None, "the file does not exist")]
    except IsADirectoryError:
        return [], [], [Problem(label, None, None, None, "this is a directory, not a file")]
    except UnicodeDecodeError:
        reason = "the file is not UTF-8 text: save it as 'CSV UTF-8'"
        return [], [], [Problem(label, None, None, None, reason)]
    except OSError as exc:
        return [], [], [Problem(label, None, None, None, f"cannot read the file: {exc.strerror}")]
    try:
        # Only real line ends end a record (not the \x1e or \x85 that str.splitlines takes).
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return [], [], [Problem(label, None, None, None, f"cannot read the file as CSV: {exc}")]
    return records_of_lines(lines, label, required)


def records_of_lines(
    lines: Sequence[Sequence[str]], label: str, required: Sequence[str]
) -> tuple[list[str], list[tuple[int, Record]], list[Problem]]:
    """`read_records` for lines already split into cells (a CSV's, or a sheet's as text)."""
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
