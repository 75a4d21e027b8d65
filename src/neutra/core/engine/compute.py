"""The footprint engine: activities x factors -> emission lines, summary, provenance.

The heavy work is one scan run where the data lives (DuckDB by default, the
app database, or Spark): sum the activity quantities exactly per (key, entity,
scope, category) (`scan`), unless validation summed them on its way
(`ActivityData.sums`). A factor is chosen once per distinct key
(`selection`); gas amounts and GWP weights per key (`coefficients`), the
summary (`summary`) and market-based scope 2 (`market`) then work on those
sums, which is why the engine is about as fast as a hand-written query and
gives the same figures on every backend. Flag rows (`flags`) and lines
(`lines`) are read back from the backend only when asked for.

It must never run Python per activity row, never round, and never return a
partial result: problems are raised together, before any figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

import neutra
from neutra.core.activities import ActivityData
from neutra.core.boundary import Approach, Boundary
from neutra.core.engine.coefficients import Coefficients, effective_scope, gwp_set_mismatch
from neutra.core.engine.flags import flag_list
from neutra.core.engine.lines import line_query, line_table
from neutra.core.engine.market import market_based
from neutra.core.engine.result import Footprint, output_hash
from neutra.core.engine.scan import (
    GROUP_COLUMNS,
    Groups,
    join_keys,
    only_keys,
    scan_groups,
)
from neutra.core.engine.selection import (
    FactorIndex,
    Selection,
    select_factor,
)
from neutra.core.engine.summary import summarise
from neutra.core.errors import MAX_PROBLEMS, InvalidInputError, Problem
from neutra.core.factors import FactorSet
from neutra.core.flags import FlagKind
from neutra.core.gwp import GWPSet
from neutra.core.scope2 import (
    Instrument,
    QualityRules,
)

__all__ = ["FootprintOptions", "compute_footprint"]


@dataclass(frozen=True, slots=True)
class FootprintOptions:
    """How to compute: GWP set, boundary approach, scope 2 rules, detail."""

    approach: Approach | None = None  # organisational boundary approach (needs a boundary)
    quality_rules: QualityRules = field(default_factory=QualityRules)  # scope 2 instrument rules
    lines: bool = False  # also return one line per activity row
    # With `lines`: leave them as a query on the backend (`Footprint.line_query`) rather than
    # read them, for a caller that stores them where they are (INSERT ... SELECT).
    lines_as_query: bool = False


def compute_footprint(
    data: ActivityData,
    factor_sets: Sequence[FactorSet],
    gwp: GWPSet,
    *,
    boundary: Boundary | None = None,
    instruments: Sequence[Instrument] = (),
    options: FootprintOptions | None = None,
    backend: Any = None,
    inputs: dict[str, str] | None = None,
) -> Footprint:
    """Compute the footprint of validated activities; raise InvalidInputError on any problem.

    `backend` is an Ibis backend to run on (default: DuckDB in memory); `inputs`
    names further input files (entities, instruments) with their hashes for the
    provenance.
    """
    options = options or FootprintOptions()
    # The file's own extra columns travel under names no file may use (a name starting
    # with "_" is refused), so that none stands in for a column of the engine's.
    carried = {f"_pass_{i}": name for i, name in enumerate(data.passthrough)}
    table = data.table.rename(carried) if carried else data.table
    run = _runner(backend if backend is not None else ibis.get_backend(table))
    keys, groups = scan_groups(run, table, data.sums)
    index = FactorIndex(factor_sets)
    selections = [_note_gwp_set(select_factor(index, key), gwp) for key in keys]
    coefficients = Coefficients.of(selections, gwp)
    joined = join_keys(table, keys)  # only read for problems, flags and lines

    problems, count = _key_problems(run, joined, groups, selections)
    shares = _inclusion_shares(boundary, options)
    more, more_count = _group_problems(run, joined, groups, selections, coefficients, shares)
    if count or more_count:
        omitted = count - len(problems) + more_count - len(more)
        raise InvalidInputError([*problems, *more], omitted=omitted)

    share = np.array([1.0 if shares is None else shares[e] for e in groups.entities])[groups.entity]
    market = market_based(
        groups, index, selections, coefficients, instruments, share, options.quality_rules, gwp
    )
    document_without_hash = summarise(groups, coefficients, share, market.per_entity)
    flags = flag_list(
        run,
        joined,
        table,
        selections,
        groups,
        coefficients,
        market.flags,
        list(data.sources),
        ids_are_row_numbers=data.ids_are_row_numbers,
    )
    provenance = _provenance(data, factor_sets, gwp, options, inputs, boundary, instruments)
    lines = query = None
    if options.lines and options.lines_as_query:
        # (The web keeps a row's unknown columns with the row itself, not in its lines.)
        query = line_query(joined, selections, coefficients, shares, market, gwp)
    elif options.lines:
        lines = line_table(run, joined, selections, coefficients, shares, market, gwp, carried)
    draft = Footprint(
        gwp_set=gwp.name,
        flags=flags,
        provenance=provenance,
        lines=lines,
        line_query=query,
        **document_without_hash,
    )
    # The hash covers the summary; the footprint is built once more, whole and frozen.
    return replace(draft, provenance={**provenance, "hash": output_hash(draft.summary_json())})


def _runner(backend: Any) -> Any:
    def run(expr: ir.Table) -> pa.Table:
        return backend.to_pyarrow(expr)

    return run


def _note_gwp_set(selection: Selection, gwp: GWPSet) -> Selection:
    """Flag a CO2e factor made with another GWP set: it is used as published, not re-weighted."""
    factor = selection.factor
    if factor is None or not gwp_set_mismatch(factor, gwp):
        return selection
    detail = (
        f"factor {selection.factor_ref} is in CO2e under {factor.gwp_set}; "
        f"the inventory uses {gwp.name}; used as published"
    )
    return replace(selection, flags=(*selection.flags, (FlagKind.GWP_SET_MISMATCH, detail)))


def _key_problems(
    run: Any, joined: ir.Table, groups: Groups, selections: list[Selection]
) -> tuple[list[Problem], int]:
    """Rows whose factor cannot be chosen: the first MAX_PROBLEMS, and how many in all."""
    bad = {i: s.error for i, s in enumerate(selections) if s.error}
    if not bad:
        return [], 0
    count = int(groups.rows[np.isin(groups.key, list(bad))].sum())
    rows = run(
        only_keys(joined, bad)
        .select("_source", "_row", "_key", "factor", "activity")
        .order_by(["_source", "_row"])
        .limit(MAX_PROBLEMS)
    ).to_pylist()
    return [
        Problem(
            r["_source"],
            r["_row"],
            "factor" if r["factor"] else "activity",
            r["factor"] or r["activity"],
            bad[r["_key"]] or "",
        )
        for r in rows
    ], count


def _inclusion_shares(
    boundary: Boundary | None, options: FootprintOptions
) -> dict[str, float] | None:
    if boundary is None:
        return None
    return boundary.inclusion_shares(options.approach or Approach.OPERATIONAL)


def _group_problems(
    run: Any,
    joined: ir.Table,
    groups: Groups,
    selections: list[Selection],
    coefficients: Coefficients,
    shares: dict[str, float] | None,
) -> tuple[list[Problem], int]:
    """Scope, category and entity problems: found per group, reported per row.

    The first MAX_PROBLEMS rows, and how many rows in all.
    """
    found = coefficients.found[groups.key]
    scope = effective_scope(groups, coefficients)
    category = np.where(groups.category > 0, groups.category, coefficients.category[groups.key])
    unknown = np.array(
        [shares is not None and e not in shares for e in groups.entities], dtype=bool
    )
    bad = found & (
        (scope == 0)
        | ((scope == 3) & (category == 0))
        | ((scope != 3) & (groups.category > 0))
        | unknown[groups.entity]
    )
    reasons: dict[tuple[Any, ...], tuple[str, str]] = {}
    for i in np.flatnonzero(bad):
        key = int(groups.key[i])
        factor = selections[key].factor
        assert factor is not None
        entity = groups.entities[groups.entity[i]]
        where = (key, entity or None, int(groups.scope[i]) or None, int(groups.category[i]) or None)
        if scope[i] == 0:
            reasons[where] = (
                "scope",
                f"factor {factor.factor_id} has no scope: give the scope on the row",
            )
        elif scope[i] == 3 and category[i] == 0:
            reasons[where] = (
                "category",
                f"scope 3 needs a category 1-15 (factor {factor.factor_id} gives none)",
            )
        elif scope[i] != 3 and groups.category[i] > 0:
            reasons[where] = (
                "category",
                f"category is only for scope 3, and factor {factor.factor_id} is scope {scope[i]}",
            )
        else:
            reasons[where] = (
                "entity",
                "the entity is not in the boundary (the entity file or tree)",
            )
    if not reasons:
        return [], 0
    count = int(groups.rows[bad].sum())
    wanted = ibis.memtable(
        pa.table(
            {
                f"w{c}": pa.array([w[i] for w in reasons], joined[c].type().to_pyarrow())
                for i, c in enumerate(GROUP_COLUMNS)
            }
        )
    )
    matched = joined.join(wanted, [joined[c].identical_to(wanted[f"w{c}"]) for c in GROUP_COLUMNS])
    rows = run(
        matched.select("_source", "_row", *GROUP_COLUMNS)
        .order_by(["_source", "_row"])
        .limit(MAX_PROBLEMS)
    ).to_pylist()
    problems = []
    for r in rows:
        column, reason = reasons[tuple(r[c] for c in GROUP_COLUMNS)]
        value = r.get(column)
        problems.append(
            Problem(r["_source"], r["_row"], column, None if value is None else str(value), reason)
        )
    return problems, count


def _provenance(
    data: ActivityData,
    factor_sets: Sequence[FactorSet],
    gwp: GWPSet,
    options: FootprintOptions,
    inputs: dict[str, str] | None,
    boundary: Boundary | None,
    instruments: Sequence[Instrument],
) -> dict[str, Any]:
    return {
        "engine": f"neutra {neutra.__version__}",
        "inputs": {**data.sources, **(inputs or {})},
        "factor_sets": [
            {"name": s.name, "version": s.version, "factors": len(s), "source": s.source}
            for s in factor_sets
        ],
        "gwp_set": {"name": gwp.name, "source": gwp.source},
        "options": {
            "approach": None
            if boundary is None
            else (options.approach or Approach.OPERATIONAL).value,
            "instruments": len(instruments),
            "scope2_quality_rules": options.quality_rules.name,
        },
    }
