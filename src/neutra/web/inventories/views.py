"""Pages of inventories: open one, its page (data, calculation, workflow, audit log), restate.

Thin: resolve the inventory through the selectors (another tenant's is a
404), call one service, show its error as a message. The page's data,
calculation and workflow sections are fragments of their own apps, loaded by
htmx, so each app renders what it owns (the moves are the workflow app's).
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core import workflow
from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError, error_text
from neutra.web.fields import WholeNumberField
from neutra.web.inventories.models import LAST_YEAR, Inventory
from neutra.web.inventories.selectors import (
    factor_set_choices,
    inventories_for,
    inventory_audit_entries,
    inventory_for,
)
from neutra.web.inventories.services import inventory_create
from neutra.web.tenancy.forms import EntityForm, InviteForm, form_error_text
from neutra.web.tenancy.models import AuditEntry, Organisation, Role
from neutra.web.tenancy.selectors import (
    entity_tree,
    invitations_pending,
    members_of,
    roles_in,
)
from neutra.web.tenancy.views import organisation_or_404

AUDIT_ROWS = 200  # the page shows the newest entries; the API pages through all


class InventoryForm(forms.Form):
    year = WholeNumberField(min_value=1990, max_value=2100)
    gwp_set = forms.ChoiceField(choices=[("AR4", "AR4"), ("AR5", "AR5"), ("AR6", "AR6")])
    approach = forms.ChoiceField(
        choices=[("operational", "operational"), ("financial", "financial"), ("equity", "equity")]
    )


@require_GET
@login_required
def organisation_page(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    """An organisation: its entities, its people and its inventories.

    Here, not in the tenancy app: the page lists inventories, and tenancy sits
    below inventories in the apps' order.
    """
    organisation = organisation_or_404(request, organisation_id)
    now = timezone.now()
    roles = roles_in(request.user, organisation, now=now)
    staff = bool(roles & {Role.CONSULTANCY_ADMIN, Role.CONSULTANT})
    manages_people = staff or Role.CLIENT_ADMIN in roles
    return render(
        request,
        "inventories/organisation.html",
        {
            "organisation": organisation,
            "roles": sorted(role.label for role in roles),
            "entities": entity_tree(organisation=organisation),
            "members": members_of(organisation=organisation) if manages_people else None,
            "invitations": invitations_pending(organisation=organisation, now=now)
            if manages_people
            else None,
            "inventories": inventories_for(request.user, organisation.pk, now=now).order_by(
                "-year", "-version"
            ),
            "may_manage_entities": manages_people,
            "may_invite": manages_people,
            "may_open_inventory": manages_people,
            "entity_form": EntityForm(),
            "invite_form": InviteForm(),
            "role_choices": Role.choices,
            "gwp_choices": ("AR4", "AR5", "AR6"),
            "factor_sets": factor_set_choices(),
            "next_year": _year_to_open(organisation, now),
            "now": now,
            "breadcrumbs": [("Organisations", reverse("tenancy:home")), (organisation.name, None)],
        },
    )


def inventory_or_404(request: AuthenticatedRequest, inventory_id: int) -> Inventory:
    """The inventory if the user may see it; a 404 alike for a missing and another tenant's."""
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

    entry.shown_detail = [  # type: ignore[attr-defined]  # for the template only
        (key.replace("_", " "), text(value)) for key, value in entry.detail.items()
    ]
    return entry


def _back(inventory: Inventory) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("inventories:detail", args=[inventory.pk]))


@require_POST
@login_required
def inventory_new(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    back = HttpResponseRedirect(reverse("inventories:organisation", args=[organisation.pk]))
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
def inventory_detail(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    inventory = inventory_or_404(request, inventory_id)
    versions = Inventory.objects.filter(
        organisation=inventory.organisation, year=inventory.year
    ).order_by("version")
    # Restating on other factor sets is this page's (the moves are the workflow section's).
    roles = roles_in(request.user, inventory.organisation, now=timezone.now())
    may_restate = (
        workflow.may(roles, inventory.state, workflow.Action.RESTATE)
        and not versions.filter(restates=inventory).exists()
    )
    return render(
        request,
        "inventories/detail.html",
        {
            "inventory": inventory,
            "may_restate": may_restate,
            "factor_set_choices": _restate_choices(inventory) if may_restate else [],
            "versions": versions,
            "audit": [_shown(e) for e in inventory_audit_entries(inventory=inventory)[:AUDIT_ROWS]],
            "breadcrumbs": [
                ("Organisations", reverse("tenancy:home")),
                (
                    inventory.organisation.name,
                    reverse("inventories:organisation", args=[inventory.organisation_id]),
                ),
                (f"{inventory.year} v{inventory.version}", None),
            ],
        },
    )


def _year_to_open(organisation: Organisation, now: datetime) -> int:
    """The year the "open an inventory" form proposes: the last reporting year, unless it
    is open already; then the year after the organisation's latest inventory."""
    proposed = now.year - 1 if now.month < 7 else now.year
    years = set(Inventory.objects.filter(organisation=organisation).values_list("year", flat=True))
    if proposed not in years:
        return proposed
    return min(max(years) + 1, LAST_YEAR)


def _restate_choices(inventory: Inventory) -> list[dict[str, object]]:
    """The sets a restatement may pin, the currently pinned ones checked."""
    pinned = {(p.get("name"), p.get("version")) for p in inventory.factor_sets}
    return [
        {
            "name": c.name,
            "version": c.version,
            "label": c.label,
            "pinned": (c.name, c.version) in pinned,
        }
        for c in factor_set_choices()
    ]
