"""Pages of the workflow: an inventory page's figures status and workflow section, and moves.

Thin: the inventory through `inventory_for` (another tenant's, or a draft
for an auditor, is a 404), one selector or one service, a template. A
refused move is shown as a message on the inventory page, never an error page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError, error_text
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_for
from neutra.web.workflow.selectors import figures_status, workflow_section
from neutra.web.workflow.services import MAX_REASON, inventory_transition


def _inventory(request: AuthenticatedRequest, inventory_id: int) -> Inventory:
    try:
        return inventory_for(request.user, inventory_id, now=timezone.now())
    except NotFoundError:
        raise Http404("inventory not found") from None


@require_GET
@login_required
def figures_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Which calculation the inventory's figures are from, and whether they are current (htmx)."""
    inventory = _inventory(request, inventory_id)
    return render(
        request, "workflow/_figures.html", {"figures": figures_status(inventory=inventory)}
    )


@require_GET
@login_required
def section_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The workflow section of an inventory page: the moves open to the user (htmx)."""
    inventory = _inventory(request, inventory_id)
    section = workflow_section(inventory=inventory, user=request.user, now=timezone.now())
    return render(
        request,
        "workflow/_section.html",
        {"inventory": inventory, "section": section, "max_reason": MAX_REASON},
    )


@require_POST
@login_required
def transition_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Move the inventory (submit, review, lock, send back with a reason)."""
    inventory = _inventory(request, inventory_id)
    try:
        inventory = inventory_transition(
            inventory=inventory,
            to=str(request.POST.get("to", "")),
            reason=str(request.POST.get("reason", "")),
            by=request.user,
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"The inventory is now {inventory.get_state_display()}.")
    return HttpResponseRedirect(reverse("inventories:detail", args=[inventory.pk]))
