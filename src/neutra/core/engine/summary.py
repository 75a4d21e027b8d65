"""Totals, scope 3 categories, gases, the biogenic memo and entities from the group sums.

It must never round: figures are float64 tonnes, each sum `math.fsum`-ed (correctly
rounded), so the order of the groups cannot change a bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neutra.core.engine.coefficients import Coefficients, effective_scope
from neutra.core.engine.result import SCOPE_KEYS
from neutra.core.engine.scan import (
    Groups,
    in_units,
)

__all__ = ["fsum_by", "summarise"]


def summarise(
    groups: Groups, coefficients: Coefficients, share: np.ndarray, market: np.ndarray
) -> dict[str, Any]:
    """Totals, scope 3 categories, gases, biogenic memo and entities from the group sums.

    Vectorised over groups: each group's exact sum in the factor's unit times its
    coefficients; each figure is the exact sum of its terms, rounded once.
    """
    # factor units inside the boundary
    amount = in_units(groups.quantity, coefficients.scale[groups.key]) * share
    co2e = amount * coefficients.co2e[groups.key]
    scope = effective_scope(groups, coefficients)
    category = np.where(groups.category > 0, groups.category, coefficients.category[groups.key])
    n = len(groups.entities)

    def per_entity(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return fsum_by(groups.entity[mask], values[mask], n)

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
    totals = _totals({k: math.fsum(v.tolist()) for k, v in columns.items()})
    in_scope3 = scope == 3
    categories = fsum_by(category[in_scope3], co2e[in_scope3], 16)
    masses = amount[:, None] * coefficients.mass[groups.key]
    mass = [math.fsum(masses[:, i].tolist()) for i in range(len(coefficients.gases))]
    return {
        "totals": totals,
        "scope3_categories": {str(c): float(categories[c]) for c in range(1, 16)},
        "by_gas": {
            gas: {"t": float(mass[i]), "t_co2e": float(mass[i] * coefficients.gwp[i])}
            for i, gas in enumerate(coefficients.gases)
        },
        "biogenic_co2_t": math.fsum((amount * coefficients.biogenic[groups.key]).tolist()),
        "by_entity": by_entity,
    }


def fsum_by(bucket: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """The `math.fsum` of `values` in each bucket 0..n-1: the same whatever their order."""
    order = np.argsort(bucket, kind="stable")
    ends = np.searchsorted(bucket[order], np.arange(n + 1))
    ordered = values[order].tolist()
    return np.array([math.fsum(ordered[ends[b] : ends[b + 1]]) for b in range(n)], dtype=np.float64)


def _totals(scopes: dict[str, float]) -> dict[str, float]:
    figures = dict(scopes)
    figures["total_location"] = math.fsum(
        [scopes["scope1"], scopes["scope2_location"], scopes["scope3"]]
    )
    figures["total_market"] = math.fsum(
        [scopes["scope1"], scopes["scope2_market"], scopes["scope3"]]
    )
    return {name: figures[name] for name in SCOPE_KEYS}
