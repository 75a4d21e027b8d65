"""The result of a footprint: summary figures, flags, lines and provenance.

`Footprint.as_json()` is the stable `neutra.footprint/1` document of
DESIGN.md §3.6: figures in tonnes, unrounded. Its hash covers everything but
the hash itself, so the same inputs always give the same hash.

A Footprint is frozen for real: its figures are read-only mappings, complete
when it is returned. One part is a view: `flags` (`LazyFlags`) holds the
flag counts at once and reads the flagged rows from the backend the first
time someone asks; `Footprint.read()` reads them, so that the backend may close.

It must never round a figure: rounding is for display only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, overload

import pyarrow as pa

from neutra.core.flags import FlagKind

__all__ = ["FLAG_SCHEMA", "SCOPE_KEYS", "Flag", "Footprint", "LazyFlags", "output_hash"]

SCOPE_KEYS = (
    "scope1",
    "scope2_location",
    "scope2_market",
    "scope3",
    "total_location",
    "total_market",
)


_TEXT = pa.dictionary(pa.int32(), pa.string())  # a text repeated over many rows
# Flags as columns, one row per flag, in `Flag`'s fields.
FLAG_SCHEMA = pa.schema(
    [
        ("row", pa.string()),
        ("flag", _TEXT),  # FlagKind value
        ("detail", _TEXT),
        ("source", _TEXT),
        ("line", pa.int64()),
    ]
)


@dataclass(frozen=True, slots=True)
class Flag:
    """Something a reader of the figures must know about one row (or instrument)."""

    row: str  # the row id (or instrument id) it concerns
    flag: FlagKind  # what kind of note
    detail: str  # what happened, in words
    source: str = ""  # the file the row is in
    line: int = 0  # its spreadsheet row number in that file (0 for an instrument)

    def as_dict(self) -> dict[str, str]:
        return {"row": self.row, "flag": self.flag.value, "detail": self.detail}


class LazyFlags(Sequence[Flag]):
    """The flags of a footprint, a lazy view: their counts at once, the rows on first use.

    A large input can flag millions of rows (a year fallback on every row of a
    file); reading them costs a scan, so it happens only when someone looks,
    and needs the backend the footprint was computed on to be open then
    (`read()` reads them all now). They are read as columns (`table()`); a
    `Flag` object per row is made only for whoever iterates.
    """

    def __init__(
        self, counts: dict[tuple[FlagKind, str], int], load: Callable[[int | None], pa.Table]
    ) -> None:
        # (flag, detail) -> rows carrying it; detail "" for notes that differ per row
        self._counts = dict(sorted(counts.items()))
        self._load = load  # reads the first n flags (None: all) from the backend, as FLAG_SCHEMA
        self._table: pa.Table | None = None
        self._rows: list[Flag] | None = None

    @property
    def counts(self) -> dict[FlagKind, int]:
        """Flag -> how many rows (or instruments) carry it."""
        totals: dict[FlagKind, int] = {}
        for (flag, _), n in self._counts.items():
            totals[flag] = totals.get(flag, 0) + n
        return totals

    @property
    def summary(self) -> list[list[Any]]:
        """[flag, detail, count] for every distinct note: what the output hash covers."""
        return [[flag.value, detail, n] for (flag, detail), n in self._counts.items()]

    def first(self, n: int) -> list[Flag]:
        """The first n flags, reading no more rows than that from the backend."""
        if self._rows is not None:
            return self._rows[:n]
        table = self._table.slice(0, n) if self._table is not None else self._load(n)
        return _flags_of(table)

    @property
    def is_read(self) -> bool:
        """Whether every flagged row has been read (the backend is no longer needed)."""
        return self._table is not None

    def read(self) -> LazyFlags:
        """Read every flagged row now; afterwards nothing touches the backend."""
        self.table()
        return self

    def table(self) -> pa.Table:
        """Every flag as columns (FLAG_SCHEMA), in order: rows by file and row, then flag."""
        if self._table is None:
            self._table = self._load(None)
        return self._table

    def _all(self) -> list[Flag]:
        if self._rows is None:
            self._rows = _flags_of(self.table())
        return self._rows

    def __len__(self) -> int:
        return sum(self._counts.values())

    @overload
    def __getitem__(self, index: int) -> Flag: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Flag]: ...
    def __getitem__(self, index: int | slice) -> Flag | Sequence[Flag]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Flag]:
        return iter(self._all())


def _flags_of(table: pa.Table) -> list[Flag]:
    kinds = {kind.value: kind for kind in FlagKind}
    columns = [table[name].to_pylist() for name in FLAG_SCHEMA.names]
    return [
        Flag(row, kinds[flag], detail, source, line)
        for row, flag, detail, source, line in zip(*columns, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class Footprint:
    """A computed footprint, in tonnes."""

    gwp_set: str  # the GWP set CO2e was computed with
    totals: Mapping[str, float]  # SCOPE_KEYS -> t CO2e
    scope3_categories: Mapping[str, float]  # "1".."15" -> t CO2e
    by_gas: Mapping[str, Mapping[str, float]]  # gas -> {"t": t of gas, "t_co2e": t CO2e}
    biogenic_co2_t: float  # memo: biogenic CO2, outside the scopes
    by_entity: Mapping[str, Mapping[str, float]]  # entity -> SCOPE_KEYS -> t CO2e
    flags: LazyFlags  # every fallback, correction and instrument note (rows read on first use)
    provenance: Mapping[str, Any]  # engine, inputs, factor sets, GWP set, options, hash
    lines: pa.Table | None = field(default=None)  # one line per activity row, if asked for
    # The same lines as a query on the backend (options.lines_as_query), valid while it is open.
    line_query: Any = field(default=None)

    def __post_init__(self) -> None:
        # Read-only all the way down: a caller cannot change a figure after the hash.
        for name in ("totals", "scope3_categories", "by_gas", "by_entity", "provenance"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def read(self) -> Footprint:
        """The same footprint with every flagged row read: the backend may close after this."""
        self.flags.read()
        return self

    def as_json(self) -> dict[str, Any]:
        """The `neutra.footprint/1` document; reads the flagged rows if not yet read."""
        document = self.summary_json()
        del document["flag_summary"]  # the rows below say it all, in the contract's shape
        document["flags"] = [f.as_dict() for f in self.flags]
        document["lines"] = [] if self.lines is None else _jsonable_lines(self.lines)
        document["provenance"] = document.pop("provenance")  # keep the documented key order
        return document

    def summary_json(self) -> dict[str, Any]:
        """The document without flag rows and lines: cheap, and what the hash covers."""
        document: dict[str, Any] = {
            "schema": "neutra.footprint/1",
            "gwp_set": self.gwp_set,
            "unit": "t CO2e",
            "totals": _thawed(self.totals),
            "scope3_categories": _thawed(self.scope3_categories),
            "by_gas": _thawed(self.by_gas),
            "biogenic_co2_t": self.biogenic_co2_t,
            "by_entity": _thawed(self.by_entity),
            "flag_summary": self.flags.summary,
            "provenance": _thawed(self.provenance),
        }
        return document


def output_hash(summary: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a result's summary, without its own hash.

    It covers every figure, the flag counts per note, and the provenance (which
    holds the content hash of every input). Flag rows and lines are views of the
    same inputs and figures, so leaving them out keeps the hash cheap and the
    same whether or not they were read.
    """
    body = dict(summary)
    body["provenance"] = {k: v for k, v in summary["provenance"].items() if k != "hash"}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _frozen(value: Any) -> Any:
    """Read-only all the way down: mappings become proxies, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> Any:
    """Plain dicts and lists again, for a JSON document a caller may change."""
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thawed(v) for v in value]
    return value


def _jsonable_lines(lines: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = lines.to_pylist()
    return rows
