"""The US EPA GHG Emission Factors Hub workbook into a factor set.

The Hub is one sheet ("Emission Factors Hub") holding Tables 1-12 one under the
other, each starting with a title row ("Table 1 | Stationary Combustion"). This
module finds each table by its title, then its header and unit rows, and reads:

- Table 1 stationary combustion, per gas, per mmBtu and per physical unit
  (short ton, scf or gallon: the unit rows change inside the table); the heat
  contents become energy conversions (mmBtu per unit, higher heating value);
  CO2 of the "Biomass Fuels" groups (and of the same fuels in Table 2) is biogenic,
  except peat's: the Hub lists peat under "Biomass Fuels - Solid", but the IPCC 2006
  Guidelines (Vol. 2, ch. 1, Table 1.1 and its note on peat) count peat's CO2 as
  fossil, so it stays in scope 1;
- Table 2 mobile combustion CO2, Tables 3-5 mobile CH4 and N2O (scope 1);
- Table 6 eGRID subregion total-output rates, lb per MWh (scope 2, location,
  region `US-<ACRONYM>`, the US average as `US`, year = the eGRID data year its
  source line names); the non-baseload rates and grid loss percentages are
  not emission factors for an inventory and are left out (with a note);
- Table 7 purchased steam and heat (scope 2);
- Table 8 transportation (scope 3 category 4; it also serves category 9),
  Table 9 waste (t CO2e per short ton, scope 3 category 5, with the GWP set
  the table's notes name: AR4 in the 2025 edition, not the Hub's AR5), Table 10
  business travel and commuting (scope 3 category 6; it also serves category 7);
- Table 11 (GWPs) and Table 12 (refrigerant blends) are not factors: they are
  checked against Neutra's own AR5 set and every difference becomes a note.

Factor ids are `t<table>_<row label>_<unit>` in lower snake case, e.g.
`t1_natural_gas_mmbtu`, `t1_natural_gas_scf`, `t3_gasoline_passenger_cars_1975_mi`,
`t6_camx_mwh`, `t9_corrugated_containers_landfilled_short_ton`,
`t10_bus_passenger_mile`. They depend only on the publisher's words, so they
stay the same between editions while the row does.

Units: a vehicle-mile is written `mi` (the distance the vehicle drives, as
`km` is for DESNZ vehicle-km), a passenger-mile `passenger_mile`, a short
ton-mile `ton_mile`, a short ton `short_ton`, a gallon `gal` (US).

It must never return a partly read set: every problem in the file comes back
at once in one `InvalidInputError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from neutra.core.errors import GWPError, InvalidInputError, Problem, UnitError
from neutra.core.factors import Basis, Factor, FactorSet, GasAmount, Scope
from neutra.core.gwp import GWP_SET_NAMES, canonical_gas, gwp_set
from neutra.core.regions import SUBREGION_PATTERN
from neutra.core.units import parse_unit
from neutra.formats.factor_import import EnergyConversion, FactorImport

__all__ = ["EXPECTED_TABLES", "SHEET", "read"]

SHEET = "Emission Factors Hub"
LICENCE = "US federal work, public domain"

# The tables every edition has, by number, with the words their titles start with.
EXPECTED_TABLES: dict[int, str] = {
    1: "Stationary Combustion",
    2: "Mobile Combustion CO2",
    3: "Mobile Combustion CH4 and N2O for On-Road Gasoline Vehicles",
    4: "Mobile Combustion CH4 and N2O for On-Road Diesel and Alternative Fuel Vehicles",
    5: "Mobile Combustion CH4 and N2O for Non-Road Vehicles",
    6: "Electricity",
    7: "Steam and Heat",
    8: "Scope 3 Category 4",
    9: "Scope 3 Category 5",
    10: "Scope 3 Category 6",
    11: "Global Warming Potential",
    12: "Global Warming Potential (GWP) for Blended Refrigerants",
}

# How many of each mass unit of the Hub's headers make a tonne. Converted in decimal,
# so 0.1 g is 1e-07 t, the nearest float to the printed figure (float arithmetic
# would give 1.0000000000000001e-07).
_PER_TONNE = {
    "kg": Decimal(1000),
    "g": Decimal(1000000),
    "lb": Decimal(1000) / Decimal("0.45359237"),
}


def _tonnes(value: float, per_tonne: Decimal) -> float:
    return float(Decimal(repr(value)) / per_tonne)


# The Hub's words for activity units -> Neutra's unit (see the module docstring).
_PER_UNIT = {
    "mmbtu": "mmBtu",
    "short ton": "short_ton",
    "short ton material": "short_ton",
    "scf": "scf",
    "gallon": "gal",
    "vehicle-mile": "mi",
    "passenger-mile": "passenger_mile",
    "short ton-mile": "ton_mile",
    "mwh": "MWh",
}

# "kg CO2 per mmBtu", "CH4 Factor (g CH4 / vehicle-mile)", "(lb N2O / MWh)".
_GAS_UNIT = re.compile(
    r"\b(?P<mass>kg|g|lb)\s+(?P<gas>CO2|CH4|N2O)\s*(?:per|/)\s*(?P<per>[^()]+?)\s*\)?\s*$"
)
_GAS_HEADER = re.compile(r"^(?P<gas>CO2|CH4|N2O) Factor\b")
# Table 1 rows the Hub lists under "Biomass Fuels" whose CO2 is nevertheless fossil:
# peat (IPCC 2006 Guidelines, Vol. 2, ch. 1, Table 1.1: peat is treated as a fossil fuel,
# its combustion CO2 counted with the fossil emissions). Slugs of the row names.
FOSSIL_AMONG_BIOMASS = frozenset({"peat"})
_TITLE = re.compile(r"^Table\s+(\d+)$")
_LAST_MODIFIED = re.compile(r"Last Modified:\s*([A-Z][a-z]+)\s+\d{1,2},\s*(\d{4})")
_EGRID_EDITION = re.compile(r"\beGRID(\d{4})\b")
_WASTE_GWP = re.compile(r"\b(AR\d) GWP values are used\b")
# A footnote line in a table's notes: "A Passenger cars are ..."
_FOOTNOTE = re.compile(r"^([A-Z]) [A-Z]", re.MULTILINE)
_STOP_WORDS = ("Source", "Notes")
_HFC_OR_PFC = re.compile(r"^(HFC|PFC)|^(CF4|C2F6|C3F8|cC4F8|C4F10|C5F12|C6F14|C10F18)$")

_UNIT_IDS = {"mmBtu": "mmbtu", "MWh": "mwh"}


@dataclass(frozen=True, slots=True)
class _Table:
    """One table of the sheet: its rows from the title down to the next title."""

    number: int  # the table's number, 1-12
    title: str  # "Table 1 Stationary Combustion"
    title_row: int  # Excel row number of the title
    rows: tuple[tuple[int, Sequence[Any]], ...]  # (Excel row, cells) below the title
    notes: str  # the text of its Source and Notes rows (footnotes, GWP basis, data year)
    footnotes: frozenset[str]  # footnote letters its notes define ("A", "B", ...)


@dataclass(slots=True)
class _Reader:
    """Collects factors, conversions, notes and problems while reading one file."""

    label: str  # the file, as problems name it
    first_col: int  # 0-based sheet column of the first cell in a row
    year: int  # the edition year
    source: str  # citation of the set
    factors: list[Factor] = field(default_factory=list)
    conversions: list[EnergyConversion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    biomass_fuels: set[str] = field(default_factory=set)  # slugs of Table 1 biomass rows

    def bad(self, row: int | None, col: int | None, value: Any, reason: str) -> None:
        column = None if col is None else _column_letter(self.first_col + col)
        text = None if value is None or value == "" else str(value)[:80]
        self.problems.append(Problem(self.label, row, column, text, reason))

    def number(self, row: int, col: int, value: Any, what: str) -> float | None:
        """The number in a cell, or None after recording why it is not one."""
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int | float):
            number = float(value)
        else:
            try:
                number = float(_text(value))
            except ValueError:
                number = None
        if number is None or not math.isfinite(number) or number < 0:
            self.bad(row, col, value, f"{what}: expected a non-negative number")
            return None
        return number

    def unit(self, row: int, col: int | None, words: str) -> str | None:
        """Neutra's unit for the Hub's words ("short ton-mile" -> "ton_mile")."""
        unit = _PER_UNIT.get(_text(words).lower())
        if unit is None:
            self.bad(row, col, words, "unknown activity unit")
            return None
        try:
            parse_unit(unit)
        except UnitError:  # a mapping to a unit Neutra does not define is this module's bug
            self.bad(row, col, words, f"unit {unit!r} is not known to Neutra")
            return None
        return unit

    def add(
        self,
        table: _Table,
        parts: Sequence[str],
        unit: str,
        unit_words: str,
        gases: Sequence[GasAmount],
        *,
        id_parts: Sequence[str] | None = None,
        **fields: Any,
    ) -> None:
        """A factor of `table`, described by `parts` and named by `id_parts` (else `parts`)."""
        factor_id = _factor_id(table.number, parts if id_parts is None else id_parts, unit)
        described = ", ".join(p for p in parts if p)
        self.factors.append(
            Factor(
                factor_id=factor_id,
                unit=unit,
                gases=tuple(sorted(gases, key=lambda g: g.gas)),
                region=fields.pop("region", "US"),
                year=fields.pop("year", self.year),
                source=f"{self.source}, Table {table.number}",
                description=f"{table.title}: {described}, per {unit_words}",
                **fields,
            )
        )


def read(path: Path, *, name: str | None = None) -> FactorImport:
    """Read the EPA GHG Emission Factors Hub workbook; raise InvalidInputError on any problem."""
    label = str(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET)
    except Exception as exc:  # calamine raises its own errors on a missing sheet or a non-xlsx
        raise InvalidInputError(
            [Problem(label, None, None, None, f"cannot read sheet {SHEET!r}: {exc}")]
        ) from exc
    first_row, first_col = sheet.start or (0, 0)
    rows = [
        (first_row + i + 1, tuple(_clean(c) for c in cells))
        for i, cells in enumerate(sheet.to_python())
    ]

    edition = _edition(rows)
    if edition is None:
        raise InvalidInputError(
            [
                Problem(
                    label,
                    None,
                    None,
                    None,
                    "no 'Last Modified: <Month> <day>, <year>' line: cannot tell the edition",
                )
            ]
        )
    month, year = edition
    reader = _Reader(
        label=label,
        first_col=first_col,
        year=year,
        source=f"US EPA GHG Emission Factors Hub, {month} {year}",
    )
    tables = _tables(rows, reader)
    readers = {
        1: _stationary,
        2: _mobile_co2,
        3: lambda r, t: _per_gas(r, t, scope=Scope.S1),
        4: lambda r, t: _per_gas(r, t, scope=Scope.S1),
        5: lambda r, t: _per_gas(r, t, scope=Scope.S1),
        6: _egrid,
        7: lambda r, t: _per_gas(r, t, scope=Scope.S2),
        8: lambda r, t: _per_gas(r, t, scope=Scope.S3, category=4, note=_NOTE_8),
        9: _waste,
        10: lambda r, t: _per_gas(r, t, scope=Scope.S3, category=6, note=_NOTE_10),
        11: _gwp_check,
        12: _blend_check,
    }
    for number, table_reader in readers.items():
        table = tables.get(number)
        if table is None:
            reader.bad(
                None,
                None,
                None,
                f"Table {number} ({EXPECTED_TABLES[number]}) not found: no row with "
                f"'Table {number}' and its title",
            )
            continue
        before = len(reader.factors)
        table_reader(reader, table)
        if number <= 10 and len(reader.factors) == before:
            reader.bad(table.title_row, None, table.title, "no factors found under this title")

    seen: dict[str, int] = {}
    for factor in reader.factors:
        seen[factor.factor_id] = seen.get(factor.factor_id, 0) + 1
    for factor_id, count in seen.items():
        if count > 1:
            reader.bad(None, None, factor_id, f"factor id made {count} times: rows not unique")
    if reader.problems:
        raise InvalidInputError(reader.problems)
    factor_set = FactorSet(
        name=name or f"epa-hub-{year}",
        factors=tuple(reader.factors),
        source=reader.source,
        licence=LICENCE,
    )
    return FactorImport(
        factor_set=factor_set,
        conversions=tuple(sorted(reader.conversions, key=lambda c: c.conversion_id)),
        notes=tuple(reader.notes),
    )


# --- the sheet ----------------------------------------------------------------


def _clean(value: Any) -> str | float | None:
    if isinstance(value, str):  # line breaks kept: footnotes are lines of the notes
        text = value.replace("\xa0", " ").strip()
        return text or None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None if value is None else _text(str(value)) or None
    return float(value)


def _text(value: Any) -> str:
    """A cell as text: no-break spaces and line breaks as spaces, runs of spaces as one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).replace("\xa0", " ").split())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell(cells: Sequence[Any], col: int) -> Any:
    return cells[col] if 0 <= col < len(cells) else None


