"""The footprint engine: activities x factors -> emission lines, summary, provenance.

The heavy work is one Ibis expression run where the data lives (DuckDB by
default, the app database, or Spark): join every activity row to the factor
chosen for its key, and sum quantities per (key, entity, scope, category).
Everything after that works on those few sums: gas amounts, GWP, boundary
shares, market-based scope 2, and the summary, which is why the engine is as
fast as a hand-written query and gives the same figures on every backend.

It must never run Python per activity row, never round, and never return a
partial result: problems are raised together, before any figure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

import neutra
from neutra.core.activities import ActivityData
from neutra.core.boundary import Approach, Boundary
from neutra.core.engine.result import SCOPE_KEYS, Flag, FlagList, Footprint, output_hash
from neutra.core.engine.selection import (
    ActivityKey,
    FactorIndex,
    Residual,
    Selection,
    select_factor,
    select_residual,
)
from neutra.core.errors import InvalidInputError, Problem, UnitError
from neutra.core.factors import Basis, FactorSet
from neutra.core.gwp import GWPSet
from neutra.core.scope2 import (
    ConsumptionGroup,
    FlagKind,
    Instrument,
    QualityRules,
    allocate_market_based,
)
from neutra.core.units import conversion_factor

__all__ = ["FootprintOptions", "compute_footprint"]

KEY_COLUMNS = ("factor", "activity", "unit", "region", "year")
GROUP_COLUMNS = ("_key", "entity", "scope", "category")
NO_ENTITY = ""  # by_entity key of rows without an entity
MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class FootprintOptions:
    """How to compute: GWP set, boundary approach, scope 2 rules, detail."""

    approach: Approach | None = None  # organisational boundary approach (needs a boundary)
    quality_rules: QualityRules = field(default_factory=QualityRules)  # scope 2 instrument rules
    lines: bool = False  # also return one line per activity row


@dataclass(frozen=True, slots=True)
class _MarketFlag:
    """A market-based note: on an instrument, or on the scope 2 rows of (entity, key) pairs."""

    flag: str  # instrument_not_qualified, instrument_unused, residual_mix_missing
    detail: str  # what happened, in words
    subject: str = ""  # the instrument id, for instrument notes
    rows: frozenset[tuple[str, int]] | None = (
        None  # (entity, key) pairs whose scope 2 rows it concerns
    )


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
    table = data.table
    run = _runner(backend if backend is not None else ibis.get_backend(table))
    keys, groups = _groups(run, table)
    index = FactorIndex(factor_sets)
    selections = [_note_gwp_set(select_factor(index, key), gwp) for key in keys]
    coefficients = _Coefficients.of(selections, gwp)
    joined = _join_keys(table, keys)  # only read for problems, flags and lines

    problems = _key_problems(run, joined, selections)
    shares = _inclusion_shares(boundary, options)
    problems += _group_problems(run, joined, groups, selections, coefficients, shares)
    if problems:
        raise InvalidInputError(problems[:MAX_PROBLEMS] + _more(len(problems)))

    share = np.array([1.0 if shares is None else shares[e] for e in groups.entities])[groups.entity]
    market, market_flags = _market_based(
        groups, index, selections, coefficients, instruments, share, options, gwp
    )
    document_without_hash = _summary(groups, coefficients, share, market)
    flags = _flags(run, joined, table, selections, groups, coefficients, market_flags)
    provenance = _provenance(data, factor_sets, gwp, options, inputs, boundary, instruments)
    lines = (
        _lines(run, joined, selections, coefficients, shares, market_flags, gwp)
        if options.lines
        else None
    )
    footprint = Footprint(
        gwp_set=gwp.name,
        flags=flags,
        provenance=provenance,
        lines=lines,
        **document_without_hash,
    )
    provenance["hash"] = output_hash(footprint.summary_json())
    return footprint


def _runner(backend: Any) -> Any:
    def run(expr: ir.Table) -> pa.Table:
        return backend.to_pyarrow(expr)

    return run


@dataclass(frozen=True, slots=True)
class _Groups:
    """The activity sums per (key, entity, scope, category), as parallel arrays."""

    key: np.ndarray  # index into the keys
    entity: np.ndarray  # index into `entities`
    entities: list[str]  # entity names, sorted; NO_ENTITY for rows without one
    scope: np.ndarray  # the rows' own scope, 0 when not given
    category: np.ndarray  # the rows' own category, 0 when not given
    quantity: np.ndarray  # sum of quantities, in the key's unit
    rows: np.ndarray  # how many rows
    negatives: np.ndarray  # how many of them are negative

    def __len__(self) -> int:
        return len(self.key)


def _groups(run: Any, table: ir.Table) -> tuple[list[ActivityKey], _Groups]:
    """The one scan of the activities: sums per (key, entity, scope, category).

    Quantities are summed as DECIMAL(38, 9): exact, so the sum does not depend
    on the order a parallel backend adds rows in, and the same inputs give the
    same figures (and hash) every time. Validation bounds each quantity so the
    sum cannot overflow.
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
    groups = _Groups(
        key=key,
        entity=renumber[encoded.indices.to_numpy(zero_copy_only=False)],
        entities=entities,
        scope=_ints(found["scope"]),
        category=_ints(found["category"]),
        quantity=found["quantity"].cast(pa.float64()).to_numpy(zero_copy_only=False),
        rows=_ints(found["rows"]),
        negatives=_ints(found["negatives"]),
    )
    # A fixed order of the groups makes every sum below add in the same order.
    order = np.lexsort((groups.category, groups.scope, groups.entity, groups.key))
    return keys, _Groups(**{f: getattr(groups, f)[order] for f in _ARRAY_FIELDS}, entities=entities)


