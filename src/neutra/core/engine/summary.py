"""Totals, scope 3 categories, gases, the biogenic memo and entities from the group sums.

It must never round: figures are float64 tonnes, summed in a fixed order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neutra.core.engine.coefficients import Coefficients, effective_scope
from neutra.core.engine.result import SCOPE_KEYS
from neutra.core.engine.scan import (
    Groups,
)

__all__ = ["summarise"]


def summarise(
    groups: Groups, coefficients: Coefficients, share: np.ndarray, market: np.ndarray
) -> dict[str, Any]:
    """Totals, scope 3 categories, gases, biogenic memo and entities from the group sums.

    Vectorised over groups; every sum adds in the fixed order of the groups.
    """
    amount = groups.quantity * share  # activity units inside the boundary
    co2e = amount * coefficients.co2e[groups.key]
    scope = effective_scope(groups, coefficients)
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