def _edition(rows: Sequence[tuple[int, Sequence[Any]]]) -> tuple[str, int] | None:
    for _, cells in rows[:20]:
        for value in cells:
            match = _LAST_MODIFIED.search(_text(value))
            if match:
                return match.group(1), int(match.group(2))
    return None


def _tables(rows: Sequence[tuple[int, Sequence[Any]]], reader: _Reader) -> dict[int, _Table]:
    starts: list[tuple[int, int, str]] = []  # (index in rows, number, title)
    for index, (_, cells) in enumerate(rows):
        match = _TITLE.match(_text(_cell(cells, 0)))
        if match:
            starts.append((index, int(match.group(1)), _text(_cell(cells, 1))))
    tables: dict[int, _Table] = {}
    for position, (index, number, title) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(rows)
        excel_row = rows[index][0]
        if number in tables:
            reader.bad(excel_row, 0, f"Table {number}", "a second table with this number")
            continue
        if number not in EXPECTED_TABLES:
            reader.notes.append(f"Table {number} ({title}, row {excel_row}) is not read")
            continue
        if not title.startswith(EXPECTED_TABLES[number]):
            reader.bad(excel_row, 1, title, f"Table {number} should be {EXPECTED_TABLES[number]!r}")
            continue
        body = tuple(rows[index + 1 : end])
        notes = "\n".join(
            str(value)
            for _, cells in body
            for value in cells
            if isinstance(value, str) and value.startswith(_STOP_WORDS)
        )
        tables[number] = _Table(
            number=number,
            title=f"Table {number} {title}",
            title_row=excel_row,
            rows=body,
            notes=notes,
            footnotes=frozenset(_FOOTNOTE.findall(notes)),
        )
    return tables


