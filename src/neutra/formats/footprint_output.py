"""A footprint written as CSV or XLSX, for spreadsheets and disclosure work.

CSV: the summary as long rows (section, key, metric, value), or the lines with
`--lines`. XLSX: one sheet each for the summary, scope 3, gases, entities,
flags, provenance and (with lines) the lines.

It must never round a figure: cells hold the unrounded float64.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from neutra.core.engine import Footprint

__all__ = ["summary_rows", "write_csv", "write_xlsx"]


def summary_rows(result: Footprint) -> list[tuple[str, str, str, float]]:
    """The summary as (section, key, metric, value) rows, value in tonnes."""
    rows: list[tuple[str, str, str, float]] = []
    rows += [("totals", key, "t_co2e", value) for key, value in result.totals.items()]
    rows += [
        ("scope3_category", key, "t_co2e", value) for key, value in result.scope3_categories.items()
    ]
    for gas, figures in result.by_gas.items():
        rows += [("gas", gas, "t", figures["t"]), ("gas", gas, "t_co2e", figures["t_co2e"])]
    rows.append(("memo", "biogenic_co2", "t", result.biogenic_co2_t))
    for entity, figures in result.by_entity.items():
        rows += [("entity", entity, f"{key}_t_co2e", value) for key, value in figures.items()]
    return rows


def write_csv(result: Footprint, handle: IO[str], *, lines: bool = False) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    if lines and result.lines is not None:
        writer.writerow(result.lines.column_names)
        for row in result.lines.to_pylist():
            writer.writerow(["" if v is None else v for v in row.values()])
        return
    writer.writerow(["section", "key", "metric", "value"])
    for section, key, metric, value in summary_rows(result):
        writer.writerow([section, key, metric, repr(value)])


def write_xlsx(result: Footprint, path: Path) -> None:
    with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True}) as book:
        bold = book.add_format({"bold": True})
        _sheet(book, "Summary", ["figure", "t CO2e"], list(result.totals.items()), bold)
        _sheet(
            book,
            "Scope 3",
            ["category", "t CO2e"],
            [(int(k), v) for k, v in result.scope3_categories.items()],
            bold,
        )
        _sheet(
            book, "Gases", ["gas", "t", "t CO2e"],
            [(g, f["t"], f["t_co2e"]) for g, f in result.by_gas.items()] + [("biogenic CO2 (memo)", result.biogenic_co2_t, None)],
            bold,
        )  # fmt: skip
        keys = list(next(iter(result.by_entity.values()), {}).keys())
        _sheet(
            book,
            "Entities",
            ["entity", *keys],
            [(e, *f.values()) for e, f in result.by_entity.items()],
            bold,
        )
        _sheet(
            book,
            "Flags",
            ["row", "flag", "detail"],
            [(f.row, f.flag, f.detail) for f in result.flags],
            bold,
        )
        if result.lines is not None:
            names = result.lines.column_names
            _sheet(
                book, "Lines", names, [tuple(r.values()) for r in result.lines.to_pylist()], bold
            )
        provenance = [
            (k, v if isinstance(v, str) else json.dumps(v))
            for k, v in result.summary_json()["provenance"].items()
        ]
        _sheet(book, "Provenance", ["key", "value"], provenance, bold)


def _sheet(book: Any, name: str, header: list[str], rows: list[tuple[Any, ...]], bold: Any) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, header, bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, ["" if v is None else v for v in row])
    sheet.set_column(0, len(header) - 1, 18)
