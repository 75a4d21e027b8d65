"""Registry statements (CSV): what a registry says an account holds, or what it did.

Columns: `registry, account, programme, unit_type, host_party, project_id,
vintage, serial_start, serial_end`, optional `quantity` (a check) and `date`.
A holdings statement has no `action` column: every line is held. A
transactions statement has one: `cancel` leaves the units cancelled, `sale`
sold, `purchase` and `transfer` held in the account named.

It must never return part of a file: every problem is raised at once as
`InvalidInputError`, and lines that overlap each other are a problem.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from neutra.core.credits import (
    BlockState,
    SerialRange,
    StatementLine,
    UnitType,
    parse_period,
)
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.csv_records import read_table_records
from neutra.formats.numbers import TOO_MANY_DIGITS, is_whole_number, whole_number

__all__ = ["REQUIRED_COLUMNS", "read_statement"]

REQUIRED_COLUMNS = (
    "registry",
    "account",
    "programme",
    "unit_type",
    "host_party",
    "project_id",
    "vintage",
    "serial_start",
    "serial_end",
)
_STATES = {
    "cancel": BlockState.CANCELLED,
    "cancellation": BlockState.CANCELLED,
    "sale": BlockState.SOLD,
    "purchase": BlockState.HELD,
    "transfer": BlockState.HELD,
}


def read_statement(path: Path, *, label: str | None = None) -> tuple[StatementLine, ...]:
    """The lines of a registry statement, or every problem at once."""
    label = label or str(path)
    header, records, problems = read_table_records(path, label, REQUIRED_COLUMNS)
    if problems:
        raise InvalidInputError(problems)
    transactions = "action" in header
    lines: list[StatementLine] = []
    for number, record in records:
        found: list[Problem] = []

        def bad(
            column: str,
            reason: str,
            record: dict[str, str] = record,
            number: int = number,
            found: list[Problem] = found,
        ) -> None:
            found.append(Problem(label, number, column, record.get(column, "")[:80], reason))

        ints = {}
        for column in ("serial_start", "serial_end", "quantity"):
            text = record.get(column, "")
            ints[column] = whole_number(text) if text else None
            if text and not is_whole_number(text):
                bad(column, "not a whole number (digits only, no separators)")
            elif text and ints[column] is None:
                bad(column, TOO_MANY_DIGITS)
        for column in ("registry", "programme", "serial_start", "serial_end"):
            if not record[column]:
                bad(column, f"no {column} given")
        unit_type = None
        try:
            unit_type = UnitType.parse(record["unit_type"])
        except ValueError:
            bad("unit_type", "unknown unit type")
        if record["vintage"]:
            try:
                parse_period(record["vintage"])
            except ValueError as exc:
                bad("vintage", str(exc))
        state = BlockState.HELD
        if transactions:
            action = record.get("action", "").lower()
            if action not in _STATES:
                bad("action", f"unknown action: write one of {', '.join(_STATES)}")
            state = _STATES.get(action, BlockState.HELD)
        date = None
        if record.get("date"):
            try:
                date = dt.date.fromisoformat(record["date"])
            except ValueError:
                bad("date", "not an ISO date: write YYYY-MM-DD")
        start, end = ints["serial_start"], ints["serial_end"]
        serials = None
        if start is not None and end is not None:
            if end < start:
                bad("serial_end", f"serial_end {end} is before serial_start {start}")
            else:
                serials = SerialRange(start, end)
                if ints["quantity"] is not None and ints["quantity"] != serials.quantity:
                    bad(
                        "quantity",
                        f"quantity disagrees with serials {serials} ({serials.quantity} units)",
                    )
        problems += found
        if found or serials is None or unit_type is None:
            continue
        lines.append(
            StatementLine(
                row=number,
                registry=record["registry"].upper(),
                account=record["account"],
                programme=record["programme"].upper(),
                unit_type=unit_type,
                host_party=record["host_party"].upper(),
                project_id=record["project_id"],
                vintage=record["vintage"],
                serials=serials,
                state=state,
                date=date,
            )
        )
    problems += _overlaps(lines, label)
    if problems:
        raise InvalidInputError(problems)
    return tuple(lines)


def _overlaps(lines: list[StatementLine], label: str) -> list[Problem]:
    found = []
    by_space: dict[object, list[StatementLine]] = {}
    for line in lines:
        by_space.setdefault((line.space, line.state), []).append(line)
    for group in by_space.values():
        group.sort(key=lambda line: line.serials.start)
        for before, after in itertools.pairwise(group):
            if after.serials.start <= before.serials.end:
                reason = f"serials overlap row {before.row} ({before.serials})"
                found.append(
                    Problem(label, after.row, "serial_start", str(after.serials.start), reason)
                )
    return found
