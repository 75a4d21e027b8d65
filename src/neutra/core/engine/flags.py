"""The flags of a footprint: counted from the group sums, their rows read on first use.

It must never read every flagged row unless someone asks for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neutra.core.engine.coefficients import Coefficients, effective_scope
from neutra.core.engine.market import MarketFlag
from neutra.core.engine.result import FLAG_SCHEMA, Flag, LazyFlags
from neutra.core.engine.scan import (
    NO_ENTITY,
    Groups,
    only_keys,
)
from neutra.core.engine.selection import (
    Selection,
)
from neutra.core.flags import FlagKind

__all__ = ["flag_list", "scope_overridden", "scope_override_detail"]


def scope_overridden(
    row_scope: Any, row_category: Any, factor_scope: Any, factor_category: Any
) -> Any:
    """Whether a row's own scope or category overrides its factor's (0: not given).

    One rule for numpy arrays (the group sums) and Ibis columns (the lines): a
    declared scope other than the factor's, or, for a scope 3 factor, a
    declared category other than the factor's. A row that only fills in what
    the factor leaves open overrides nothing.
    """
    scope_differs = (row_scope > 0) & (factor_scope > 0) & (row_scope != factor_scope)
    category_differs = (
        (row_category > 0)
        & (factor_category > 0)
        & (factor_scope == 3)
        & ((row_scope == 0) | (row_scope == 3))
        & (row_category != factor_category)
    )
    return scope_differs | category_differs


def scope_override_detail(
    row_scope: int, row_category: int, factor_scope: int, factor_category: int
) -> str | None:
    """The flag's detail, "scope 3 category 7 declared; the factor is scope 1", or None."""
    if not scope_overridden(row_scope, row_category, factor_scope, factor_category):
        return None

    def where(scope: int, category: int) -> str:
        return f"scope {scope} category {category}" if scope == 3 and category else f"scope {scope}"

    declared = where(row_scope or factor_scope, row_category)
    return f"{declared} declared; the factor is {where(factor_scope, factor_category)}"


