"""The data-collection workbook a contributor fills in for one inventory (XLSX).

Its first sheet, "activities", has exactly the activity-file columns of
DESIGN.md §3.1 as its header, so the filled-in workbook is an activity file:
`neutra.formats.activity_files.read_activities` reads it as it is. Notes on
the header cells and data validation (the inventory's year, the
organisation's entities, scopes 1-3, categories 1-15, common units, the
activity keys) guide the contributor; a second sheet, "activity keys", lists
the keys the inventory's pinned factor sets serve; a "read me" sheet says how
to fill it in and upload it.

Plain values in, bytes out: it must never import Django, and never put
anything in the first sheet below the header (a pre-filled cell would be read
as an activity row).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from neutra.core.activities import CANONICAL_COLUMNS
from neutra.core.factors import FactorSet
from neutra.core.taxonomy import activity_types

__all__ = [
    "ACTIVITY_SHEET",
    "COLUMNS",
    "COMMON_UNITS",
    "KEYS_SHEET",
    "README_SHEET",
    "ActivityKey",
    "activity_keys_of",
    "write_activity_template",
]

ACTIVITY_SHEET = "activities"
KEYS_SHEET = "activity keys"
README_SHEET = "read me"
_LISTS_SHEET = "lists"  # hidden: the sources of the drop-down lists

# The activity-file columns (DESIGN.md §3.1) in the order of the contract's
# table; the period columns are left out: a yearly inventory asks for the year.
COLUMNS: tuple[str, ...] = tuple(c for c in CANONICAL_COLUMNS if not c.startswith("_"))

# The units the contract names (DESIGN.md §3.1), offered in the drop-down;
# any unit pint understands is still accepted (the list only warns).
COMMON_UNITS: tuple[str, ...] = (
    "kWh",
    "MWh",
    "GJ",
    "therm",
    "mmBtu",
    "scf",
    "L",
    "gal",
    "m3",
    "t",
    "kg",
    "km",
    "mi",
    "passenger_km",
    "tonne_km",
    "night",
    "USD",
    "EUR",
    "GBP",
)

# Rows of the first sheet that carry the drop-downs and checks. Excel applies
# them to the range only, so it is generous (a sheet holds ~1M rows).
_VALIDATED_ROWS = 100_000
_FIXED_TIME = dt.datetime(2000, 1, 1)  # the same inputs give the same bytes


@dataclass(frozen=True, slots=True)
class ActivityKey:
    """One activity key a row may name, as the "activity keys" sheet lists it."""

    key: str  # e.g. "fuel.natural_gas"
    description: str  # what the activity is, in words
    unit: str  # a typical unit (any unit of the same dimension works)
    scope: int | None  # the usual scope, 1-3
    category: int | None  # the usual scope 3 category, 1-15
    sets: tuple[str, ...] = ()  # the pinned factor sets that serve it, in search order


def activity_keys_of(factor_sets: Iterable[FactorSet]) -> list[ActivityKey]:
    """Every activity key the sets serve, by key; the taxonomy's words where it has them.

    A key outside the taxonomy (a custom set's own key) is described by its
    first factor, with the unit, scope and category most of its factors have.
    """
    taxonomy = activity_types()
    units: dict[str, Counter[str]] = {}
    scopes: dict[str, Counter[int | None]] = {}
    categories: dict[str, Counter[int | None]] = {}
    descriptions: dict[str, str] = {}
    sets: dict[str, list[str]] = {}
    for factor_set in factor_sets:
        for factor in factor_set.factors:
            key = factor.activity
            if not key:
                continue
            units.setdefault(key, Counter())[factor.unit] += 1
            scope = None if factor.scope is None else int(factor.scope.value)
            scopes.setdefault(key, Counter())[scope] += 1
            categories.setdefault(key, Counter())[factor.category] += 1
            descriptions.setdefault(key, factor.description or "")
            served_by = sets.setdefault(key, [])
            if factor_set.name not in served_by:
                served_by.append(factor_set.name)
    found = []
    for key in sorted(units):
        known = taxonomy.get(key)
        if known is not None:
            found.append(
                ActivityKey(
                    key,
                    known.description,
                    known.unit,
                    known.scope,
                    known.category,
                    tuple(sets[key]),
                )
            )
            continue
        found.append(
            ActivityKey(
                key=key,
                description=descriptions[key],
                unit=units[key].most_common(1)[0][0],
                scope=scopes[key].most_common(1)[0][0],
                category=categories[key].most_common(1)[0][0],
                sets=tuple(sets[key]),
            )
        )
    return found


# What each column means, shown as the header cell's note and on the read-me sheet.
def _column_notes(year: int, has_entities: bool) -> dict[str, str]:
    entity = (
        "Optional. The site or company the activity belongs to: pick one of the "
        "organisation's entities from the list."
        if has_entities
        else "Optional. The site or company the activity belongs to (free text: the "
        "organisation has no entity tree yet)."
    )
    return {
        "id": "Optional. Your own reference for the row (an invoice or meter number); "
        "it is echoed in errors and results. Default: the row number.",
        "entity": entity,
        "year": f"Required. The reporting year of the activity: {year} for this inventory.",
        "activity": "The activity key, e.g. fuel.natural_gas or electricity.grid: see the "
        f"'{KEYS_SHEET}' sheet. Give an activity, a factor, or both.",
        "factor": "Optional. An explicit emission factor reference, SET:FACTOR_ID or "
        "FACTOR_ID; it wins over the activity key.",
        "quantity": "Required. How much: a number with '.' as the decimal point and no "
        "thousands separators (1234.5, not 1,234.5). Negative for a correction.",
        "unit": "Required. The unit of the quantity: kWh, MWh, L, m3, kg, t, km, "
        "passenger_km, tonne_km, night, a currency code such as USD...",
        "region": "Optional. Where it happened: an ISO 3166 two-letter country code (GB, DE, "
        "US) or a subregion such as US-CAMX.",
        "scope": "Optional. 1, 2 or 3: overrides the factor's scope (fuel in own cars is "
        "scope 1, in employees' cars scope 3).",
        "category": "Optional. The scope 3 category, 1-15.",
        "description": "Optional. Free text: what the row is.",
    }


def write_activity_template(
    target: Path | str | IO[bytes],
    *,
    year: int,
    entities: Sequence[str],
    activity_keys: Sequence[ActivityKey],
    organisation: str = "",
    factor_sets: Sequence[str] = (),
    missing_sets: Sequence[str] = (),
) -> None:
    """Write the data-collection workbook of one inventory to a path or a binary buffer.

    `entities` are the organisation's entity names (the drop-down of the
    entity column; none: free text); `activity_keys` fill the keys sheet and
    the activity drop-down; `organisation`, `factor_sets` (as "name version")
    and `missing_sets` (pinned sets whose keys could not be listed) are
    named on the read-me sheet.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties(
        {
            "title": f"Activity data {year}" + (f": {organisation}" if organisation else ""),
            "comments": "Neutra data-collection template",
            "created": _FIXED_TIME,
        }
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#E4ECEA", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    title = workbook.add_format({"bold": True, "font_size": 14})
    names = sorted(set(entities), key=str.casefold)
    units = list(dict.fromkeys([*COMMON_UNITS, *(k.unit for k in activity_keys)]))

    sheet = workbook.add_worksheet(ACTIVITY_SHEET)
    keys_sheet = workbook.add_worksheet(KEYS_SHEET)
    readme = workbook.add_worksheet(README_SHEET)
    lists = workbook.add_worksheet(_LISTS_SHEET)

    notes = _column_notes(year, bool(names))
    widths = {"id": 14, "entity": 22, "activity": 30, "factor": 18, "description": 40}
    for index, column in enumerate(COLUMNS):
        sheet.write_string(0, index, column, bold)
        sheet.write_comment(0, index, notes[column], {"x_scale": 2.2, "y_scale": 1.6})
        sheet.set_column(index, index, widths.get(column, 11))
    sheet.freeze_panes(1, 0)
    sheet.activate()
    _validations(sheet, year=year, entities=names, units=units, keys=len(activity_keys))

    _keys_sheet(keys_sheet, activity_keys, bold)
    _readme(
        readme,
        title,
        wrap,
        year=year,
        organisation=organisation,
        factor_sets=factor_sets,
        missing_sets=missing_sets,
        notes=notes,
    )
    lists.write_string(0, 0, "entity", bold)
    lists.write_string(0, 1, "unit", bold)
    for row, name in enumerate(names, start=1):
        lists.write_string(row, 0, name)
    for row, unit in enumerate(units, start=1):
        lists.write_string(row, 1, unit)
    lists.hide()
    workbook.close()
    content = buffer.getvalue()
    if isinstance(target, Path | str):
        Path(target).write_bytes(content)
    else:
        target.write(content)


def _validations(
    sheet: Any, *, year: int, entities: Sequence[str], units: Sequence[str], keys: int
) -> None:
    last = _VALIDATED_ROWS

    def column(name: str) -> int:
        return COLUMNS.index(name)

    def validate(name: str, options: dict[str, Any]) -> None:
        sheet.data_validation(1, column(name), last, column(name), options)

    validate(
        "year",
        {
            "validate": "integer",
            "criteria": "==",
            "value": year,
            "input_title": "Reporting year",
            "input_message": f"This inventory is for {year}.",
            "error_title": "Another year",
            "error_message": f"This inventory takes activities of {year} only.",
        },
    )
    if entities:
        validate(
            "entity",
            {
                "validate": "list",
                "source": f"='{_LISTS_SHEET}'!$A$2:$A${len(entities) + 1}",
                "error_title": "Unknown entity",
                "error_message": "Pick one of the organisation's entities, or leave it empty.",
            },
        )
    if keys:
        # A warning, not a stop: a key of another pinned set, or a factor column, may serve.
        validate(
            "activity",
            {
                "validate": "list",
                "source": f"='{KEYS_SHEET}'!$A$2:$A${keys + 1}",
                "error_type": "warning",
                "error_title": "Activity key",
                "error_message": f"This key is not on the '{KEYS_SHEET}' sheet. Keep it?",
            },
        )
    validate(
        "unit",
        {
            "validate": "list",
            "source": f"='{_LISTS_SHEET}'!$B$2:$B${len(units) + 1}",
            "error_type": "warning",
            "error_title": "Unit",
            "error_message": "Not a common unit. Any unit of the right kind works: keep it?",
        },
    )
    validate(
        "quantity",
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": -1e18,
            "maximum": 1e18,
            "error_title": "Quantity",
            "error_message": "A number, with no thousands separators.",
        },
    )
    validate(
        "scope",
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1,
            "maximum": 3,
            "error_title": "Scope",
            "error_message": "1, 2 or 3, or empty for the factor's own scope.",
        },
    )
    validate(
        "category",
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1,
            "maximum": 15,
            "error_title": "Scope 3 category",
            "error_message": "A scope 3 category, 1 to 15, or empty.",
        },
    )


