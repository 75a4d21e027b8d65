"""The custom factor file (CSV, DESIGN.md §3.2) into a `FactorSet`.

Several rows with one factor_id (one per gas) form one factor. The whole file
is checked before anything is returned: every problem comes back at once with
its row, column and value; a file with problems gives no factor set.

It must never return a partly read set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neutra.core.errors import GWPError, InvalidInputError, Problem, UnitError
from neutra.core.factors import Basis, Factor, FactorSet, GasAmount, Scope
from neutra.core.gwp import GWP_SET_NAMES, canonical_gas
from neutra.core.regions import is_known_region
from neutra.core.units import conversion_factor, dimension_name, parse_unit
from neutra.formats.csv_records import Record, read_records
from neutra.formats.numbers import MAX_FACTOR, decimal_number

__all__ = ["read_factor_csv"]

# Records a problem: row, column, value, reason.
Bad = Callable[[int, str, "str | None", str], None]

REQUIRED = ("factor_id", "gas", "value", "unit")
OPTIONAL = (
    "activity", "gwp_set", "region", "year", "scope", "category",
    "biogenic", "basis", "source", "description",
)  # fmt: skip
# Attributes that belong to the factor, so every gas row of one factor must agree.
FACTOR_LEVEL = ("activity", "region", "year", "scope", "category", "basis", "gwp_set")
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n", ""}
# "kg/kWh", "kg CO2e / kWh", "g/mmBtu": a mass, an optional gas name, then per activity unit.
_FACTOR_UNIT = re.compile(
    r"^\s*(?P<mass>[A-Za-z]+)\s*(?P<gas>[A-Za-z][A-Za-z0-9_\-]*)?\s*/\s*(?P<per>.+)$"
)


def read_factor_csv(
    path: Path, *, name: str | None = None, source: str | None = None, licence: str | None = None
) -> FactorSet:
    """Read a custom factor CSV; raise InvalidInputError listing every problem."""
    label = str(path)
    header, rows, problems = read_records(path, label, REQUIRED)
    if problems and not rows:
        raise InvalidInputError(problems)
    if not rows and header:
        raise InvalidInputError([Problem(label, 1, None, None, "no factor rows under the header")])
    if any(p.row == 1 for p in problems):
        raise InvalidInputError(problems)  # without its columns, rows would only repeat it

    by_id: dict[str, list[tuple[int, Record]]] = defaultdict(list)
    for number, record in rows:
        for column in OPTIONAL:
            record.setdefault(column, "")
        by_id[record["factor_id"]].append((number, record))

    factors = []
    for factor_id, records in by_id.items():
        factor = _build_factor(label, factor_id, records, problems)
        if factor is not None:
            factors.append(factor)
    if problems:
        raise InvalidInputError(problems)
    return FactorSet(name=name or path.stem, factors=tuple(factors), source=source, licence=licence)


def _build_factor(
    label: str, factor_id: str, records: list[tuple[int, dict[str, str]]], problems: list[Problem]
) -> Factor | None:
    before = len(problems)

    def bad(row: int, column: str, value: str | None, reason: str) -> None:
        problems.append(Problem(label, row, column, value, reason))

    first_row, first = records[0]
    if not factor_id:
        bad(first_row, "factor_id", "", "factor_id is empty")
    elif ":" in factor_id:
        bad(
            first_row,
            "factor_id",
            factor_id,
            "a factor_id cannot contain ':' (it separates set and id)",
        )
    for row, record in records[1:]:
        for column in FACTOR_LEVEL:
            if record.get(column, "") != first.get(column, ""):
                bad(
                    row,
                    column,
                    record.get(column),
                    f"differs from row {first_row} of the same factor",
                )

    per_unit = _per_unit(first_row, first["unit"], bad)
    for row, record in records[1:]:
        match = _FACTOR_UNIT.match(record["unit"])
        if per_unit and match and match["per"].strip() != per_unit:
            bad(
                row,
                "unit",
                record["unit"],
                f"per {match['per'].strip()}, but row {first_row} of the same factor is per {per_unit}",
            )
    gases: list[GasAmount] = []
    seen_gases: dict[tuple[str, bool], int] = {}
    gwp_set = first.get("gwp_set", "") or None
    for row, record in records:
        amount = _gas_amount(row, record, bad)
        if amount is None:
            continue
        key = (amount.gas, amount.biogenic)
        if key in seen_gases:
            bad(
                row,
                "gas",
                record["gas"],
                f"gas given twice for this factor (row {seen_gases[key]})",
            )
        seen_gases[key] = row
        if amount.gas == "CO2e" and not gwp_set:
            bad(
                row,
                "gwp_set",
                "",
                "a CO2e value needs the GWP set it was made with (AR4, AR5, AR6)",
            )
        gases.append(amount)
    if gwp_set and gwp_set.upper() not in GWP_SET_NAMES:
        bad(
            first_row, "gwp_set", gwp_set, f"unknown GWP set; use one of {', '.join(GWP_SET_NAMES)}"
        )
    attrs = _factor_attributes(first_row, first, bad)
    if len(problems) > before or per_unit is None:
        return None
    return Factor(
        factor_id=factor_id,
        unit=per_unit,
        gases=tuple(sorted(gases, key=lambda g: (g.gas, g.biogenic))),
        gwp_set=gwp_set.upper() if gwp_set else None,
        **attrs,
    )


def _per_unit(row: int, unit: str, bad: Bad) -> str | None:
    """The activity unit of a factor unit like 'kg/kWh'; checks the mass part."""
    match = _FACTOR_UNIT.match(unit)
    if not match:
        bad(row, "unit", unit, "expected a mass per activity unit, e.g. kg/kWh or g/mmBtu")
        return None
    mass, per = match["mass"], match["per"].strip()
    try:
        if dimension_name(mass) != "mass":
            bad(row, "unit", unit, f"{mass!r} is not a mass; expected e.g. kg/kWh")
            return None
        parse_unit(per)
    except UnitError as exc:
        bad(row, "unit", unit, exc.message)
        return None
    return per


def _gas_amount(row: int, record: dict[str, str], bad: Bad) -> GasAmount | None:
    try:
        gas = canonical_gas(record["gas"])
    except GWPError as exc:
        bad(row, "gas", record["gas"], exc.message)
        gas = None
    value = _number(row, "value", record["value"], bad)
    biogenic_text = record.get("biogenic", "").lower()
    if biogenic_text not in TRUE_WORDS | FALSE_WORDS:
        bad(row, "biogenic", record["biogenic"], "expected true or false")
    biogenic = biogenic_text in TRUE_WORDS
    if biogenic and gas not in (None, "CO2"):
        bad(row, "biogenic", record["biogenic"], "only CO2 can be biogenic (its CH4 and N2O count)")
    match = _FACTOR_UNIT.match(record["unit"])
    if gas is None or value is None or match is None:
        return None
    if match["gas"] and _same_gas(match["gas"]) != gas:
        bad(row, "unit", record["unit"], f"the unit names gas {match['gas']} but the row is {gas}")
        return None
    try:
        t_per_unit = value * conversion_factor(match["mass"], "t")
    except UnitError:
        return None  # reported by _per_unit
    return GasAmount(gas=gas, t_per_unit=t_per_unit, biogenic=biogenic)


def _same_gas(text: str) -> str | None:
    try:
        return canonical_gas(text)
    except GWPError:
        return None


def _number(row: int, column: str, text: str, bad: Bad) -> float | None:
    value = decimal_number(text)
    if value is None:
        bad(row, column, text, "not a number (use . as decimal point, no thousands separators)")
        return None
    if value < 0:
        bad(row, column, text, "a factor cannot be negative")
        return None
    if value >= MAX_FACTOR:
        bad(row, column, text, f"too large: a factor is below {MAX_FACTOR:.0e} (check the unit)")
        return None
    return value


def _factor_attributes(row: int, record: dict[str, str], bad: Bad) -> dict[str, Any]:
    attrs: dict[str, Any] = {"activity": record.get("activity") or None}
    region = (record.get("region") or "").upper() or None
    if region is not None and not is_known_region(region):
        bad(
            row,
            "region",
            region,
            "unknown region: use ISO 3166 alpha-2, a subregion like US-CAMX, or WORLD",
        )
    attrs["region"] = region
    attrs["year"] = _small_int(row, "year", record.get("year", ""), 1900, 2100, bad)
    scope = _small_int(row, "scope", record.get("scope", ""), 1, 3, bad)
    attrs["scope"] = None if scope is None else Scope(str(scope))
    attrs["category"] = _small_int(row, "category", record.get("category", ""), 1, 15, bad)
    if attrs["category"] is not None and scope not in (None, 3):
        bad(row, "category", record.get("category"), "a category is only for scope 3 factors")
    basis = (record.get("basis") or "location").lower()
    if basis not in {b.value for b in Basis}:
        bad(row, "basis", record.get("basis"), "expected location or residual_mix")
        basis = "location"
    attrs["basis"] = Basis(basis)
    attrs["source"] = record.get("source") or None
    attrs["description"] = record.get("description") or None
    return attrs


def _small_int(row: int, column: str, text: str, low: int, high: int, bad: Bad) -> int | None:
    if not text:
        return None
    number = decimal_number(text)
    if number is None or not number.is_integer() or not low <= number <= high:
        bad(row, column, text, f"expected a whole number from {low} to {high}")
        return None
    return int(number)
