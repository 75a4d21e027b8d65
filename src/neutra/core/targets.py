"""Reduction targets: their linear path, their status, and the SBTi near-term check (DOMAIN.md §5).

A target reduces the emissions of some scopes (absolute) or their intensity
per a denominator, by a fraction of the base year's value, by a target year,
through optional milestones. Its path is linear between base year, milestones
and target year: each year takes the same amount off the base value, never a
compounded percentage (base 100,000 t in 2020 at 4.2 %/yr: 79,000 t in 2025,
58,000 t in 2030). Targets are gross: credits never count towards them (the
history holds gross emissions only). An intensity target also reports the
absolute emissions it covers.

The SBTi near-term criteria are versioned data (`neutra/data/sbti/`): rates,
coverage and time frames change between editions, the code does not.

It must never compound a rate, never call a target on track without a year
of actual figures after its base year, and never count credits.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

from neutra.core.errors import NeutraError
from neutra.core.history import (
    EmissionKey,
    EmissionsHistory,
    EmissionsYear,
    Scope2Basis,
    ScopeCoverage,
)
from neutra.core.indicators import ResolvedDenominator

__all__ = [
    "Criteria",
    "CriteriaCheck",
    "Milestone",
    "Target",
    "TargetError",
    "TargetKind",
    "TargetResult",
    "TargetStatus",
    "check_criteria",
    "criteria_named",
    "evaluate_targets",
    "known_criteria",
    "linear_path",
]


class TargetError(NeutraError, ValueError):
    """A target that cannot hold (target year not after base year, a reduction over 100 %)."""


class TargetKind(StrEnum):
    ABSOLUTE = "absolute"  # t CO2e
    INTENSITY = "intensity"  # t CO2e per unit of a denominator


class TargetStatus(StrEnum):
    ON_TRACK = "on_track"  # the latest actual is at or below the path
    OFF_TRACK = "off_track"  # the latest actual is above the path
    NO_DATA = "no_data"  # no actual figure after the base year


@dataclass(frozen=True, slots=True)
class Milestone:
    """An interim point of a target: a reduction (fraction of the base value) by a year."""

    year: int
    reduction: float


@dataclass(frozen=True, slots=True)
class Target:
    """A reduction target as set (a `base_value` of None is read from the history)."""

    target_id: str
    kind: TargetKind
    scopes: ScopeCoverage
    scope2: Scope2Basis  # the scope 2 basis of the covered emissions
    base_year: int
    base_value: float | None  # t CO2e (absolute) or t CO2e per unit (intensity); None: history
    target_year: int
    reduction: float  # fraction of the base value, 0 < reduction <= 1
    denominator: str | None = None  # the indicator of an intensity target ("fte", "revenue", ...)
    criteria: str | None = None  # a criteria set to check against, e.g. "sbti-near-term-1.5c"
    categories: tuple[int, ...] = ()  # scope 3 categories covered (empty: all of scope 3)
    milestones: tuple[Milestone, ...] = ()  # interim points, between base and target year

    def __post_init__(self) -> None:
        self.check_invariants()

    def check_invariants(self) -> None:
        where = {"target_id": self.target_id}
        if self.target_year <= self.base_year:
            raise TargetError(
                f"target {self.target_id}: the target year {self.target_year} must be after the "
                f"base year {self.base_year}",
                field="target_year",
                **where,
            )
        if not math.isfinite(self.reduction) or not 0 < self.reduction <= 1:
            raise TargetError(
                f"target {self.target_id}: the reduction {self.reduction!r} must be more than 0 "
                "and at most 1 (100 %)",
                field="reduction",
                **where,
            )
        if self.base_value is not None and (
            not math.isfinite(self.base_value) or self.base_value < 0
        ):
            raise TargetError(
                f"target {self.target_id}: the base value must be a figure of at least 0",
                field="base_value",
                **where,
            )
        if (self.kind is TargetKind.INTENSITY) != bool(self.denominator):
            raise TargetError(
                f"target {self.target_id}: an intensity target names its denominator, an "
                "absolute target none",
                field="denominator",
                **where,
            )
        if self.categories and self.scopes is ScopeCoverage.S1_2:
            raise TargetError(
                f"target {self.target_id}: scope 3 categories need a target covering scope 3",
                field="categories",
                **where,
            )
        if any(not 1 <= c <= 15 for c in self.categories):
            raise TargetError(
                f"target {self.target_id}: scope 3 categories are 1 to 15",
                field="categories",
                **where,
            )
        previous_year, previous = self.base_year, 0.0
        for m in sorted(self.milestones, key=lambda m: m.year):
            if not self.base_year < m.year < self.target_year:
                raise TargetError(
                    f"target {self.target_id}: milestone {m.year} must fall between the base year "
                    "and the target year",
                    field="milestones",
                    **where,
                )
            if m.year == previous_year or not previous <= m.reduction <= self.reduction:
                raise TargetError(
                    f"target {self.target_id}: milestone {m.year}'s reduction {m.reduction!r} "
                    "must not fall below an earlier one or pass the target's",
                    field="milestones",
                    **where,
                )
            previous_year, previous = m.year, m.reduction

    @property
    def annual_rate(self) -> float:
        """The linear reduction per year, as a fraction of the base value."""
        return self.reduction / (self.target_year - self.base_year)


def linear_path(
    base_year: int,
    base_value: float,
    target_year: int,
    reduction: float,
    milestones: Sequence[Milestone] = (),
) -> dict[int, float]:
    """The value of every year from base to target year, linear between milestones.

    Each year takes the same amount off the base value (a fraction of the
    base, never of the year before): 100,000 t, 2020 -> 2030, 42 % gives
    79,000 t in 2025.
    """
    points = [
        (base_year, 0.0),
        *((m.year, m.reduction) for m in sorted(milestones, key=lambda m: m.year)),
        (target_year, reduction),
    ]
    path = {}
    for (y0, r0), (y1, r1) in itertools.pairwise(points):
        for year in range(y0, y1 + 1):
            share = r0 + (r1 - r0) * (year - y0) / (y1 - y0)
            path[year] = base_value * (1 - share)
    return path


# --- criteria (SBTi near-term) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Criteria:
    """One edition of a target-setting criteria set (versioned data, with its source)."""

    name: str  # e.g. "sbti-near-term-1.5c"
    version: str  # the edition of the criteria document
    ambition: str  # "1.5 C", "well-below 2 C"
    scope1_2_min_annual_rate: float  # linear, fraction of base-year emissions per year
    scope3_min_annual_rate: float
    earliest_base_year: int
    min_years_ahead: int  # target year at least this many years after the year it is set
    max_years_ahead: int
    scope3_share_needing_target: float  # scope 3 share of the total from which a S3 target is due
    scope3_min_coverage: float  # share of scope 3 a scope 3 target must cover


@dataclass(frozen=True, slots=True)
class CriteriaCheck:
    """Whether one target meets a criteria set, and every way it does not."""

    name: str
    version: str
    met: bool
    problems: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "met": self.met,
            "problems": list(self.problems),
        }


@cache
def known_criteria() -> dict[str, Criteria]:
    """The criteria sets shipped with Neutra, by name."""
    text = (files("neutra.data") / "sbti" / "near_term.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(
        io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
    )
    return {
        r["name"]: Criteria(
            r["name"],
            r["version"],
            r["ambition"],
            float(r["scope1_2_min_annual_rate"]),
            float(r["scope3_min_annual_rate"]),
            int(r["earliest_base_year"]),
            int(r["min_years_ahead"]),
            int(r["max_years_ahead"]),
            float(r["scope3_share_needing_target"]),
            float(r["scope3_min_coverage"]),
        )
        for r in rows
    }


def criteria_named(name: str) -> Criteria:
    """A criteria set by name; `TargetError` listing the known names otherwise."""
    known = known_criteria()
    if name not in known:
        raise TargetError(
            f"unknown criteria {name!r}: known are {', '.join(sorted(known))}", criteria=name
        )
    return known[name]


def _scope3_coverage(target: Target, base: EmissionsYear) -> float:
    """The share of the base year's scope 3 a target covers."""
    if target.scopes is ScopeCoverage.S1_2:
        return 0.0
    if not target.categories:
        return 1.0
    if base.scope3 <= 0:
        return 0.0
    return math.fsum(base.categories.get(c, 0.0) for c in target.categories) / base.scope3


