"""The inventory table: one client's footprint for one year, in one version.

A version moves DRAFT -> SUBMITTED -> REVIEWED -> LOCKED (the rules of who
may move it live in `services`). A LOCKED row is the published footprint and
must never change: `save()`, the queryset's bulk paths and (on every
database) a trigger refuse any update of it. A correction is a restatement,
a new version that links the one it restates.

Constraints, the last guard behind the services:
- (organisation, year, version) is unique;
- at most one version per (organisation, year) is not LOCKED (a partial
  unique index), so there is always exactly one version being worked on or
  none, and every earlier version is locked;
- version 1 restates nothing, every later version restates one;
- the year is 1990-2100 (1990 is the Kyoto base year; nothing earlier is
  reported).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from neutra.core.boundary import Approach as CoreApproach
from neutra.core.errors import NeutraError
from neutra.core.gwp import GWP_SET_NAMES
from neutra.core.workflow import InventoryState as CoreState
from neutra.web.tenancy.models import Organisation

FIRST_YEAR = 1990
LAST_YEAR = 2100


class InventoryLockedError(NeutraError, RuntimeError):
    """Raised on any attempt to change a locked inventory (HTTP 400)."""


class InventoryState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    REVIEWED = "reviewed", "Reviewed"
    LOCKED = "locked", "Locked"


class GwpSet(models.TextChoices):
    """The GWP100 sets of `neutra.core.gwp` (same names)."""

    AR4 = "AR4", "IPCC AR4 (2007)"
    AR5 = "AR5", "IPCC AR5 (2014)"
    AR6 = "AR6", "IPCC AR6 (2021)"


class Approach(models.TextChoices):
    """The consolidation approach; the same values as `neutra.core.boundary.Approach`."""

    EQUITY = CoreApproach.EQUITY.value, "Equity share"
    FINANCIAL = CoreApproach.FINANCIAL.value, "Financial control"
    OPERATIONAL = CoreApproach.OPERATIONAL.value, "Operational control"


assert tuple(GwpSet.values) == GWP_SET_NAMES, "GwpSet must follow neutra.core.gwp"
assert tuple(InventoryState.values) == tuple(s.value for s in CoreState), (
    "InventoryState must follow neutra.core.workflow"
)


class InventoryQuerySet(models.QuerySet["Inventory"]):
    # Bulk paths skip Model.save/delete, so they refuse locked rows here too.
    def update(self, **kwargs: Any) -> int:
        if self.filter(state=InventoryState.LOCKED).exists():
            raise InventoryLockedError("a locked inventory cannot be changed")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(state=InventoryState.LOCKED).exists():
            raise InventoryLockedError("a locked inventory cannot be deleted")
        return super().delete()


class Inventory(models.Model):
    """One organisation's footprint for one reporting year, in one version."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="inventories"
    )
    year = models.PositiveSmallIntegerField()  # the reporting year, 1990-2100
    version = models.PositiveIntegerField(default=1)  # 1, then 2, 3... for restatements
    state = models.CharField(
        max_length=16, choices=InventoryState.choices, default=InventoryState.DRAFT
    )
    # The factor sets the calculation uses, in search order, pinned by content
    # version: [{"name": "desnz-2025", "version": "fa1b9e9d66365e12"}, ...].
    factor_sets = models.JSONField(default=list)
    gwp_set = models.CharField(max_length=8, choices=GwpSet.choices, default=GwpSet.AR5)
    approach = models.CharField(
        max_length=16, choices=Approach.choices, default=Approach.OPERATIONAL
    )
    # The locked version this one corrects; empty for version 1.
    restates = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="restated_by"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Empty for the system itself (set-up commands); PROTECT keeps the author.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state_changed_at = models.DateTimeField(default=timezone.now)

    objects = InventoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "inventories"
        ordering: ClassVar = ["organisation", "-year", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "year", "version"], name="inventory_version_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=~Q(state="locked"),
                name="inventory_one_open_version_per_year",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR),
                name="inventory_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "reviewed", "locked"]),
                name="inventory_state_known",
            ),
            models.CheckConstraint(
                condition=(Q(version=1) & Q(restates__isnull=True))
                | (Q(version__gt=1) & Q(restates__isnull=False)),
                name="inventory_restatement_links_its_original",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} v{self.version}"

    @property
    def is_locked(self) -> bool:
        return self.state == InventoryState.LOCKED

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stored state decides, not the in-memory one: locking a reviewed
        # row is allowed, changing a row that is locked in the database is not.
        if (
            not self._state.adding
            and Inventory.objects.filter(pk=self.pk, state=InventoryState.LOCKED).exists()
        ):
            raise InventoryLockedError(f"inventory {self} is locked: it cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Inventory.objects.filter(pk=self.pk, state=InventoryState.LOCKED).exists():
            raise InventoryLockedError(f"inventory {self} is locked: it cannot be deleted")
        return super().delete(*args, **kwargs)


class Scope3Relevance(models.TextChoices):
    """The GHG Protocol's screening of a scope 3 category for one inventory."""

    RELEVANT = "relevant", "Relevant"
    NOT_RELEVANT = "not_relevant", "Not relevant"  # excluded, with the reason
    NOT_ASSESSED = "not_assessed", "Not yet assessed"  # what every category is until screened


class Scope3Screening(models.Model):
    """Whether a scope 3 category is relevant to an inventory, and why (an exclusion's reason).

    A category without a row is not yet assessed. Rows of a locked inventory
    never change, like the inventory (`save` refuses).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    inventory = models.ForeignKey(
        Inventory, on_delete=models.CASCADE, related_name="scope3_screening"
    )
    category = models.PositiveSmallIntegerField()  # 1-15
    relevance = models.CharField(max_length=16, choices=Scope3Relevance.choices)
    reason = models.TextField(blank=True, default="")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["inventory", "category"], name="scope3_screening_one_per_category"
            ),
            models.CheckConstraint(
                condition=Q(category__gte=1) & Q(category__lte=15),
                name="scope3_screening_category_1_to_15",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Inventory.objects.filter(pk=self.inventory_id, state=InventoryState.LOCKED).exists():
            raise InventoryLockedError("a locked inventory's scope 3 screening cannot be changed")
        super().save(*args, **kwargs)
