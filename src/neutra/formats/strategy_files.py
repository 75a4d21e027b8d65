"""The strategy files of DESIGN.md §8: emissions history, denominators, targets, structural changes.

Readers turn each CSV into core values, checking the whole file and then the
files against each other (a denominator for a year the history lacks, a
target's base year with no figures, a revenue currency with no exchange rate
for its year); every problem comes back at once with file, row, column, value
and reason. Writers give the same files back (the web exports a client's
history this way, as reported and restated).

It must never return part of a file, never guess a percentage for a fraction
("42" for 0.42 is refused with a hint), never accept an emission figure beyond
`MAX_TONNES` (sums of them could overflow), and never convert money at another
year's rate.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TypeVar

from neutra.core.baseyear import BaseYearError, ChangeKind, StructuralChange
from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.core.history import (
    EmissionsHistory,
    EmissionsYear,
    HistoryError,
    Scope2Basis,
    ScopeCoverage,
)
from neutra.core.indicators import (
    DENOMINATOR_RANGE,
    FTE,
    MAX_DENOMINATOR,
    MIN_DENOMINATOR,
    REVENUE,
    Denominator,
    choose_currency,
)
from neutra.core.money import exchange_rate
from neutra.core.targets import Milestone, Target, TargetError, TargetKind, known_criteria
from neutra.core.units import CURRENCIES
from neutra.formats.csv_records import Record, read_records
from neutra.formats.numbers import (
    MAX_TONNES,
    TOO_MANY_TONNES,
    decimal_number,
    is_decimal_number,
    whole_number,
)

__all__ = [
    "CHANGE_COLUMNS",
    "DENOMINATOR_COLUMNS",
    "HISTORY_COLUMNS",
    "TARGET_COLUMNS",
    "StrategyInputs",
    "read_changes",
    "read_denominators",
    "read_history",
    "read_strategy_inputs",
    "read_targets",
    "write_changes",
    "write_denominators",
    "write_history",
    "write_targets",
]

HISTORY_COLUMNS = ("year", "scope1", "scope2_location", "scope2_market", "scope3")
CATEGORY_COLUMNS = tuple(f"cat{n}" for n in range(1, 16))
DENOMINATOR_COLUMNS = ("year", "indicator", "value", "unit", "source")
TARGET_COLUMNS = (
    "target_id",
    "kind",
    "scopes",
    "scope2",
    "base_year",
    "base_value",
    "target_year",
    "reduction",
    "denominator",
    "criteria",
)
# Optional target columns beyond §8: scope 3 categories ("1;4;6") and milestones ("2025:0.2;2027:0.3").
TARGET_EXTRA_COLUMNS = ("categories", "milestones")
TARGET_REQUIRED = ("target_id", "kind", "scopes", "base_year", "target_year", "reduction")
CHANGE_COLUMNS = ("year", "kind", "description", "base_year_effect_t")

E = TypeVar("E", bound=StrEnum)

INDICATOR_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # fte, revenue, tonnes_produced
YEARS = range(1900, 2101)
_NOT_A_NUMBER = "give a number with '.' as decimal point and no thousands separators"


def _year(label: str, row: int, column: str, text: str, problems: list[Problem]) -> int | None:
    year = whole_number(text, max_digits=4)
    if year is None or year not in YEARS:
        problems.append(Problem(label, row, column, text[:80], "give a year such as 2024"))
        return None
    return year


def _amount(
    label: str, row: int, column: str, text: str, problems: list[Problem], *, signed: bool = False
) -> float | None:
    """An emission figure in t CO2e, at most MAX_TONNES either way."""
    if not is_decimal_number(text):
        problems.append(Problem(label, row, column, text[:80], _NOT_A_NUMBER))
        return None
    value = float(text)
    if not abs(value) <= MAX_TONNES:  # also inf, from "1e999"
        problems.append(Problem(label, row, column, text[:80], TOO_MANY_TONNES))
        return None
    if not signed and value < 0:
        problems.append(Problem(label, row, column, text, "must not be negative"))
        return None
    return value


# --- history ---------------------------------------------------------------------------


def read_history(path: Path) -> tuple[EmissionsHistory, dict[int, int]]:
    """The history in the file, and the row of each year; `InvalidInputError` listing every problem."""
    label = str(path)
    _header, rows, problems = read_records(path, label, HISTORY_COLUMNS)
    if problems:
        raise InvalidInputError(problems)
    years: list[EmissionsYear] = []
    row_of: dict[int, int] = {}
    for row, record in rows:
        year = _year(label, row, "year", record["year"], problems)
        figures = [_amount(label, row, c, record[c], problems) for c in HISTORY_COLUMNS[1:]]
        categories = {}
        for n, column in enumerate(CATEGORY_COLUMNS, start=1):
            if record.get(column, ""):
                value = _amount(label, row, column, record[column], problems)
                if value is not None:
                    categories[n] = value
        if year is not None and year in row_of:
            problems.append(
                Problem(label, row, "year", str(year), f"{year} is already on row {row_of[year]}")
            )
            continue
        if year is None or any(f is None for f in figures):
            continue
        scope1, s2l, s2m, s3 = (float(f) for f in figures if f is not None)
        if categories and math.fsum(categories.values()) > s3 * (1 + 1e-9) + 1e-9:
            reason = f"the categories add up to {math.fsum(categories.values()):,.3f} t, more than scope3"
            problems.append(Problem(label, row, "scope3", record["scope3"], reason))
            continue
        row_of[year] = row
        years.append(EmissionsYear(year, scope1, s2l, s2m, s3, categories))
    if not rows:
        problems.append(Problem(label, None, None, None, "the history has no years"))
    if problems:
        raise InvalidInputError(problems)
    try:
        return EmissionsHistory(tuple(years)), row_of
    except HistoryError as exc:  # already checked row by row; kept as a last guard
        raise InvalidInputError([Problem(label, None, None, None, exc.message)]) from None


def write_history(history: EmissionsHistory, handle: IO[str]) -> None:
    """The history as a §8 CSV (category columns only when some year has categories)."""
    with_categories = any(y.categories for y in history.years)
    columns = list(HISTORY_COLUMNS) + (list(CATEGORY_COLUMNS) if with_categories else [])
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for y in history.years:
        cells = [
            str(y.year),
            *(repr(v) for v in (y.scope1, y.scope2_location, y.scope2_market, y.scope3)),
        ]
        if with_categories:
            cells += [repr(y.categories[n]) if n in y.categories else "" for n in range(1, 16)]
        writer.writerow(cells)


# --- denominators ----------------------------------------------------------------------


def read_denominators(path: Path) -> list[tuple[int, Denominator]]:
    """(row, denominator) pairs; `InvalidInputError` listing every problem."""
    label = str(path)
    _, rows, problems = read_records(path, label, ("year", "indicator", "value", "unit"))
    if problems:
        raise InvalidInputError(problems)
    found: list[tuple[int, Denominator]] = []
    seen: dict[tuple[int, str], int] = {}
    for row, record in rows:
        year = _year(label, row, "year", record["year"], problems)
        indicator = record["indicator"].lower()
        unit = record["unit"]
        ok = year is not None
        if not INDICATOR_NAME.fullmatch(indicator):
            reason = (
                "give fte, revenue or a name of lower-case letters, digits and _ (tonnes_produced)"
            )
            problems.append(Problem(label, row, "indicator", record["indicator"], reason))
            ok = False
        value = decimal_number(record["value"])
        if value is None:
            problems.append(Problem(label, row, "value", record["value"][:80], _NOT_A_NUMBER))
            ok = False
        elif value <= 0:
            what = "a headcount" if indicator == FTE else "a denominator"
            problems.append(
                Problem(label, row, "value", record["value"], f"{what} must be more than zero")
            )
            ok = False
        elif not MIN_DENOMINATOR <= value <= MAX_DENOMINATOR:
            problems.append(Problem(label, row, "value", record["value"], DENOMINATOR_RANGE))
            ok = False
        if indicator == REVENUE and unit not in CURRENCIES:
            reason = "revenue needs its currency as an ISO 4217 code, e.g. EUR"
            problems.append(Problem(label, row, "unit", unit, reason))
            ok = False
        if indicator == FTE:
            if unit.lower() not in ("", "fte"):
                problems.append(Problem(label, row, "unit", unit, "the unit of fte is FTE"))
                ok = False
            unit = "FTE"
        if ok and year is not None:
            key = (year, indicator)
            if key in seen:
                reason = f"{indicator} for {year} is already on row {seen[key]}"
                problems.append(Problem(label, row, "indicator", indicator, reason))
                continue
            seen[key] = row
            assert value is not None
            found.append((row, Denominator(year, indicator, value, unit, record.get("source", ""))))
    if problems:
        raise InvalidInputError(problems)
    return found


def write_denominators(denominators: Iterable[Denominator], handle: IO[str]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(DENOMINATOR_COLUMNS)
    for d in denominators:
        writer.writerow([d.year, d.indicator, repr(d.value), d.unit, d.source])


# --- targets ---------------------------------------------------------------------------


def _enum_cell(
    label: str, row: int, column: str, text: str, kind: type[E], problems: list[Problem]
) -> E | None:
    try:
        return kind(text.lower())
    except ValueError:
        allowed = " or ".join(m.value for m in kind)
        problems.append(Problem(label, row, column, text, f"give {allowed}"))
        return None


def _fraction(
    label: str, row: int, column: str, text: str, problems: list[Problem]
) -> float | None:
    value = decimal_number(text)
    if value is None:
        problems.append(
            Problem(label, row, column, text[:80], "give a fraction of the base, e.g. 0.42")
        )
        return None
    if value > 1:
        reason = (
            "a reduction over 100 % of the base: give a fraction of the base, e.g. 0.42 for 42 %"
        )
        problems.append(Problem(label, row, column, text, reason))
        return None
    if value <= 0:
        problems.append(Problem(label, row, column, text, "the reduction must be more than 0"))
        return None
    return value


def _target_row(label: str, row: int, r: Record, problems: list[Problem]) -> Target | None:
    start = len(problems)
    target_id = r["target_id"]
    if not target_id:
        problems.append(Problem(label, row, "target_id", "", "the target has no id"))
    kind = _enum_cell(label, row, "kind", r["kind"], TargetKind, problems)
    scopes = _enum_cell(label, row, "scopes", r["scopes"].replace(" ", ""), ScopeCoverage, problems)
    scope2 = _enum_cell(
        label, row, "scope2", r.get("scope2", "") or "market", Scope2Basis, problems
    )
    base_year = _year(label, row, "base_year", r["base_year"], problems)
    target_year = _year(label, row, "target_year", r["target_year"], problems)
    if base_year is not None and target_year is not None and target_year <= base_year:
        reason = f"the target year must be after the base year {base_year}"
        problems.append(Problem(label, row, "target_year", r["target_year"], reason))
    base_value = None
    if r.get("base_value", ""):
        base_value = _amount(label, row, "base_value", r["base_value"], problems)
    reduction = _fraction(label, row, "reduction", r["reduction"], problems)
    denominator = r.get("denominator", "").lower() or None
    if kind is TargetKind.INTENSITY and not denominator:
        problems.append(
            Problem(
                label,
                row,
                "denominator",
                "",
                "an intensity target needs a denominator (fte, revenue, ...)",
            )
        )
    if kind is TargetKind.ABSOLUTE and denominator:
        problems.append(
            Problem(label, row, "denominator", denominator, "an absolute target has no denominator")
        )
    criteria = r.get("criteria", "") or None
    if criteria and criteria not in known_criteria():
        known = ", ".join(sorted(known_criteria()))
        problems.append(
            Problem(label, row, "criteria", criteria, f"unknown criteria; known: {known}")
        )
    categories: list[int] = []
    for part in filter(None, (p.strip() for p in r.get("categories", "").split(";"))):
        category = whole_number(part, max_digits=2)
        if category is None or not 1 <= category <= 15:
            problems.append(
                Problem(
                    label,
                    row,
                    "categories",
                    r["categories"],
                    "give scope 3 categories 1-15 separated by ';'",
                )
            )
            break
        categories.append(category)
    milestones: list[Milestone] = []
    for part in filter(None, (p.strip() for p in r.get("milestones", "").split(";"))):
        year_text, _, share_text = part.partition(":")
        m_year = _year(label, row, "milestones", year_text.strip(), problems)
        m_share = _fraction(label, row, "milestones", share_text.strip(), problems)
        if m_year is None or m_share is None:
            break
        milestones.append(Milestone(m_year, m_share))
    if len(problems) > start:
        return None
    assert base_year is not None
    assert target_year is not None
    assert reduction is not None
    assert kind is not None
    assert scopes is not None
    assert scope2 is not None
    try:
        return Target(
            target_id,
            kind,
            scopes,
            scope2,
            base_year,
            base_value,
            target_year,
            reduction,
            denominator,
            criteria,
            tuple(categories),
            tuple(milestones),
        )
    except TargetError as exc:
        column = exc.extra.get("field")
        problems.append(Problem(label, row, column, r.get(column or "", None), exc.message))
        return None


def read_targets(path: Path) -> list[tuple[int, Target]]:
    """(row, target) pairs; `InvalidInputError` listing every problem."""
    label = str(path)
    _, rows, problems = read_records(path, label, TARGET_REQUIRED)
    if problems:
        raise InvalidInputError(problems)
    found: list[tuple[int, Target]] = []
    seen: dict[str, int] = {}
    for row, record in rows:
        target = _target_row(label, row, record, problems)
        if target is None:
            continue
        if target.target_id in seen:
            reason = f"the id is already on row {seen[target.target_id]}"
            problems.append(Problem(label, row, "target_id", target.target_id, reason))
            continue
        seen[target.target_id] = row
        found.append((row, target))
    if problems:
        raise InvalidInputError(problems)
    return found


def write_targets(targets: Iterable[Target], handle: IO[str]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([*TARGET_COLUMNS, *TARGET_EXTRA_COLUMNS])
    for t in targets:
        writer.writerow(
            [
                t.target_id,
                t.kind.value,
                t.scopes.value,
                t.scope2.value,
                t.base_year,
                "" if t.base_value is None else repr(t.base_value),
                t.target_year,
                repr(t.reduction),
                t.denominator or "",
                t.criteria or "",
                ";".join(str(c) for c in t.categories),
                ";".join(f"{m.year}:{m.reduction!r}" for m in t.milestones),
            ]
        )


# --- structural changes ----------------------------------------------------------------


def read_changes(path: Path) -> list[tuple[int, StructuralChange]]:
    """(row, change) pairs; `InvalidInputError` listing every problem."""
    label = str(path)
    _, rows, problems = read_records(path, label, CHANGE_COLUMNS)
    if problems:
        raise InvalidInputError(problems)
    found = []
    for row, r in rows:
        start = len(problems)
        year = _year(label, row, "year", r["year"], problems)
        kind = _enum_cell(label, row, "kind", r["kind"], ChangeKind, problems)
        effect = _amount(
            label, row, "base_year_effect_t", r["base_year_effect_t"], problems, signed=True
        )
        if not r["description"]:
            problems.append(Problem(label, row, "description", "", "say what changed"))
        if len(problems) == start:
            assert year is not None
            assert effect is not None
            assert kind is not None
            found.append((row, StructuralChange(year, kind, r["description"], effect)))
    if problems:
        raise InvalidInputError(problems)
    return found


def write_changes(changes: Iterable[StructuralChange], handle: IO[str]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(CHANGE_COLUMNS)
    for c in changes:
        writer.writerow([c.year, c.kind.value, c.description, repr(c.base_year_effect_t)])


# --- all together ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StrategyInputs:
    """The files of one `neutra strategy` run, each checked and checked against the others."""

    history: EmissionsHistory
    base_year: int
    denominators: tuple[Denominator, ...]
    currency: str | None  # revenue intensities are per million of this currency
    targets: tuple[Target, ...]
    changes: tuple[StructuralChange, ...]
    history_file: str  # the history file as named to the user
    history_rows: Mapping[int, int]  # the row of each year in the history file


def _collect(problems: list[Problem], reader, path):  # type: ignore[no-untyped-def]
    try:
        return reader(path)
    except InvalidInputError as exc:
        problems.extend(exc.problems)
        return None


def read_strategy_inputs(
    history_path: Path,
    *,
    base_year: int | None = None,
    denominators_path: Path | None = None,
    targets_path: Path | None = None,
    changes_path: Path | None = None,
    currency: str | None = None,
) -> StrategyInputs:
    """Read every file, then check them together; `InvalidInputError` listing every problem."""
    problems: list[Problem] = []
    read = _collect(problems, read_history, history_path)
    denominators: Sequence[tuple[int, Denominator]] = (
        _collect(problems, read_denominators, denominators_path) or [] if denominators_path else []
    )
    targets: Sequence[tuple[int, Target]] = (
        _collect(problems, read_targets, targets_path) or [] if targets_path else []
    )
    changes: Sequence[tuple[int, StructuralChange]] = (
        _collect(problems, read_changes, changes_path) or [] if changes_path else []
    )
    if currency is not None and currency not in CURRENCIES:
        problems.append(
            Problem("--currency", None, None, currency, "give an ISO 4217 code, e.g. EUR")
        )
    if read is None or problems:
        raise InvalidInputError(problems)
    history, history_rows = read
    year = history.first_year if base_year is None else base_year
    if year not in history:
        problems.append(
            Problem("--base-year", None, None, str(year), f"the history has no figures for {year}")
        )
    chosen = currency or choose_currency(d for _, d in denominators)
    by_indicator: dict[str, set[int]] = {}
    for row, d in denominators:
        by_indicator.setdefault(d.indicator, set()).add(d.year)
        if d.year not in history:
            reason = f"the history has no figures for {d.year}: an intensity needs both"
            problems.append(Problem(str(denominators_path), row, "year", str(d.year), reason))
        if d.indicator == REVENUE and chosen is not None and d.unit != chosen:
            try:
                exchange_rate(d.unit, chosen, d.year)
            except ValueError as exc:
                reason = f"{exc}: revenue is shown in {chosen}; give the revenue in {chosen} or choose --currency {d.unit}"
                problems.append(Problem(str(denominators_path), row, "unit", d.unit, reason))
    for row, t in targets:
        where = str(targets_path)
        if t.base_value is None and t.base_year not in history:
            reason = f"the history has no figures for {t.base_year}; give base_value"
            problems.append(Problem(where, row, "base_year", str(t.base_year), reason))
        if t.denominator is not None:
            if t.denominator not in by_indicator:
                reason = "no such denominator in the denominators file" + (
                    "" if denominators_path else " (give --denominators)"
                )
                problems.append(Problem(where, row, "denominator", t.denominator, reason))
            elif t.base_value is None and t.base_year not in by_indicator[t.denominator]:
                reason = f"no {t.denominator} for the base year {t.base_year}; give base_value"
                problems.append(Problem(where, row, "denominator", t.denominator, reason))
    for row, c in changes:
        if c.year <= year:
            reason = f"a change must come after the base year {year} (the base year's figures include its own changes)"
            problems.append(Problem(str(changes_path), row, "year", str(c.year), reason))
    if problems:
        raise InvalidInputError(problems)
    return StrategyInputs(
        history,
        year,
        tuple(d for _, d in denominators),
        chosen,
        tuple(t for _, t in targets),
        tuple(c for _, c in changes),
        str(history_path),
        history_rows,
    )


def problem_of(error: NeutraError, inputs: StrategyInputs) -> Problem:
    """A core error met after the files were checked, as a problem (never a traceback).

    A base year that cannot be restated names the history's row of the year at fault;
    any other error names the command.
    """
    year = error.extra.get("year")
    row = inputs.history_rows.get(year) if isinstance(year, int) else None
    if isinstance(error, BaseYearError) and row is not None:
        return Problem(inputs.history_file, row, "year", str(year), error.message)
    return Problem("strategy", None, error.extra.get("field"), None, error.message)
