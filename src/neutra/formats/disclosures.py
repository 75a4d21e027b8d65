"""Disclosure tables written as XLSX and JSON (GHG Protocol, ESRS E1, CDP climate, UK SECR).

The tables themselves are built in `neutra.core.disclosures`; this module
only writes them: JSON as the `neutra.disclosure/1` document, XLSX as one
sheet with the framework's reference, label, value, unit and note per row.

It must never round a figure: cells hold the unrounded float64.
"""

from __future__ import annotations

import json
from typing import BinaryIO

import xlsxwriter

from neutra.core.disclosures import Disclosure

__all__ = ["disclosure_json_text", "write_disclosure_xlsx"]


def disclosure_json_text(disclosure: Disclosure) -> str:
    """The `neutra.disclosure/1` document as text."""
    return json.dumps(disclosure.as_json(), indent=2, ensure_ascii=False) + "\n"


def write_disclosure_xlsx(disclosure: Disclosure, stream: BinaryIO) -> None:
    """The table as an XLSX workbook, into a binary stream (a table of a few dozen rows)."""
    options = {"nan_inf_to_errors": True, "in_memory": True}
    with xlsxwriter.Workbook(stream, options) as book:
        bold = book.add_format({"bold": True})
        sheet = book.add_worksheet(disclosure.framework.value.upper())
        sheet.write(0, 0, disclosure.title, bold)
        sheet.write(1, 0, f"{disclosure.client}, {disclosure.period.label}")
        header = ("reference", "label", "value", "unit", "note")
        for column, name in enumerate(header):
            sheet.write(3, column, name, bold)
        for number, row in enumerate(disclosure.rows, start=4):
            sheet.write_string(number, 0, row.reference)
            sheet.write_string(number, 1, row.label)
            if isinstance(row.value, int | float) and not isinstance(row.value, bool):
                sheet.write_number(number, 2, row.value)
            elif row.value is not None:
                sheet.write_string(number, 2, str(row.value))
            sheet.write_string(number, 3, row.unit)
            sheet.write_string(number, 4, row.note)
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 60)
        sheet.set_column(2, 2, 18)
        sheet.set_column(3, 3, 26)
        sheet.set_column(4, 4, 80)