def _keys_sheet(sheet: Any, keys: Sequence[ActivityKey], bold: Any) -> None:
    for index, heading in enumerate(("key", "description", "unit", "scope", "category", "sets")):
        sheet.write_string(0, index, heading, bold)
    for row, key in enumerate(keys, start=1):
        sheet.write_string(row, 0, key.key)
        sheet.write_string(row, 1, key.description)
        sheet.write_string(row, 2, key.unit)
        if key.scope is not None:
            sheet.write_number(row, 3, key.scope)
        if key.category is not None:
            sheet.write_number(row, 4, key.category)
        sheet.write_string(row, 5, ", ".join(key.sets))
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 80)
    sheet.set_column(5, 5, 30)
    sheet.freeze_panes(1, 0)
    if keys:
        sheet.autofilter(0, 0, len(keys), 5)


def _readme(
    sheet: Any,
    title: Any,
    wrap: Any,
    *,
    year: int,
    organisation: str,
    factor_sets: Sequence[str],
    missing_sets: Sequence[str],
    notes: dict[str, str],
) -> None:
    whose = f" of {organisation}" if organisation else ""
    lines: list[tuple[str, str]] = [
        ("", f"Activity data{whose} for {year}"),
        ("", ""),
        ("How", f"Fill in the '{ACTIVITY_SHEET}' sheet: one row per activity, from row 2."),
        ("", "Keep its first row (the column names) as it is; do not add rows above it."),
        ("", "Empty rows are skipped. Columns you add are kept and shown with the results."),
        ("", "Save as .xlsx and upload it on the inventory's page (or POST it to the API)."),
        ("", "Every problem is listed with its row and column; a file with any problem"),
        ("", "stores nothing, so fix the rows and upload the file again."),
        ("", ""),
    ]
    lines += [(column, notes[column]) for column in COLUMNS]
    lines += [("", "")]
    if factor_sets:
        lines.append(("Factor sets", "The inventory's factors come from, in this order: "))
        lines += [("", name) for name in factor_sets]
    if missing_sets:
        lines.append(
            ("Not listed", "These pinned sets are not on this server; their keys are missing:")
        )
        lines += [("", name) for name in missing_sets]
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 110, wrap)
    for row, (label, text) in enumerate(lines):
        if row == 0:
            sheet.write_string(row, 1, text, title)
            continue
        if label:
            sheet.write_string(row, 0, label)
        if text:
            sheet.write_string(row, 1, text)