def _body(table: _Table, start: int) -> Iterator[tuple[int, Sequence[Any]]]:
    """The data rows of a table after row index `start`, up to its Source or Notes."""
    for excel_row, cells in table.rows[start:]:
        first = _text(_cell(cells, 1))
        if first.startswith(_STOP_WORDS):
            return
        if any(value is not None for value in cells):
            yield excel_row, cells


def _header(table: _Table, reader: _Reader, *words: str) -> int | None:
    """The index (in table.rows) of the header row: the first holding all `words`."""
    for index, (_, cells) in enumerate(table.rows):
        texts = [_text(v) for v in cells]
        if all(any(t.startswith(w) for t in texts) for w in words):
            return index
    reader.bad(
        table.title_row,
        None,
        table.title,
        f"no header row with {', '.join(repr(w) for w in words)} under this title",
    )
    return None


def _label(text: Any, table: _Table) -> str:
    """A row label without the footnote letter the Hub glues to it ("TruckC" -> "Truck")."""
    label = _text(text)
    if table.footnotes:
        letters = "".join(sorted(table.footnotes))
        label = re.sub(rf"(?<=[a-z)%])\s*[{letters}]$", "", label).strip()
    return label


_SLUG_WORDS = [
    ("<=", " le "),
    (">=", " ge "),
    ("≤", " le "),
    ("≥", " ge "),
    ("<", " lt "),
    (">", " gt "),
    ("&", " and "),
]


