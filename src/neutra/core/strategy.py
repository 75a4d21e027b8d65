"""The climate strategy over the years in one computation (DESIGN.md §8): `neutra.strategy/1`.

History, denominators, targets and structural changes go in; the base year
(as reported and restated), every year's emissions and intensities, and every
target's path, actuals, status and criteria check come out. The command line
and the web both call `strategy_report`, so a page's figures and the command's
figures are the same numbers.

Years' emissions and intensities are as reported; targets are judged on the
restated history (like with like since the base year). It must never compute
from input that breaks a rule: the steps it calls raise `NeutraError`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neutra.core.abatement import Measure, Trajectory, trajectory
from neutra.core.baseyear import (
    DEFAULT_THRESHOLD,
    BaseYearAssessment,
    StructuralChange,
    assess_base_year,
)
from neutra.core.history import EmissionsHistory, Scope2Basis
from neutra.core.indicators import (
    DEFAULT_BOUNDARY,
    Denominator,
    Intensity,
    ResolvedDenominator,
    choose_currency,
    intensities,
    resolve_denominators,
)
from neutra.core.targets import Target, TargetKind, TargetResult, TargetStatus, evaluate_targets

__all__ = ["SCHEMA", "StrategyReport", "strategy_report"]

SCHEMA = "neutra.strategy/1"


@dataclass(frozen=True, slots=True)
class StrategyReport:
    """Everything `neutra strategy` prints."""

    history: EmissionsHistory  # as reported
    base_year: BaseYearAssessment  # with the restated history
    scope2: Scope2Basis
    currency: str | None  # the currency revenue intensities are per million of
    boundary: str  # the boundary numerator and denominators share, in words
    denominators: dict[str, dict[int, ResolvedDenominator]]
    intensities: tuple[Intensity, ...]
    targets: tuple[TargetResult, ...]

    def trajectory(self, target_id: str, measures: Sequence[Measure] = ()) -> Trajectory:
        """Actuals, path and plan path of one absolute target."""
        result = next(t for t in self.targets if t.target.target_id == target_id)
        return trajectory(
            result.actual,
            result.path,
            measures,
            off_track=result.status is TargetStatus.OFF_TRACK,
            scopes=result.target.scopes,
        )

    def as_json(self) -> dict[str, Any]:
        years: dict[str, Any] = {}
        for item in self.history.years:
            years[str(item.year)] = {"emissions": item.figures(), "intensity": {}}
        for i in self.intensities:
            block = years[str(i.year)]["intensity"].setdefault(i.indicator, {})
            block[i.key.value] = i.value
        return {
            "schema": SCHEMA,
            "base_year": self.base_year.as_json(),
            "years": years,
            "targets": [t.as_json() for t in self.targets],
            "scope2": self.scope2.value,
            "currency": self.currency,
            "boundary": self.boundary,
            "restated": {
                str(r.year): {
                    "as_reported_t": r.as_reported_t,
                    "restated_t": r.restated_t,
                    "reasons": list(r.reasons),
                }
                for r in self.base_year.series
            },
            "logged_changes": list(self.base_year.logged),
        }

    def absolute_targets(self) -> tuple[TargetResult, ...]:
        return tuple(t for t in self.targets if t.target.kind is TargetKind.ABSOLUTE)


def strategy_report(
    history: EmissionsHistory,
    *,
    base_year: int | None = None,
    scope2: Scope2Basis = Scope2Basis.MARKET,
    denominators: Sequence[Denominator] = (),
    currency: str | None = None,
    targets: Sequence[Target] = (),
    changes: Sequence[StructuralChange] = (),
    applied_changes: Sequence[StructuralChange] = (),
    threshold: float = DEFAULT_THRESHOLD,
    boundary: str = DEFAULT_BOUNDARY,
    set_in_year: int | None = None,
) -> StrategyReport:
    """Assess the base year, compute intensities and evaluate targets (DESIGN.md §8)."""
    year = history.first_year if base_year is None else base_year
    assessment = assess_base_year(
        history,
        base_year=year,
        changes=changes,
        threshold=threshold,
        scope2=scope2,
        applied=applied_changes,
    )
    chosen = currency or choose_currency(denominators)
    resolved = resolve_denominators(denominators, currency=chosen)
    found = intensities(history, resolved, boundary=boundary)
    results = evaluate_targets(
        targets, assessment.restated_history, resolved, set_in_year=set_in_year
    )
    return StrategyReport(history, assessment, scope2, chosen, boundary, resolved, found, results)