def check_criteria(
    target: Target,
    criteria: Criteria,
    *,
    base: EmissionsYear,
    all_targets: Iterable[Target],
    set_in_year: int,
) -> CriteriaCheck:
    """Check one target against a criteria set.

    `base` is the base year's (restated) emissions; `all_targets` the whole
    set, since the scope 3 rule is met by any target of the set; `set_in_year`
    the year the target is set (the latest year of the history, offline).
    """
    problems = []
    if target.kind is TargetKind.INTENSITY:
        problems.append(
            "only absolute contraction targets are checked here; intensity targets follow the "
            "sector (SDA) or economic-intensity methods, which this check does not assess"
        )
    if target.base_year < criteria.earliest_base_year:
        problems.append(f"the base year {target.base_year} is before {criteria.earliest_base_year}")
    ahead = target.target_year - set_in_year
    if not criteria.min_years_ahead <= ahead <= criteria.max_years_ahead:
        problems.append(
            f"the target year {target.target_year} is {ahead} years after {set_in_year}, the year "
            f"it is set; it must be {criteria.min_years_ahead} to {criteria.max_years_ahead} years ahead"
        )
    needed = (
        criteria.scope3_min_annual_rate
        if target.scopes is ScopeCoverage.S3
        else criteria.scope1_2_min_annual_rate
    )
    # A tolerance for the float division: 0.42 over 10 years is 4.2 % per year.
    if target.annual_rate < needed * (1 - 1e-9):
        problems.append(
            f"{target.annual_rate:.2%} of the base value per year (linear) is less than the "
            f"{needed:.1%} per year {criteria.ambition} needs"
        )
    total = base.figure(EmissionKey.of(ScopeCoverage.S1_2_3, target.scope2))
    share = base.scope3 / total if total > 0 else 0.0
    if share >= criteria.scope3_share_needing_target * (1 - 1e-12):
        best = max((_scope3_coverage(t, base) for t in all_targets), default=0.0)
        if best < criteria.scope3_min_coverage * (1 - 1e-12):
            problems.append(
                f"scope 3 is {share:.0%} of the base year's total (at least "
                f"{criteria.scope3_share_needing_target:.0%}): a scope 3 target covering at least "
                f"{criteria.scope3_min_coverage:.0%} of scope 3 is needed, the targets cover {best:.0%}"
            )
    return CriteriaCheck(criteria.name, criteria.version, not problems, tuple(problems))