def _slug(text: str) -> str:
    for sign, word in _SLUG_WORDS:
        text = text.replace(sign, word)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _factor_id(table: int, parts: Sequence[str], unit: str) -> str:
    slug = "_".join(s for s in (_slug(p) for p in parts) if s)
    return f"t{table}_{slug}_{_UNIT_IDS.get(unit, unit)}"


def _gas_unit(text: Any) -> tuple[Decimal, str, str] | None:
    """(mass units per tonne, gas, activity words) from 'kg CO2 per mmBtu' and the like."""
    match = _GAS_UNIT.search(_text(text))
    if match is None:
        return None
    return _PER_TONNE[match.group("mass")], match.group("gas"), match.group("per")


# --- Table 1: stationary combustion --------------------------------------------


def _stationary(reader: _Reader, table: _Table) -> None:
    header = _header(table, reader, "Fuel Type", "Heat Content")
    if header is None:
        return
    _, head = table.rows[header]
    texts = [_text(v) for v in head]
    name_col = texts.index("Fuel Type")
    heat_col = next(i for i, t in enumerate(texts) if t.startswith("Heat Content"))
    header_gas = {i: m.group("gas") for i, t in enumerate(texts) if (m := _GAS_HEADER.match(t))}
    gas_cols = list(header_gas)
    units: dict[int, tuple[Decimal, str, str]] = {}  # column -> (per tonne, gas, activity words)
    heat_per: str | None = None
    group = ""
    for excel_row, cells in _body(table, header + 1):
        heat_words = _text(_cell(cells, heat_col))
        if " per " in heat_words:  # a units row: the blocks below are per this unit
            heat_per = heat_words.split(" per ", 1)[1]
            for col in gas_cols:
                parsed = _gas_unit(_cell(cells, col))
                if parsed is None or parsed[1] != header_gas[col]:
                    reader.bad(excel_row, col, _cell(cells, col), "not a unit of this gas column")
                    continue
                units[col] = parsed
            continue
        name = _label(_cell(cells, name_col), table)
        values = [_cell(cells, c) for c in [heat_col, *gas_cols]]
        if all(v is None for v in values):
            group = name  # a group heading: "Coal and Coke", "Biomass Fuels - Solid"
            continue
        if not units:
            reader.bad(excel_row, name_col, name, "a fuel row above the first units row")
            continue
        biogenic = group.startswith("Biomass") and _slug(name) not in FOSSIL_AMONG_BIOMASS
        if biogenic:
            reader.biomass_fuels.add(_slug(name))
        blocks: dict[str, list[int]] = {}
        for col in gas_cols:
            if col in units:
                blocks.setdefault(units[col][2], []).append(col)
        for per_words, cols in blocks.items():
            cells_here = [_cell(cells, c) for c in cols]
            if all(v is None for v in cells_here) and per_words.lower() != "mmbtu":
                continue  # kraft pulping liquors are only given per mmBtu
            unit = reader.unit(excel_row, cols[0], per_words)
            gases = _gases(reader, excel_row, cols, cells, units, name, biogenic)
            if unit and gases:
                shown = [f"{name} ({group})" if group and group != name else name]
                reader.add(table, shown, unit, per_words, gases, id_parts=[name], scope=Scope.S1)
        heat = _cell(cells, heat_col)
        if heat is not None and heat_per is not None:
            value = reader.number(excel_row, heat_col, heat, f"heat content of {name}")
            per_unit = reader.unit(excel_row, heat_col, heat_per)
            if value is not None and per_unit is not None:
                reader.conversions.append(
                    EnergyConversion(
                        conversion_id=_factor_id(1, [name, "heat content"], per_unit),
                        description=f"{table.title}: {name}, heat content (HHV), "
                        f"mmBtu per {heat_per}",
                        per_unit=per_unit,
                        energy_unit="mmBtu",
                        basis="gross",
                        value=value,
                    )
                )
    if reader.biomass_fuels:
        reader.notes.append(
            "Table 1: CO2 of the 'Biomass Fuels' groups is marked biogenic (a memo outside "
            "the scopes), as the Hub groups them, except peat, which is fossil (IPCC 2006 "
            "Guidelines); their CH4 and N2O count in scope 1"
        )


