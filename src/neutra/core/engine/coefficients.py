"""What one factor unit of each activity key emits: gas masses, CO2e and biogenic CO2, as arrays.

Coefficients are per unit of the key's factor, and `scale` converts the key's
unit to it: a quantity is converted exactly first (`scan.in_units`), so kWh and
MWh of the same energy give the same figures to the last bit.

It must never weight a CO2e amount again, or weight biogenic CO2 at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neutra.core.engine.scan import (
    Groups,
)
from neutra.core.engine.selection import (
    Residual,
    Selection,
)
from neutra.core.factors import Factor
from neutra.core.gwp import GWPSet

__all__ = [
    "Coefficients",
    "effective_scope",
    "gas_parts",
    "gwp_set_mismatch",
    "residual_rate_per_factor_unit",
]


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Per key: what one unit of its factor emits, as arrays indexed by key."""

    found: np.ndarray  # whether the key has a factor
    scope: np.ndarray  # the factor's scope, 0 when it has none
    category: np.ndarray  # the factor's category, 0 when it has none
    scale: np.ndarray  # factor units per activity unit (0 without a factor)
    co2e: np.ndarray  # t CO2e per factor unit, biogenic CO2 left out
    biogenic: np.ndarray  # t biogenic CO2 per factor unit
    gases: list[str]  # gas names of the columns of `mass`
    gwp: np.ndarray  # GWP of each gas in `gases` (1 for CO2e)
    mass: np.ndarray  # keys x gases: t of gas per factor unit

    @classmethod
    def of(cls, selections: list[Selection], gwp: GWPSet) -> Coefficients:
        """Gas amounts per factor unit of every key; blends split into their gases."""
        weighted = _WeightedGases(gwp)
        columns: dict[str, int] = {}  # gas -> column, in order of first sight
        weights: dict[str, float] = {}
        # Many keys share a factor: its gases are weighed once (keyed by identity: the
        # factor objects of the sets live as long as this call).
        per_factor: dict[int, tuple[list[tuple[int, float]], float, float]] = {}
        rows: list[int] = []  # (key, column, t per unit) of every non-zero cell
        cols: list[int] = []
        amounts: list[float] = []
        co2e, biogenic = np.zeros(len(selections)), np.zeros(len(selections))
        for k, selection in enumerate(selections):
            factor = selection.factor
            if factor is None:
                continue
            known = per_factor.get(id(factor))
            if known is None:
                cells: list[tuple[int, float]] = []
                weighted_terms, biogenic_terms = [], []
                for amount in factor.gases:
                    per_unit = amount.t_per_unit
                    if amount.biogenic:  # a memo in tonnes of CO2: never weighted
                        biogenic_terms.append(per_unit)
                        continue
                    for gas, fraction, weight in weighted.split(amount.gas):
                        column = columns.setdefault(gas, len(columns))
                        weights[gas] = weight
                        cells.append((column, per_unit * fraction))
                        weighted_terms.append(per_unit * fraction * weight)
                known = cells, math.fsum(weighted_terms), math.fsum(biogenic_terms)
                per_factor[id(factor)] = known
            cells, co2e[k], biogenic[k] = known
            for column, amount_t in cells:
                rows.append(k)
                cols.append(column)
                amounts.append(amount_t)
        gases = sorted(columns)
        position = np.array([gases.index(g) for g in columns], dtype=np.int64)
        mass = np.zeros((len(selections), len(gases)))
        if rows:
            # Unbuffered: a factor listing one gas twice adds both amounts, in order.
            np.add.at(mass, (np.array(rows), position[np.array(cols)]), np.array(amounts))
        factors = [s.factor for s in selections]
        return cls(
            found=np.array([f is not None for f in factors], dtype=bool),
            scale=np.array([s.scale if s.factor else 0.0 for s in selections], dtype=np.float64),
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
        """(component, mass fraction, GWP) of a gas (see `gas_parts`)."""
        if gas not in self._known:
            self._known[gas] = gas_parts(gas, self._gwp)
        return self._known[gas]


def gas_parts(gas: str, gwp: GWPSet) -> list[tuple[str, float, float]]:
    """(component, mass fraction, GWP) of a gas: a blend splits; CO2e is already weighted.

    Raises `GWPError` for a gas the set has no GWP for.
    """
    if gas == "CO2e":
        return [("CO2e", 1.0, 1.0)]
    return [(c, f, gwp.gwp(c)) for c, f in gwp.components(gas)]


def gwp_set_mismatch(factor: Factor, gwp: GWPSet) -> bool:
    """A CO2e factor made with another GWP set than the inventory's: used as published."""
    return factor.is_co2e and factor.gwp_set != gwp.name


def residual_rate_per_factor_unit(residual: Residual | None, gwp: GWPSet) -> float | None:
    """t CO2e per unit of the residual-mix factor (`residual.scale` converts to it), if any."""
    if residual is None:
        return None
    return math.fsum(
        amount.t_per_unit * (1.0 if amount.gas == "CO2e" else gwp.gwp(amount.gas))
        for amount in residual.factor.gases
        if not amount.biogenic
    )


def effective_scope(groups: Groups, coefficients: Coefficients) -> np.ndarray:
    """The row's scope where given, else the factor's (0: neither)."""
    return np.where(groups.scope > 0, groups.scope, coefficients.scope[groups.key])
