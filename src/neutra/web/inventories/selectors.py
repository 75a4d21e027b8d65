"""Reads of inventories for views and the API, scoped through tenancy.

Every read starts from `neutra.web.tenancy.selectors.organisation_for`, the
one place that decides who sees which organisation. It must never write,
and never answer differently for another tenant's inventory than for a
missing one (both are `NotFoundError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from neutra.core import workflow
from neutra.core.factors import FactorSet
from neutra.formats.factor_refs import FactorSetRef, resolve
from neutra.web.errors import NotFoundError
from neutra.web.inventories.models import Inventory, Scope3Relevance, Scope3Screening
from neutra.web.tenancy.models import AuditEntry, Organisation
from neutra.web.tenancy.selectors import (
    audit_entries_for,
    organisation_for,
    roles_in,
    tenant_row_for,
)

_VIEW = workflow.Action.VIEW
# The states some role may not see (auditors: draft); in the others nobody needs asking.
_HIDDEN_FROM_SOMEONE = frozenset(s.value for _, s in workflow.RULES[_VIEW].hidden_from)

__all__ = [
    "FactorSetChoice",
    "factor_set_choices",
    "inventories_for",
    "inventory_audit_entries",
    "inventory_for",
    "inventory_visible_or_404",
    "pinned_factor_refs",
    "pinned_factor_sets",
    "scope3_screening",
]


def _hidden_states(user: User, organisation: Organisation, now: datetime) -> list[str]:
    """The states in which `user` may not see the organisation's inventories (auditors: draft)."""
    roles = roles_in(user, organisation, now=now)
    return [s.value for s in workflow.InventoryState if not workflow.may(roles, s, _VIEW)]


def inventories_for(user: User, organisation_id: object, *, now: datetime) -> QuerySet[Inventory]:
    """The inventories of an organisation `user` may see, newest year and version first.

    Raises `NotFoundError` when the organisation is missing or not visible.
    An auditor sees no draft (the workflow's rule).
    """
    organisation = organisation_for(user, organisation_id, now=now)
    return (
        Inventory.objects.filter(organisation=organisation)
        .exclude(state__in=_hidden_states(user, organisation, now))
        .select_related("organisation", "created_by")
    )


def inventory_for(user: User, inventory_id: object, *, now: datetime) -> Inventory:
    """The inventory `inventory_id` if `user` may see it at `now` (its organisation, its state).

    An inventory the workflow hides from the user (a draft, from an auditor)
    is `NotFoundError` like a missing one.
    """
    rows = Inventory.objects.select_related("organisation", "created_by")
    inventory: Inventory = tenant_row_for(user, rows, inventory_id, now=now, what="inventory")
    inventory_visible_or_404(user, inventory, now=now)
    return inventory


def inventory_visible_or_404(user: User, inventory: Inventory, *, now: datetime) -> None:
    """Raise `NotFoundError` unless the workflow lets `user` see `inventory` in its state.

    For the selectors of rows inside an inventory (uploads, jobs,
    calculations, lines), after their tenant check.
    """
    if inventory.state in _HIDDEN_FROM_SOMEONE and inventory.state in _hidden_states(
        user, inventory.organisation, now
    ):
        raise NotFoundError("inventory not found", inventory_id=str(inventory.pk))


def inventory_audit_entries(*, inventory: Inventory) -> QuerySet[AuditEntry]:
    """The audit log of one inventory, newest first (pass one from `inventory_for`).

    The inventory's own moves, and every change made inside it (uploads,
    calculations), which record the inventory's id in their detail.
    """
    return audit_entries_for(organisation=inventory.organisation).filter(
        Q(object_type=Inventory._meta.label_lower, object_id=str(inventory.pk))
        | Q(detail__inventory_id=inventory.pk)
    )


@dataclass(frozen=True, slots=True)
class FactorSetChoice:
    """A factor set an inventory may pin, as offered on the page."""

    name: str
    version: str  # its content hash
    label: str  # what the page shows: source and size
    starter: bool  # shipped with Neutra (pinned by default)


def factor_set_choices() -> list[FactorSetChoice]:
    """Sets imported into this installation's store first (newest versions), then the starter library.

    The order is the pinning order a page proposes: a row takes its factor
    from the first pinned set that has one, so a client's own or a newer
    publisher set goes before the starter library.
    """
    from neutra.formats.factor_store import FactorStore
    from neutra.formats.starter import starter_library

    choices = [
        FactorSetChoice(
            s.name, s.version, f"{s.source or 'imported set'} ({s.factors} factors)", False
        )
        for s in FactorStore().list()
        if s.current
    ]
    choices += [
        FactorSetChoice(
            s.name, s.version, f"{s.source or 'starter library'} ({len(s)} factors)", True
        )
        for s in starter_library()
    ]
    return choices


def pinned_factor_refs(*, inventory: Inventory) -> list[FactorSetRef]:
    """The factor sets an inventory pins, in its search order (as stored: check each)."""
    pins = inventory.factor_sets if isinstance(inventory.factor_sets, list) else []
    return [FactorSetRef.of_pin(pin) for pin in pins]


def pinned_factor_sets(*, inventory: Inventory) -> tuple[FactorSet, ...]:
    """The inventory's pinned sets, each at its pinned version (`neutra.formats.factor_refs`).

    Raises `InvalidInputError` naming every pin that cannot be found, whose
    shape is wrong, or whose stored content no longer has its version.
    """
    return resolve(
        pinned_factor_refs(inventory=inventory), subject="inventory", field="factor_sets"
    )


@dataclass(frozen=True, slots=True)
class ScreeningRow:
    """One scope 3 category's screening, as shown and served."""

    category: int  # 1-15
    name: str  # the GHG Protocol's name
    relevance: str  # relevant, not_relevant or not_assessed
    label: str  # "Relevant", "Not relevant", "Not yet assessed"
    reason: str  # why (required for an exclusion)


def scope3_screening(*, inventory: Inventory) -> list[ScreeningRow]:
    """The 15 categories' screening of an inventory (pass one from `inventory_for`).

    A category nobody screened is not yet assessed: a figure of 0 there means
    "not looked at", not "none".
    """
    from neutra.reports import SCOPE3_CATEGORY_NAMES

    stored = {row.category: row for row in Scope3Screening.objects.filter(inventory=inventory)}
    rows = []
    for category in range(1, 16):
        row = stored.get(category)
        relevance = Scope3Relevance(row.relevance if row else "not_assessed")
        rows.append(
            ScreeningRow(
                category,
                SCOPE3_CATEGORY_NAMES[category],
                relevance.value,
                str(relevance.label),
                row.reason if row else "",
            )
        )
    return rows
