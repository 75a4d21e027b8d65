"""The first sheet of a workbook (XLSX, XLSM) as rows of cells, and cells as the text a user sees.

Shared by the activity-file reader and the small record files (instruments).
It must never let an unreadable workbook surface as anything but `SheetError`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

__all__ = ["SHEET_SUFFIXES", "SheetError", "cell_text", "first_sheet_rows"]

SHEET_SUFFIXES = (".xlsx", ".xlsm")


class SheetError(Exception):
    """The workbook cannot be read; the message says why, in words."""


def first_sheet_rows(path: Path) -> list[list[Any]]:
    """The cells of the workbook's first sheet, row by row ([] for a workbook without sheets)."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            return []
        rows: list[list[Any]] = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        return rows
    except BaseException as exc:
        # calamine raises its own errors, zip errors, and (from Rust) PanicException,
        # which is a BaseException: all mean the workbook cannot be read.
        if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise SheetError(f"cannot read the file as a workbook: {str(exc)[:200]}") from None


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
