"""UK DESNZ / BEIS GHG conversion factors (flat files) into a `FactorImport`.

Reads the publisher's flat file in either of its layouts, detected from the
content, never from the file name:

- the 2024-2025 layout (xlsx sheet "Factors by Category" with the header on
  Excel row 6 and an "END" marker, or its CSV export with the header on line 1):
  `ID, Scope, Level 1-4, Column Text, UOM, GHG/Unit, GHG Conversion Factor YYYY`;
- the 2019-2020 layout (.xls or .xlsx, header on Excel row 5, "END" marker):
  `Scope, Level 1-4, Column Text, UOM (simple), UOM, GHG, Lookup, GHG Conversion
  Factor YYYY`, without an ID.

The edition year comes from the "GHG Conversion Factor YYYY" column.

Decisions (see also the constants below):

- One factor per family (activity + unit): the publisher's ID without its
  trailing GHG code (`1_100_1004_6_1` -> `1_100_1004_6`). The old layout has
  no ID, so the id is built from the texts: the non-empty Level 1-4 and Column
  Text, then the UOM, each lower-cased with every run of other characters than
  a-z and 0-9 made a "-", joined by "." (`fuels.gaseous-fuels.cng.energy-gross-cv.kwh-gross-cv`).
  It is stable while the publisher keeps its wording.
- Gases are kept (GHG Protocol Corporate Standard ch. 9: per-gas masses are
  reported): the CO2, CH4 and N2O rows are parts of the "kg CO2e" total,
  already CO2e-weighted with the edition's own GWP set, so each part is turned
  back into a mass of its gas with the GWPs the file itself states (its
  "Refrigerant & other" rows for methane and nitrous oxide, per kg: 28 and 265
  in 2024-2025 (AR5), 25 and 298 in 2019-2020 (AR4)). A factor is then CO2, CH4
  and N2O masses, and any GWP set weights them. The total is kept as the check
  of the import: the parts must add up to it within the publisher's rounding
  (0.5 %, or 2e-5 kg); a family whose parts do not, or that has no parts
  (refrigerants, waste, material use, most scope 3 tables), keeps the CO2e
  total with its edition's GWP set, and the notes count both kinds.
- "Outside of Scopes" rows are biogenic CO2 (published as "kg CO2e of CO2 per
  unit", i.e. kg CO2): a factor with one biogenic CO2 amount and no scope. The
  same amount is also added, as a biogenic CO2 memo, to the scope 1 factor of the
  same fuel (same Level 3 text and unit: "Diesel (average biofuel blend)" in
  "Fuels" and in "Forecourt fuels containing biofuel"), so that burning a
  biofuel blend or biomass gives its biogenic CO2 memo from any edition.
- Rows whose GHG/Unit starts with "kWh", and every row of the "SECR kWh"
  tables, are energy conversions, returned apart.
- Rows without a value, and the two refrigerants published as "< 1", are set
  aside and counted in the notes.
- Scope 3 category from Level 1 (`SCOPE3_CATEGORY_BY_LEVEL1`): freight is
  category 4 (upstream; downstream freight, category 9, is the user's call on
  the activity row) and managed assets category 8 (upstream leased; 13 when the
  reporter is the lessor, likewise).
- Region "GB" for every factor, the publisher's region (DOMAIN.md §4: a factor
  used elsewhere is flagged), except hotel stays abroad (their country stays in
  the description until the taxonomy map gives it), flights and freight
  flights "to/from non-UK", and overseas electricity (2019): no region.
- "per FTE Working Hour" (homeworking) is per hour of one full-time worker:
  unit "hour".
- A text cell of value 0 in a level column (an Excel formula over an empty
  cell, as in the 2019-2020 files) is read as empty.

It must never return a partly read set: any problem raises InvalidInputError
with every problem found.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.factors import Factor, FactorSet, GasAmount, Scope
from neutra.core.gwp import gwp_set as named_gwp_set
from neutra.formats.factor_import import EnergyConversion, FactorImport

__all__ = ["GWP_SET_BY_EDITION", "SCOPE3_CATEGORY_BY_LEVEL1", "UNITS", "read", "scope3_category"]

SHEET = "Factors by Category"
LICENCE = "Open Government Licence v3.0"
NEW_HEADER = (
    "ID", "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM", "GHG/Unit",
)  # fmt: skip
OLD_HEADER = (
    "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM (simple)", "UOM",
    "GHG", "Lookup",
)  # fmt: skip
# Excel row of the header in the publisher's workbooks; a CSV export has it on line 1.
NEW_HEADER_ROW = 6
OLD_HEADER_ROW = 5
HEADER_SEARCH_ROWS = 30
_VALUE_HEADER = re.compile(r"^GHG Conversion Factor (\d{4})$")
_ID = re.compile(r"^\d+(?:_\d+)+$")
_BOUND = re.compile(r"^[<>]\s*\d+(?:\.\d+)?$")  # "< 1": published as a bound, not a figure

# Edition year -> GWP set of its CO2e figures (the publisher's methodology papers).
# An edition not listed is refused rather than guessed.
GWP_SET_BY_EDITION = {2019: "AR4", 2020: "AR4", 2021: "AR4", 2024: "AR5", 2025: "AR5"}

# DESNZ UOM text (lower case) -> Neutra unit.
UNITS = {
    "kwh (gross cv)": "kWh",
    "kwh (net cv)": "kWh",
    "kwh": "kWh",
    "litres": "L",
    "million litres": "megaliter",
    "tonnes": "t",
    "kg": "kg",
    "cubic metres": "m3",
    "km": "km",
    "miles": "mi",
    "passenger.km": "passenger_km",
    "tonne.km": "tonne_km",
    "room per night": "night",
    "gj": "GJ",
    "per fte working hour": "hour",
}

# Level 1 (lower case) -> GHG Protocol scope 3 category. Prefixes end with "-"; the
# first match wins, so the WTT tables of travel and freight come before "wtt-".
# Scope 3 Standard (ch. 5, Table 5.4): category 3 is the upstream (well-to-tank) of
# the fuel and energy the reporting company itself consumes; the WTT of business
# travel belongs with category 6 and of freight with category 4 (9 downstream);
# wastewater treatment is waste generated in operations, category 5.
SCOPE3_CATEGORY_BY_LEVEL1 = {
    "wtt- business travel-": 6,
    "wtt- pass vehs & travel-": 6,
    "wtt- delivery vehs & freight": 4,
    "wtt-": 3,
    "transmission and distribution": 3,
    "uk electricity t&d for evs": 3,
    "business travel-": 6,
    "hotel stay": 6,
    "freighting goods": 4,
    "waste disposal": 5,
    "material use": 1,
    "water supply": 1,
    "water treatment": 5,
    "homeworking": 7,
    "managed assets-": 8,
}

# Text of the value column of the per-gas parts, per layout.
_PARTS = {
    "kg co2e of co2 per unit": "CO2",
    "kg co2e of ch4 per unit": "CH4",
    "kg co2e of n2o per unit": "N2O",
    "kg co2": "CO2",
    "kg ch4": "CH4",
    "kg n2o": "N2O",
}
_PART_CODES = {"CO2": "2", "CH4": "3", "N2O": "4"}
_TOTAL = "kg co2e"
# The file's own statement of its GWPs: its "Refrigerant & other" rows give the kg CO2e of
# one kg of methane and of nitrous oxide (Level 3 text -> gas).
_STATED_GWP_LEVEL3 = {"methane": "CH4", "nitrous oxide": "N2O"}
PART_TOLERANCE = 0.005  # relative; the publisher rounds totals and parts separately
PART_TOLERANCE_ABS = 2e-5  # kg; five-decimal rounding of three parts and a total

# A cell as read: text from a CSV; text, float, int, bool or a date from a workbook.
Cell = Any


@dataclass
class _Family:
    """The rows of one factor family, as read."""

    row: int  # first row seen
    scope_text: str
    levels: tuple[str, ...]
    uom: str
    total: tuple[int, float] | None = None
    parts: dict[str, tuple[int, float]] = field(default_factory=dict)
    biogenic: tuple[int, float] | None = None


def read(path: Path, *, name: str | None = None) -> FactorImport:
    """Read a DESNZ/BEIS flat file; raise InvalidInputError listing every problem."""
    label = str(path)
    rows, is_workbook = _load(path, label)
    return _Reader(label, rows, is_workbook).run(name)


def scope3_category(level1: str) -> int | None:
    """The scope 3 category of a DESNZ Level 1 table, or None if it names none."""
    key = level1.strip().lower()
    for prefix, category in SCOPE3_CATEGORY_BY_LEVEL1.items():
        if key == prefix or (prefix.endswith("-") and key.startswith(prefix)):
            return category
    return None


def _load(path: Path, label: str) -> tuple[list[list[Cell]], bool]:
    """Every row of the factor sheet (row 1 first), and whether it came from a workbook."""
    try:
        head = path.read_bytes()[:8]
    except FileNotFoundError:
        raise InvalidInputError(
            [Problem(label, None, None, None, "the file does not exist")]
        ) from None
    except OSError as exc:
        raise InvalidInputError(
            [Problem(label, None, None, None, f"cannot read the file: {exc.strerror or exc}")]
        ) from exc
    # xlsx is a zip; xls is an OLE2 compound file.
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return _load_workbook(path, label), True
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        reason = "neither a workbook nor UTF-8 CSV text"
        raise InvalidInputError([Problem(label, None, None, None, reason)]) from None
    try:
        lines: list[list[Cell]] = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        reason = f"cannot read the file as CSV: {exc}"
        raise InvalidInputError([Problem(label, None, None, None, reason)]) from exc
    return lines, False


def _load_workbook(path: Path, label: str) -> list[list[Cell]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises assorted errors on a damaged file
        reason = f"cannot read the workbook: {exc}"
        raise InvalidInputError([Problem(label, None, None, None, reason)]) from exc
    if SHEET not in book.sheet_names:
        reason = f"no sheet {SHEET!r} (sheets: {', '.join(book.sheet_names)})"
        raise InvalidInputError([Problem(label, None, None, None, reason)])
    rows: list[list[Cell]] = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    return rows


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Reader:
    def __init__(self, label: str, rows: list[list[Cell]], is_workbook: bool) -> None:
        self.label = label
        self.rows = rows
        self.is_workbook = is_workbook
        self.problems: list[Problem] = []
        self.families: dict[str, _Family] = {}
        self.conversions: list[EnergyConversion] = []
        self.seen: dict[tuple[str, str], int] = {}  # (family, gas text) -> row
        self.empty_rows = 0
        self.bound_rows: list[int] = []
        self.zero_levels = 0
        self.conversion_notes: list[str] = []
        self.unknown_category: dict[str, int] = defaultdict(int)

    def bad(self, row: int | None, column: str | None, value: Cell, reason: str) -> None:
        shown = None if value is None else _text(value)[:80]
        self.problems.append(Problem(self.label, row, column, shown, reason))

    def fail_if_problems(self) -> None:
        if self.problems:
            raise InvalidInputError(self.problems)

    # -- header -----------------------------------------------------------------

    def _find_header(self) -> tuple[int, int, str, int]:
        """Index of the header row, index of the value column, layout, edition year."""
        for index, row in enumerate(self.rows[:HEADER_SEARCH_ROWS]):
            for column, cell in enumerate(row):
                match = _VALUE_HEADER.match(_text(cell))
                if match:
                    layout = "new" if any(_text(c) == "ID" for c in row) else "old"
                    return index, column, layout, int(match.group(1))
        self.bad(
            None,
            None,
            None,
            "missing header: no 'GHG Conversion Factor YYYY' column in the first "
            f"{HEADER_SEARCH_ROWS} rows; is this a DESNZ/BEIS flat file?",
        )
        raise InvalidInputError(self.problems)

    def _check_header(self, index: int, value_column: int, layout: str) -> None:
        expected = NEW_HEADER if layout == "new" else OLD_HEADER
        expected_row = 1 if not self.is_workbook else (
            NEW_HEADER_ROW if layout == "new" else OLD_HEADER_ROW
        )  # fmt: skip
        if index + 1 != expected_row:
            self.bad(
                index + 1,
                None,
                None,
                f"shifted header: the header is on row {index + 1}, the publisher's "
                f"layout has it on row {expected_row} (rows inserted or removed above it?)",
            )
        found = tuple(_text(c) for c in self.rows[index][:value_column])
        if found != expected or value_column != len(expected):
            self.bad(
                index + 1,
                None,
                " | ".join(found),
                "shifted or unexpected header: expected the columns "
                f"{' | '.join(expected)} | GHG Conversion Factor YYYY",
            )
        self.fail_if_problems()

    # -- rows -------------------------------------------------------------------

    def run(self, name: str | None) -> FactorImport:
        index, value_column, layout, year = self._find_header()
        self._check_header(index, value_column, layout)
        gwp_set = GWP_SET_BY_EDITION.get(year)
        if gwp_set is None:
            self.bad(
                index + 1,
                _text(self.rows[index][value_column]),
                year,
                "an edition whose GWP set this importer does not know "
                f"(known: {', '.join(map(str, sorted(GWP_SET_BY_EDITION)))})",
            )
        value_header = _text(self.rows[index][value_column])
        ended = False
        data_rows = 0
        for offset, row in enumerate(self.rows[index + 1 :]):
            number = index + 2 + offset
            cells = [_text(c) for c in row[:2]]
            if "END" in cells:
                ended = True
                break
            if not any(_text(c) for c in row):
                continue
            data_rows += 1
            if layout == "new":
                self._new_row(number, row, value_header)
            else:
                self._old_row(number, row, value_header)
        if self.is_workbook and not ended:
            self.bad(
                len(self.rows),
                None,
                None,
                "no 'END' marker after the last row: the file looks truncated",
            )
        if data_rows == 0:
            self.bad(index + 1, None, None, "no factor rows under the header")
        # DESNZ took the factors over from BEIS in 2023.
        publisher = "Department for Energy Security and Net Zero" if year >= 2023 else (
            "Department for Business, Energy and Industrial Strategy"
        )  # fmt: skip
        citation = f"{publisher}, GHG Conversion Factors {year}"
        factors = self._factors(year, gwp_set or "", citation)
        self.fail_if_problems()
        factor_set = FactorSet(
            name=name or f"desnz-{year}",
            factors=tuple(factors),
            source=citation,
            licence=LICENCE,
        )
        notes = self._notes(data_rows, factor_set, layout)
        return FactorImport(
            factor_set=factor_set,
            conversions=tuple(sorted(self.conversions, key=lambda c: c.conversion_id)),
            notes=notes,
        )

    def _cells(self, row: list[Cell], width: int) -> list[Cell]:
        return list(row[:width]) + [""] * (width - len(row))

    def _level_texts(self, cells: Sequence[Cell]) -> tuple[str, ...]:
        texts = []
        for cell in cells:
            if isinstance(cell, (int, float)) and not isinstance(cell, bool) and cell == 0:
                self.zero_levels += 1
                texts.append("")
            else:
                texts.append(_text(cell))
        return tuple(texts)

    def _new_row(self, number: int, row: list[Cell], value_header: str) -> None:
        cells = self._cells(row, len(NEW_HEADER) + 1)
        publisher_id = _text(cells[0])
        if not _ID.match(publisher_id):
            self.bad(number, "ID", cells[0], "expected an ID like 1_100_1004_6_1")
            return
        family_id, code = publisher_id.rsplit("_", 1)
        levels = self._level_texts(cells[2:7])
        self._row(
            number, family_id, code, _text(cells[1]), levels, _text(cells[7]), _text(cells[8]),
            "GHG/Unit", cells[9], value_header,
        )  # fmt: skip

    def _old_row(self, number: int, row: list[Cell], value_header: str) -> None:
        cells = self._cells(row, len(OLD_HEADER) + 1)
        levels = self._level_texts(cells[1:6])
        uom = _text(cells[7])
        family_id = ".".join(s for s in (_slug(t) for t in (*levels, uom)) if s)
        self._row(
            number, family_id, None, _text(cells[0]), levels, uom, _text(cells[8]), "GHG",
            cells[10], value_header,
        )  # fmt: skip

    def _row(
        self,
        number: int,
        family_id: str,
        code: str | None,
        scope_text: str,
        levels: tuple[str, ...],
        uom: str,
        gas_text: str,
        gas_column: str,
        value_cell: Cell,
        value_header: str,
    ) -> None:
        before = len(self.problems)
        key = (family_id, code if code is not None else gas_text.lower())
        if key in self.seen:
            what = "ID" if code is not None else "Level 1-4, Column Text, UOM and GHG"
            self.bad(number, gas_column, gas_text, f"same {what} as row {self.seen[key]}")
            return
        self.seen[key] = number
        if not family_id:
            self.bad(number, "Level 1", "", "no Level texts and no UOM: cannot name the factor")
        if _scope_key(scope_text) not in _SCOPES:
            self.bad(number, "Scope", scope_text, "expected Scope 1, 2, 3 or Outside of Scopes")
        if uom.lower() not in UNITS:
            self.bad(
                number, "UOM", uom, f"unknown unit: known are {', '.join(sorted(UNITS))}"
            )  # fmt: skip
        value = self._value(number, value_header, value_cell)
        is_conversion = gas_text.lower().startswith("kwh") or levels[0].lower().startswith(
            "secr kwh"
        )
        gas_key = gas_text.lower()
        if not is_conversion and gas_key != _TOTAL and gas_key not in _PARTS:
            self.bad(number, gas_column, gas_text, "unknown GHG text")
        elif code is not None and not is_conversion:
            wanted = "1" if gas_key == _TOTAL else _PART_CODES[_PARTS[gas_key]]
            if code != wanted:
                self.bad(
                    number, "ID", f"{family_id}_{code}",
                    f"the ID ends in {code} but {gas_text!r} is GHG code {wanted}",
                )  # fmt: skip
        outside = _scope_key(scope_text) in _SCOPES and _SCOPES[_scope_key(scope_text)] is None
        if outside and not is_conversion and _PARTS.get(gas_key) != "CO2":
            self.bad(number, gas_column, gas_text, "Outside of Scopes rows must be (biogenic) CO2")
        if len(self.problems) > before or value is None:
            return
        if is_conversion:
            self._conversion(number, family_id, levels, uom, gas_text, value)
            return
        family = self.families.get(family_id)
        if family is None:
            family = self.families[family_id] = _Family(number, scope_text, levels, uom)
        elif (family.scope_text, family.levels, family.uom) != (scope_text, levels, uom):
            self.bad(
                number, "Level 1", " > ".join(levels),
                f"differs from row {family.row} of the same factor (scope, levels or UOM)",
            )  # fmt: skip
            return
        if gas_key == _TOTAL:
            family.total = (number, value)
        elif _SCOPES.get(_scope_key(scope_text)) is None:
            family.biogenic = (number, value)
        else:
            family.parts[_PARTS[gas_key]] = (number, value)

    def _value(self, number: int, column: str, cell: Cell) -> float | None:
        """The figure of a row; None when set aside (empty, "< 1") or wrong (a problem)."""
        if isinstance(cell, bool):
            self.bad(number, column, cell, "not a number")
            return None
        if isinstance(cell, (int, float)):
            value = float(cell)
        else:
            text = _text(cell)
            if not text:
                self.empty_rows += 1
                return None
            if _BOUND.match(text):
                self.bound_rows.append(number)
                return None
            try:
                value = float(text)
            except ValueError:
                self.bad(number, column, text, "not a number")
                return None
        if not math.isfinite(value) or value < 0:
            self.bad(number, column, cell, "expected a finite number of at least 0")
            return None
        return value

    def _conversion(
        self, number: int, family_id: str, levels: tuple[str, ...], uom: str, gas: str, value: float
    ) -> None:
        lower = gas.lower()
        basis = "net" if "net" in lower else "gross" if "gross" in lower else ""
        if not lower.startswith("kwh"):
            self.conversion_notes.append(
                f"row {number}: GHG text {gas!r} read as kWh (the row is in a SECR kWh table)"
            )
        self.conversions.append(
            EnergyConversion(
                conversion_id=family_id,
                description=_description(levels, uom),
                per_unit=UNITS[uom.lower()],
                energy_unit="kWh",
                basis=basis,
                value=value,
            )
        )

    # -- factors ----------------------------------------------------------------

    def _stated_gwps(self, year: int, gwp_set: str) -> dict[str, float]:
        """CH4 and N2O GWPs as the file states them, checked against its edition's GWP set."""
        stated: dict[str, tuple[int, float]] = {}
        for family in self.families.values():
            level1, _, level3, *_rest = family.levels
            gas = _STATED_GWP_LEVEL3.get(level3.lower())
            column_text = family.levels[4].lower()
            if (
                level1.lower() == "refrigerant & other"
                and gas is not None
                and family.uom.lower() == "kg"
                and family.total is not None
                and (not column_text or "only kyoto" in column_text)
            ):
                stated.setdefault(gas, family.total)
        gwps: dict[str, float] = {}
        known = named_gwp_set(gwp_set) if gwp_set else None
        for gas in ("CH4", "N2O"):
            expected = known.gwp(gas) if known is not None else None
            if gas in stated:
                row, value = stated[gas]
                if expected is not None and value != expected:
                    self.bad(
                        row, "GHG Conversion Factor", value,
                        f"the file states a GWP of {value:g} for {gas}, but {year} editions are "
                        f"{gwp_set} ({gas} {expected:g}): is this the edition it claims to be?",
                    )  # fmt: skip
                gwps[gas] = value
            elif expected is not None:
                self.gwp_notes.append(
                    f"no {gas} row in 'Refrigerant & other': {gas} parts read with "
                    f"{gwp_set}'s {expected:g}"
                )
                gwps[gas] = expected
        return gwps

    def _biogenic_twins(self) -> dict[str, _Family]:
        """Scope 1 family id -> the Outside of Scopes family of the same fuel and unit."""
        scope1: dict[tuple[str, str], list[str]] = defaultdict(list)
        for family_id, family in self.families.items():
            if _SCOPES[_scope_key(family.scope_text)] is Scope.S1:
                scope1[(family.levels[2].lower(), family.uom.lower())].append(family_id)
        twins: dict[str, _Family] = {}
        for family in self.families.values():
            if family.biogenic is None:
                continue
            found = scope1.get((family.levels[2].lower(), family.uom.lower()), [])
            if len(found) == 1:
                twins[found[0]] = family
            elif not found:
                self.twin_notes.append(
                    f"row {family.biogenic[0]}: no scope 1 factor of {family.levels[2]!r} per "
                    f"{family.uom}: its biogenic CO2 is only a factor of its own"
                )
            elif len(found) > 1:
                self.twin_notes.append(
                    f"row {family.biogenic[0]}: biogenic CO2 of {family.levels[2]!r} per "
                    f"{family.uom} fits several scope 1 factors ({', '.join(sorted(found))}): "
                    "not added to any"
                )
        return twins

    def _factors(self, year: int, gwp_set: str, citation: str) -> list[Factor]:
        factors = []
        self.gaps: list[str] = []
        self.gwp_notes: list[str] = []
        self.twin_notes: list[str] = []
        self.parts_only = 0
        self.part_rows = 0
        self.per_gas = 0
        self.merged_biogenic = 0
        gwps = self._stated_gwps(year, gwp_set)
        twins = self._biogenic_twins()
        for family_id, family in self.families.items():
            self.part_rows += len(family.parts)
            scope = _SCOPES[_scope_key(family.scope_text)]
            region = _region(family.levels)
            description = _description(family.levels, family.uom)
            if family.biogenic is not None:
                factors.append(
                    Factor(
                        factor_id=family_id,
                        unit=UNITS[family.uom.lower()],
                        gases=(GasAmount("CO2", _tonnes(family.biogenic[1]), biogenic=True),),
                        region=region,
                        year=year,
                        source=citation,
                        description=description,
                    )
                )
                continue
            if family.total is None:
                self.parts_only += 1
                continue
            row, total = family.total
            gases: tuple[GasAmount, ...] = (GasAmount("CO2e", _tonnes(total)),)
            factor_gwp: str | None = gwp_set
            if len(family.parts) == 3:
                gap = total - sum(v for _, v in family.parts.values())
                if abs(gap) > max(PART_TOLERANCE * total, PART_TOLERANCE_ABS):
                    self.gaps.append(
                        f"row {row} ({family_id}): total {total} differs from its parts by {gap:.6g}"
                    )
                elif set(gwps) == {"CH4", "N2O"}:
                    gases = tuple(
                        GasAmount(gas, _tonnes(value, 1 if gas == "CO2" else gwps[gas]))
                        for gas, (_, value) in sorted(family.parts.items())
                    )
                    factor_gwp = None
                    self.per_gas += 1
            twin = twins.get(family_id)
            if twin is not None and twin.biogenic is not None:
                gases += (GasAmount("CO2", _tonnes(twin.biogenic[1]), biogenic=True),)
                self.merged_biogenic += 1
            category = None
            if scope == Scope.S3:
                category = scope3_category(family.levels[0])
                if category is None:
                    self.unknown_category[family.levels[0]] += 1
            factors.append(
                Factor(
                    factor_id=family_id,
                    unit=UNITS[family.uom.lower()],
                    gases=tuple(sorted(gases, key=lambda g: (g.gas, g.biogenic))),
                    region=region,
                    year=year,
                    scope=scope,
                    category=category,
                    gwp_set=factor_gwp,
                    source=citation,
                    description=description,
                )
            )
        return factors

    def _notes(self, data_rows: int, factor_set: FactorSet, layout: str) -> tuple[str, ...]:
        biogenic = sum(1 for f in factor_set if f.scope is None)
        notes = [
            f"{data_rows} rows read: {len(factor_set) - biogenic} factors (one per activity "
            f"and unit), {biogenic} biogenic CO2 factors (Outside of Scopes), "
            f"{self.part_rows} per-gas part rows (CO2, CH4, N2O, CO2e-weighted), "
            f"{len(self.conversions)} energy conversions, {self.empty_rows} rows without a "
            f"value set aside, {len(self.bound_rows)} rows published as a bound set aside",
            f"{self.per_gas} factors kept per gas (CO2, CH4, N2O masses: each part divided by "
            f"the GWP the file states, its parts adding up to the kg CO2e total), "
            f"{len(factor_set) - biogenic - self.per_gas} factors kept as the kg CO2e total "
            "(no parts published, or parts that do not add up to it)",
            f"{self.merged_biogenic} scope 1 factors carry the biogenic CO2 of their Outside of "
            "Scopes twin as a memo",
        ]
        notes += self.gwp_notes + self.twin_notes
        if self.bound_rows:
            notes.append(
                "rows published as a bound ('< 1'), not a figure, set aside: "
                + ", ".join(map(str, self.bound_rows))
            )
        if self.parts_only:
            notes.append(f"{self.parts_only} families have per-gas parts but no total: no factor")
        if self.zero_levels:
            notes.append(
                f"{self.zero_levels} level cells holding 0 (an empty formula) read as empty"
            )
        if layout == "old":
            notes.append("no publisher IDs in this layout: ids built from the level texts and UOM")
        for level1, count in sorted(self.unknown_category.items()):
            notes.append(f"{count} scope 3 factors of {level1!r}: no category derived")
        notes += self.conversion_notes
        if self.gaps:
            notes.append(
                f"{len(self.gaps)} totals differ from the sum of their parts by more than "
                f"{PART_TOLERANCE:.1%}:"
            )
            notes += self.gaps
        return tuple(notes)