def _gases(
    reader: _Reader,
    excel_row: int,
    cols: Sequence[int],
    cells: Sequence[Any],
    units: dict[int, tuple[Decimal, str, str]],
    name: str,
    biogenic: bool,
) -> list[GasAmount] | None:
    gases = []
    for col in cols:
        per_tonne, gas, per = units[col]
        value = reader.number(excel_row, col, _cell(cells, col), f"{gas} of {name} per {per}")
        if value is None:
            return None
        gases.append(GasAmount(gas, _tonnes(value, per_tonne), biogenic and gas == "CO2"))
    return gases


# --- Table 2: mobile combustion CO2 ------------------------------------------------


def _mobile_co2(reader: _Reader, table: _Table) -> None:
    header = _header(table, reader, "Fuel Type", "Unit")
    if header is None:
        return
    head_row, head = table.rows[header]
    texts = [_text(v) for v in head]
    name_col, unit_col = texts.index("Fuel Type"), texts.index("Unit")
    value_col = next(
        (i for i, t in enumerate(texts) if re.match(r"^(kg|g|lb) CO2 per unit$", t)), None
    )
    if value_col is None:
        reader.bad(head_row, None, None, "no 'kg CO2 per unit' column")
        return
    per_tonne = _PER_TONNE[texts[value_col].split()[0]]
    biogenic_fuels: list[str] = []
    for excel_row, cells in _body(table, header + 1):
        name = _label(_cell(cells, name_col), table)
        value = reader.number(excel_row, value_col, _cell(cells, value_col), f"CO2 of {name}")
        words = _text(_cell(cells, unit_col))
        unit = reader.unit(excel_row, unit_col, words)
        if value is None or unit is None:
            continue
        biogenic = _slug(name) in reader.biomass_fuels
        if biogenic:
            biogenic_fuels.append(name)
        gas = GasAmount("CO2", _tonnes(value, per_tonne), biogenic)
        reader.add(table, [name], unit, words, [gas], scope=Scope.S1)
    if biogenic_fuels:
        reader.notes.append(
            "Table 2: CO2 of fuels Table 1 lists as biomass fuels is marked biogenic: "
            + ", ".join(biogenic_fuels)
        )