def flag_list(
    run: Any,
    joined: ir.Table,
    table: ir.Table,
    selections: list[Selection],
    groups: Groups,
    coefficients: Coefficients,
    market_flags: list[MarketFlag],
    sources: Sequence[str] = (),
    *,
    ids_are_row_numbers: bool = False,
) -> LazyFlags:
    """Every flag: counted now from the group sums, its rows read on first use.

    `sources` are the file labels the rows' `_source` holds, if known: the flagged
    rows then come back with a file number instead of the label on every row.
    `ids_are_row_numbers`: the rows' ids are their row numbers as text, made here
    from `_row` rather than read (millions of texts, through the backend's sort).
    """
    by_key: dict[int, list[tuple[FlagKind, str]]] = {
        i: list(selection.flags) for i, selection in enumerate(selections) if selection.flags
    }
    # Market-based notes concern only the scope 2 rows of their (entity, key) pairs.
    by_pair: dict[tuple[str, int], list[tuple[FlagKind, str]]] = defaultdict(list)
    instrument_flags: list[Flag] = []
    for note in market_flags:
        if note.rows is None:
            instrument_flags.append(Flag(note.subject, note.flag, note.detail))
        for pair in note.rows or ():
            by_pair[pair].append((note.flag, note.detail))

    def scope_of(key: int, row_scope: int | None) -> int | None:
        factor = selections[key].factor
        return row_scope or (int(factor.scope) if factor and factor.scope else None)

    noted: dict[tuple[int, str | None, int | None, int | None], list[tuple[FlagKind, str]]] = {}

    def notes(
        key: int, entity: str | None, row_scope: int | None, row_category: int | None
    ) -> list[tuple[FlagKind, str]]:
        # The entity only matters in scope 2: the other rows share their notes across entities.
        in_scope2 = scope_of(key, row_scope) == 2
        where = (key, entity if in_scope2 else None, row_scope, row_category)
        if where not in noted:
            noted[where] = _notes(key, entity, row_scope, row_category, in_scope2)
        return noted[where]

    def _notes(
        key: int,
        entity: str | None,
        row_scope: int | None,
        row_category: int | None,
        in_scope2: bool,
    ) -> list[tuple[FlagKind, str]]:
        found = list(by_key.get(key, ()))
        if in_scope2:
            found += by_pair.get((entity or NO_ENTITY, key), [])
        override = scope_override_detail(
            row_scope or 0,
            row_category or 0,
            int(coefficients.scope[key]),
            int(coefficients.category[key]),
        )
        if override is not None:
            found.append((FlagKind.SCOPE_OVERRIDDEN, override))
        return found

    counts: dict[tuple[FlagKind, str], int] = defaultdict(int)
    # As Python ints: indexing a numpy array once per key costs more than the list.
    rows_per_key = (
        np.bincount(groups.key, weights=groups.rows, minlength=len(selections))
        .astype(np.int64)
        .tolist()
    )
    for key, found in by_key.items():
        for flag_and_detail in found:
            counts[flag_and_detail] += rows_per_key[key]
    if by_pair:
        # Rows per (entity, key) among scope 2 groups, counted without a loop over groups.
        in_scope2 = np.flatnonzero(effective_scope(groups, coefficients) == 2)
        codes = groups.entity[in_scope2] * len(selections) + groups.key[in_scope2]
        unique, where = np.unique(codes, return_inverse=True)
        rows_per_code = dict(
            zip(
                unique.tolist(),
                np.bincount(where, weights=groups.rows[in_scope2]).tolist(),
                strict=True,
            )
        )
        entity_number = {name: i for i, name in enumerate(groups.entities)}
        for (name, key), found in by_pair.items():
            rows = int(rows_per_code.get(entity_number[name] * len(selections) + key, 0))
            for flag_and_detail in found:
                counts[flag_and_detail] += rows
    # Rows declaring a scope or category other than their factor's (natural gas as scope 3
    # category 7): counted where the row says, and flagged so that a slip is seen.
    overriding = np.flatnonzero(
        scope_overridden(
            groups.scope,
            groups.category,
            coefficients.scope[groups.key],
            coefficients.category[groups.key],
        )
    )
    for i in overriding.tolist():
        key = int(groups.key[i])
        detail = scope_override_detail(
            int(groups.scope[i]),
            int(groups.category[i]),
            int(coefficients.scope[key]),
            int(coefficients.category[key]),
        )
        counts[(FlagKind.SCOPE_OVERRIDDEN, str(detail))] += int(groups.rows[i])
    overriding_keys = set(groups.key[overriding].tolist())
    negatives = int(groups.negatives.sum())
    if negatives:
        counts[(FlagKind.NEGATIVE_QUANTITY, "")] += negatives
    for flag in instrument_flags:
        counts[(flag.flag, flag.detail)] += 1

    def load(limit: int | None) -> pa.Table:
        def first(expr: ir.Table) -> ir.Table:
            ordered = expr.order_by(["_source", "_row"])
            return ordered if limit is None else ordered.limit(limit)

        parts: list[pa.Table] = []
        keys = {k for k, v in by_key.items() if v} | {key for _, key in by_pair} | overriding_keys
        if keys:
            columns: tuple[str, ...] = ("_row", "_key", "entity", "scope", "category")
            columns += () if ids_are_row_numbers else ("id",)
            rows = _by_source_number(run, only_keys(joined, keys), columns, sources, limit)
            if rows is None:
                rows = run(first(only_keys(joined, keys).select("_source", *columns)))
            parts.append(_keyed_flags(rows, notes, coefficients.scope))
        # Read only where the sums counted some: another read of every row otherwise.
        negative = (
            run(
                first(
                    table.filter(table.quantity < 0).select(
                        "_source", "_row", "id", "quantity", "unit"
                    )
                )
            )
            if negatives
            else None
        )
        if negative is not None and negative.num_rows:
            # Corrections are few: their detail is formatted per row, as Python's `g` does.
            details = [
                f"negative quantity {q:g} {u} (a correction)"
                for q, u in zip(
                    negative["quantity"].to_pylist(), negative["unit"].to_pylist(), strict=True
                )
            ]
            flag = pa.array([FlagKind.NEGATIVE_QUANTITY.value] * negative.num_rows, pa.string())
            parts.append(
                _flag_table(
                    negative["id"],
                    flag,
                    pa.array(details, pa.string()),
                    negative["_source"],
                    negative["_row"],
                )
            )
        flags = pa.concat_tables(parts) if parts else _flag_table([], [], [], [], [])
        if len(parts) > 1:
            # Arrow's sort is stable, as Python's: each row's notes keep their order.
            keys = pa.table(
                {name: flags[name].cast(pa.string()) for name in ("source", "flag")}
                | {"line": flags["line"]}
            )
            order = pc.sort_indices(
                keys, [("source", "ascending"), ("line", "ascending"), ("flag", "ascending")]
            )
            flags = flags.take(order)
        # else already in that order: rows by (_source, _row), each row's notes by flag
        if limit is not None:
            flags = flags.slice(0, limit)
        extra = sorted(instrument_flags, key=lambda f: (f.row, f.flag))
        if extra and (limit is None or flags.num_rows < limit):
            extra = extra if limit is None else extra[: limit - flags.num_rows]
            flags = pa.concat_tables(
                [
                    flags,
                    _flag_table(
                        [f.row for f in extra],
                        [f.flag.value for f in extra],
                        [f.detail for f in extra],
                        [f.source for f in extra],
                        [f.line for f in extra],
                    ),
                ]
            )
        return flags

    return LazyFlags(dict(counts), load)


