"""Tables of the climate strategy: base year, structural changes, recalculations, denominators,
targets and reduction measures of one client organisation (DESIGN.md §8).

Every row carries its organisation. Models hold no business rules: the rules
live in `neutra.core` (baseyear, indicators, targets, abatement), writes go
through `services`, reads for views through `selectors`. The emissions
themselves are never stored here: they are read from the inventories'
calculations, so a figure has one home.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from neutra.core.abatement import MeasureStatus
from neutra.core.baseyear import DEFAULT_THRESHOLD, ChangeKind
from neutra.core.history import Scope2Basis, ScopeCoverage
from neutra.core.targets import TargetKind
from neutra.web.tenancy.models import Organisation


def _choices(kind: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in kind]


class BaseYear(models.Model):
    """A client's base year, its recalculation policy and significance threshold (one per client)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="strategy_base_year"
    )
    year = models.PositiveSmallIntegerField()
    scope2 = models.CharField(
        max_length=8, choices=_choices(Scope2Basis), default=Scope2Basis.MARKET.value
    )
    threshold = models.FloatField(default=DEFAULT_THRESHOLD)  # fraction of the base year, 0-1
    policy = models.TextField(blank=True)  # the written recalculation policy
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(threshold__gt=0.0) & Q(threshold__lt=1.0),
                name="strategy_threshold_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} base year {self.year}"


class Recalculation(models.Model):
    """An accepted base-year recalculation: what it restated, and why. Never changed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    base_year = models.PositiveSmallIntegerField()
    as_reported_t = models.FloatField()
    restated_t = models.FloatField()
    cumulative_change = models.FloatField()  # of the changes it accepted, fraction of the base
    threshold = models.FloatField()
    # [{"year", "as_reported_t", "restated_t", "reasons"}] as accepted
    series = models.JSONField(default=list)
    accepted_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-accepted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation} recalculation of {self.base_year}"


class StructuralChange(models.Model):
    """A structural, method or error change, with its signed effect on the base year."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()  # the year it took effect
    kind = models.CharField(max_length=16, choices=_choices(ChangeKind))
    description = models.CharField(max_length=500)
    base_year_effect_t = models.FloatField()  # signed, t CO2e
    # The accepted recalculation that restated it; empty while pending (or never significant).
    recalculation = models.ForeignKey(
        Recalculation, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["year", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.kind}: {self.description}"[:200]


class Denominator(models.Model):
    """One year's denominator of an intensity indicator, with its source."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    indicator = models.CharField(max_length=64)  # fte, revenue, or a custom name
    value = models.FloatField()  # > 0
    unit = models.CharField(max_length=32)  # FTE, an ISO 4217 code, or the custom unit
    source = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["indicator", "year"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "year", "indicator"], name="strategy_denominator_unique"
            ),
            models.CheckConstraint(
                condition=Q(value__gt=0.0), name="strategy_denominator_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}"


class Target(models.Model):
    """A reduction target as set (the path and status are computed, never stored)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=40)  # the target_id of DESIGN.md §8, e.g. "SBTi-S12"
    kind = models.CharField(max_length=16, choices=_choices(TargetKind))
    scopes = models.CharField(max_length=8, choices=_choices(ScopeCoverage))
    scope2 = models.CharField(
        max_length=8, choices=_choices(Scope2Basis), default=Scope2Basis.MARKET.value
    )
    base_year = models.PositiveSmallIntegerField()
    base_value = models.FloatField(null=True, blank=True)  # empty: from the history
    target_year = models.PositiveSmallIntegerField()
    reduction = models.FloatField()  # fraction of the base, 0 < r <= 1
    denominator = models.CharField(max_length=64, blank=True)  # for intensity targets
    criteria = models.CharField(max_length=64, blank=True)  # e.g. sbti-near-term-1.5c
    categories = models.JSONField(default=list)  # scope 3 categories covered; [] = all
    milestones = models.JSONField(default=list)  # [{"year": 2025, "reduction": 0.2}]
    set_at = models.DateTimeField(default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="strategy_target_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(reduction__gt=0.0) & Q(reduction__lte=1.0),
                name="strategy_target_reduction_is_a_fraction",
            ),
            models.CheckConstraint(
                condition=Q(target_year__gt=models.F("base_year")),
                name="strategy_target_year_after_base_year",
            ),
        ]

    def __str__(self) -> str:
        return f"target {self.code}"


class Measure(models.Model):
    """A reduction measure of the plan."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    abatement_t_per_year = models.FloatField()  # expected t CO2e a year from start_year, > 0
    cost_per_year = models.FloatField()  # net annual cost in `currency`; negative saves money
    currency = models.CharField(max_length=3)
    start_year = models.PositiveSmallIntegerField()
    owner = models.CharField(max_length=200)
    # The scope it abates ("1", "2", "3"); empty: not said (it counts for 1+2+3 targets only).
    scope = models.CharField(max_length=1, blank=True, choices=[("1", "1"), ("2", "2"), ("3", "3")])
    status = models.CharField(
        max_length=16, choices=_choices(MeasureStatus), default=MeasureStatus.PLANNED.value
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["start_year", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="strategy_measure_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(abatement_t_per_year__gt=0.0), name="strategy_measure_abates"
            ),
        ]

    def __str__(self) -> str:
        return self.name
