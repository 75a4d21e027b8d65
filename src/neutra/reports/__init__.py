"""Reports: what Neutra shows people about a footprint, in the page and on paper.

`charts` draws one chart specification as SVG, with drill-down links for the
page or without them for PDF; `labels` holds the words beside the figures
(scope 3 category names, flags explained).

It must never import Django or the web layer, nor read files of formats: it
turns core values and plain figures into drawings and text.
"""

from __future__ import annotations

from neutra.reports.charts import (
    PALETTE,
    BarChart,
    ChartSpecError,
    Series,
    format_compact,
    render_svg,
    spec_json,
)
from neutra.reports.labels import (
    FLAG_EXPLANATIONS,
    SCOPE3_CATEGORY_NAMES,
    TOTAL_LABELS,
    explain_flag,
    gas_label,
    scope3_category_label,
)

__all__ = [
    "FLAG_EXPLANATIONS",
    "PALETTE",
    "SCOPE3_CATEGORY_NAMES",
    "TOTAL_LABELS",
    "BarChart",
    "ChartSpecError",
    "Series",
    "explain_flag",
    "format_compact",
    "gas_label",
    "render_svg",
    "scope3_category_label",
    "spec_json",
]
