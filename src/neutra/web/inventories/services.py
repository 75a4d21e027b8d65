"""Writes of the inventories app: the only code that creates or moves inventories.

Each service validates its whole input (`InvalidInputError` naming the field
and value), checks that `by` may act (`NotAllowedError`), writes in one
transaction with the inventory row locked, and records an `AuditEntry`.
`by=None` is the system itself (set-up commands); views pass the logged-in
user. A locked inventory is never changed: a restatement makes the next
version instead (`neutra.web.workflow.services.inventory_restate`, which
copies each app's rows; this app's are the scope 3 screening, `screening_copy`).

Opening an inventory is for consultancy staff and client admins. Who may
restate, and every move between states, is `neutra.core.workflow`'s table;
the moves themselves are `neutra.web.workflow.services.inventory_transition`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from neutra.core import workflow
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.factor_refs import FactorSetRef
from neutra.formats.starter import starter_library
from neutra.web.errors import NotAllowedError, invalid
from neutra.web.inventories.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Approach,
    GwpSet,
    Inventory,
    Scope3Relevance,
    Scope3Screening,
)
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import STAFF_ROLES, Organisation, Role
from neutra.web.tenancy.selectors import roles_in

__all__ = [
    "default_factor_sets",
    "factor_set_pins",
    "inventory_create",
    "screening_copy",
    "screening_set",
]

_STAFF = frozenset(STAFF_ROLES)
_CREATORS = _STAFF | {Role.CLIENT_ADMIN}


@cache
def default_factor_sets() -> tuple[tuple[str, str], ...]:
    """The starter library's sets as (name, version) pairs, in search order."""
    return tuple((s.name, s.version) for s in starter_library())


