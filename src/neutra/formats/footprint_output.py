"""A footprint written as CSV or XLSX, for spreadsheets and disclosure work.

CSV: the summary as long rows (section, key, metric, value), or the lines with
`--lines`. XLSX: one sheet each for the summary, scope 3, gases, entities,
flags, provenance and (with lines) the lines.

It must never round a figure: cells hold the unrounded float64. And it must
never write a text cell a spreadsheet would run: a text that starts like a
formula (`=`, `+`, `-`, `@`, a tab or a carriage return: activity files carry
free text from anyone) is written as text, in XLSX as a string cell, in CSV
behind a `'` (the usual guard against formula injection).

The writers take any `FootprintTables`: the engine's `Footprint`, or a stored
calculation the web exports.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa
import xlsxwriter

__all__ = ["FootprintTables", "as_text", "summary_rows", "write_csv", "write_xlsx"]

# What a spreadsheet takes for the start of a formula (or of a DDE command).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FootprintTables(Protocol):
    """What the writers read: the engine's `Footprint` has it, and so has a stored one."""

    @property
    def totals(self) -> Mapping[str, float]: ...
    @property
    def scope3_categories(self) -> Mapping[str, float]: ...
    @property
    def by_gas(self) -> Mapping[str, Mapping[str, float]]: ...
    @property
    def biogenic_co2_t(self) -> float: ...
    @property
    def by_entity(self) -> Mapping[str, Mapping[str, float]]: ...
    @property
    def flags(self) -> Iterable[Any]: ...  # each with .row, .flag, .detail
    @property
    def provenance(self) -> Mapping[str, Any]: ...
    @property
    def lines(self) -> pa.Table | None: ...


def as_text(value: Any) -> Any:
    """A CSV cell: a text that a spreadsheet would take for a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def summary_rows(result: FootprintTables) -> list[tuple[str, str, str, float]]:
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


def write_csv(result: FootprintTables, handle: IO[str], *, lines: bool = False) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    if lines and result.lines is not None:
        writer.writerow(result.lines.column_names)
        for row in result.lines.to_pylist():
            writer.writerow(["" if v is None else as_text(v) for v in row.values()])
        return
    writer.writerow(["section", "key", "metric", "value"])
    for section, key, metric, value in summary_rows(result):
        writer.writerow([as_text(section), as_text(key), metric, repr(value)])


def write_xlsx(result: FootprintTables, path: Path | IO[bytes]) -> None:
    """The workbook, to a path or a binary file object."""
    target = str(path) if isinstance(path, Path) else path
    # strings_to_formulas off: a text is a string cell, never a formula the reader runs.
    options = {"nan_inf_to_errors": True, "strings_to_formulas": False, "in_memory": True}
    with xlsxwriter.Workbook(target, options) as book:
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
            (k, v if isinstance(v, str) else json.dumps(v, default=_plain))
            for k, v in result.provenance.items()
        ]
        _sheet(book, "Provenance", ["key", "value"], provenance, bold)


def _plain(value: Any) -> Any:
    # The footprint's provenance holds read-only mappings and tuples: JSON as dicts and lists.
    return dict(value) if isinstance(value, Mapping) else list(value)


def _sheet(book: Any, name: str, header: list[str], rows: list[tuple[Any, ...]], bold: Any) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, header, bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, ["" if v is None else v for v in row])
    sheet.set_column(0, len(header) - 1, 18)
