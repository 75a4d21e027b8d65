"""The strategy page's charts, in the one chart specification (`neutra.reports.charts`).

The trajectory of a target: for every year, the actual emissions, the
target's linear path and the path the reduction plan gives, side by side.
The marginal abatement cost curve: the measures, cheapest per tonne first.
Figures come from core through the selectors; this only arranges them.
"""

from __future__ import annotations

from neutra.core.abatement import MacBar, Trajectory
from neutra.reports import BarChart, Series

__all__ = ["CHART_MAC", "TRAJECTORY_PREFIX", "mac_chart", "trajectory_chart"]

CHART_MAC = "mac"
TRAJECTORY_PREFIX = "trajectory-"


def trajectory_chart(code: str, unit_label: str, trajectory: Trajectory) -> BarChart:
    """Actuals, target path and plan path of one target, year by year (t CO2e)."""
    years = trajectory.years

    def row(values: dict[int, float]) -> tuple[float | None, ...]:
        return tuple(values.get(y) for y in years)  # None: no figure that year, no bar

    missing = "A year without a figure in a series draws no bar."
    warning = f" Warning: {trajectory.warning}." if trajectory.warning else ""
    return BarChart(
        title=f"Trajectory of target {code}: scopes {unit_label}",
        unit="t CO2e",
        categories=tuple(str(y) for y in years),
        series=(
            Series("Actual", row(dict(trajectory.actual))),
            Series("Target path", row(dict(trajectory.target_path))),
            Series("Plan path", row(dict(trajectory.plan_path))),
        ),
        description=(
            f"Target {code}: actual emissions, the target's linear path and the reduction plan's "
            f"path, {years[0]}-{years[-1]}. {missing}{warning}"
            if years
            else ""
        ),
    )


def mac_chart(bars: tuple[MacBar, ...]) -> BarChart:
    """Marginal abatement cost: cost per t CO2e of each measure, cheapest first."""
    currency = bars[0].measure.currency if bars else ""
    return BarChart(
        title="Marginal abatement cost of the measures",
        unit=f"{currency} per t CO2e" if currency else "per t CO2e",
        categories=tuple(
            f"{b.measure.name} ({b.measure.abatement_t_per_year:,.0f} t/yr)" for b in bars
        ),
        series=(Series("Net cost per t CO2e", tuple(b.cost_per_tonne for b in bars)),),
        horizontal=True,
        description=(
            "Measures ranked by net cost per tonne abated, cheapest first; "
            + "; ".join(
                f"{b.measure.name}: {b.cost_per_tonne:,.2f} {currency}/t, "
                f"{b.measure.abatement_t_per_year:,.0f} t CO2e a year"
                for b in bars
            )
            if bars
            else ""
        ),
    )
