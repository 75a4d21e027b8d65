"""Activity data: the validated, typed table of what an organisation did.

Readers in `neutra.formats` turn files into a raw Ibis table; `validate_activities`
checks it whole and returns `ActivityData` (every column typed and canonical) or
raises `InvalidInputError` with every problem at once. The engine only ever sees
`ActivityData`.

It must never read files, and never run Python per row: checks are Ibis
expressions, and unit checks run once per distinct unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis.expr.types as ir

__all__ = ["CANONICAL_COLUMNS", "ActivityData"]

# Column name -> Ibis type of the validated table. `_source` and `_row` locate a
# row for errors and lines; `id` is the user's id (default: the row number).
CANONICAL_COLUMNS: dict[str, str] = {
    "_source": "string",  # file label the row came from
    "_row": "int64",  # spreadsheet-style row number (header = 1)
    "id": "string",  # row identifier, unique within its file
    "entity": "string",  # organisational unit or site, or null
    "year": "int64",  # reporting year (from `year`, or from the period)
    "activity": "string",  # activity key, or null
    "factor": "string",  # explicit factor reference `SET:FACTOR_ID` or `FACTOR_ID`, or null
    "quantity": "float64",  # amount of activity, may be negative (a correction)
    "unit": "string",  # unit as written (pint understands it)
    "region": "string",  # ISO 3166 alpha-2 or subregion such as US-CAMX, upper case, or null
    "scope": "int64",  # 1, 2 or 3 overriding the factor's scope, or null
    "category": "int64",  # scope 3 category 1-15, or null
    "description": "string",  # free text, or null
}


@dataclass(frozen=True, slots=True)
class ActivityData:
    """Validated activities, ready for the engine."""

    table: ir.Table  # CANONICAL_COLUMNS first, then pass-through columns as strings
    sources: dict[str, str]  # file label -> sha256 of its content, for provenance
    passthrough: tuple[str, ...] = field(default=())  # unknown columns kept, in file order
