"""Reconciliation of the ledger against a registry statement (DOMAIN.md §6: holdings reconcile).

A statement lists serial ranges with where they are and in which state (a
holdings statement: held; a transactions statement: what each transaction
left, e.g. cancelled). Both sides are compared unit by unit within each serial
space, and the result is given back as ranges: matching, in the ledger only
(missing from the statement), in the statement only (missing from the ledger),
and on both sides with different attributes (which ones are named).

It must never change either side; it only compares.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from neutra.core.credits.model import (
    Block,
    BlockState,
    SerialRange,
    SerialSpace,
    UnitType,
    serial_space,
)

__all__ = ["Match", "Reconciliation", "ReconciliationLine", "StatementLine", "reconcile"]


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One range of a registry statement."""

    row: int  # row in the statement file (header is row 1)
    registry: str
    account: str
    programme: str
    unit_type: UnitType
    host_party: str
    project_id: str
    vintage: str
    serials: SerialRange
    state: BlockState  # held for a holdings line; what a transaction left for the others
    date: dt.date | None = None

    @property
    def space(self) -> SerialSpace:
        return serial_space(self.programme, self.unit_type.value, self.host_party, self.project_id)


class Match(StrEnum):
    MATCH = "match"
    LEDGER_ONLY = "missing_from_statement"  # we record units the registry does not show
    STATEMENT_ONLY = "missing_from_ledger"  # the registry shows units we do not record
    DIFFERENT = "different"  # both have the units, with different attributes


_COMPARED = ("state", "registry", "account", "vintage")


@dataclass(frozen=True, slots=True)
class ReconciliationLine:
    match: Match
    space: SerialSpace
    serials: SerialRange
    ledger: tuple[str, str, str, str] | None  # (state, registry, account, vintage) in the ledger
    statement: tuple[str, str, str, str] | None  # the same in the statement
    statement_row: int | None  # the statement row, for the user to find it
    differences: tuple[str, ...] = ()  # names of the attributes that differ

    @property
    def quantity(self) -> int:
        return self.serials.quantity


@dataclass(frozen=True, slots=True)
class Reconciliation:
    lines: tuple[ReconciliationLine, ...]

    def of(self, match: Match) -> tuple[ReconciliationLine, ...]:
        return tuple(line for line in self.lines if line.match is match)

    def units(self, match: Match) -> int:
        return sum(line.quantity for line in self.of(match))

    @property
    def reconciled(self) -> bool:
        return all(line.match is Match.MATCH for line in self.lines)


def reconcile(blocks: Iterable[Block], statement: Iterable[StatementLine]) -> Reconciliation:
    """Compare the ledger's blocks with a statement, limited to the registries and states it covers.

    A holdings statement of registry CDM is compared with the held blocks in
    CDM; a transactions statement listing cancellations with the cancelled
    blocks of its registries.
    """
    lines = list(statement)
    registries = {line.registry for line in lines}
    states = {line.state for line in lines}
    ours: dict[SerialSpace, list[tuple[SerialRange, tuple[str, str, str, str], int | None]]] = (
        defaultdict(list)
    )
    theirs: dict[SerialSpace, list[tuple[SerialRange, tuple[str, str, str, str], int | None]]] = (
        defaultdict(list)
    )
    for block in blocks:
        if block.registry in registries and block.state in states:
            attrs = (block.state.value, block.registry, block.account, block.vintage)
            ours[block.space].append((block.serials, attrs, None))
    for line in lines:
        attrs = (line.state.value, line.registry, line.account, line.vintage)
        theirs[line.space].append((line.serials, attrs, line.row))
    result: list[ReconciliationLine] = []
    for space in sorted(set(ours) | set(theirs)):
        result.extend(_compare(space, sorted(ours[space]), sorted(theirs[space])))
    return Reconciliation(tuple(result))


def _compare(space: SerialSpace, ours: list, theirs: list) -> list[ReconciliationLine]:  # type: ignore[type-arg]
    cuts = sorted({r.start for r, _, _ in ours + theirs} | {r.end + 1 for r, _, _ in ours + theirs})
    out: list[ReconciliationLine] = []
    i = j = 0
    for start, stop in itertools.pairwise(cuts):
        segment = SerialRange(start, stop - 1)
        while i < len(ours) and ours[i][0].end < start:
            i += 1
        while j < len(theirs) and theirs[j][0].end < start:
            j += 1
        mine = ours[i] if i < len(ours) and ours[i][0].start <= start else None
        other = theirs[j] if j < len(theirs) and theirs[j][0].start <= start else None
        if mine is None and other is None:
            continue
        if mine is None:
            assert other is not None
            line = ReconciliationLine(
                Match.STATEMENT_ONLY, space, segment, None, other[1], other[2]
            )
        elif other is None:
            line = ReconciliationLine(Match.LEDGER_ONLY, space, segment, mine[1], None, None)
        else:
            differs = tuple(
                n for n, a, b in zip(_COMPARED, mine[1], other[1], strict=True) if a != b
            )
            match = Match.DIFFERENT if differs else Match.MATCH
            line = ReconciliationLine(match, space, segment, mine[1], other[1], other[2], differs)
        if out and _joins(out[-1], line):
            previous = out.pop()
            line = ReconciliationLine(
                line.match, space, SerialRange(previous.serials.start, segment.end),
                line.ledger, line.statement, line.statement_row, line.differences,
            )  # fmt: skip
        out.append(line)
    return out


def _joins(before: ReconciliationLine, after: ReconciliationLine) -> bool:
    return (
        before.serials.end + 1 == after.serials.start
        and before.match is after.match
        and before.ledger == after.ledger
        and before.statement == after.statement
        and before.statement_row == after.statement_row
    )
