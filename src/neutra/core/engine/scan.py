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
import pyarrow.compute as pc

from neutra.core.activities import SUM_COLUMNS
from neutra.core.engine.selection import (
    ActivityKey,
)

__all__ = [
    "EXACT_DIGITS",
    "GROUP_COLUMNS",
    "KEY_COLUMNS",
    "NO_ENTITY",
    "Groups",
    "in_units",
    "join_keys",
    "only_keys",
    "scan_groups",
]

KEY_COLUMNS = SUM_COLUMNS[:5]  # ("factor", "activity", "unit", "region", "year")
GROUP_COLUMNS = ("_key", "entity", "scope", "category")
NO_ENTITY = ""  # by_entity key of rows without an entity
# Decimal digits for exact products: 38 digits of a sum x 17 of a scale, never rounded
EXACT_DIGITS = 80


@dataclass(frozen=True, slots=True)
class Groups:
    """The activity sums per (key, entity, scope, category), as parallel arrays."""

    key: np.ndarray  # index into the keys
    entity: np.ndarray  # index into `entities`
    entities: list[str]  # entity names, sorted; NO_ENTITY for rows without one
    scope: np.ndarray  # the rows' own scope, 0 when not given
    category: np.ndarray  # the rows' own category, 0 when not given
    quantity: pa.Array  # exact sum of quantities, in the key's unit (decimals)
    rows: np.ndarray  # how many rows
    negatives: np.ndarray  # how many of them are negative

    def __len__(self) -> int:
        return len(self.key)


def scan_groups(
    run: Any, table: ir.Table, sums: pa.Table | None = None
) -> tuple[list[ActivityKey], Groups]:
    """The one scan of the activities: sums per (key, entity, scope, category).

    Quantities are summed as DECIMAL(38, 9): exact, so the sum does not depend
    on the order a parallel backend adds rows in, and the same inputs give the
    same figures (and hash) every time. Validation bounds each quantity so the
    sum cannot overflow. The sums stay exact (Python Decimals) until `in_units`
    converts them to the factor's unit. `sums`: the same sums, where validation
    found them on its way (`ActivityData.sums`); the rows are then not read.
    """
    if sums is None:
        exact = table.quantity.cast(dt.Decimal(38, 9))
        grouped = table.group_by(list(SUM_COLUMNS)).aggregate(
            quantity=exact.sum(),
            rows=table.count(),
            negatives=table.count(where=table.quantity < 0),
        )
        sums = run(grouped)
    found = sums
    key = _dense_rank(found, KEY_COLUMNS)
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
        quantity=found["quantity"].combine_chunks(),
        rows=_ints(found["rows"]),
        negatives=_ints(found["negatives"]),
    )
    # A fixed order of the groups (the sums below are math.fsum: order-free anyway).
    order = np.lexsort((groups.category, groups.scope, groups.entity, groups.key))
    return keys, Groups(
        **{f: getattr(groups, f)[order] for f in ARRAY_FIELDS},
        quantity=groups.quantity.take(pa.array(order)),
        entities=entities,
    )


ARRAY_FIELDS = ("key", "entity", "scope", "category", "rows", "negatives")


def _dense_rank(found: pa.Table, columns: Iterable[str]) -> np.ndarray:
    """`DENSE_RANK() OVER (ORDER BY columns) - 1` of the groups, computed here.

    Nulls last and text in byte order, as the SQL says it; here because a window over
    every group is a single task on a cluster (seconds on Spark), and a sort of a few
    distinct values per column costs nothing in Python.
    """
    ranks = []
    for column in columns:
        encoded = found[column].combine_chunks().dictionary_encode()
        values = encoded.dictionary
        ranked = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy()
        # A null ranks after every value; indices of nulls are null.
        by_index = np.append(ranked.astype(np.int64), len(values) + 1)
        indices = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
        ranks.append(by_index[indices])
    if not len(found):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort(ranks[::-1])  # the last key sorts first
    ordered = np.stack([rank[order] for rank in ranks])
    starts = np.empty(len(order), dtype=bool)
    starts[0] = True
    starts[1:] = (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
    key = np.empty(len(order), dtype=np.int64)
    key[order] = np.cumsum(starts) - 1
    return key


def in_units(exact: pa.Array, scale: np.ndarray) -> np.ndarray:
    """Exact sums times scales (factor units per activity unit), rounded once to float64.

    A scale is taken as the decimal its float prints as (1000.0, 0.001), and the
    product is exact before it is rounded: 1.234567 MWh and 1234.567 kWh give
    the same float of kWh, so writing kWh as MWh changes no figure. Where the
    unscaled integers are small enough (|sum x scale digits| < 2^53), numpy does
    it: an exact integer product divided by an exact power of ten is rounded
    once, as IEEE 754 division is; the rest goes through Python's Decimal.
    """
    out = np.empty(len(exact), dtype=np.float64)
    slow = np.ones(len(exact), dtype=bool)
    if pa.types.is_decimal128(exact.type) and exact.null_count == 0 and len(exact):
        words = np.frombuffer(exact.buffers()[1], dtype=np.int64)
        words = words[2 * exact.offset : 2 * (exact.offset + len(exact))]
        units, high = words[0::2], words[1::2]  # little-endian 128-bit integers
        small = high == (units >> 63)  # fits in 64 bits
        # units x 10^-places, with trailing zeros taken out: smaller products stay exact
        places = np.full(len(exact), exact.type.scale, dtype=np.int64)
        units = np.where(small, units, 0)
        for step in (8, 4, 2, 1):  # up to 15 zeros, in four passes
            zero = (units % 10**step == 0) & (places >= step)
            units, places = np.where(zero, units // 10**step, units), places - step * zero
        distinct, which = np.unique(scale, return_inverse=True)
        digits, limit, power = (np.zeros(len(distinct), dtype=np.int64) for _ in range(3))
        for i, value in enumerate(distinct.tolist()):
            m, k = _integer_and_places(value)
            if m is not None:
                digits[i], limit[i], power[i] = m, (2**53) // max(abs(m), 1), k
            else:
                limit[i] = -1  # never fast
        bound, exponent = limit[which], power[which] + places
        # 10^22 is the last power of ten a float holds exactly
        fast = small & (units <= bound) & (units >= -bound) & (exponent <= 22)
        product = units[fast] * digits[which][fast]
        out[fast] = product.astype(np.float64) / 10.0 ** exponent[fast].astype(np.float64)
        slow = ~fast
    if slow.any():
        where = np.flatnonzero(slow)
        with localcontext() as exactly:
            exactly.prec = EXACT_DIGITS
            scales = {s: Decimal(repr(s)) for s in set(scale[where].tolist())}
            out[where] = [
                float(q * scales[s])
                for q, s in zip(
                    exact.take(pa.array(where)).to_pylist(), scale[where].tolist(), strict=True
                )
            ]
    return out


def _integer_and_places(scale: float) -> tuple[int | None, int]:
    """A scale as m x 10^-k, from the decimal its float prints as; m is None if too long."""
    sign, digits, exponent = Decimal(repr(scale)).normalize().as_tuple()
    if not isinstance(exponent, int):
        return None, 0  # inf or nan
    m = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exponent > 0:
        m, exponent = m * 10**exponent, 0
    if abs(m) >= 2**53:
        return None, 0
    return m, -exponent


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
