"""How one line's market-based scope 2 figure was made: the instruments applied to it.

The engine allocates instruments to consumption groups (one entity's
energy of one region, year, factor and residual mix, in any units, whether or
not a row named its factor), not to rows, and writes each group's allocation
on its lines as `market_detail` (canonical JSON, the group's figures at 100% of its entity,
with its consumption in the line's own unit as `quantity`). `explain_market_line` gives one
line's part of it: the row's share of the group's consumption, of each
instrument's covered kWh, and of the uncovered rest at the residual mix or
grid average, then the line's inclusion share. Pages and documents show this
instead of repeating the arithmetic.

It must never change a figure: the parts add up to the line's
`emissions_market_t_co2e` (to float rounding).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from neutra.core.factors import Basis
from neutra.core.scope2 import InstrumentType

__all__ = ["InstrumentOnLine", "MarketLine", "explain_market_line"]


@dataclass(frozen=True, slots=True)
class InstrumentOnLine:
    """One instrument meant for the line's consumption, and what it did there."""

    instrument_id: str  # as recorded
    type: InstrumentType  # certificate, contract or supplier rate
    qualified: bool  # whether it met the quality criteria for this consumption
    reasons: tuple[str, ...]  # the criteria it fails (empty when qualified)
    rate_t_co2e_per_kwh: float  # the emission rate it conveys
    group_covered_kwh: float  # kWh of the whole consumption group it covers
    covered_kwh: float  # kWh of this row it covers
    t_co2e: float  # this line's t CO2e from it (after the inclusion share)


@dataclass(frozen=True, slots=True)
class MarketLine:
    """A line's market-based figure, taken apart."""

    consumption: str  # the consumption group: "entity / region / year"
    consumption_kwh: float  # the group's consumption, kWh, at 100% of its entity
    row_share: float  # the row's part of the group's consumption (0-1)
    inclusion_share: float  # the line's inclusion share under the boundary
    instruments: tuple[InstrumentOnLine, ...]  # applied first, in order; then the refused ones
    uncovered_kwh: float  # kWh of this row no instrument covers
    uncovered_rate_t_co2e_per_kwh: float  # the residual mix, else the grid average
    uncovered_basis: Basis  # RESIDUAL_MIX, or LOCATION when there is no residual mix
    uncovered_t_co2e: float  # this line's t CO2e from the uncovered part
    market_t_co2e: float  # the line's market-based figure: the instruments' and the rest's
    quality_rules: str  # the quality-criteria setting the verdicts come from

    @property
    def covered_kwh(self) -> float:
        return math.fsum(i.covered_kwh for i in self.instruments)


def explain_market_line(
    detail: str | None, *, quantity: float, inclusion_share: float
) -> MarketLine | None:
    """The line's part of its group's market-based figure; None for a line without detail.

    `detail` is the line's `market_detail`, `quantity` its activity quantity
    and `inclusion_share` its inclusion share, as the engine wrote them.
    """
    if not detail:
        return None
    document: dict[str, Any] = json.loads(detail)
    group_quantity = float(document["quantity"])
    row_share = quantity / group_quantity if group_quantity else 0.0
    instruments = tuple(
        InstrumentOnLine(
            instrument_id=str(item["instrument_id"]),
            type=InstrumentType(item["type"]),
            qualified=bool(item["qualified"]),
            reasons=tuple(str(r) for r in item["reasons"]),
            rate_t_co2e_per_kwh=float(item["rate_t_co2e_per_kwh"]),
            group_covered_kwh=float(item["covered_kwh"]),
            covered_kwh=float(item["covered_kwh"]) * row_share,
            t_co2e=float(item["t_co2e"]) * row_share * inclusion_share,
        )
        for item in document["instruments"]
    )
    uncovered_kwh = float(document["uncovered_kwh"]) * row_share
    rate = float(document["uncovered_rate_t_co2e_per_kwh"])
    uncovered_t_co2e = uncovered_kwh * rate * inclusion_share
    return MarketLine(
        consumption=str(document["consumption"]),
        consumption_kwh=float(document["consumption_kwh"]),
        row_share=row_share,
        inclusion_share=inclusion_share,
        instruments=instruments,
        uncovered_kwh=uncovered_kwh,
        uncovered_rate_t_co2e_per_kwh=rate,
        uncovered_basis=Basis(document["uncovered_basis"]),
        uncovered_t_co2e=uncovered_t_co2e,
        market_t_co2e=math.fsum([*(i.t_co2e for i in instruments), uncovered_t_co2e]),
        quality_rules=str(document["quality_rules"]),
    )
