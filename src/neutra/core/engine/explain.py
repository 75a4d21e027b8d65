"""The engine explains its own lines: how one row's figure was made, step by step.

quantity x unit scale x CO2e per factor unit x inclusion share = t CO2e. The
unit scale is `selection.unit_scale` and the weights are `coefficients.gas_parts`
and `gwp_set_mismatch`, the very rules the engine computes with, so the
arithmetic a page shows is, by construction, the arithmetic used.

It must never re-derive a rule of its own: every step calls the engine's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from neutra.core.engine.coefficients import gas_parts, gwp_set_mismatch
from neutra.core.engine.selection import unit_scale
from neutra.core.errors import GWPError, NeutraError
from neutra.core.factors import Factor
from neutra.core.flags import FlagKind
from neutra.core.gwp import GWPSet

__all__ = ["GasWeight", "LineExplanation", "explain_line", "gas_weights"]


@dataclass(frozen=True, slots=True)
class GasWeight:
    """One gas of a factor with the GWP that weights it."""

    gas: str  # the gas as the factor gives it (a blend stays whole)
    t_per_unit: float  # tonnes of the gas per factor unit
    biogenic: bool  # biogenic CO2: a memo, not weighted, outside the scopes
    gwp: float | None  # the weight into CO2e (1 for a CO2e amount); None: not weighted
    note: str  # why it is weighted so, in words


@dataclass(frozen=True, slots=True)
class LineExplanation:
    """quantity x unit scale x CO2e per factor unit x inclusion share = t CO2e."""

    quantity: float  # as written on the row
    unit: str  # the row's unit
    factor_unit: str  # the unit the factor is per
    scale: float | None  # factor units per row unit; None when it cannot be worked out
    scale_note: str  # how the row's unit becomes the factor's (units, or money and prices)
    gases: tuple[GasWeight, ...]  # the factor's gases and their weights
    co2e_per_unit: float  # t CO2e per factor unit: sum of t_per_unit x gwp, biogenic left out
    inclusion_share: float  # the share of the row's entity inside the boundary
    t_co2e: float | None  # the product; None when the scale is unknown


def gas_weights(factor: Factor, gwp: GWPSet) -> tuple[GasWeight, ...]:
    """Each gas of a factor with its weight into CO2e under `gwp`, and why."""
    weights = []
    for amount in factor.gases:
        if amount.biogenic:
            note = "biogenic CO2: a memo outside the scopes"
            weights.append(GasWeight(amount.gas, amount.t_per_unit, True, None, note))
            continue
        if amount.gas == "CO2e":
            made_with = factor.gwp_set or "a GWP set the source does not name"
            note = f"already CO2e, made with {made_with}; not weighted again"
            if gwp_set_mismatch(factor, gwp):
                note += f" (the inventory uses {gwp.name}: flagged {FlagKind.GWP_SET_MISMATCH})"
        else:
            note = f"GWP100 in {gwp.name}"
        try:
            weight = math.fsum(
                fraction * value for _, fraction, value in gas_parts(amount.gas, gwp)
            )
        except GWPError as error:
            weights.append(GasWeight(amount.gas, amount.t_per_unit, False, None, error.message))
            continue
        weights.append(GasWeight(amount.gas, amount.t_per_unit, False, weight, note))
    return tuple(weights)


def explain_line(
    *,
    quantity: float,
    unit: str,
    year: int,
    factor: Factor,
    gwp: GWPSet,
    inclusion_share: float = 1.0,
) -> LineExplanation:
    """How a row of `quantity` `unit` in `year` became t CO2e with `factor` under `gwp`."""
    scale: float | None
    try:
        scaled = unit_scale(unit, year, factor)
        scale, scale_note = scaled.scale, scaled.note
    except NeutraError as error:
        scale, scale_note = None, error.message
    except ValueError as error:  # a missing exchange rate or price index
        scale, scale_note = None, str(error)
    gases = gas_weights(factor, gwp)
    per_unit = math.fsum(g.t_per_unit * g.gwp for g in gases if g.gwp is not None)
    return LineExplanation(
        quantity=quantity,
        unit=unit,
        factor_unit=factor.unit,
        scale=scale,
        scale_note=scale_note,
        gases=gases,
        co2e_per_unit=per_unit,
        inclusion_share=inclusion_share,
        t_co2e=None if scale is None else quantity * scale * per_unit * inclusion_share,
    )