def _by_source_number(
    run: Any, rows: ir.Table, columns: Sequence[str], sources: Sequence[str], limit: int | None
) -> pa.Table | None:
    """`rows` ordered by (_source, _row), with `_source` as a dictionary column built from
    file numbers: millions of flagged rows do not each carry their file's label. None when
    a row's label is not among `sources` (the caller then reads the labels)."""
    labels = sorted(set(sources))
    if not labels:
        return None
    # Numbered in label order, so that ordering by the number orders by the label.
    number = rows._source.substitute({label: i for i, label in enumerate(labels)}, else_=-1)
    ordered = rows.select(*columns, _file=number.cast("int32")).order_by(["_file", "_row"])
    found = run(ordered if limit is None else ordered.limit(limit))
    files = found["_file"].combine_chunks()
    if found.num_rows and pc.min(files).as_py() < 0:
        return None
    source = pa.DictionaryArray.from_arrays(files, pa.array(labels, pa.string()))
    return found.drop_columns(["_file"]).append_column("_source", source)


def _first_and_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values numbered in order of first appearance: (the row of each one's
    first appearance, each row's number). A hash pass (Arrow's dictionary encoding, which
    numbers them so), not the sort of `np.unique`: millions of flagged rows."""
    where = pa.array(values).dictionary_encode().indices.to_numpy().astype(np.int64)
    # A row is a first appearance where its number exceeds every number before it.
    highest = np.maximum.accumulate(where)
    first = np.ones(len(where), dtype=bool)
    first[1:] = highest[1:] > highest[:-1]
    first_row = np.flatnonzero(first)
    assert np.array_equal(where[first_row], np.arange(len(first_row)))  # Arrow's numbering
    return first_row, where


def _flag_table(row: Any, flag: Any, detail: Any, source: Any, line: Any) -> pa.Table:
    """Flags as columns (FLAG_SCHEMA): one row per flag, texts as plain strings."""
    columns = [row, flag, detail, source, line]
    arrays = [
        column.cast(field.type) if isinstance(column, pa.Array | pa.ChunkedArray)
        else pa.array(column, field.type)
        for column, field in zip(columns, FLAG_SCHEMA, strict=True)
    ]  # fmt: skip
    return pa.Table.from_arrays(arrays, schema=FLAG_SCHEMA)


def _dictionary(column: pa.ChunkedArray) -> pa.DictionaryArray:
    combined = column.combine_chunks()
    return combined if pa.types.is_dictionary(combined.type) else combined.dictionary_encode()


def _keyed_flags(
    rows: pa.Table,
    notes: Callable[[int, str | None, int | None, int | None], list[tuple[FlagKind, str]]],
    factor_scope: np.ndarray,
) -> pa.Table:
    """The flags of the rows read back, in their order, each row's notes sorted by flag.

    Notes are worked out once per distinct (key, entity, scope, category), the
    entity only on scope 2 rows (`factor_scope`: each key's factor's scope, for rows
    without their own), then repeated per row by index arrays: no Python object
    per flagged row.
    """
    if rows.num_rows == 0:
        return _flag_table([], [], [], [], [])
    key = rows["_key"].cast(pa.int64()).to_numpy(zero_copy_only=False)
    entity = rows["entity"].combine_chunks().dictionary_encode()
    names = entity.dictionary.to_pylist()
    entity_code = entity.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    scope_column = rows["scope"].cast(pa.int64())
    scope = scope_column.fill_null(-1).to_numpy(zero_copy_only=False)
    category = rows["category"].cast(pa.int64()).fill_null(-1).to_numpy(zero_copy_only=False)
    # Outside scope 2 the notes do not depend on the entity (`notes`): rows of all entities
    # share them, and one call serves them all.
    in_scope2 = np.where(scope > 0, scope, factor_scope[key]) == 2
    entity_code = np.where(in_scope2, entity_code, -1)
    # scope is -1 (not given) to 3, category -1 to 15: 5 and 17 values.
    combo = ((key * (len(names) + 1) + entity_code + 1) * 5 + (scope + 1)) * 17 + (category + 1)
    first_row, where = _first_and_inverse(combo)
    per_combo: list[list[tuple[FlagKind, str]]] = []
    for row in first_row.tolist():
        code = int(entity_code[row])
        row_scope, row_category = int(scope[row]), int(category[row])
        found = notes(
            int(key[row]),
            names[code] if code >= 0 else None,
            row_scope if row_scope >= 0 else None,
            row_category if row_category >= 0 else None,
        )
        per_combo.append(sorted(found, key=lambda note: note[0]))  # stable, as the row sort
    where = where.reshape(-1)
    count = np.array([len(found) for found in per_combo], dtype=np.int64)
    per_row = count[where]  # flags of each row
    row_index = np.repeat(np.arange(rows.num_rows, dtype=np.int64), per_row)
    first_of_combo = np.cumsum(count) - count
    first_of_row = np.cumsum(per_row) - per_row
    within = np.arange(len(row_index), dtype=np.int64) - np.repeat(first_of_row, per_row)
    note_index = first_of_combo[where[row_index]] + within
    # Each distinct note once: the texts repeat over millions of rows and many combinations.
    distinct: dict[tuple[FlagKind, str], int] = {}
    flat = [distinct.setdefault(note, len(distinct)) for found in per_combo for note in found]
    take = pa.array(row_index, pa.int64())
    pick = pa.array(np.array(flat, dtype=np.int32)[note_index], pa.int32())
    return _flag_table(
        (rows["id"] if "id" in rows.column_names else rows["_row"].cast(pa.string())).take(take),
        pa.DictionaryArray.from_arrays(pick, pa.array([flag.value for flag, _ in distinct])),
        pa.DictionaryArray.from_arrays(pick, pa.array([detail for _, detail in distinct])),
        _dictionary(rows["_source"]).take(take),
        rows["_row"].take(take),
    )