_ARRAY_FIELDS = ("key", "entity", "scope", "category", "quantity", "rows", "negatives")


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    values: np.ndarray = column.fill_null(0).cast(pa.int64()).to_numpy(zero_copy_only=False)
    return values


def _join_keys(table: ir.Table, keys: list[ActivityKey]) -> ir.Table:
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


def _note_gwp_set(selection: Selection, gwp: GWPSet) -> Selection:
    """Flag a CO2e factor made with another GWP set: it is used as published, not re-weighted."""
    factor = selection.factor
    if factor is None or not factor.is_co2e or factor.gwp_set == gwp.name:
        return selection
    detail = (
        f"factor {selection.factor_ref} is in CO2e under {factor.gwp_set}; "
        f"the inventory uses {gwp.name}; used as published"
    )
    return replace(selection, flags=(*selection.flags, ("gwp_set_mismatch", detail)))


@dataclass(frozen=True, slots=True)
class _Coefficients:
    """Per key: what one activity unit emits, as arrays indexed by key."""

    found: np.ndarray  # whether the key has a factor
    scope: np.ndarray  # the factor's scope, 0 when it has none
    category: np.ndarray  # the factor's category, 0 when it has none
    co2e: np.ndarray  # t CO2e per activity unit, biogenic CO2 left out
    biogenic: np.ndarray  # t biogenic CO2 per activity unit
    gases: list[str]  # gas names of the columns of `mass`
    gwp: np.ndarray  # GWP of each gas in `gases` (1 for CO2e)
    mass: np.ndarray  # keys x gases: t of gas per activity unit

    @classmethod
    def of(cls, selections: list[Selection], gwp: GWPSet) -> _Coefficients:
        """Gas amounts per activity unit of every key; blends split into their gases."""
        weighted = _WeightedGases(gwp)
        columns: dict[str, int] = {}  # gas -> column, in order of first sight
        weights: dict[str, float] = {}
        cells: list[tuple[int, int, float]] = []  # (key, column, t per unit)
        co2e, biogenic = np.zeros(len(selections)), np.zeros(len(selections))
        for k, selection in enumerate(selections):
            factor = selection.factor
            if factor is None:
                continue
            weighted_terms, biogenic_terms = [], []
            for amount in factor.gases:
                per_unit = amount.t_per_unit * selection.scale
                if amount.biogenic:  # a memo in tonnes of CO2: never weighted
                    biogenic_terms.append(per_unit)
                    continue
                for gas, fraction, weight in weighted.split(amount.gas):
                    column = columns.setdefault(gas, len(columns))
                    weights[gas] = weight
                    cells.append((k, column, per_unit * fraction))
                    weighted_terms.append(per_unit * fraction * weight)
            co2e[k], biogenic[k] = math.fsum(weighted_terms), math.fsum(biogenic_terms)
        gases = sorted(columns)
        position = np.array([gases.index(g) for g in columns], dtype=np.int64)
        mass = np.zeros((len(selections), len(gases)))
        for k, column, amount_t in cells:
            mass[k, position[column]] += amount_t
        factors = [s.factor for s in selections]
        return cls(
            found=np.array([f is not None for f in factors], dtype=bool),
            scope=np.array([int(f.scope) if f and f.scope else 0 for f in factors], dtype=np.int64),
            category=np.array([f.category or 0 if f else 0 for f in factors], dtype=np.int64),
            co2e=co2e,
            biogenic=biogenic,
            gases=gases,
            gwp=np.array([weights[g] for g in gases]),
            mass=mass,
        )