# --- evaluation ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetResult:
    """A target with its resolved base value, path, actual figures, status and check."""

    target: Target
    base_value: float  # the value the path starts from
    unit: str  # "t CO2e" or "t CO2e per <denominator>"
    path: Mapping[int, float]  # every year from base to target year
    actual: Mapping[int, float]  # actual figures (same unit as the path), base year on
    covered_t: Mapping[int, float]  # absolute emissions the target covers, t CO2e, by year
    status: TargetStatus
    status_year: int | None  # the actual year the status is judged on
    criteria: CriteriaCheck | None

    def as_json(self) -> dict[str, object]:
        """One member of `targets` in `neutra.strategy/1` (DESIGN.md §8)."""
        return {
            "target_id": self.target.target_id,
            "path": {str(y): v for y, v in sorted(self.path.items())},
            "actual": {str(y): v for y, v in sorted(self.actual.items())},
            "status": self.status.value,
            "criteria": None if self.criteria is None else self.criteria.as_json(),
            "kind": self.target.kind.value,
            "unit": self.unit,
            "covered_t": {str(y): v for y, v in sorted(self.covered_t.items())},
        }

    def expected(self, year: int) -> float:
        """The path's value for a year (the target's value once the target year is past)."""
        last = max(self.path)
        return self.path[min(year, last)]


def _status(
    path: Mapping[int, float], actual: Mapping[int, float], base_year: int
) -> tuple[TargetStatus, int | None]:
    after = [y for y in actual if y > base_year]
    if not after:
        return TargetStatus.NO_DATA, None
    year = max(after)
    expected = path[min(year, max(path))]
    # Within a relative 1e-9 the actual is on the path (float sums of the same figures).
    if actual[year] <= expected + abs(expected) * 1e-9:
        return TargetStatus.ON_TRACK, year
    return TargetStatus.OFF_TRACK, year


def evaluate_targets(
    targets: Sequence[Target],
    history: EmissionsHistory,
    denominators: Mapping[str, Mapping[int, ResolvedDenominator]],
    *,
    set_in_year: int | None = None,
) -> tuple[TargetResult, ...]:
    """Path, actuals, status and criteria check of every target.

    `history` is the restated history when the base year was recalculated.
    Raises `TargetError` naming the target and field when a base value must
    come from a year the history (or the denominator) lacks.
    """
    year_set = history.last_year if set_in_year is None else set_in_year
    results = []
    for target in targets:
        covered = {
            y.year: y.covered(target.scopes, target.scope2, target.categories)
            for y in history.years
            if y.year >= target.base_year
        }
        unit = "t CO2e"
        actual = dict(covered)
        if target.kind is TargetKind.INTENSITY:
            assert target.denominator is not None
            per_year = denominators.get(target.denominator, {})
            actual = {y: v / per_year[y].amount for y, v in covered.items() if y in per_year}
            known = next(iter(per_year.values()), None)
            unit = f"t CO2e per {known.per if known else target.denominator}"
        base_value = target.base_value
        if base_value is None:
            if target.base_year not in actual:
                what = "emissions" if target.base_year not in history else target.denominator
                raise TargetError(
                    f"target {target.target_id}: no {what} for the base year {target.base_year} "
                    "to take the base value from; give base_value",
                    field="base_value",
                    target_id=target.target_id,
                )
            base_value = actual[target.base_year]
        path = linear_path(
            target.base_year, base_value, target.target_year, target.reduction, target.milestones
        )
        status, status_year = _status(path, actual, target.base_year)
        check = None
        if target.criteria:
            criteria = criteria_named(target.criteria)
            if target.base_year in history:
                check = check_criteria(
                    target,
                    criteria,
                    base=history.year(target.base_year),
                    all_targets=targets,
                    set_in_year=year_set,
                )
            else:
                check = CriteriaCheck(
                    criteria.name,
                    criteria.version,
                    False,
                    (f"the history has no figures for the base year {target.base_year}",),
                )
        results.append(
            TargetResult(
                target, base_value, unit, path, actual, covered, status, status_year, check
            )
        )
    return tuple(results)
