"""The one scan of the activities, and the joins that read rows back.

`scan_groups` sums quantities per (key, entity, scope, category) where the data
lives; everything downstream works on those sums. `join_keys` and `only_keys`
read rows again only for problems, flags and lines.

It must never bring activity rows into Python, except the few asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from neutra.core.engine.selection import (
    ActivityKey,
)

__all__ = [
    "GROUP_COLUMNS",
    "KEY_COLUMNS",
    "NO_ENTITY",
    "Groups",
    "in_unit",
    "in_units",
    "join_keys",
    "only_keys",
    "scan_groups",
]

KEY_COLUMNS = ("factor", "activity", "unit", "region", "year")
GROUP_COLUMNS = ("_key", "entity", "scope", "category")
NO_ENTITY = ""  # by_entity key of rows without an entity


@dataclass(frozen=True, slots=True)
class Groups:
    """The activity sums per (key, entity, scope, category), as parallel arrays."""

    key: np.ndarray  # index into the keys
    entity: np.ndarray  # index into `entities`
    entities: list[str]  # entity names, sorted; NO_ENTITY for rows without one
    scope: np.ndarray  # the rows' own scope, 0 when not given
    category: np.ndarray  # the rows' own category, 0 when not given
    quantity: np.ndarray  # exact sum of quantities, in the key's unit: Decimal objects
    rows: np.ndarray  # how many rows
    negatives: np.ndarray  # how many of them are negative

    def __len__(self) -> int:
        return len(self.key)


def scan_groups(run: Any, table: ir.Table) -> tuple[list[ActivityKey], Groups]:
    """The one scan of the activities: sums per (key, entity, scope, category).

    Quantities are summed as DECIMAL(38, 9): exact, so the sum does not depend
    on the order a parallel backend adds rows in, and the same inputs give the
    same figures (and hash) every time. Validation bounds each quantity so the
    sum cannot overflow. The sums stay exact (Python Decimals) until `in_units`
    converts them to the factor's unit.
    """
    exact = table.quantity.cast(dt.Decimal(38, 9))
    grouped = table.group_by([*KEY_COLUMNS, "entity", "scope", "category"]).aggregate(
        quantity=exact.sum(),
        rows=table.count(),
        negatives=table.count(where=table.quantity < 0),
    )
    # The backend numbers the distinct keys, so Python only ever sees them once.
    numbered = grouped.mutate(
        _key=ibis.dense_rank().over(order_by=[grouped[c] for c in KEY_COLUMNS])
    )
    found = run(numbered)
    key = found["_key"].cast(pa.int64()).to_numpy(zero_copy_only=False)
    _, first = np.unique(key, return_index=True)
    distinct = found.take(pa.array(first))
    keys = [
        ActivityKey(f, a, u, r, int(y))
        for f, a, u, r, y in zip(*(distinct[c].to_pylist() for c in KEY_COLUMNS), strict=True)
    ]
    encoded = found["entity"].fill_null(NO_ENTITY).combine_chunks().dictionary_encode()
    names = encoded.dictionary.to_pylist()
    entities = sorted(names)
    renumber = np.array([entities.index(n) for n in names], dtype=np.int64)
    groups = Groups(
        key=key,
        entity=renumber[encoded.indices.to_numpy(zero_copy_only=False)],
        entities=entities,
        scope=_ints(found["scope"]),
        category=_ints(found["category"]),
        # Kept exact: `in_units` converts it to the factor's unit before it becomes a float.
        quantity=np.array(found["quantity"].to_pylist(), dtype=object),
        rows=_ints(found["rows"]),
        negatives=_ints(found["negatives"]),
    )
    # A fixed order of the groups (the sums below are math.fsum: order-free anyway).
    order = np.lexsort((groups.category, groups.scope, groups.entity, groups.key))
    return keys, Groups(**{f: getattr(groups, f)[order] for f in ARRAY_FIELDS}, entities=entities)


ARRAY_FIELDS = ("key", "entity", "scope", "category", "quantity", "rows", "negatives")


def in_units(exact: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Exact sums times scales (factor units per activity unit), rounded once to float64.

    A scale is taken as the decimal its float prints as (1000.0, 0.001), and the
    product is exact before it is rounded: 1.234567 MWh and 1234.567 kWh give
    the same float of kWh, so writing kWh as MWh changes no figure.
    """
    with localcontext() as exactly:
        exactly.prec = 80  # 38 digits of sum x 17 of scale: no rounding before the float
        scales = {s: Decimal(repr(s)) for s in set(scale.tolist())}
        return np.array(
            [float(q * scales[s]) for q, s in zip(exact.tolist(), scale.tolist(), strict=True)],
            dtype=np.float64,
        )


def in_unit(exact: Decimal, scale: float) -> float:
    """One exact sum times a scale, rounded once (see `in_units`)."""
    with localcontext() as exactly:
        exactly.prec = 80
        return float(exact * Decimal(repr(scale)))


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    values: np.ndarray = column.fill_null(0).cast(pa.int64()).to_numpy(zero_copy_only=False)
    return values


def join_keys(table: ir.Table, keys: list[ActivityKey]) -> ir.Table:
    """The activity table with `_key`: the index of its row's key in `keys`."""
    key_table = ibis.memtable(
        pa.table(
            {
                "_key": pa.array(range(len(keys)), pa.int64()),
                "k_factor": [k.factor or "" for k in keys],
                "k_activity": [k.activity or "" for k in keys],
                "k_unit": [k.unit for k in keys],
                "k_region": [k.region or "" for k in keys],
                "k_year": pa.array([k.year for k in keys], pa.int64()),
            }
        )
    )
    # Null-safe matching by filling nulls: plain equality keeps it a hash join everywhere.
    joined = table.join(
        key_table,
        [
            table.factor.fill_null("") == key_table.k_factor,
            table.activity.fill_null("") == key_table.k_activity,
            table.unit == key_table.k_unit,
            table.region.fill_null("") == key_table.k_region,
            table.year == key_table.k_year,
        ],
    )
    return joined.drop("k_factor", "k_activity", "k_unit", "k_region", "k_year")


def only_keys(joined: ir.Table, keys: Iterable[int]) -> ir.Table:
    """The joined rows of some keys: a join with a small table, not a long IN list."""
    wanted = ibis.memtable(pa.table({"_wanted": pa.array(sorted(keys), pa.int64())}))
    return joined.join(wanted, joined._key == wanted._wanted).drop("_wanted")
