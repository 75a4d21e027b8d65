"""Market-based scope 2 of the group sums: instruments, residual mix, grid-average fallback.

It must never let an instrument lower the figure unless it qualifies (core.scope2 decides).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pyarrow as pa

from neutra.core.engine.coefficients import (
    Coefficients,
    effective_scope,
    residual_rate_per_factor_unit,
)
from neutra.core.engine.scan import (
    Groups,
    in_units,
)
from neutra.core.engine.selection import (
    FactorIndex,
    Selection,
    select_residual,
)
from neutra.core.errors import UnitError
from neutra.core.factors import Basis
from neutra.core.flags import FlagKind
from neutra.core.gwp import GWPSet
from neutra.core.scope2 import (
    ConsumptionGroup,
    GroupResult,
    Instrument,
    QualityRules,
    allocate_market_based,
)
from neutra.core.units import conversion_factor

__all__ = ["MarketBased", "MarketFlag", "market_based"]


@dataclass(frozen=True, slots=True)
class MarketFlag:
    """A market-based note: on an instrument, or on the scope 2 rows of (entity, key) pairs."""

    flag: FlagKind  # instrument_not_qualified, instrument_unused, residual_mix_missing, ...
    detail: str  # what happened, in words
    subject: str = ""  # the instrument id, for instrument notes
    rows: frozenset[tuple[str, int]] | None = (
        None  # (entity, key) pairs whose scope 2 rows it concerns
    )


@dataclass(frozen=True, slots=True)
class MarketBased:
    """Market-based scope 2 of a footprint."""

    per_entity: np.ndarray  # t CO2e, inside the boundary, indexed like `Groups.entities`
    flags: list[MarketFlag]  # notes on instruments and on scope 2 rows
    # (entity, key) -> t CO2e per activity unit at 100% of the entity: spreads a pair's
    # market-based figure over its rows in proportion to their quantity, for the lines
    rates: dict[tuple[str, int], float]
    # (entity, key) -> how instruments made its market-based figure, as canonical JSON
    # (`explain_market.explain_market_line` reads it for one line); only for pairs
    # that instruments of their year could cover
    details: dict[tuple[str, int], str]


def market_based(
    groups: Groups,
    index: FactorIndex,
    selections: list[Selection],
    coefficients: Coefficients,
    instruments: Sequence[Instrument],
    share: np.ndarray,
    rules: QualityRules,
    gwp: GWPSet,
) -> MarketBased:
    """Market-based scope 2 per entity, per (entity, key) rate, and its notes.

    Consumption is taken at 100% of each entity (instruments cover an entity's
    whole consumption), then the inclusion share applies to the result.
    """
    in_scope2 = np.flatnonzero(effective_scope(groups, coefficients) == 2)
    # Exact sums per (entity, key) pair (Arrow adds the decimals), in (key, entity) order.
    pairs = (
        pa.table(
            {
                "e": groups.entity[in_scope2],
                "k": groups.key[in_scope2],
                "q": groups.quantity.take(pa.array(in_scope2, pa.int64())),
            }
        )
        .group_by(["e", "k"])
        .aggregate([("q", "sum")])
        .sort_by([("k", "ascending"), ("e", "ascending")])
    )
    pair_entity = pairs["e"].to_numpy().astype(np.int64)
    pair_key = pairs["k"].to_numpy().astype(np.int64)
    exact = pairs["q_sum"].combine_chunks()
    entity_share = {int(groups.entity[i]): float(share[i]) for i in in_scope2}
    # t CO2e per entity, summed with math.fsum: the order of the pairs cannot change a bit
    terms: dict[int, list[float]] = defaultdict(list)
    missing_residual: set[tuple[str, int]] = set()
    instrument_years = {i.year for i in instruments}
    keys = sorted(set(pair_key.tolist()))
    residuals = {k: select_residual(index, selections[k]) for k in keys}
    kwh_per_unit_of = {k: _kwh_per_unit(selections[k].key.unit) for k in keys}
    residual_rates = {k: residual_rate_per_factor_unit(residuals[k], gwp) for k in keys}
    # Each pair's exact sum in the factor's unit, in kWh and in the residual mix's unit.
    totals = in_units(exact, np.ones(len(pair_key))).tolist()
    locations = (
        in_units(exact, coefficients.scale[pair_key]) * coefficients.co2e[pair_key]
    ).tolist()
    kwh = in_units(exact, np.array([kwh_per_unit_of[k] or 0.0 for k in pair_key.tolist()]))
    in_residual_units = in_units(
        exact, np.array([r.scale if (r := residuals[k]) else 0.0 for k in pair_key.tolist()])
    ).tolist()
    residual_notes: dict[tuple[FlagKind, str], set[tuple[str, int]]] = defaultdict(set)
    rates: dict[tuple[str, int], float] = {}
    # The pairs instruments may cover, by consumption: an entity's energy of one region,
    # year, factor and residual mix, whatever unit each row wrote it in (-1 MWh nets
    # 2,000 kWh as -1,000 kWh does: as two groups, the correction took no instrument and
    # went below zero), and whether or not a row named the factor it takes: the key's
    # `factor` and `activity` columns are how the row asked, not what it consumed.
    covered: dict[tuple[Any, ...], list[tuple[int, float]]] = {}
    for p, (entity, key) in enumerate(zip(pair_entity.tolist(), pair_key.tolist(), strict=True)):
        selection = selections[key]
        name = groups.entities[entity]
        total = totals[p]
        location = locations[p]
        found = residuals[key]
        residual_rate = residual_rates[key]
        for note in found.flags if found else ():
            residual_notes[note].add((name, key))
        kwh_per_unit = kwh_per_unit_of[key]
        if kwh_per_unit is not None and selection.key.year in instrument_years:
            k, residual = selection.key, (found.factor, found.flags) if found else None
            same = (entity, k.region, k.year, selection.factor, residual)
            covered.setdefault(same, []).append((p, kwh_per_unit))
            continue
        # No instrument for this year: the residual mix, else the grid average.
        if residual_rate is None or found is None:
            missing_residual.add((name, key))
            pair_t_co2e = location
        else:
            pair_t_co2e = in_residual_units[p] * residual_rate
        terms[entity].append(pair_t_co2e * entity_share[entity])
        rates[(name, key)] = pair_t_co2e / total if total else 0.0

    # Groups of one entity, region and year are served in the order of the factor and the
    # residual mix they take, never of how their rows were written: in key order, a row
    # naming its factor ("SET:ID") sorted its group first, and the instruments went there.
    def served(item: tuple[tuple[Any, ...], list[tuple[int, float]]]) -> tuple[Any, ...]:
        same, members = item
        return _served(same, selections[int(pair_key[members[0][0]])])

    covered = dict(sorted(covered.items(), key=served))
    consumption: list[ConsumptionGroup] = []
    owners: list[list[tuple[int, float]]] = []  # (key, the group's quantity in its unit)
    for members in covered.values():
        p, kwh_per_unit = members[0]
        key = int(pair_key[p])
        found, residual_rate = residuals[key], residual_rates[key]
        if len(members) == 1:
            group_kwh, location, quantities = float(kwh[p]), locations[p], [totals[p]]
        else:
            group_kwh, location, quantities = _merged(
                [(exact[m].as_py(), per, coefficients.scale[pair_key[m]]) for m, per in members],
                float(coefficients.co2e[key]),
            )
        consumption.append(
            ConsumptionGroup(
                entity=groups.entities[int(pair_entity[p])] or None,
                region=selections[key].key.region,
                year=selections[key].key.year,
                consumption_kwh=group_kwh,
                location_t_co2e=location,
                residual_rate_t_co2e_per_kwh=None
                if residual_rate is None or found is None
                else residual_rate * _ratio(found.scale, kwh_per_unit),
            )
        )
        owners.append(
            [(int(pair_key[m]), q) for (m, _), q in zip(members, quantities, strict=True)]
        )

    result = allocate_market_based(consumption, instruments, rules)
    by_id = {i.instrument_id: i for i in instruments}
    details: dict[tuple[str, int], str] = {}
    for (entity, *_), members, group in zip(covered, owners, result.groups, strict=True):
        terms[entity].append(group.market_t_co2e * entity_share[entity])
        name = groups.entities[entity]
        for key, total in members:
            rates[(name, key)] = group.market_t_co2e / total if total else 0.0
            details[(name, key)] = _detail(group, total, by_id, rules)
            if group.uncovered_basis is Basis.LOCATION and group.uncovered_kwh != 0:
                missing_residual.add((name, key))
    flags = [
        MarketFlag(note.flag, note.detail, note.subject)
        for note in result.flags
        if note.flag is not FlagKind.RESIDUAL_MIX_MISSING  # flagged on its rows below
    ]
    if missing_residual:
        detail = "no residual-mix factor; market-based uses the grid average"
        flags.append(
            MarketFlag(FlagKind.RESIDUAL_MIX_MISSING, detail, rows=frozenset(missing_residual))
        )
    for (flag, detail), pairs in sorted(residual_notes.items()):
        flags.append(MarketFlag(flag, detail, rows=frozenset(pairs)))
    market = np.array([math.fsum(terms[e]) for e in range(len(groups.entities))])
    return MarketBased(market, flags, rates, details)


def _served(same: tuple[Any, ...], selection: Selection) -> tuple[int, str, int, str, str]:
    """Where a consumption group goes in the allocation's input: by entity, region, year,
    then the factor and the residual mix its rows take (`selection`: its first pair's)."""
    entity, region, year, _, residual = same
    return (
        entity,
        region or "",
        year,
        selection.factor_ref,
        residual[0].factor_id if residual else "",
    )


def _kwh_per_unit(unit: str) -> float | None:
    """kWh per unit, or None when the unit is not energy (steam in kg, say)."""
    try:
        return conversion_factor(unit, "kWh")
    except UnitError:
        return None  # no instrument can cover it


def _merged(
    members: list[tuple[Decimal, float, float]], co2e: float
) -> tuple[float, float, list[float]]:
    """One consumption group of pairs in several units: its kWh and location-based t CO2e,
    and the group's consumption in each pair's unit, for the pair's rate and lines.

    `members`: each pair's exact sum, kWh per its unit, and factor units per its unit
    (one factor, `co2e` t per factor unit). Summed exactly and rounded once, as one
    unit would be: scales are the decimals their floats print as, as `in_units` takes
    them.
    """
    with localcontext() as exactly:
        exactly.prec = 80
        group_kwh = sum((q * Decimal(repr(float(k))) for q, k, _ in members), Decimal(0))
        in_factor_units = sum((q * Decimal(repr(float(s))) for q, _, s in members), Decimal(0))
        quantities = [float(group_kwh / Decimal(repr(float(k)))) for _, k, _ in members]
    return float(group_kwh), float(in_factor_units) * co2e, quantities


def _ratio(residual_scale: float, kwh_per_unit: float) -> float:
    """Residual-mix factor units per kWh, from the scales of the key's unit to both.

    Worked out on the decimals the scales print as, so a key in MWh and one in kWh
    give the same rate per kWh.
    """
    with localcontext() as exactly:
        exactly.prec = 40
        return float(Decimal(repr(float(residual_scale))) / Decimal(repr(float(kwh_per_unit))))


def _detail(
    group: GroupResult, quantity: float, by_id: dict[str, Instrument], rules: QualityRules
) -> str:
    """One consumption group's market-based figure, explained, as canonical JSON.

    Figures are the group's, at 100% of its entity; `quantity` is the activity
    quantity they come from, so a line takes its part in proportion.
    """
    applied: list[dict[str, Any]] = [
        {
            "instrument_id": a.instrument_id,
            "type": by_id[a.instrument_id].type.value,
            "rate_t_co2e_per_kwh": by_id[a.instrument_id].rate_t_co2e_per_kwh,
            "covered_kwh": a.covered_kwh,
            "t_co2e": a.t_co2e,
            "qualified": True,
            "reasons": [],
        }
        for a in group.allocations
    ]
    refused = [
        {
            "instrument_id": n.instrument_id,
            "type": by_id[n.instrument_id].type.value,
            "rate_t_co2e_per_kwh": by_id[n.instrument_id].rate_t_co2e_per_kwh,
            "covered_kwh": 0.0,
            "t_co2e": 0.0,
            "qualified": False,
            "reasons": list(n.reasons),
        }
        for n in group.not_qualified
    ]
    document = {
        "consumption": group.group.label,
        "consumption_kwh": group.group.consumption_kwh,
        "quantity": quantity,
        "instruments": applied + refused,
        "uncovered_kwh": group.uncovered_kwh,
        "uncovered_rate_t_co2e_per_kwh": group.uncovered_rate_t_co2e_per_kwh,
        "uncovered_basis": group.uncovered_basis.value,
        "market_t_co2e": group.market_t_co2e,
        "quality_rules": rules.name,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