class _WeightedGases:
    """A GWP set's components and weights, looked up once per gas, not once per factor."""

    def __init__(self, gwp: GWPSet) -> None:
        self._gwp = gwp
        self._known: dict[str, list[tuple[str, float, float]]] = {}

    def split(self, gas: str) -> list[tuple[str, float, float]]:
        """(component, mass fraction, GWP) of a gas; CO2e is already weighted."""
        if gas not in self._known:
            if gas == "CO2e":
                self._known[gas] = [("CO2e", 1.0, 1.0)]
            else:
                parts = self._gwp.components(gas)
                self._known[gas] = [(c, f, self._gwp.gwp(c)) for c, f in parts]
        return self._known[gas]


def _residual_rate_per_unit(residual: Residual | None, gwp: GWPSet) -> float | None:
    """t CO2e per activity unit of the residual-mix factor, if there is one."""
    if residual is None:
        return None
    return math.fsum(
        amount.t_per_unit * residual.scale * (1.0 if amount.gas == "CO2e" else gwp.gwp(amount.gas))
        for amount in residual.factor.gases
        if not amount.biogenic
    )


def _key_problems(run: Any, joined: ir.Table, selections: list[Selection]) -> list[Problem]:
    bad = {i: s.error for i, s in enumerate(selections) if s.error}
    if not bad:
        return []
    rows = run(
        _only_keys(joined, bad)
        .select("_source", "_row", "_key", "factor", "activity")
        .order_by(["_source", "_row"])
        .limit(MAX_PROBLEMS + 1)
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
    ]


def _inclusion_shares(
    boundary: Boundary | None, options: FootprintOptions
) -> dict[str, float] | None:
    if boundary is None:
        return None
    return boundary.inclusion_shares(options.approach or Approach.OPERATIONAL)


def _effective_scope(groups: _Groups, coefficients: _Coefficients) -> np.ndarray:
    """The row's scope where given, else the factor's (0: neither)."""
    return np.where(groups.scope > 0, groups.scope, coefficients.scope[groups.key])


def _group_problems(
    run: Any,
    joined: ir.Table,
    groups: _Groups,
    selections: list[Selection],
    coefficients: _Coefficients,
    shares: dict[str, float] | None,
) -> list[Problem]:
    """Scope, category and entity problems: found per group, reported per row."""
    found = coefficients.found[groups.key]
    scope = _effective_scope(groups, coefficients)
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
            reasons[where] = ("entity", "entity is not in the entity file")
    if not reasons:
        return []
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
        .limit(MAX_PROBLEMS + 1)
    ).to_pylist()
    problems = []
    for r in rows:
        column, reason = reasons[tuple(r[c] for c in GROUP_COLUMNS)]
        value = r.get(column)
        problems.append(
            Problem(r["_source"], r["_row"], column, None if value is None else str(value), reason)
        )
    return problems


def _more(count: int) -> list[Problem]:
    if count <= MAX_PROBLEMS:
        return []
    return [
        Problem("", None, None, None, f"... and more problems not listed ({count - MAX_PROBLEMS}+)")
    ]


