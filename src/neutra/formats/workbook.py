"""The first sheet of an XLSX workbook, read one way for every kind of file.

A cell reads as the text the user sees (`cell_text`: no ".0" that Excel adds
to whole numbers, dates as ISO). It must never let calamine's own errors (nor
its Rust panics) escape: a workbook that cannot be read comes back as the
reason, for the caller's `Problem`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

__all__ = ["SHEET_ROWS", "cell_text", "first_sheet"]

SHEET_ROWS = 1_048_575  # rows of data a sheet holds (Excel's 1,048,576, less a header)


def first_sheet(path: Path) -> tuple[list[list[Any]], str | None]:
    """The first sheet's rows as calamine reads them ([] for a workbook without sheets),
    or no rows and why the file cannot be read as a workbook."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            return [], None
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False), None
    except BaseException as exc:
        # calamine raises its own errors, zip errors, and (from Rust) PanicException,
        # which is a BaseException: all mean the workbook cannot be read.
        if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        return [], f"cannot read the file as a workbook: {str(exc)[:200]}"


def cell_text(cell: Any) -> str:
    """A cell as the text the user sees, without the '.0' Excel adds to whole numbers."""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell).strip() if cell is not None else ""
