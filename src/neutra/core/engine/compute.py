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
import pyarrow as pa

import neutra
from neutra.core.activities import ActivityData
from neutra.core.boundary import Approach, Boundary
from neutra.core.engine.result import SCOPE_KEYS, Flag, FlagList, Footprint, output_hash
from neutra.core.engine.selection import ActivityKey, FactorIndex, Selection, select_factor
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


@dataclass(frozen=True, slots=True)
class _GasCoefficient:
    gas: str  # canonical gas, a blend already split into its components
    t_per_unit: float  # t of gas per one activity unit (as written on the rows)
    gwp: float  # t CO2e per t of gas in the inventory's GWP set (1 for CO2e factors)
    biogenic: bool  # biogenic CO2: memo only


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
    keys, all_groups = _groups(run, table)
    index = FactorIndex(factor_sets)
    selections = [_note_gwp_set(select_factor(index, key), gwp) for key in keys]
    coefficients = [_coefficients(s, gwp) for s in selections]
    joined = _join_keys(table, keys)  # only read for problems, flags and lines

    problems = _key_problems(run, joined, selections)
    shares = _inclusion_shares(boundary, options)
    groups = [g for g in all_groups if selections[g["_key"]].error is None]
    problems += _group_problems(run, joined, groups, selections, shares)
    if problems:
        raise InvalidInputError(problems[:MAX_PROBLEMS] + _more(len(problems)))

    summary = _Summary()
    for group in groups:
        selection = selections[group["_key"]]
        assert selection.factor is not None
        scope = group["scope"] or int(selection.factor.scope or 0)
        category = group["category"] or selection.factor.category
        entity = group["entity"] or NO_ENTITY
        share = 1.0 if shares is None else shares[entity]
        for c in coefficients[group["_key"]]:
            mass = group["quantity"] * c.t_per_unit * share
            summary.add(entity, scope, category, c, mass)
    market, market_flags = _market_based(
        groups, selections, coefficients, instruments, shares, options, gwp
    )
    for entity, t_co2e in market:
        summary.add_market(entity, t_co2e)

    flags = _flags(run, joined, table, selections, groups, market_flags)
    document_without_hash = summary.document(gwp.name)
    provenance = _provenance(data, factor_sets, gwp, options, inputs, boundary, instruments)
    lines = (
        _lines(run, joined, table, selections, coefficients, shares, groups)
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


def _groups(run: Any, table: ir.Table) -> tuple[list[ActivityKey], list[dict[str, Any]]]:
    """The one scan of the activities: sums per (key, entity, scope, category).

    Quantities are summed as DECIMAL(38, 9): exact, so the sum does not depend
    on the order a parallel backend adds rows in, and the same inputs give the
    same figures (and hash) every time. Validation bounds each quantity so the
    sum cannot overflow.
    """
    exact = table.quantity.cast(dt.Decimal(38, 9))
    rows = run(
        table.group_by([*KEY_COLUMNS, "entity", "scope", "category"]).aggregate(
            quantity=exact.sum(),
            rows=table.count(),
            negatives=table.count(where=table.quantity < 0),
        )
    ).to_pylist()
    by_key: dict[tuple[Any, ...], int] = {}
    for r in sorted(
        rows, key=lambda r: tuple("" if r[c] is None else str(r[c]) for c in KEY_COLUMNS)
    ):
        by_key.setdefault(tuple(r[c] for c in KEY_COLUMNS), len(by_key))
    keys = [ActivityKey(f, a, u, rg, int(y)) for f, a, u, rg, y in by_key]
    groups = [
        {
            "_key": by_key[tuple(r[c] for c in KEY_COLUMNS)],
            "entity": r["entity"],
            "scope": r["scope"],
            "category": r["category"],
            "quantity": float(r["quantity"]),
            "rows": r["rows"],
            "negatives": r["negatives"] or 0,
        }
        for r in rows
    ]
    groups.sort(key=lambda g: (g["_key"], g["entity"] or "", g["scope"] or 0, g["category"] or 0))
    return keys, groups


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


def _coefficients(selection: Selection, gwp: GWPSet) -> list[_GasCoefficient]:
    """Gas amounts per activity unit for a selection; blends split into components."""
    factor = selection.factor
    if factor is None:
        return []
    result = []
    for amount in factor.gases:
        per_unit = amount.t_per_unit * selection.scale
        if amount.gas == "CO2e":
            result.append(_GasCoefficient("CO2e", per_unit, 1.0, amount.biogenic))
            continue
        for component, fraction in gwp.components(amount.gas):
            weight = 1.0 if amount.biogenic else gwp.gwp(component)
            result.append(_GasCoefficient(component, per_unit * fraction, weight, amount.biogenic))
    return result


def _residual_rate_per_unit(selection: Selection, gwp: GWPSet) -> float | None:
    """t CO2e per activity unit of the residual-mix factor, if there is one."""
    residual = selection.residual
    if residual is None:
        return None
    total = 0.0
    for amount in residual.gases:
        if amount.biogenic:
            continue
        weight = 1.0 if amount.gas == "CO2e" else gwp.gwp(amount.gas)
        total += amount.t_per_unit * selection.residual_scale * weight
    return total


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


def _group_problems(
    run: Any,
    joined: ir.Table,
    groups: list[dict[str, Any]],
    selections: list[Selection],
    shares: dict[str, float] | None,
) -> list[Problem]:
    """Scope, category and entity problems: found per group, reported per row."""
    reasons: dict[tuple[Any, ...], tuple[str, str]] = {}
    for g in groups:
        factor = selections[g["_key"]].factor
        assert factor is not None
        scope = g["scope"] or (int(factor.scope) if factor.scope else None)
        category = g["category"] or factor.category
        where = tuple(g[c] for c in GROUP_COLUMNS)
        if scope is None:
            reasons[where] = (
                "scope",
                f"factor {factor.factor_id} has no scope: give the scope on the row",
            )
        elif scope == 3 and category is None:
            reasons[where] = (
                "category",
                f"scope 3 needs a category 1-15 (factor {factor.factor_id} gives none)",
            )
        elif scope != 3 and g["category"] is not None:
            reasons[where] = (
                "category",
                f"category is only for scope 3, and factor {factor.factor_id} is scope {scope}",
            )
        elif shares is not None and (g["entity"] or NO_ENTITY) not in shares:
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


class _Summary:
    """Accumulates figures exactly (math.fsum at the end) so order never matters."""

    def __init__(self) -> None:
        self.scopes: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.categories: dict[int, list[float]] = defaultdict(list)
        self.gas_t: dict[str, list[float]] = defaultdict(list)
        self.gas_co2e: dict[str, list[float]] = defaultdict(list)
        self.biogenic: list[float] = []

    def add(
        self, entity: str, scope: int, category: int | None, c: _GasCoefficient, mass: float
    ) -> None:
        if c.biogenic:
            self.biogenic.append(mass)
            return
        co2e = mass * c.gwp
        self.gas_t[c.gas].append(mass)
        self.gas_co2e[c.gas].append(co2e)
        if scope == 1:
            self.scopes[(entity, "scope1")].append(co2e)
        elif scope == 2:
            self.scopes[(entity, "scope2_location")].append(co2e)
        else:
            self.scopes[(entity, "scope3")].append(co2e)
            self.categories[int(category or 0)].append(co2e)

    def add_market(self, entity: str, t_co2e: float) -> None:
        self.scopes[(entity, "scope2_market")].append(t_co2e)

    def document(self, gwp_name: str) -> dict[str, Any]:
        entities = sorted({e for e, _ in self.scopes})
        by_entity = {e: self._totals(e) for e in entities}
        totals = self._totals(None)
        return {
            "totals": totals,
            "scope3_categories": {
                str(n): math.fsum(self.categories.get(n, [])) for n in range(1, 16)
            },
            "by_gas": {
                gas: {"t": math.fsum(self.gas_t[gas]), "t_co2e": math.fsum(self.gas_co2e[gas])}
                for gas in sorted(self.gas_t)
            },
            "biogenic_co2_t": math.fsum(self.biogenic),
            "by_entity": by_entity,
        }

    def _totals(self, entity: str | None) -> dict[str, float]:
        def total(name: str) -> float:
            return math.fsum(
                v
                for (e, n), values in self.scopes.items()
                if n == name and entity in (None, e)
                for v in values
            )

        figures = {
            name: total(name) for name in ("scope1", "scope2_location", "scope2_market", "scope3")
        }
        figures["total_location"] = math.fsum(
            [figures["scope1"], figures["scope2_location"], figures["scope3"]]
        )
        figures["total_market"] = math.fsum(
            [figures["scope1"], figures["scope2_market"], figures["scope3"]]
        )
        return {name: figures[name] for name in SCOPE_KEYS}


def _market_based(
    groups: list[dict[str, Any]],
    selections: list[Selection],
    coefficients: list[list[_GasCoefficient]],
    instruments: Sequence[Instrument],
    shares: dict[str, float] | None,
    options: FootprintOptions,
    gwp: GWPSet,
) -> tuple[list[tuple[str, float]], list[_MarketFlag]]:
    """Market-based scope 2 per entity, and its flags.

    Consumption is taken at 100% of each entity (instruments cover an entity's
    whole consumption), then the inclusion share applies to the result.
    """
    per_key: dict[tuple[str, int], list[float]] = defaultdict(list)
    for g in groups:
        selection = selections[g["_key"]]
        assert selection.factor is not None
        if (g["scope"] or int(selection.factor.scope or 0)) == 2:
            per_key[(g["entity"] or NO_ENTITY, g["_key"])].append(g["quantity"])

    consumption: list[ConsumptionGroup] = []
    owners: list[tuple[str, int]] = []
    direct: list[tuple[str, float]] = []
    missing_residual: set[tuple[str, int]] = set()
    for (entity, key), quantities in sorted(per_key.items()):
        selection = selections[key]
        quantity = math.fsum(quantities)
        location = math.fsum(
            quantity * c.t_per_unit * c.gwp for c in coefficients[key] if not c.biogenic
        )
        residual = _residual_rate_per_unit(selection, gwp)
        try:
            kwh_per_unit = conversion_factor(selection.key.unit, "kWh")
        except UnitError:
            # Not energy (steam in kg, say): no instruments; residual mix if given, else grid.
            if residual is None:
                missing_residual.add((entity, key))
            direct.append((entity, location if residual is None else quantity * residual))
            continue
        consumption.append(
            ConsumptionGroup(
                entity=entity or None,
                region=selection.key.region,
                year=selection.key.year,
                consumption_kwh=quantity * kwh_per_unit,
                location_t_co2e=location,
                residual_rate_t_co2e_per_kwh=None if residual is None else residual / kwh_per_unit,
            )
        )
        owners.append((entity, key))

    result = allocate_market_based(consumption, instruments, options.quality_rules)
    market = [(entity, t * _share(shares, entity)) for entity, t in direct]
    for (entity, key), group in zip(owners, result.groups, strict=True):
        market.append((entity, group.market_t_co2e * _share(shares, entity)))
        if group.uncovered_basis is Basis.LOCATION and group.uncovered_kwh != 0:
            missing_residual.add((entity, key))
    flags = [
        _MarketFlag(note.flag.value, note.detail, note.subject)
        for note in result.flags
        if note.flag is not FlagKind.RESIDUAL_MIX_MISSING  # flagged on its rows below
    ]
    if missing_residual:
        detail = "no residual-mix factor; market-based uses the grid average"
        flags.append(_MarketFlag("residual_mix_missing", detail, rows=frozenset(missing_residual)))
    return market, flags


def _share(shares: dict[str, float] | None, entity: str) -> float:
    return 1.0 if shares is None else shares[entity]


def _flags(
    run: Any,
    joined: ir.Table,
    table: ir.Table,
    selections: list[Selection],
    groups: list[dict[str, Any]],
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
    for g in groups:
        for flag_and_detail in notes(g["_key"], g["entity"], g["scope"]):
            counts[flag_and_detail] += g["rows"]
        if g["negatives"]:
            counts[("negative_quantity", "")] += g["negatives"]
    for flag in instrument_flags:
        counts[(flag.flag, flag.detail)] += 1

    def load() -> list[Flag]:
        flags: list[Flag] = []
        keys = {k for k, v in by_key.items() if v} | {key for _, key in by_pair}
        if keys:
            rows = run(
                _only_keys(joined, keys)
                .select("_source", "_row", "id", "_key", "entity", "scope")
                .order_by(["_source", "_row"])
            ).to_pylist()
            for r in rows:
                found = notes(r["_key"], r["entity"], r["scope"])
                flags += [Flag(r["id"], flag, detail, r["_source"]) for flag, detail in found]
        negative = run(
            table.filter(table.quantity < 0)
            .select("_source", "_row", "id", "quantity", "unit")
            .order_by(["_source", "_row"])
        ).to_pylist()
        flags += [
            Flag(
                r["id"],
                "negative_quantity",
                f"negative quantity {r['quantity']:g} {r['unit']} (a correction)",
                r["_source"],
            )
            for r in negative
        ]
        flags.sort(key=lambda f: (f.source, _natural(f.row), f.flag))
        return flags + sorted(instrument_flags, key=lambda f: (f.row, f.flag))

    return FlagList(dict(counts), load)


def _only_keys(joined: ir.Table, keys: Iterable[int]) -> ir.Table:
    """The joined rows of some keys: a join with a small table, not a long IN list."""
    wanted = ibis.memtable(pa.table({"_wanted": pa.array(sorted(keys), pa.int64())}))
    return joined.join(wanted, joined._key == wanted._wanted).drop("_wanted")


def _natural(row_id: str) -> tuple[int, str]:
    return (int(row_id), "") if row_id.isdigit() else (0, row_id)


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
    table: ir.Table,
    selections: list[Selection],
    coefficients: list[list[_GasCoefficient]],
    shares: dict[str, float] | None,
    groups: list[dict[str, Any]],
) -> pa.Table:
    """One line per activity row: its factor, source, gas masses and CO2e."""
    gases = sorted({c.gas for cs in coefficients for c in cs if not c.biogenic})
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
        "c_co2e": [
            math.fsum(c.t_per_unit * c.gwp for c in cs if not c.biogenic) for cs in coefficients
        ],
        "c_biogenic": [math.fsum(c.t_per_unit for c in cs if c.biogenic) for cs in coefficients],
    }
    for gas in gases:
        # "gas_", not "c_": SQLite and Spark fold case, and "c_CO2e" is "c_co2e" there.
        columns[f"gas_{gas}"] = [
            math.fsum(c.t_per_unit for c in cs if c.gas == gas and not c.biogenic)
            for cs in coefficients
        ]
    coef = ibis.memtable(pa.table(columns))
    j = joined.join(coef, "_key")
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
        "inclusion_share": share,
        "emissions_t_co2e": amount * j.c_co2e,
        "biogenic_co2_t": amount * j.c_biogenic,
        **{f"{gas}_t": amount * j[f"gas_{gas}"] for gas in gases},
    }
    return run(j.select(**selected).order_by(["file", "row"]))
