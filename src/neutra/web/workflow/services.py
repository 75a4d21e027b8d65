"""Writes of the workflow: the only code that moves an inventory between states or restates it.

The rules are `neutra.core.workflow.RULES`; this service enforces them on
the stored row (locked for the decision), checks that review and lock see
current figures (`selectors.figures_status`), and records every move in the
audit log, a send-back with its reason. `by=None` is the system itself
(set-up commands), which may take every move the table has.

A restatement (`inventory_restate`) opens the next version of a locked
inventory and starts it from a copy of the locked version's rows, each copied
by its own app's service (inventories' scope 3 screening, activities' rows,
instruments): this app sits above all three.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from neutra.core import workflow
from neutra.core.errors import InvalidInputError, Problem
from neutra.web.activities.services import activities_copy
from neutra.web.errors import NotAllowedError, invalid
from neutra.web.instruments.services import instruments_copy
from neutra.web.inventories.models import Inventory, InventoryLockedError, InventoryState
from neutra.web.inventories.services import factor_set_pins, screening_copy
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.selectors import roles_in
from neutra.web.workflow.selectors import client_has_submitters, figures_status

__all__ = ["MAX_REASON", "InventoryStateError", "inventory_restate", "inventory_transition"]

MAX_REASON = 2000  # characters of a send-back reason


class InventoryStateError(InvalidInputError):
    """A move between states that the workflow does not have (HTTP 400)."""


def inventory_transition(
    *,
    inventory: Inventory,
    to: InventoryState | str,
    by: User | None,
    reason: str | None = None,
) -> Inventory:
    """Move `inventory` to the state `to`, if the workflow and `by`'s roles allow it.

    Draft -> submitted (submit), submitted -> reviewed (review), reviewed ->
    locked (lock), and submitted or reviewed -> draft (send back, which needs
    a `reason`: the client reads it on the page and it stays in the audit
    log). Returns the inventory as stored after the move (the argument is
    refreshed too).
    """
    if to not in InventoryState.values:
        raise invalid(
            "inventory", "to", to, f"unknown state; one of {', '.join(InventoryState.values)}"
        )
    target = workflow.InventoryState(str(to))
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) > MAX_REASON:
        raise invalid("inventory", "reason", text[:200], f"at most {MAX_REASON} characters")

    with transaction.atomic():
        # Lock the row and decide on its stored state: two consultants acting
        # at once (one locking, one sending back) would each read "reviewed"
        # from a stale copy, both write, and the later write would silently
        # undo the first. The second waits here and sees the state the first left.
        current = (
            Inventory.objects.select_for_update()
            .select_related("organisation")
            .get(pk=inventory.pk)
        )
        source = workflow.InventoryState(current.state)
        if source is workflow.InventoryState.LOCKED:
            raise InventoryLockedError(
                f"inventory {current} is locked: it cannot change; restate it instead",
                inventory_id=current.pk,
            )
        action = workflow.move_for(source, target)
        if action is None:
            raise InventoryStateError(
                [Problem("inventory", None, "to", target.value, f"not allowed from {source}")],
                message=(
                    f"an inventory cannot go from {InventoryState(source).label} "
                    f"to {InventoryState(target).label}"
                ),
            )
        rule = workflow.RULES[action]
        if by is not None:
            now = timezone.now()
            refused = workflow.refusal(
                roles_in(by, current.organisation, now=now),
                source,
                action,
                client_has_submitters=client_has_submitters(inventory=current, now=now),
            )
            if refused is not None:
                raise NotAllowedError(f"you may not move inventory {current}: {refused}")
        if rule.needs_reason and not text:
            raise invalid(
                "inventory",
                "reason",
                reason,
                "say why it goes back to draft: the client reads the reason",
            )
        if rule.needs_current_figures and not figures_status(inventory=current).current:
            raise InventoryStateError(
                [
                    Problem(
                        "inventory", None, "to", target.value, "calculate the current data first"
                    )
                ],
                message=(
                    f"the inventory cannot be {InventoryState(target).label.lower()} before its "
                    "figures are calculated from its current activity data: calculate it first"
                ),
            )
        current.state = target
        current.state_changed_at = timezone.now()
        current.save(update_fields=["state", "state_changed_at"])
        detail: dict[str, Any] = {"from": source.value, "to": target.value, "action": action.value}
        if text:
            detail["reason"] = text
        audit_record(
            by=by,
            action="inventory.transition",
            obj=current,
            organisation=current.organisation,
            detail=detail,
        )
    inventory.refresh_from_db()
    return current


def inventory_restate(
    *, inventory: Inventory, by: User | None, factor_sets: list[dict[str, str]] | None = None
) -> Inventory:
    """Open the next version of a LOCKED inventory, in DRAFT, with its settings and data.

    The locked version stays as it is; the new one links it in `restates` and
    starts with a copy of its activity data and instruments, to correct (delete an upload,
    upload the corrected file) and calculate again. With `factor_sets` the new
    version pins those sets instead (moving to newer factors is a restatement,
    never a change of the locked version; the comparison page shows the
    difference line by line once it is calculated).
    Only the latest version can be restated, and only by staff or a client admin.
    """
    organisation = inventory.organisation
    if by is not None and not workflow.may(
        roles_in(by, organisation, now=timezone.now()),
        workflow.InventoryState.LOCKED,
        workflow.Action.RESTATE,
    ):
        raise NotAllowedError(
            f"only staff or a client admin may restate an inventory of {organisation}"
        )
    pins = None if factor_sets is None else factor_set_pins(factor_sets)

    with transaction.atomic():
        # Lock the original: two restatements at once would both number
        # themselves n+1, and the second would hit the unique constraint.
        original = Inventory.objects.select_for_update().get(pk=inventory.pk)
        if original.state != InventoryState.LOCKED:
            raise invalid(
                "inventory", "state", original.state, "only a locked inventory can be restated"
            )
        if Inventory.objects.filter(restates=original).exists():
            raise invalid(
                "inventory",
                "version",
                original.version,
                "this version is already restated; restate the latest version",
            )
        latest = Inventory.objects.filter(organisation=organisation, year=original.year).aggregate(
            Max("version")
        )["version__max"]
        try:
            restatement = Inventory.objects.create(
                organisation=organisation,
                year=original.year,
                version=latest + 1,
                factor_sets=list(original.factor_sets) if pins is None else pins,
                gwp_set=original.gwp_set,
                approach=original.approach,
                restates=original,
                created_by=by,
            )
        except IntegrityError:  # the last guard: another open version of the year
            raise invalid(
                "inventory", "year", original.year, "another version of this year is open"
            ) from None
        # Each app copies its own rows, inside this transaction.
        screening_copy(original=original, restatement=restatement)
        copied = activities_copy(original=original, restatement=restatement)
        instruments = instruments_copy(original=original, restatement=restatement)
        audit_record(
            by=by,
            action="inventory.restate",
            obj=restatement,
            organisation=organisation,
            detail={
                "restates": original.pk,
                "version": restatement.version,
                "activity_rows_copied": copied,
                "instruments_copied": instruments,
                **(
                    {}
                    if pins is None
                    else {"factor_sets_before": original.factor_sets, "factor_sets": pins}
                ),
            },
        )
    return restatement
