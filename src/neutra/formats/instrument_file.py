"""The instrument file (DESIGN §3.4): a CSV of contractual instruments for market-based scope 2.

Columns: `instrument_id, type, entity, region, year, quantity, unit, value,
value_unit, gas`, plus the optional quality columns `tracking_id`,
`cancelled_for`, `vintage` and `market`. `quantity` + `unit` (any energy unit)
becomes kWh; `value` + `value_unit` (a mass per energy unit such as `kg/kWh`,
`g/kWh`, `t/MWh`, `lb/MWh`) + `gas` becomes t CO2e per kWh. `gas` must be CO2e;
CO2 is accepted and treated as CO2e, because a market-based rate stands for the
whole emission rate of the energy and instruments seldom state other gases.

A quality column the file lacks is read as None on every instrument (cannot be
judged, does not disqualify); a column that is present but empty on a row is
read as "" (does disqualify). Regions and markets are upper-cased; an empty
entity or region means any.

The file may be CSV (UTF-8) or a workbook (XLSX, XLSM: its first sheet).
`read_instrument_rows` also returns each row's cells, so a store can keep
the rows as given; `instruments_of` turns such cells into instruments by the
same rules, and `instrument_csv` writes them back as a CSV that reads to the
same instruments (what the web platform hands to `neutra footprint
--instruments`).

It must never return part of a file: every problem is raised at once as
`InvalidInputError`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.scope2 import CertificateScheme, Instrument, InstrumentType
from neutra.core.units import UnitError, conversion_factor, dimension_name
from neutra.formats.csv_records import Record, read_table_records
from neutra.formats.numbers import MAX_FACTOR, decimal_number, whole_number

__all__ = [
    "QUALITY_COLUMNS",
    "REQUIRED_COLUMNS",
    "InstrumentRows",
    "instrument_csv",
    "instruments_of",
    "read_instrument_rows",
    "read_instruments",
]

REQUIRED_COLUMNS = (
    "instrument_id",
    "type",
    "entity",
    "region",
    "year",
    "quantity",
    "unit",
    "value",
    "value_unit",
    "gas",
)
QUALITY_COLUMNS = ("tracking_id", "cancelled_for", "vintage", "market")

_TYPES = ", ".join(t.value for t in InstrumentType)
# Certificates named by their scheme: type certificate, and the scheme decides the market.
_SCHEMES = {
    "go": CertificateScheme.GO,
    "rec": CertificateScheme.REC,
    "i-rec": CertificateScheme.I_REC,
    "irec": CertificateScheme.I_REC,
}
# Names users write for a type, with the word the file wants instead.
_TYPE_HINTS = {
    "eac": "certificate",
    "ppa": "contract",
    "supplier": "supplier_rate",
}
_GASES = {"co2e": "CO2e", "co2": "CO2"}


@dataclass(frozen=True, slots=True)
class InstrumentRows:
    """An instrument file read whole: its rows as given, and the instruments they are."""

    quality_columns: frozenset[str]  # the optional quality columns the file has
    rows: tuple[tuple[int, Record], ...]  # (spreadsheet row, its §3.4 cells as text), in order
    instruments: tuple[Instrument, ...]  # one per row, in the same order


def read_instruments(path: Path) -> tuple[Instrument, ...]:
    """The instruments of the file at `path`, in file order, or every problem at once."""
    return read_instrument_rows(path).instruments


def read_instrument_rows(
    path: Path,
    *,
    label: str | None = None,
    checks: Callable[[Sequence[tuple[int, Record]]], list[Problem]] | None = None,
) -> InstrumentRows:
    """The file's rows and instruments, or every problem at once (labelled `label`,
    default the path). `checks` adds a caller's own problems of the rows (an
    inventory's year, say), reported with the file's own, by row."""
    label = str(path) if label is None else label
    header, rows, problems = read_table_records(path, label, REQUIRED_COLUMNS)
    if problems:
        raise InvalidInputError(problems)
    present = frozenset(name for name in QUALITY_COLUMNS if name in header)
    kept = tuple(
        (row, {c: record.get(c, "") for c in (*REQUIRED_COLUMNS, *QUALITY_COLUMNS) if c in header})
        for row, record in rows
    )
    problems = checks(kept) if checks is not None else []
    try:
        instruments = instruments_of(kept, present, label)
    except InvalidInputError as error:
        problems = [*error.problems, *problems]
    if problems:
        # By row; within a row the file's own problems first (a stable sort keeps their order).
        raise InvalidInputError(sorted(problems, key=lambda p: p.row or 0))
    return InstrumentRows(present, kept, instruments)


def instruments_of(
    rows: Sequence[tuple[int, Record]], quality_columns: frozenset[str], label: str
) -> tuple[Instrument, ...]:
    """The instruments of rows of cells, as `read_instruments` reads them, or every problem.

    `quality_columns` are the optional columns the rows have: one absent is
    read as None on every instrument, one present but empty as "".
    """
    problems: list[Problem] = []
    instruments: list[Instrument] = []
    first_row: dict[str, int] = {}
    for row, record in rows:
        instrument, row_problems = _parse_row(record, row, label, quality_columns)
        problems += row_problems
        problems += _duplicate_problem(record.get("instrument_id", ""), row, label, first_row)
        if instrument is not None:
            instruments.append(instrument)
    if problems:
        raise InvalidInputError(problems)
    return tuple(instruments)


def instrument_csv(records: Sequence[Record], quality_columns: frozenset[str]) -> bytes:
    """The records as an instrument file (UTF-8 CSV) that reads back to the same instruments.

    The columns are the required ones, then the given quality columns in
    their order; cells are written as they are.
    """
    columns = [*REQUIRED_COLUMNS, *(c for c in QUALITY_COLUMNS if c in quality_columns)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([record.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


class _Row:
    """One record being parsed: collects problems so every cell is checked."""

    def __init__(self, record: Record, row: int, label: str) -> None:
        self.record, self.row, self.label = record, row, label
        self.problems: list[Problem] = []

    def text(self, column: str) -> str:
        return self.record.get(column, "")

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.label, self.row, column, self.text(column), reason))

    def required(self, column: str) -> str | None:
        value = self.text(column)
        if not value:
            self.problem(column, f"no {column} given")
            return None
        return value

    def number(self, column: str) -> float | None:
        text = self.required(column)
        if text is None:
            return None
        value = decimal_number(text)
        if value is None:
            self.problem(column, "not a number (write e.g. 600000 or 0.45, no separators)")
            return None
        if value < 0:
            self.problem(column, "must not be negative")
            return None
        if value >= MAX_FACTOR:  # a quantity of 1e308 MWh was infinite kWh
            self.problem(column, f"too large: at most {MAX_FACTOR:.0e} (check the unit)")
            return None
        return value

    def integer(self, column: str, *, optional: bool = False) -> int | None:
        text = self.text(column) if optional else self.required(column)
        if not text:
            return None
        year = whole_number(text, max_digits=4)
        if year is None or not 1990 <= year <= 2100:
            self.problem(column, "not a year from 1990 to 2100, e.g. 2024")
            return None
        return year

    def factor(self, column: str, target: str, meaning: str) -> float | None:
        """How many `target` one unit of `column` is, or None after a problem."""
        unit = self.required(column)
        if unit is None:
            return None
        try:
            return conversion_factor(unit, target)
        except UnitError as exc:
            self.problem(column, _unit_reason(unit, meaning, exc))
            return None


def _unit_reason(unit: str, meaning: str, error: UnitError) -> str:
    try:
        dimension = dimension_name(unit)
    except UnitError:  # not a unit at all: say so as the units module does
        return f"{error.message}: it must be {meaning}"
    return f"unit {unit!r} is a {dimension}, not {meaning}"


def _parse_row(
    record: Record, row: int, label: str, present: frozenset[str]
) -> tuple[Instrument | None, list[Problem]]:
    cells = _Row(record, row, label)
    instrument_id = cells.required("instrument_id")
    kind, scheme = _parse_type(cells)
    year = cells.integer("year")
    quantity = cells.number("quantity")
    to_kwh = cells.factor("unit", "kWh", "an energy, e.g. kWh or MWh")
    value = cells.number("value")
    to_rate = cells.factor("value_unit", "t/kWh", "a mass per energy, e.g. kg/kWh or t/MWh")
    _check_gas(cells)
    vintage = cells.integer("vintage", optional=True)
    if (  # every None above came with a problem; spelt out so the types narrow
        cells.problems
        or instrument_id is None
        or kind is None
        or year is None
        or quantity is None
        or to_kwh is None
        or value is None
        or to_rate is None
    ):
        return None, cells.problems
    return (
        Instrument(
            instrument_id=instrument_id,
            type=kind,
            entity=cells.text("entity") or None,
            region=cells.text("region").upper() or None,
            year=year,
            quantity_kwh=quantity * to_kwh,
            rate_t_co2e_per_kwh=value * to_rate,
            tracking_id=cells.text("tracking_id") if "tracking_id" in present else None,
            cancelled_for=cells.text("cancelled_for") if "cancelled_for" in present else None,
            vintage=vintage,
            market=cells.text("market").upper() or None,
            scheme=scheme,
        ),
        [],
    )


def _parse_type(cells: _Row) -> tuple[InstrumentType | None, CertificateScheme | None]:
    text = cells.required("type")
    if text is None:
        return None, None
    scheme = _SCHEMES.get(text.lower())
    if scheme is not None:
        return InstrumentType.CERTIFICATE, scheme
    try:
        return InstrumentType(text.lower()), None
    except ValueError:
        hint = _TYPE_HINTS.get(text.lower())
        instead = f"; for {text} write {hint!r}" if hint else ""
        cells.problem("type", f"unknown type: write one of {_TYPES}, or GO, REC, I-REC{instead}")
        return None, None


def _check_gas(cells: _Row) -> None:
    gas = cells.required("gas")
    if gas is not None and gas.lower() not in _GASES:
        cells.problem("gas", "market-based rates must be in CO2e (or CO2)")


def _duplicate_problem(
    instrument_id: str, row: int, label: str, first_row: dict[str, int]
) -> list[Problem]:
    if not instrument_id:
        return []
    if instrument_id in first_row:
        reason = f"duplicate instrument_id (first on row {first_row[instrument_id]})"
        return [Problem(label, row, "instrument_id", instrument_id, reason)]
    first_row[instrument_id] = row
    return []
