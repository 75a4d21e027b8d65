"""Reads of the workflow: are an inventory's figures current, and what may a user do now.

`figures_status` is the one answer to "which calculation are these figures
from, and did the data change since?": the inventory page, the dashboard,
the "what changed" page and the API all ask it, and review and lock refuse
figures it calls stale. Pass inventories from
`neutra.web.inventories.selectors.inventory_for` (tenancy is decided there).

It must never write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from neutra.core import workflow
from neutra.web.activities.models import ActivityUpload
from neutra.web.calculations.models import Calculation
from neutra.web.calculations.selectors import calculations_for, instrument_record
from neutra.web.instruments.selectors import instrument_set
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_audit_entries
from neutra.web.tenancy.models import Membership
from neutra.web.tenancy.selectors import roles_in

__all__ = [
    "FiguresStatus",
    "WorkflowSection",
    "client_has_submitters",
    "figures_status",
    "figures_status_of",
    "workflow_section",
]


@dataclass(frozen=True, slots=True)
class FiguresStatus:
    """Which calculation an inventory's figures are from, and whether its data changed since."""

    calculation_id: int | None  # None: never calculated
    calculated_at: datetime | None
    current: bool  # calculated, and from exactly the data the inventory has now
    files_added: int  # uploads the calculation did not include
    files_removed: int  # uploads it included that are gone
    instruments_changed: bool = False  # the contractual instruments changed since

    @property
    def calculated(self) -> bool:
        return self.calculation_id is not None

    @property
    def data_changed(self) -> bool:
        """Calculated, but the data changed since: the figures are stale."""
        return self.calculated and not self.current

    @property
    def text(self) -> str:
        """The sentence shown beside the figures."""
        if self.calculation_id is None or self.calculated_at is None:
            return "Not calculated yet."
        when = self.calculated_at.strftime("%Y-%m-%d %H:%M")
        made = f"calculation {self.calculation_id} of {when} UTC"
        if self.current:
            return f"Figures of {made}: current, the data has not changed since."
        changes = []
        if self.files_added:
            changes.append(f"{self.files_added} file{'s' if self.files_added != 1 else ''} added")
        if self.files_removed:
            n = self.files_removed
            changes.append(f"{n} file{'s' if n != 1 else ''} removed")
        if self.instruments_changed:
            changes.append("instruments changed")
        what = f" ({', '.join(changes)})" if changes else ""
        return (
            f"Figures of {made}: the activity data changed since{what}. "
            "They are not current: calculate again."
        )


def figures_status_of(*, inventory: Inventory, calculation: Calculation | None) -> FiguresStatus:
    """The status of `calculation`'s figures against the inventory's data now.

    Current when the calculation is the inventory's newest, is newer than
    every upload, and was made from exactly the uploads the inventory has now
    with their row counts (an upload added during a calculation, or removed
    since, makes it stale).
    """
    if calculation is None:
        return FiguresStatus(None, None, False, 0, 0)
    newest = _newest(inventory)
    return _status(
        inventory,
        calculation.pk,
        calculation.calculated_at,
        calculation.summary.get("uploads", []),
        calculation.summary.get("instruments"),
        is_newest=newest is not None and newest["id"] == calculation.pk,
    )


def figures_status(*, inventory: Inventory) -> FiguresStatus:
    """The status of the inventory's current (newest) calculation.

    Two small queries: the newest calculation's id, time and the uploads it
    used (never its figures), and the inventory's uploads.
    """
    newest = _newest(inventory)
    if newest is None:
        return FiguresStatus(None, None, False, 0, 0)
    return _status(
        inventory,
        newest["id"],
        newest["calculated_at"],
        newest["summary__uploads"] or [],
        newest["summary__instruments"],
        is_newest=True,
    )


def _newest(inventory: Inventory) -> Mapping[str, Any] | None:
    # The calculations app's order (`calculation_current` is its first), reading only
    # what the rule needs: a summary's figures and flags stay in the database.
    return (
        calculations_for(inventory=inventory)
        .order_by("-calculated_at", "-id")
        .values("id", "calculated_at", "summary__uploads", "summary__instruments")
        .first()
    )


def _status(
    inventory: Inventory,
    calculation_id: int,
    calculated_at: datetime,
    used_uploads: Any,
    used_instruments: Any,
    *,
    is_newest: bool,
) -> FiguresStatus:
    uploads = list(
        ActivityUpload.objects.filter(inventory=inventory).values("pk", "row_count", "uploaded_at")
    )
    have = {(u["pk"], u["row_count"]) for u in uploads}
    used = {(u.get("id"), u.get("rows")) for u in used_uploads}
    later_upload = bool(uploads) and max(u["uploaded_at"] for u in uploads) > calculated_at
    have_ids = {pk for pk, _ in have}
    used_ids = {pk for pk, _ in used}
    # Instruments added or removed since change the market-based figures.
    instruments_changed = used_instruments != instrument_record(instrument_set(inventory=inventory))
    return FiguresStatus(
        calculation_id=calculation_id,
        calculated_at=calculated_at,
        current=is_newest and not later_upload and used == have and not instruments_changed,
        files_added=len(have_ids - used_ids),
        files_removed=len(used_ids - have_ids),
        instruments_changed=instruments_changed,
    )


def client_has_submitters(*, inventory: Inventory, now: datetime) -> bool:
    """Whether the client has someone who may submit (a live client admin or contributor)."""
    return (
        Membership.objects.filter(
            organisation_id=inventory.organisation_id,
            role__in=[str(r) for r in workflow.CLIENT_SUBMITTERS],
            user__is_active=True,
        )
        .exclude(expires_at__lte=now)
        .exists()
    )


@dataclass(frozen=True, slots=True)
class WorkflowSection:
    """The workflow section of an inventory page, for one user."""

    state: workflow.InventoryState
    figures: FiguresStatus
    moves: tuple[tuple[workflow.Action, workflow.InventoryState], ...]  # (action, target)
    needs_reason: frozenset[workflow.Action]  # the moves that ask for a reason
    may_restate: bool  # the inventory is locked, the latest version, and the user may restate
    send_back_reason: str | None  # the reason of the last send-back, while in draft


def workflow_section(*, inventory: Inventory, user: User, now: datetime) -> WorkflowSection:
    """What the workflow section of `inventory`'s page shows `user`."""
    roles = roles_in(user, inventory.organisation, now=now)
    state = workflow.InventoryState(inventory.state)
    submitters = client_has_submitters(inventory=inventory, now=now)
    actions = workflow.actions_open(roles, state, client_has_submitters=submitters)
    moves = tuple((a, r) for a in actions if (r := workflow.RULES[a].to) is not None)
    may_restate = (
        workflow.may(roles, state, workflow.Action.RESTATE)
        and not Inventory.objects.filter(restates=inventory).exists()
    )
    reason = None
    if state is workflow.InventoryState.DRAFT:
        last = (
            inventory_audit_entries(inventory=inventory)
            .filter(action="inventory.transition")
            .first()
        )
        if last is not None and last.detail.get("action") == workflow.Action.SEND_BACK.value:
            reason = str(last.detail.get("reason", ""))
    return WorkflowSection(
        state=state,
        figures=figures_status(inventory=inventory),
        moves=moves,
        needs_reason=frozenset(a for a in actions if workflow.RULES[a].needs_reason),
        may_restate=may_restate,
        send_back_reason=reason,
    )
