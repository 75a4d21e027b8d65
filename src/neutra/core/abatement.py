"""The reduction plan: measures, the marginal abatement cost curve, and the trajectory (DOMAIN.md §5).

A measure is expected to abate some t CO2e every year from its start year, at
a net annual cost (negative: it saves money). The marginal abatement cost
(MAC) curve ranks measures by cost per tonne, cheapest first, each as wide as
its abatement. The trajectory puts side by side the actual emissions, a
target's path and the path the plan gives: the latest actual year's emissions
less the measures starting after it.

It must never count a dropped measure, nor a measure twice (one already
started is in the actual figures), nor rank measures whose costs are in
different currencies, nor carry an infinite or nan figure: a measure whose
cost per tonne is past float's range (a large cost over a tiny abatement), and
abatement adding up past it, are a `MeasureError` naming the measure, so no
caller needs its own check.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from neutra.core.errors import NeutraError
from neutra.core.factors import Scope
from neutra.core.history import ScopeCoverage

__all__ = [
    "MacBar",
    "Measure",
    "MeasureError",
    "MeasureStatus",
    "Trajectory",
    "mac_curve",
    "plan_path",
    "trajectory",
]


class MeasureError(NeutraError, ValueError):
    """A measure that cannot be used (negative abatement, costs in several currencies)."""


class MeasureStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"  # kept for the record, never counted


@dataclass(frozen=True, slots=True)
class Measure:
    """One reduction measure of the plan."""

    name: str
    abatement_t_per_year: float  # expected t CO2e abated each year from the start year, > 0
    cost_per_year: (
        float  # net annual cost in `currency` (annualised investment + running - savings)
    )
    currency: str  # ISO 4217 code of the cost
    start_year: int  # the first year it abates
    owner: str  # who is responsible
    status: MeasureStatus = MeasureStatus.PLANNED
    scope: Scope | None = None  # the scope it abates; None: not said (counts for 1+2+3 only)

    def abates_within(self, scopes: ScopeCoverage) -> bool:
        """Whether the measure's abatement falls within a target's scopes."""
        if scopes is ScopeCoverage.S1_2_3:
            return True
        if self.scope is None:
            return False  # not said: it may abate outside those scopes
        return (self.scope is Scope.S3) == (scopes is ScopeCoverage.S3)

    def __post_init__(self) -> None:
        if not math.isfinite(self.abatement_t_per_year) or self.abatement_t_per_year <= 0:
            raise MeasureError(
                f"measure {self.name!r}: the expected abatement must be more than 0 t CO2e per year",
                field="abatement_t_per_year",
                measure=self.name,
            )
        if not math.isfinite(self.cost_per_year):
            raise MeasureError(
                f"measure {self.name!r}: the cost is not a finite figure",
                field="cost_per_year",
                measure=self.name,
            )
        # A float division past 1.8e308 is inf without a word (5 over 1e-320 t): the MAC
        # curve would rank, draw and send it as inf. The abatement is what is too small.
        if not math.isfinite(self.cost_per_year / self.abatement_t_per_year):
            raise MeasureError(
                f"measure {self.name!r}: {self.abatement_t_per_year:g} t CO2e a year is too small "
                f"for a cost of {self.cost_per_year:g} {self.currency}: the cost per t CO2e "
                "would not be a finite figure",
                field="abatement_t_per_year",
                measure=self.name,
            )

    @property
    def cost_per_tonne(self) -> float:
        """Net cost per t CO2e abated (negative: it saves money)."""
        return self.cost_per_year / self.abatement_t_per_year


@dataclass(frozen=True, slots=True)
class MacBar:
    """One measure on the MAC curve: its height (cost per tonne) and its span of abatement."""

    measure: Measure
    cost_per_tonne: float  # in the curve's currency per t CO2e
    from_t: float  # cumulative abatement before it, t CO2e per year
    to_t: float  # cumulative abatement after it


def mac_curve(measures: Iterable[Measure]) -> tuple[MacBar, ...]:
    """The measures that count, cheapest per tonne first (ties by name), with cumulative abatement."""
    counted = [m for m in measures if m.status is not MeasureStatus.DROPPED]
    currencies = sorted({m.currency for m in counted})
    if len(currencies) > 1:
        raise MeasureError(
            f"the measures' costs are in {', '.join(currencies)}: give them in one currency to rank them",
            field="currency",
        )
    bars = []
    reached = 0.0
    for m in sorted(counted, key=lambda m: (m.cost_per_tonne, m.name)):
        after = reached + m.abatement_t_per_year
        if not math.isfinite(after):
            raise MeasureError(
                f"measure {m.name!r}: the abatement of the measures adds up past what a figure "
                f"can hold ({m.abatement_t_per_year:g} t CO2e a year on top of the others)",
                field="abatement_t_per_year",
                measure=m.name,
            )
        bars.append(MacBar(m, m.cost_per_tonne, reached, after))
        reached = after
    return tuple(bars)


def plan_path(
    actual: Mapping[int, float],
    measures: Iterable[Measure],
    until_year: int,
    scopes: ScopeCoverage = ScopeCoverage.S1_2_3,
) -> dict[int, float]:
    """The emissions the plan gives, from the latest actual year to `until_year`.

    Each year is the latest actual figure less the abatement of the measures
    within `scopes` that start after that year and by this one (never below
    zero). Empty without an actual figure.
    """
    if not actual:
        return {}
    anchor = max(actual)
    counted = [
        m for m in measures if m.status is not MeasureStatus.DROPPED and m.abates_within(scopes)
    ]
    path = {}
    for year in range(anchor, max(until_year, anchor) + 1):
        started = [m for m in counted if anchor < m.start_year <= year]
        try:
            abated = math.fsum(m.abatement_t_per_year for m in started)
        except OverflowError:  # fsum's "intermediate overflow": a sum past 1.8e308
            abated = math.inf
        if not math.isfinite(abated):
            raise MeasureError(
                f"the abatement of the measures started by {year} adds up past what a figure "
                f"can hold ({', '.join(repr(m.name) for m in started)})",
                field="abatement_t_per_year",
                year=year,
            )
        path[year] = max(actual[anchor] - abated, 0.0)
    return path


@dataclass(frozen=True, slots=True)
class Trajectory:
    """Actuals, a target's path and the plan's path, year by year (t CO2e)."""

    years: tuple[int, ...]  # every year any of the three has a figure
    actual: Mapping[int, float]
    target_path: Mapping[int, float]
    plan_path: Mapping[int, float]
    off_track: bool  # the latest actual is above the target path
    plan_short: bool  # the plan's path ends above the target's value

    @property
    def warning(self) -> str:
        """Why the trajectory needs attention, in words ("" when it does not)."""
        parts = []
        if self.off_track:
            parts.append("the latest actual emissions are above the target path")
        if self.plan_short:
            parts.append("the reduction plan does not reach the target")
        return "; ".join(parts)


def trajectory(
    actual: Mapping[int, float],
    target_path: Mapping[int, float],
    measures: Iterable[Measure],
    *,
    off_track: bool,
    scopes: ScopeCoverage = ScopeCoverage.S1_2_3,
) -> Trajectory:
    """The trajectory of one absolute target with the plan's path to its target year."""
    end = max(target_path) if target_path else max(actual, default=0)
    plan = plan_path(actual, measures, end, scopes)
    years = tuple(sorted({*actual, *target_path, *plan}))
    short = bool(plan) and bool(target_path) and plan[max(plan)] > target_path[end] * (1 + 1e-9)
    return Trajectory(years, dict(actual), dict(target_path), plan, off_track, short)