# --- Tables 3-5, 7, 8, 10: a factor per gas column, labels on the left ------------------


_NOTE_8 = (
    "Table 8 serves scope 3 categories 4 and 9: imported as category 4 (upstream); an "
    "activity row's category column sets 9 for downstream transport; vehicle-miles are 'mi'"
)
_NOTE_10 = (
    "Table 10 serves scope 3 categories 6 and 7 in one table: imported as category 6 "
    "(business travel); an activity row's category column sets 7 for employee commuting; "
    "vehicle-miles are 'mi'"
)


def _per_gas(
    reader: _Reader,
    table: _Table,
    *,
    scope: Scope,
    category: int | None = None,
    note: str | None = None,
) -> None:
    header = next(
        (
            i
            for i, (_, cells) in enumerate(table.rows)
            if any(_GAS_HEADER.match(_text(v)) for v in cells)
        ),
        None,
    )
    if header is None:
        reader.bad(table.title_row, None, table.title, "no header row with gas factor columns")
        return
    head_row, head = table.rows[header]
    texts = [_text(v) for v in head]
    gas_cols = [i for i, t in enumerate(texts) if _GAS_HEADER.match(t)]
    units: dict[int, tuple[Decimal, str, str]] = {}
    for col in gas_cols:
        parsed = _gas_unit(texts[col])
        if parsed is None:
            reader.bad(head_row, col, texts[col], "no unit ('g CH4 / unit') in this header")
            return
        units[col] = parsed
    unit_col = texts.index("Units") if "Units" in texts else None
    label_cols = list(range(1, gas_cols[0]))
    carried = {c: "" for c in label_cols}
    qualifiers = _qualifiers(table, header, label_cols)
    for excel_row, cells in _body(table, header + 1):
        parts = []
        for col in label_cols:
            text = _label(_cell(cells, col), table)
            if text.startswith("(") or (not text and texts[col] != "Model Year"):
                text = carried[col]  # a label cell left empty means "as above"
            carried[col] = text
            parts.append(text)
        if not any(parts):
            reader.bad(excel_row, label_cols[0], None, "a factor row without a label")
            continue
        pers = {units[c][2] for c in gas_cols}
        if pers == {"unit"}:
            words = _text(_cell(cells, unit_col)) if unit_col is not None else ""
        elif len(pers) == 1:
            words = pers.pop()
        else:
            reader.bad(head_row, None, None, "gas columns per different units")
            return
        unit = reader.unit(excel_row, unit_col if unit_col is not None else gas_cols[0], words)
        gases = _gases(reader, excel_row, gas_cols, cells, units, " ".join(parts), False)
        if unit is None or gases is None:
            continue
        shown = [p if i else f"{p} {qualifiers.get(p, '')}".strip() for i, p in enumerate(parts)]
        if label_cols and texts[label_cols[-1]] == "Model Year" and parts[-1]:
            shown[-1] = f"model year {parts[-1]}"
        reader.add(table, shown, unit, words, gases, id_parts=parts, scope=scope, category=category)
    if note:
        reader.notes.append(note)