# Scope column text (lower case, single spaces) -> scope; "Outside of Scopes" has none.
_SCOPES: dict[str, Scope | None] = {f"scope {s.value}": s for s in Scope}
_SCOPES["outside of scopes"] = None


def _scope_key(text: str) -> str:
    return " ".join(text.lower().split())


def _tonnes(kg: float, per: float = 1) -> float:
    """kg (divided by `per`) -> t in decimal, so a printed 0.18296 kg becomes the float
    nearest 0.00018296 t, and a part of 0.00025 kg CO2e over a GWP of 28 the float
    nearest its exact quotient."""
    return float((Decimal(repr(kg)) / Decimal(repr(per))).scaleb(-3))


def _description(levels: tuple[str, ...], uom: str) -> str:
    return " > ".join(t for t in levels if t) + f"; per {uom}"


def _region(levels: tuple[str, ...]) -> str | None:
    """GB, the publisher's region (DOMAIN §4: a publisher set knows its region), unless the
    texts name another place: a hotel stay abroad (the taxonomy map gives its country), or a
    flight or freight flight "to/from non-UK" (no one region), or overseas electricity."""
    texts = [t.lower() for t in levels]
    if texts[0] == "hotel stay":
        return "GB" if any(t in {"uk", "united kingdom"} for t in texts[1:3]) else None
    if any("non-uk" in t or "overseas" in t for t in texts):
        return None
    return "GB"