def _roles(by: User, organisation: Organisation) -> frozenset[Role]:
    return roles_in(by, organisation, now=timezone.now())


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("inventory", "year", value, "the year is a whole number, e.g. 2025")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise invalid(
            "inventory", "year", value, f"the year must be between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


def _choice(field: str, value: object, choices: Iterable[str]) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise invalid("inventory", field, value, f"unknown {field}; one of {', '.join(allowed)}")
    return str(value)


def factor_set_pins(value: object) -> list[dict[str, str]]:
    """The pinned sets as stored; every problem of the list is reported at once."""
    if not isinstance(value, list | tuple) or not value:
        raise invalid("inventory", "factor_sets", value, "a non-empty list of {name, version}")
    problems: list[Problem] = []
    pins: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, pin in enumerate(value):
        column = f"factor_sets[{index}]"
        if not isinstance(pin, Mapping) or set(pin) != {"name", "version"}:
            problems.append(
                Problem("inventory", None, column, str(pin)[:200], "give exactly name and version")
            )
            continue
        if not all(isinstance(pin[key], str) for key in ("name", "version")):
            reason = "the name and the version are text"
            problems.append(Problem("inventory", None, column, str(pin)[:200], reason))
            continue
        ref = FactorSetRef.of_pin(pin)
        shape = ref.problems("inventory", column)
        problems += shape
        if ref.name in seen:
            reason = "this set is pinned twice"
            problems.append(Problem("inventory", None, f"{column}.name", ref.name, reason))
        if not shape and not problems:
            seen.add(ref.name)
            pins.append(ref.as_pin())
    if problems:
        raise InvalidInputError(problems, message=f"factor_sets: {problems[0].reason}")
    return pins


def inventory_create(
    *,
    organisation: Organisation,
    year: int,
    by: User | None,
    factor_sets: list[dict[str, str]] | None = None,
    gwp_set: str = "AR5",
    approach: str = "operational",
) -> Inventory:
    """Open version 1 of the organisation's inventory for `year`, in DRAFT.

    `by` must be consultancy staff or a client admin of the organisation.
    Without `factor_sets` the starter library's sets are pinned. There is one
    inventory per organisation and year: later versions come from
    `workflow.services.inventory_restate`.
    """
    if by is not None and not (_roles(by, organisation) & _CREATORS):
        raise NotAllowedError(
            f"only staff or a client admin may open an inventory of {organisation}"
        )
    year = _year(year)
    gwp_set = _choice("gwp_set", gwp_set, GwpSet.values)
    approach = _choice("approach", approach, Approach.values)
    if factor_sets is None:
        pins = [{"name": n, "version": v} for n, v in default_factor_sets()]
    else:
        pins = factor_set_pins(factor_sets)

    with transaction.atomic():
        # Lock the organisation row: two requests opening the same year at once
        # would both find no inventory and the second would hit the unique
        # constraint (a 500) instead of this clear error.
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        existing = (
            Inventory.objects.filter(organisation=organisation, year=year)
            .order_by("-version")
            .first()
        )
        if existing is not None:
            if existing.is_locked:
                what = f"it is locked: restate version {existing.version} to correct it"
            else:
                state = existing.get_state_display().lower()
                what = f"version {existing.version} is still {state}: open it and work on it"
            raise invalid(
                "inventory",
                "year",
                year,
                f"{organisation} already has an inventory for {year}; {what}",
            )
        inventory = Inventory.objects.create(
            organisation=organisation,
            year=year,
            version=1,
            factor_sets=pins,
            gwp_set=gwp_set,
            approach=approach,
            created_by=by,
        )
        audit_record(
            by=by,
            action="inventory.create",
            obj=inventory,
            organisation=organisation,
            detail={
                "year": year,
                "version": 1,
                "factor_sets": pins,
                "gwp_set": gwp_set,
                "approach": approach,
            },
        )
    return inventory


def screening_copy(*, original: Inventory, restatement: Inventory) -> int:
    """Start the restatement from the original's scope 3 screening; the rows copied.

    Called inside the restatement's transaction (`workflow.services.inventory_restate`).
    """
    copied = Scope3Screening.objects.bulk_create(
        Scope3Screening(
            organisation_id=row.organisation_id,
            inventory=restatement,
            category=row.category,
            relevance=row.relevance,
            reason=row.reason,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )
        for row in Scope3Screening.objects.filter(inventory=original)
    )
    return len(copied)


def screening_set(
    *, inventory: Inventory, category: int, relevance: str, reason: str, by: User | None
) -> Scope3Screening:
    """Record whether scope 3 `category` is relevant to `inventory`, and why.

    Who and when: the workflow's rule for changing an inventory's data (a
    draft; staff, client admin, contributor). An exclusion (not relevant)
    needs its reason, as the GHG Protocol asks.
    """
    if isinstance(category, bool) or not isinstance(category, int) or not 1 <= category <= 15:
        raise invalid("screening", "category", category, "a scope 3 category is 1 to 15")
    relevance = _choice("relevance", relevance, Scope3Relevance.values)
    text = reason.strip() if isinstance(reason, str) else ""
    if Scope3Relevance(relevance) is Scope3Relevance.NOT_RELEVANT and not text:
        raise invalid("screening", "reason", reason, "say why the category is not relevant")
    if len(text) > 2000:
        raise invalid("screening", "reason", text[:200], "at most 2000 characters")
    rule = workflow.RULES[workflow.Action.CHANGE_DATA]
    if by is not None and not _roles(by, inventory.organisation) & rule.roles:
        raise NotAllowedError("your role lets you read the scope 3 screening, not change it")
    with transaction.atomic():
        # The race: the inventory submitted or locked while this request ran; the
        # transition locks the same row, so one of the two waits for the other.
        current = Inventory.objects.select_for_update().get(pk=inventory.pk)
        if current.state not in rule.states:
            raise invalid(
                "screening",
                "inventory",
                current.state,
                f"the inventory is {current.get_state_display().lower()}: only a draft changes",
            )
        row, _ = Scope3Screening.objects.update_or_create(
            inventory=current,
            category=category,
            defaults={
                "organisation_id": current.organisation_id,
                "relevance": relevance,
                "reason": text,
                "updated_by": by,
                "updated_at": timezone.now(),
            },
        )
        audit_record(
            by=by,
            action="inventory.scope3_screening",
            obj=row,
            organisation=current.organisation,
            detail={
                "inventory_id": current.pk,
                "category": category,
                "relevance": relevance,
                "reason": text,
            },
        )
    return row