def _qualifiers(table: _Table, header: int, label_cols: Sequence[int]) -> dict[str, str]:
    """'(Vans, Pickup Trucks, SUVs)' under 'Gasoline Light-Duty Trucks': a qualifier of it."""
    found: dict[str, str] = {}
    if not label_cols:
        return found
    col = label_cols[0]
    previous = ""
    for _, cells in table.rows[header + 1 :]:
        text = _text(_cell(cells, col))
        if text.startswith("(") and previous:
            found[previous] = text
        elif text:
            previous = _label(text, table)
    return found


# --- Table 6: eGRID subregions ---------------------------------------------------------


def _egrid(reader: _Reader, table: _Table) -> None:
    header = _header(table, reader, "eGRID Subregion Acronym")
    if header is None:
        return
    head_row, head = table.rows[header]
    texts = [_text(v) for v in head]
    above = [_text(v) for v in table.rows[header - 1][1]] if header else []
    total = next((i for i, t in enumerate(above) if t.startswith("Total Output")), None)
    if total is None:
        reader.bad(head_row - 1, None, None, "no 'Total Output Emission Factors' columns")
        return
    others = [i for i, t in enumerate(above) if t and i > total]
    stop = others[0] if others else len(texts)
    gas_cols = [i for i in range(total, stop) if _GAS_HEADER.match(texts[i])]
    unit_row, unit_cells = table.rows[header + 1]
    units: dict[int, tuple[Decimal, str, str]] = {}
    for col in gas_cols:
        parsed = _gas_unit(_cell(unit_cells, col))
        if parsed is None:
            reader.bad(unit_row, col, _cell(unit_cells, col), "not a unit like '(lb CO2 / MWh)'")
            return
        units[col] = parsed
    data_year = _EGRID_EDITION.search(table.notes)
    year = int(data_year.group(1)) if data_year else reader.year
    acronym_col = texts.index("eGRID Subregion Acronym")
    name_col = texts.index("eGRID Subregion Name") if "eGRID Subregion Name" in texts else None
    count = 0
    for excel_row, cells in _body(table, header + 2):
        acronym = _text(_cell(cells, acronym_col))
        name = _text(_cell(cells, name_col)) if name_col is not None else acronym
        if acronym == "US Average":
            region, parts = "US", ["US Average"]
        else:
            region, parts = f"US-{acronym}", [acronym]
            if not re.match(SUBREGION_PATTERN, region):
                reader.bad(excel_row, acronym_col, acronym, "not an eGRID subregion acronym")
                continue
        unit = reader.unit(excel_row, gas_cols[0], units[gas_cols[0]][2])
        gases = _gases(reader, excel_row, gas_cols, cells, units, acronym, False)
        if unit is None or gases is None:
            continue
        shown = [f"{acronym} ({name})" if name != acronym else acronym, "total output"]
        reader.add(
            table,
            shown,
            unit,
            "MWh",
            gases,
            id_parts=parts,
            scope=Scope.S2,
            basis=Basis.LOCATION,
            region=region,
            year=year,
        )
        count += 1
    reader.notes.append(
        f"Table 6: {count} eGRID total-output rates imported as location-based scope 2 factors, "
        f"year {year} (the eGRID data year{'' if data_year else ' not stated; edition year used'})"
        "; the non-baseload rates are not imported (EPA: not for inventories, only for "
        "estimating avoided emissions), nor the grid gross loss percentages (a T&D loss rate "
        "for scope 3 category 3, not an emission factor)"
    )


# --- Table 9: waste ------------------------------------------------------------------------


