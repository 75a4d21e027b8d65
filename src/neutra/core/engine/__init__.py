"""The footprint engine: one pure function from inputs to figures.

(activities, factor sets, GWP set, boundary, instruments, options) ->
emission lines + summary + provenance. See `compute_footprint`.
"""

from neutra.core.engine.compute import FootprintOptions, compute_footprint
from neutra.core.engine.explain import GasWeight, LineExplanation, explain_line, gas_weights
from neutra.core.engine.result import Flag, Footprint

__all__ = [
    "Flag",
    "Footprint",
    "FootprintOptions",
    "GasWeight",
    "LineExplanation",
    "compute_footprint",
    "explain_line",
    "gas_weights",
]
