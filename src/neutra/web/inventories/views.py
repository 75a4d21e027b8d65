"""Pages of inventories: open one, its page (data, calculation, workflow, audit log), restate.

Thin: resolve the inventory through the selectors (another tenant's is a
404), call one service, show its error as a message. The page's data,
calculation and workflow sections are fragments of their own apps, loaded by
htmx, so each app renders what it owns (the moves are the workflow app's).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import NeutraError
from neutra.web.errors import NotFoundError, error_text
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_audit_entries, inventory_for
from neutra.web.inventories.services import inventory_create, inventory_restate
from neutra.web.tenancy.forms import form_error_text
from neutra.web.tenancy.models import AuditEntry
from neutra.web.tenancy.selectors import organisation_for

AUDIT_ROWS = 200  # the page shows the newest entries; the API pages through all


class InventoryForm(forms.Form):
    year = forms.IntegerField(min_value=1990, max_value=2100)
    gwp_set = forms.ChoiceField(choices=[("AR4", "AR4"), ("AR5", "AR5"), ("AR6", "AR6")])
    approach = forms.ChoiceField(
        choices=[("operational", "operational"), ("financial", "financial"), ("equity", "equity")]
    )


def _inventory(request: HttpRequest, inventory_id: int) -> Inventory:
    try:
        return inventory_for(request.user, inventory_id, now=timezone.now())
    except NotFoundError:
        raise Http404("inventory not found") from None


def _shown(entry: AuditEntry) -> AuditEntry:
    """The entry with its detail as (key, text) pairs a person reads: no brackets or quotes."""

    def text(value: object) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k} {text(v)}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(text(v) for v in value)
        if isinstance(value, float):
            return f"{value:,.6g}"
        return str(value)

    entry.shown_detail = [
        (key.replace("_", " "), text(value)) for key, value in entry.detail.items()
    ]
    return entry


def _back(inventory: Inventory) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("inventories:detail", args=[inventory.pk]))


@require_POST
@login_required
def inventory_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    try:
        organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    except NotFoundError:
        raise Http404("organisation not found") from None
    back = HttpResponseRedirect(reverse("tenancy:organisation", args=[organisation.pk]))
    form = InventoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return back
    pins = []
    for reference in request.POST.getlist("factor_set"):
        name, _, version = str(reference).partition("@")
        pins.append({"name": name, "version": version})
    if not pins:
        messages.error(request, "factor_sets: check at least one factor set to pin")
        return back
    try:
        inventory = inventory_create(
            organisation=organisation, by=request.user, factor_sets=pins, **form.cleaned_data
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
        return back
    messages.success(request, f"Inventory {inventory.year} opened.")
    return _back(inventory)


@require_GET
@login_required
def inventory_detail(request: HttpRequest, inventory_id: int) -> HttpResponse:
    inventory = _inventory(request, inventory_id)
    versions = Inventory.objects.filter(
        organisation=inventory.organisation, year=inventory.year
    ).order_by("version")
    return render(
        request,
        "inventories/detail.html",
        {
            "inventory": inventory,
            "versions": versions,
            "audit": [_shown(e) for e in inventory_audit_entries(inventory=inventory)[:AUDIT_ROWS]],
            "breadcrumbs": [
                ("Organisations", reverse("tenancy:home")),
                (
                    inventory.organisation.name,
                    reverse("tenancy:organisation", args=[inventory.organisation_id]),
                ),
                (f"{inventory.year} v{inventory.version}", None),
            ],
        },
    )


@require_POST
@login_required
def inventory_new_version(request: HttpRequest, inventory_id: int) -> HttpResponse:
    inventory = _inventory(request, inventory_id)
    try:
        restated = inventory_restate(inventory=inventory, by=request.user)
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back(inventory)
    messages.success(
        request,
        f"Version {restated.version} opened as a draft; version {inventory.version} stays locked.",
    )
    return _back(restated)
