"""Pages of the workflow: an inventory page's figures status and workflow section, and moves.

Thin: the inventory through `inventories.views.inventory_or_404` (another
tenant's, or a draft for an auditor, is a 404), one selector or one service, a template. A
refused move is shown as a message on the inventory page, never an error page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import error_text
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.views import inventory_or_404
from neutra.web.workflow.selectors import figures_status, workflow_section
from neutra.web.workflow.services import MAX_REASON, inventory_restate, inventory_transition


@require_GET
@login_required
def figures_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Which calculation the inventory's figures are from, and whether they are current (htmx)."""
    inventory = inventory_or_404(request, inventory_id)
    return render(
        request, "workflow/_figures.html", {"figures": figures_status(inventory=inventory)}
    )


@require_GET
@login_required
def section_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The workflow section of an inventory page: the moves open to the user (htmx)."""
    inventory = inventory_or_404(request, inventory_id)
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
    inventory = inventory_or_404(request, inventory_id)
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
    return _detail(inventory)


@require_POST
@login_required
def restate_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Open the next version of a locked inventory, on its factor sets or the ones chosen."""
    inventory = inventory_or_404(request, inventory_id)
    references = request.POST.getlist("factor_set")
    pins = None
    if references:  # the form for other factor sets; the plain button posts none
        pins = [
            {"name": name, "version": version}
            for name, _, version in (str(r).partition("@") for r in references)
        ]
    try:
        restated = inventory_restate(inventory=inventory, by=request.user, factor_sets=pins)
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _detail(inventory)
    messages.success(
        request,
        f"Version {restated.version} opened as a draft; version {inventory.version} stays locked.",
    )
    return _detail(restated)


def _detail(inventory: Inventory) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("inventories:detail", args=[inventory.pk]))
