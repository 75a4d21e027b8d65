"""Pages of the calculations app: the calculation section of an inventory page, and its button.

Thin: the inventory comes from `inventory_for` (another tenant's is a 404),
the section from one selector, the start from one service; a refusal is
shown as a message in the section, never as an error page. It must never
decide who may calculate (the selectors and the service do) nor compute a
figure.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.calculations.selectors import calculation_section
from neutra.web.calculations.services import calculation_start
from neutra.web.errors import error_text
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.views import inventory_or_404


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # django-htmx's middleware sets it


def _dashboard_url(inventory: Inventory) -> str:
    return reverse("dashboards:dashboard", args=[inventory.pk])


def _section(
    request: AuthenticatedRequest, inventory: Inventory, *, error: str = ""
) -> HttpResponse:
    section = calculation_section(inventory=inventory, user=request.user, now=timezone.now())
    return render(
        request,
        "calculations/_section.html",
        {
            "inventory": inventory,
            "section": section,
            "error": error,
            "dashboard_url": _dashboard_url(inventory),
        },
    )


@require_GET
@login_required
def calculation_section_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The calculation section of an inventory page (an htmx fragment)."""
    return _section(request, inventory_or_404(request, inventory_id))


@require_POST
@login_required
def calculation_run_view(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Start a calculation: htmx gets the section again, a plain form the inventory page."""
    inventory = inventory_or_404(request, inventory_id)
    try:
        job = calculation_start(inventory=inventory, by=request.user)
    except NeutraError as error:
        if _htmx(request):
            # 200, not 4xx: htmx swaps only successful answers, and the
            # message must replace the button the user pressed.
            return _section(request, inventory, error=error_text(error))
        messages.error(request, error_text(error))
        return _back(inventory)
    if _htmx(request):
        return _section(request, inventory)
    if job.message:
        messages.success(request, job.message)
    else:
        messages.success(request, "The calculation has started; the page shows its progress.")
    return _back(inventory)


def _back(inventory: Inventory) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("inventories:detail", args=[inventory.pk]))
