"""One line per activity row: its factor, source, GWP set, flags, gas masses and CO2e.

It must never compute a figure differently from the summary: same coefficients (per
factor unit, after the row's quantity is scaled to the factor's unit), same shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from neutra.core.engine.coefficients import Coefficients
from neutra.core.engine.flags import scope_overridden
from neutra.core.engine.market import MarketBased
from neutra.core.engine.scan import (
    NO_ENTITY,
)
from neutra.core.engine.selection import (
    Selection,
)
from neutra.core.flags import FlagKind
from neutra.core.gwp import GWPSet

__all__ = ["line_query", "line_table"]


def line_table(
    run: Any,
    joined: ir.Table,
    selections: list[Selection],
    coefficients: Coefficients,
    shares: dict[str, float] | None,
    market: MarketBased,
    gwp: GWPSet,
    passthrough: Mapping[str, str] | None = None,
) -> pa.Table:
    """One line per activity row: its factor, source, GWP set, flags, gas masses and CO2e,
    then the row's own `passthrough` columns (DESIGN §3.1: unknown columns pass through)."""
    return run(line_query(joined, selections, coefficients, shares, market, gwp, passthrough))


def line_query(
    joined: ir.Table,
    selections: list[Selection],
    coefficients: Coefficients,
    shares: dict[str, float] | None,
    market: MarketBased,
    gwp: GWPSet,
    passthrough: Mapping[str, str] | None = None,
) -> ir.Table:
    """The lines as a query on the backend, in (file, row) order, not yet run.

    Its small tables (coefficients, pairs, shares, rates) are in-memory tables
    the backend registers when the query runs. The `passthrough` columns (column of
    `joined` -> the file's name for it) come last, each under the file's name, or with
    `_input` after it where a line's own column has that name (a column "flags" in
    the file: "flags_input").
    """
    gases = coefficients.gases
    columns: dict[str, Any] = {
        "_key": pa.array(range(len(selections)), pa.int64()),
        "factor_ref": pa.array(
            [s.factor_ref if s.factor else None for s in selections], pa.string()
        ),
        # Typed: factors without a source would make a null-typed column PostgreSQL refuses.
        "factor_source": pa.array(
            [s.factor.source if s.factor else None for s in selections], pa.string()
        ),
        "factor_scope": pa.array(
            [int(s.factor.scope) if s.factor and s.factor.scope else None for s in selections],
            pa.int64(),
        ),
        "factor_category": pa.array(
            [s.factor.category if s.factor else None for s in selections], pa.int64()
        ),
        "c_scale": pa.array(coefficients.scale, pa.float64()),
        "c_co2e": pa.array(coefficients.co2e, pa.float64()),
        "c_biogenic": pa.array(coefficients.biogenic, pa.float64()),
        # The share without a boundary, typed: a bare 1.0 is NUMERIC in PostgreSQL,
        # which its driver reads as Decimal and Arrow refuses as a double.
        "c_whole": pa.array([1.0] * len(selections), pa.float64()),
    }
    for i, gas in enumerate(gases):
        # "gas_", not "c_": SQLite and Spark fold case, and "c_CO2e" is "c_co2e" there.
        columns[f"gas_{gas}"] = pa.array(coefficients.mass[:, i], pa.float64())
    # Flag names per key, with and without each row's own notes (negative_quantity,
    # scope_overridden): one column per combination, so a row picks its cell whole.
    key_flags = [sorted({flag for flag, _ in s.flags}) for s in selections]
    for suffix, own in _ROW_NOTES.items():
        columns[f"k_flags{suffix}"] = pa.array([_names([*f, *own]) for f in key_flags], pa.string())
    coef = ibis.memtable(pa.table(columns))
    j = joined.join(coef, "_key")
    negative = j.quantity < 0
    overridden = scope_overridden(
        j.scope.fill_null(0),
        j.category.fill_null(0),
        j.factor_scope.fill_null(0),
        j.factor_category.fill_null(0),
    )

    def pick(prefix: str) -> ir.StringValue:
        return ibis.ifelse(
            negative,
            ibis.ifelse(overridden, j[f"{prefix}_neg_over"], j[f"{prefix}_neg"]),
            ibis.ifelse(overridden, j[f"{prefix}_over"], j[prefix]),
        )

    row_flags = pick("k_flags")
    # Market-based notes concern the scope 2 rows of some (entity, key) pairs.
    pair_flags: dict[tuple[str, int], set[FlagKind]] = defaultdict(set)
    for note in market.flags:
        for pair in note.rows or ():
            pair_flags[pair].add(note.flag)
    if pair_flags:
        pairs = sorted(pair_flags)
        both = [sorted(pair_flags[p] | set(key_flags[p[1]])) for p in pairs]
        pair_columns: dict[str, pa.Array] = {
            "p_entity": pa.array([e for e, _ in pairs], pa.string()),
            "p_key": pa.array([k for _, k in pairs], pa.int64()),
        }
        for suffix, own in _ROW_NOTES.items():
            pair_columns[f"p_flags{suffix}"] = pa.array(
                [_names([*f, *own]) for f in both], pa.string()
            )
        pair_table = ibis.memtable(pa.table(pair_columns))
        j = j.left_join(
            pair_table,
            [j.entity.fill_null(NO_ENTITY) == pair_table.p_entity, j._key == pair_table.p_key],
        )
        in_scope2 = j.scope.fill_null(j.factor_scope) == 2
        row_flags = ibis.ifelse(in_scope2 & j.p_flags.notnull(), pick("p_flags"), row_flags)
    share = j.c_whole
    if shares is not None:
        share_table = ibis.memtable(
            pa.table({"s_entity": list(shares), "inclusion_share": list(shares.values())})
        )
        j = j.left_join(share_table, j.entity.fill_null(NO_ENTITY) == share_table.s_entity)
        share = j.inclusion_share
    if market.rates:
        pairs = sorted(market.rates)
        rate_table = ibis.memtable(
            pa.table(
                {
                    "m_entity": pa.array([e for e, _ in pairs], pa.string()),
                    "m_key": pa.array([k for _, k in pairs], pa.int64()),
                    "m_rate": pa.array([market.rates[p] for p in pairs], pa.float64()),
                    "m_detail": pa.array([market.details.get(p) for p in pairs], pa.string()),
                }
            )
        )
        j = j.left_join(
            rate_table,
            [j.entity.fill_null(NO_ENTITY) == rate_table.m_entity, j._key == rate_table.m_key],
        )
    scope = j.scope.fill_null(j.factor_scope)
    category = ibis.ifelse(scope == 3, j.category.fill_null(j.factor_category), ibis.null("int64"))
    amount = j.quantity * share  # activity units: market-based rates are per activity unit
    in_factor_units = j.quantity * j.c_scale * share
    selected = {
        "file": j._source,
        "row": j._row,
        "id": j.id,
        "entity": j.entity,
        "year": j.year,
        "scope": scope,
        "category": category,
        "activity": j.activity,
        "quantity": j.quantity,
        "unit": j.unit,
        "region": j.region,
        "factor": j.factor_ref,
        "factor_source": j.factor_source,
        "gwp_set": ibis.literal(gwp.name),
        "flags": row_flags.nullif(""),
        "inclusion_share": share,
        "emissions_t_co2e": in_factor_units * j.c_co2e,
        # Scope 2 rows: their share of their (entity, key)'s market-based figure.
        "emissions_market_t_co2e": (
            ibis.ifelse(
                (scope == 2) & j.m_rate.notnull(), amount * j.m_rate, in_factor_units * j.c_co2e
            )
            if market.rates
            else in_factor_units * j.c_co2e
        ),
        # Scope 2 rows that instruments could cover: how their pair's figure was made
        # (JSON; `explain_market.explain_market_line` gives this line's part of it).
        "market_detail": (
            ibis.ifelse(scope == 2, j.m_detail, ibis.null("string"))
            if market.rates
            else ibis.null("string")
        ),
        "biogenic_co2_t": in_factor_units * j.c_biogenic,
        **{f"{gas}_t": in_factor_units * j[f"gas_{gas}"] for gas in gases},
    }
    for column, name in (passthrough or {}).items():
        selected[name if name not in selected else f"{name}_input"] = j[column]
    return j.select(**selected).order_by(["file", "row"])


# A row's own notes, by the suffix of the flag columns that carry them.
_ROW_NOTES: dict[str, tuple[FlagKind, ...]] = {
    "": (),
    "_neg": (FlagKind.NEGATIVE_QUANTITY,),
    "_over": (FlagKind.SCOPE_OVERRIDDEN,),
    "_neg_over": (FlagKind.NEGATIVE_QUANTITY, FlagKind.SCOPE_OVERRIDDEN),
}


def _names(flags: list[FlagKind]) -> str:
    """Flag names as one cell: "region_fallback;year_fallback" ("" for none)."""
    return ";".join(sorted(set(flags)))
