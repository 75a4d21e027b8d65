"""The base year and its recalculation (GHG Protocol Corporate Standard, chapter 5; DOMAIN.md §1).

A base year is recalculated when structural changes (acquisition, divestment,
outsourcing, insourcing), changes of method or factors, or errors found move
its emissions, together, by at least the significance threshold (default 5 %).
Acquisitions and divestments are treated as if the entity had always been
part (or never part) of the organisation: the effect on the base year is added
to the base year and to every year before the change took place, so the
series compares like with like. The figures as originally reported are kept
beside the restated ones, with the reasons.

It must never recalculate for organic growth or decline, never lose the
as-reported figures, and never look at a single change alone: it is the
cumulative change that passes the threshold.

How a change's effect reaches the other years and the scopes: the file gives
one signed effect in t CO2e on the base year's emissions (scope 1 + 2 + 3,
scope 2 on the basis chosen). The same effect applies to every year from the
base year up to the year before the change; a restated year keeps its scope
mix (each figure is scaled by restated / as reported), since the effect is not
given per scope.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from neutra.core.errors import NeutraError
from neutra.core.history import (
    EmissionKey,
    EmissionsHistory,
    EmissionsYear,
    Scope2Basis,
    ScopeCoverage,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "BaseYearAssessment",
    "BaseYearError",
    "ChangeKind",
    "RestatedYear",
    "StructuralChange",
    "assess_base_year",
    "base_year_emissions",
]

DEFAULT_THRESHOLD = 0.05  # a cumulative change of 5 % of the base year's emissions is significant


class BaseYearError(NeutraError, ValueError):
    """A base year that cannot be assessed (not in the history, no emissions, a bad threshold)."""


class ChangeKind(StrEnum):
    """What changed since the base year."""

    ACQUISITION = "acquisition"  # an entity joined the boundary
    DIVESTMENT = "divestment"  # an entity left the boundary
    OUTSOURCING = "outsourcing"  # an activity moved out of scopes 1/2
    INSOURCING = "insourcing"  # an activity moved into scopes 1/2
    METHOD = "method"  # a calculation method or emission factors changed
    ERROR = "error"  # an error found in the base year's figures
    ORGANIC = "organic"  # growth or decline of the business itself: logged, never recalculated

    @property
    def triggers_recalculation(self) -> bool:
        """Whether the change counts towards the significance threshold."""
        return self is not ChangeKind.ORGANIC


@dataclass(frozen=True, slots=True)
class StructuralChange:
    """One change that may call for a base-year recalculation."""

    year: int  # the year the change took effect (figures of this year already include it)
    kind: ChangeKind
    description: str  # what happened, in words shown beside the restated figures
    base_year_effect_t: float  # signed effect on the base year's emissions, t CO2e

    def __post_init__(self) -> None:
        if not math.isfinite(self.base_year_effect_t):
            raise BaseYearError(f"the effect of {self.description!r} is not a finite figure")

    @property
    def reason(self) -> str:
        return f"{self.year} {self.kind.value}: {self.description} ({self.base_year_effect_t:+,.1f} t CO2e on the base year)"


@dataclass(frozen=True, slots=True)
class RestatedYear:
    """One year of the series, as originally reported and restated (t CO2e, base-year metric)."""

    year: int
    as_reported_t: float  # scope 1 + 2 + 3 as originally reported
    adjustment_t: float  # effect of the counted changes that took place after this year
    restated_t: float  # as reported + adjustment
    reasons: tuple[str, ...]  # the changes behind the adjustment


@dataclass(frozen=True, slots=True)
class BaseYearAssessment:
    """The base year after weighing the changes: significant or not, and the restated series."""

    year: int  # the base year
    scope2: Scope2Basis  # the scope 2 basis of the base year's emissions
    threshold: float  # the significance threshold, as a fraction of the base year's emissions
    as_reported_t: float  # base-year emissions as originally reported
    restated_t: float  # base-year emissions after every recalculation (= as reported if none)
    recalculated: bool  # whether the base year is restated
    # the pending changes' cumulative signed effect, as a fraction of the base year before them
    cumulative_change: float
    significant: bool  # whether the pending changes pass the threshold (a recalculation is due)
    reasons: tuple[str, ...]  # the changes behind the restatement
    logged: tuple[str, ...]  # changes that did not trigger a recalculation, with why
    series: tuple[RestatedYear, ...]  # base year and every year since in the history
    restated_history: (
        EmissionsHistory  # the history with restated years (earlier years as reported)
    )

    def as_json(self) -> dict[str, object]:
        """The `base_year` member of `neutra.strategy/1` (DESIGN.md §8)."""
        return {
            "year": self.year,
            "as_reported_t": self.as_reported_t,
            "restated_t": self.restated_t,
            "recalculated": self.recalculated,
            "cumulative_change": self.cumulative_change,
            "reasons": list(self.reasons),
        }


def base_year_emissions(year: EmissionsYear, scope2: Scope2Basis) -> float:
    """The emissions the significance test weighs: scope 1 + 2 + 3 on the chosen scope 2 basis."""
    return year.figure(EmissionKey.of(ScopeCoverage.S1_2_3, scope2))


def assess_base_year(
    history: EmissionsHistory,
    *,
    base_year: int,
    changes: Iterable[StructuralChange] = (),
    threshold: float = DEFAULT_THRESHOLD,
    scope2: Scope2Basis = Scope2Basis.MARKET,
    applied: Iterable[StructuralChange] = (),
) -> BaseYearAssessment:
    """Weigh the changes against the threshold and restate the series if they pass it.

    `applied` are changes of recalculations already accepted (the web keeps
    them): they are always in the restated figures. `changes` are pending:
    their cumulative signed effect, against the base year as restated so far,
    decides whether a (further) recalculation is due. Organic changes never
    count; they are logged.
    """
    if not 0 < threshold < 1 or not math.isfinite(threshold):
        raise BaseYearError(f"the threshold {threshold!r} must be a fraction between 0 and 1")
    if base_year not in history:
        raise BaseYearError(
            f"the history has no figures for the base year {base_year}", year=base_year
        )
    pending, done = list(changes), list(applied)
    for change in (*pending, *done):
        if change.year <= base_year:
            raise BaseYearError(
                f"the change {change.description!r} of {change.year} is not after the base year "
                f"{base_year}: a base year's own figures already include its changes",
                year=change.year,
            )
    reported = base_year_emissions(history.year(base_year), scope2)
    counted_done = [c for c in done if c.kind.triggers_recalculation]
    counted = [c for c in pending if c.kind.triggers_recalculation]
    logged = [
        f"{c.reason}: organic growth or decline never triggers a recalculation"
        for c in (*pending, *done)
        if not c.kind.triggers_recalculation
    ]
    before = reported + math.fsum(c.base_year_effect_t for c in counted_done)
    pending_effect = math.fsum(c.base_year_effect_t for c in counted)
    if before <= 0:
        if counted:
            raise BaseYearError(
                f"the base year {base_year} has no emissions to weigh the changes against",
                year=base_year,
            )
        cumulative = 0.0
    else:
        cumulative = pending_effect / before
    # A float sum of exactly the threshold must pass it: compare with a relative tolerance.
    significant = bool(counted) and abs(cumulative) >= threshold * (1 - 1e-12)
    if counted and not significant:
        logged += [
            f"{c.reason}: below the threshold (cumulative {cumulative:+.2%} of the base year, "
            f"threshold {threshold:.2%})"
            for c in counted
        ]
    in_restatement = [*counted_done, *(counted if significant else [])]
    series = []
    years = []
    for item in history.years:
        if item.year < base_year:
            years.append(item)
            continue
        later = [c for c in in_restatement if c.year > item.year]
        as_reported = base_year_emissions(item, scope2)
        adjustment = math.fsum(c.base_year_effect_t for c in later)
        restated = as_reported + adjustment
        if restated < 0:
            raise BaseYearError(
                f"the changes would make {item.year}'s emissions negative ({restated:,.1f} t CO2e)",
                year=item.year,
            )
        if adjustment and as_reported <= 0:
            raise BaseYearError(
                f"{item.year} has no emissions to restate in proportion", year=item.year
            )
        ratio = restated / as_reported if adjustment else 1.0
        if not math.isfinite(ratio):  # a speck as reported (1e-320 t) against tonnes of change
            raise BaseYearError(
                f"{item.year}'s emissions as reported ({as_reported:.3g} t CO2e) are too small "
                f"to restate in proportion to the changes ({adjustment:+,.1f} t CO2e)",
                year=item.year,
            )
        series.append(
            RestatedYear(
                item.year, as_reported, adjustment, restated, tuple(c.reason for c in later)
            )
        )
        years.append(item.scaled(ratio) if adjustment else item)
    base = series[0]
    return BaseYearAssessment(
        year=base_year,
        scope2=scope2,
        threshold=threshold,
        as_reported_t=reported,
        restated_t=base.restated_t,
        recalculated=bool(in_restatement),
        cumulative_change=cumulative,
        significant=significant,
        reasons=tuple(c.reason for c in in_restatement),
        logged=tuple(logged),
        series=tuple(series),
        restated_history=EmissionsHistory(tuple(years)),
    )
