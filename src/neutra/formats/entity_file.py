"""The entity file (DESIGN §3.3): a CSV of the group tree, read into a `Boundary`.

Columns: `entity, parent, equity_share, financial_control, operational_control`.
An empty parent makes a root (the reporter); a root's empty share and controls
mean 1 and full. Shares are fractions 0-1 of the parent's holding; a value that
looks like a percentage ("83%", "83") is refused with a hint, never divided by
100 behind the user's back.

It must never return a partial boundary: the whole file is checked and every
problem raised at once as `InvalidInputError`.
"""

from __future__ import annotations

import math
from pathlib import Path

from neutra.core.boundary import Boundary, Control, EntityLink, find_link_issues
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.csv_records import read_records
from neutra.formats.numbers import is_decimal_number

__all__ = ["COLUMNS", "read_entities"]

COLUMNS = ("entity", "parent", "equity_share", "financial_control", "operational_control")

_PERCENT_HINT = "give shares as fractions 0-1, e.g. 0.83"
_CONTROLS = ", ".join(c.value for c in Control)


def read_entities(path: Path) -> Boundary:
    """The boundary the file at `path` describes, or `InvalidInputError` listing every problem."""
    label = str(path)
    _, rows, problems = read_records(path, label, COLUMNS)
    if problems:
        raise InvalidInputError(problems)
    links: list[EntityLink] = []
    link_rows: list[int] = []
    for row_number, record in rows:
        link, row_problems = _parse_row(record, row_number, label)
        problems += row_problems
        if link is not None:
            links.append(link)
            link_rows.append(row_number)
    problems += _structure_problems(links, link_rows, label, problems)
    if problems:
        raise InvalidInputError(sorted(problems, key=lambda p: p.row or 0))
    return Boundary(tuple(links))


def _parse_row(
    record: dict[str, str], row: int, label: str
) -> tuple[EntityLink | None, list[Problem]]:
    entity = record.get("entity", "")
    parent = record.get("parent", "") or None
    problems: list[Problem] = []
    if not entity:
        problems.append(Problem(label, row, "entity", "", "the entity has no name"))
    share = _parse_share(record.get("equity_share", ""), root=parent is None)
    if isinstance(share, str):
        problems.append(Problem(label, row, "equity_share", record.get("equity_share"), share))
    controls: list[Control] = []
    for column in ("financial_control", "operational_control"):
        control = _parse_control(record.get(column, ""), root=parent is None)
        if isinstance(control, Control):  # a Control is also a str: test it first
            controls.append(control)
        else:
            problems.append(Problem(label, row, column, record.get(column), control))
    if not entity:
        return None, problems
    # A row with bad values still takes part in the structure checks (unknown
    # parents, cycles, roots), with neutral placeholders, so one run finds all.
    if isinstance(share, float) and len(controls) == 2:
        return EntityLink(entity, parent, share, controls[0], controls[1]), problems
    neutral = Control.FULL if parent is None else Control.NONE
    return EntityLink(entity, parent, 1.0 if parent is None else 0.0, neutral, neutral), problems


def _parse_share(text: str, *, root: bool) -> float | str:
    """The share as a fraction, or the reason it is not one."""
    if not text:
        return 1.0 if root else "no equity share: give the parent's holding as a fraction 0-1"
    if text.endswith("%"):
        return f"percentages are not accepted: {_PERCENT_HINT}"
    if not is_decimal_number(text):
        return f"not a number: {_PERCENT_HINT}"
    value = float(text)
    if not math.isfinite(value) or value < 0:
        return f"shares are fractions 0-1: {_PERCENT_HINT}"
    if value > 1:
        looks = " (this looks like a percentage)" if value <= 100 else ""
        return f"share above 1{looks}: {_PERCENT_HINT}"
    return value


def _parse_control(text: str, *, root: bool) -> Control | str:
    """The control word, or the reason it is not one."""
    if not text:
        return Control.FULL if root else f"no control given: write one of {_CONTROLS}"
    try:
        return Control(text.lower())
    except ValueError:
        return f"unknown control {text!r}: write one of {_CONTROLS}"


def _structure_problems(
    links: list[EntityLink], rows: list[int], label: str, already: list[Problem]
) -> list[Problem]:
    """Problems of the tree as a whole, each on the row of the link at fault."""
    reported = {(p.row, p.column) for p in already}
    problems = []
    for issue in find_link_issues(links):
        row = None if issue.index is None else rows[issue.index]
        if (row, issue.field) not in reported:  # placeholders must not add noise
            problems.append(Problem(label, row, issue.field, issue.value, issue.reason))
    return problems