def _summary(
    groups: _Groups, coefficients: _Coefficients, share: np.ndarray, market: np.ndarray
) -> dict[str, Any]:
    """Totals, scope 3 categories, gases, biogenic memo and entities from the group sums.

    Vectorised over groups; every sum adds in the fixed order of the groups.
    """
    amount = groups.quantity * share  # activity units inside the boundary
    co2e = amount * coefficients.co2e[groups.key]
    scope = _effective_scope(groups, coefficients)
    category = np.where(groups.category > 0, groups.category, coefficients.category[groups.key])
    n = len(groups.entities)

    def per_entity(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(groups.entity[mask], weights=values[mask], minlength=n)

    columns = {
        "scope1": per_entity(co2e, scope == 1),
        "scope2_location": per_entity(co2e, scope == 2),
        "scope2_market": market,
        "scope3": per_entity(co2e, scope == 3),
    }
    by_entity = {
        name: _totals({k: float(v[i]) for k, v in columns.items()})
        for i, name in enumerate(groups.entities)
    }
    totals = _totals({k: math.fsum(v) for k, v in columns.items()})
    in_scope3 = scope == 3
    categories = np.bincount(category[in_scope3], weights=co2e[in_scope3], minlength=16)
    mass = (
        (amount[:, None] * coefficients.mass[groups.key]).sum(axis=0)
        if len(groups)
        else np.zeros(len(coefficients.gases))
    )
    return {
        "totals": totals,
        "scope3_categories": {str(c): float(categories[c]) for c in range(1, 16)},
        "by_gas": {
            gas: {"t": float(mass[i]), "t_co2e": float(mass[i] * coefficients.gwp[i])}
            for i, gas in enumerate(coefficients.gases)
        },
        "biogenic_co2_t": float((amount * coefficients.biogenic[groups.key]).sum()),
        "by_entity": by_entity,
    }


def _totals(scopes: dict[str, float]) -> dict[str, float]:
    figures = dict(scopes)
    figures["total_location"] = math.fsum(
        [scopes["scope1"], scopes["scope2_location"], scopes["scope3"]]
    )
    figures["total_market"] = math.fsum(
        [scopes["scope1"], scopes["scope2_market"], scopes["scope3"]]
    )
    return {name: figures[name] for name in SCOPE_KEYS}


def _market_based(
    groups: _Groups,
    index: FactorIndex,
    selections: list[Selection],
    coefficients: _Coefficients,
    instruments: Sequence[Instrument],
    share: np.ndarray,
    options: FootprintOptions,
    gwp: GWPSet,
) -> tuple[np.ndarray, list[_MarketFlag]]:
    """Market-based scope 2 per entity (t CO2e, indexed like `groups.entities`), and its notes.

    Consumption is taken at 100% of each entity (instruments cover an entity's
    whole consumption), then the inclusion share applies to the result.
    """
    in_scope2 = np.flatnonzero(_effective_scope(groups, coefficients) == 2)
    quantity: dict[tuple[int, int], float] = defaultdict(float)
    for i in in_scope2:  # groups are sorted, so each pair adds in a fixed order
        quantity[(int(groups.entity[i]), int(groups.key[i]))] += float(groups.quantity[i])
    entity_share = {int(groups.entity[i]): float(share[i]) for i in in_scope2}
    market = np.zeros(len(groups.entities))
    missing_residual: set[tuple[str, int]] = set()
    consumption: list[ConsumptionGroup] = []
    owners: list[tuple[int, int]] = []
    instrument_years = {i.year for i in instruments}
    residuals = {k: select_residual(index, selections[k]) for k in sorted({k for _, k in quantity})}
    residual_notes: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for (entity, key), total in quantity.items():
        selection = selections[key]
        name = groups.entities[entity]
        location = total * float(coefficients.co2e[key])
        found = residuals[key]
        residual = _residual_rate_per_unit(found, gwp)
        for note in found.flags if found else ():
            residual_notes[note].add((name, key))
        try:
            kwh_per_unit = conversion_factor(selection.key.unit, "kWh")
        except UnitError:
            kwh_per_unit = None  # not energy (steam in kg, say): no instrument can cover it
        if kwh_per_unit is not None and selection.key.year in instrument_years:
            consumption.append(
                ConsumptionGroup(
                    entity=name or None,
                    region=selection.key.region,
                    year=selection.key.year,
                    consumption_kwh=total * kwh_per_unit,
                    location_t_co2e=location,
                    residual_rate_t_co2e_per_kwh=None
                    if residual is None
                    else residual / kwh_per_unit,
                )
            )
            owners.append((entity, key))
            continue
        # No instrument for this year: the residual mix, else the grid average.
        if residual is None:
            missing_residual.add((name, key))
        market[entity] += (location if residual is None else total * residual) * entity_share[
            entity
        ]

    result = allocate_market_based(consumption, instruments, options.quality_rules)
    for (entity, key), group in zip(owners, result.groups, strict=True):
        market[entity] += group.market_t_co2e * entity_share[entity]
        if group.uncovered_basis is Basis.LOCATION and group.uncovered_kwh != 0:
            missing_residual.add((groups.entities[entity], key))
    flags = [
        _MarketFlag(note.flag.value, note.detail, note.subject)
        for note in result.flags
        if note.flag is not FlagKind.RESIDUAL_MIX_MISSING  # flagged on its rows below
    ]
    if missing_residual:
        detail = "no residual-mix factor; market-based uses the grid average"
        flags.append(_MarketFlag("residual_mix_missing", detail, rows=frozenset(missing_residual)))
    for (flag, detail), pairs in sorted(residual_notes.items()):
        flags.append(_MarketFlag(flag, detail, rows=frozenset(pairs)))
    return market, flags


def _flags(
    run: Any,
    joined: ir.Table,
    table: ir.Table,
    selections: list[Selection],
    groups: _Groups,
    coefficients: _Coefficients,
    market_flags: list[_MarketFlag],
) -> FlagList:
    """Every flag: counted now from the group sums, its rows read on first use."""
    by_key: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for i, selection in enumerate(selections):
        by_key[i] += selection.flags
    # Market-based notes concern only the scope 2 rows of their (entity, key) pairs.
    by_pair: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    instrument_flags: list[Flag] = []
    for note in market_flags:
        if note.rows is None:
            instrument_flags.append(Flag(note.subject, note.flag, note.detail))
        for pair in note.rows or ():
            by_pair[pair].append((note.flag, note.detail))

    def scope_of(key: int, row_scope: int | None) -> int | None:
        factor = selections[key].factor
        return row_scope or (int(factor.scope) if factor and factor.scope else None)

    def notes(key: int, entity: str | None, row_scope: int | None) -> list[tuple[str, str]]:
        found = list(by_key.get(key, ()))
        if scope_of(key, row_scope) == 2:
            found += by_pair.get((entity or NO_ENTITY, key), [])
        return found

    counts: dict[tuple[str, str], int] = defaultdict(int)
    rows_per_key = np.bincount(groups.key, weights=groups.rows, minlength=len(selections))
    for key, found in by_key.items():
        for flag_and_detail in found:
            counts[flag_and_detail] += int(rows_per_key[key])
    if by_pair:
        # Rows per (entity, key) among scope 2 groups, counted without a loop over groups.
        in_scope2 = np.flatnonzero(_effective_scope(groups, coefficients) == 2)
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
    negatives = int(groups.negatives.sum())
    if negatives:
        counts[("negative_quantity", "")] += negatives
    for flag in instrument_flags:
        counts[(flag.flag, flag.detail)] += 1

    def load(limit: int | None) -> list[Flag]:
        def first(expr: ir.Table) -> ir.Table:
            ordered = expr.order_by(["_source", "_row"])
            return ordered if limit is None else ordered.limit(limit)

        flags: list[Flag] = []
        keys = {k for k, v in by_key.items() if v} | {key for _, key in by_pair}
        if keys:
            rows = run(
                first(
                    _only_keys(joined, keys).select(
                        "_source", "_row", "id", "_key", "entity", "scope"
                    )
                )
            ).to_pylist()
            for r in rows:
                found = notes(r["_key"], r["entity"], r["scope"])
                flags += [
                    Flag(r["id"], flag, detail, r["_source"], r["_row"]) for flag, detail in found
                ]
        negative = run(
            first(
                table.filter(table.quantity < 0).select("_source", "_row", "id", "quantity", "unit")
            )
        ).to_pylist()
        flags += [
            Flag(
                r["id"],
                "negative_quantity",
                f"negative quantity {r['quantity']:g} {r['unit']} (a correction)",
                r["_source"],
                r["_row"],
            )
            for r in negative
        ]
        flags.sort(key=lambda f: (f.source, f.line, f.flag))
        flags += sorted(instrument_flags, key=lambda f: (f.row, f.flag))
        return flags if limit is None else flags[:limit]

    return FlagList(dict(counts), load)


def _only_keys(joined: ir.Table, keys: Iterable[int]) -> ir.Table:
    """The joined rows of some keys: a join with a small table, not a long IN list."""
    wanted = ibis.memtable(pa.table({"_wanted": pa.array(sorted(keys), pa.int64())}))
    return joined.join(wanted, joined._key == wanted._wanted).drop("_wanted")


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


def _lines(
    run: Any,
    joined: ir.Table,
    selections: list[Selection],
    coefficients: _Coefficients,
    shares: dict[str, float] | None,
    market_flags: list[_MarketFlag],
    gwp: GWPSet,
) -> pa.Table:
    """One line per activity row: its factor, source, GWP set, flags, gas masses and CO2e."""
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
        "c_co2e": pa.array(coefficients.co2e, pa.float64()),
        "c_biogenic": pa.array(coefficients.biogenic, pa.float64()),
    }
    for i, gas in enumerate(gases):
        # "gas_", not "c_": SQLite and Spark fold case, and "c_CO2e" is "c_co2e" there.
        columns[f"gas_{gas}"] = pa.array(coefficients.mass[:, i], pa.float64())
    # Flag names per key, with and without the row's own negative_quantity.
    key_flags = [sorted({flag for flag, _ in s.flags}) for s in selections]
    columns["k_flags"] = pa.array([_names(f) for f in key_flags], pa.string())
    columns["k_flags_neg"] = pa.array(
        [_names([*f, "negative_quantity"]) for f in key_flags], pa.string()
    )
    coef = ibis.memtable(pa.table(columns))
    j = joined.join(coef, "_key")
    negative = j.quantity < 0
    row_flags = ibis.ifelse(negative, j.k_flags_neg, j.k_flags)
    # Market-based notes concern the scope 2 rows of some (entity, key) pairs.
    pair_flags: dict[tuple[str, int], set[str]] = defaultdict(set)
    for note in market_flags:
        for pair in note.rows or ():
            pair_flags[pair].add(note.flag)
    if pair_flags:
        pairs = sorted(pair_flags)
        both = [sorted(pair_flags[p] | set(key_flags[p[1]])) for p in pairs]
        pair_table = ibis.memtable(
            pa.table(
                {
                    "p_entity": pa.array([e for e, _ in pairs], pa.string()),
                    "p_key": pa.array([k for _, k in pairs], pa.int64()),
                    "p_flags": pa.array([_names(f) for f in both], pa.string()),
                    "p_flags_neg": pa.array(
                        [_names([*f, "negative_quantity"]) for f in both], pa.string()
                    ),
                }
            )
        )
        j = j.left_join(
            pair_table,
            [j.entity.fill_null(NO_ENTITY) == pair_table.p_entity, j._key == pair_table.p_key],
        )
        in_scope2 = j.scope.fill_null(j.factor_scope) == 2
        row_flags = ibis.ifelse(
            in_scope2 & j.p_flags.notnull(),
            ibis.ifelse(negative, j.p_flags_neg, j.p_flags),
            row_flags,
        )
    share = ibis.literal(1.0)
    if shares is not None:
        share_table = ibis.memtable(
            pa.table({"s_entity": list(shares), "inclusion_share": list(shares.values())})
        )
        j = j.left_join(share_table, j.entity.fill_null(NO_ENTITY) == share_table.s_entity)
        share = j.inclusion_share
    scope = j.scope.fill_null(j.factor_scope)
    category = ibis.ifelse(scope == 3, j.category.fill_null(j.factor_category), ibis.null("int64"))
    amount = j.quantity * share
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
        "emissions_t_co2e": amount * j.c_co2e,
        "biogenic_co2_t": amount * j.c_biogenic,
        **{f"{gas}_t": amount * j[f"gas_{gas}"] for gas in gases},
    }
    return run(j.select(**selected).order_by(["file", "row"]))


def _names(flags: list[str]) -> str:
    """Flag names as one cell: "region_fallback;year_fallback" ("" for none)."""
    return ";".join(sorted(set(flags)))