def _waste(reader: _Reader, table: _Table) -> None:
    header = _header(table, reader, "Material")
    if header is None:
        return
    head_row, head = table.rows[header]
    texts = [_label(v, table) for v in head]
    unit_words = _text(_cell(table.rows[header - 1][1], 2)) if header else ""
    match = re.match(r"^Metric Tons CO2e / (.+)$", unit_words, re.IGNORECASE)
    if match is None:
        reader.bad(head_row - 1, 2, unit_words, "expected 'Metric Tons CO2e / Short Ton Material'")
        return
    unit = reader.unit(head_row - 1, 2, match.group(1))
    if unit is None:
        return
    gwp = _WASTE_GWP.search(table.notes)
    gwp_name = gwp.group(1) if gwp and gwp.group(1) in GWP_SET_NAMES else "AR5"
    if gwp is None:
        reader.notes.append("Table 9: notes name no GWP set; AR5 (the Hub's set) assumed")
    name_col = texts.index("Material")
    treatments = [(i, t) for i, t in enumerate(texts) if i > name_col and t]
    missing = 0
    for excel_row, cells in _body(table, header + 1):
        material = _label(_cell(cells, name_col), table)
        for col, treatment in treatments:
            value = _cell(cells, col)
            if _text(value) == "NA":
                missing += 1
                continue
            number = reader.number(excel_row, col, value, f"{material}, {treatment}")
            if number is not None:
                reader.add(
                    table,
                    [material, treatment],
                    unit,
                    "short ton of material",
                    [GasAmount("CO2e", number)],
                    scope=Scope.S3,
                    category=5,
                    gwp_set=gwp_name,
                )
    reader.notes.append(
        f"Table 9: CO2e made with {gwp_name} GWPs, as the table's notes say; {missing} "
        "material and treatment pairs marked NA (no factor) were set aside"
    )


# --- Tables 11 and 12: checks, not factors -----------------------------------------------


def _gwp_check(reader: _Reader, table: _Table) -> None:
    header = _header(table, reader, "Chemical Formula", "100-Year GWP")
    if header is None:
        return
    texts = [_text(v) for v in table.rows[header][1]]
    formula_col = texts.index("Chemical Formula")
    value_col = texts.index("100-Year GWP")
    ar5 = gwp_set("AR5")
    equal, differences = 0, []
    for excel_row, cells in _body(table, header + 1):
        common, formula = _text(_cell(cells, 1)), _text(_cell(cells, formula_col))
        value = reader.number(excel_row, value_col, _cell(cells, value_col), f"GWP of {common}")
        if value is None:
            continue
        gas = _known_gas(common, formula)
        if gas is None:
            differences.append(f"{common} ({formula}) {value:g}: gas unknown to Neutra")
            continue
        try:
            ours = ar5.gwp(gas)
        except GWPError:
            differences.append(f"{common} {value:g}: Neutra's AR5 set has no value")
            continue
        if math.isclose(ours, value, rel_tol=1e-9):
            equal += 1
        else:
            differences.append(f"{common} Hub {value:g} vs Neutra {ours:g}")
    reader.notes.append(
        f"Table 11 (AR5 GWPs): {equal} equal to Neutra's AR5 set; "
        + (f"differences: {'; '.join(differences)}" if differences else "no differences")
    )


def _blend_check(reader: _Reader, table: _Table) -> None:
    header = _header(table, reader, "ASHRAE #", "100-year GWP")
    if header is None:
        return
    texts = [_text(v) for v in table.rows[header][1]]
    name_col, value_col = texts.index("ASHRAE #"), texts.index("100-year GWP")
    ar5 = gwp_set("AR5")
    equal, differences, unknown = 0, [], []
    for excel_row, cells in _body(table, header + 1):
        blend = _text(_cell(cells, name_col))
        value = reader.number(excel_row, value_col, _cell(cells, value_col), f"GWP of {blend}")
        if value is None:
            continue
        if _known_gas(blend) is None:
            unknown.append(blend)
            continue
        try:
            parts = ar5.components(blend)
            # The Hub counts only the HFC and PFC parts of a blend (its source note says so).
            ours = sum(f * ar5.gwp(g) for g, f in parts if _HFC_OR_PFC.match(g))
        except GWPError as exc:
            differences.append(f"{blend}: {exc.message}")
            continue
        if abs(ours - value) <= 1.0:  # the Hub rounds to whole numbers
            equal += 1
        else:
            differences.append(f"{blend} Hub {value:g} vs Neutra {ours:.0f}")
    reader.notes.append(
        f"Table 12 (blends, AR5, HFC and PFC parts only): {equal} within 1 of Neutra's "
        "refrigerant_blends.csv and AR5 set; "
        + (f"differences: {'; '.join(differences)}" if differences else "no differences")
        + (f"; not in Neutra's blend table: {', '.join(unknown)}" if unknown else "")
    )


def _known_gas(*spellings: str) -> str | None:
    for spelling in spellings:
        try:
            return canonical_gas(spelling)
        except GWPError:
            continue
    return None
