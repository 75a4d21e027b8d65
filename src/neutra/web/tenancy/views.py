"""Pages of the tenancy app: the organisations a user sees, one organisation, invitations.

Thin: parse the form, call one service, show its error as a message. Which
organisations a user sees is the selectors' decision (another tenant's
organisation is a 404, like a missing one); it must never be filtered here.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError, error_text
from neutra.web.tenancy.forms import EntityForm, InviteForm, OrganisationForm, form_error_text
from neutra.web.tenancy.models import Consultancy, Entity, Organisation
from neutra.web.tenancy.selectors import (
    consultancies_staffed_by,
    membership_in,
    memberships_ended,
    organisation_for,
    organisations_visible_to,
)
from neutra.web.tenancy.services import (
    entity_create,
    membership_invite,
    membership_revoke,
    organisation_create,
)


def _organisation(request: AuthenticatedRequest, organisation_id: int) -> Organisation:
    try:
        return organisation_for(request.user, organisation_id, now=timezone.now())
    except NotFoundError:
        raise Http404("organisation not found") from None


def _back(organisation_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("inventories:organisation", args=[organisation_id]))


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    organisations = organisations_visible_to(request.user, now=timezone.now()).order_by(
        "consultancy__name", "name"
    )
    return render(
        request,
        "tenancy/home.html",
        {
            "organisations": organisations,
            # An access that has ended is said so, not "no organisation yet".
            "ended": memberships_ended(request.user, now=timezone.now())
            if not organisations
            else [],
            "consultancies": consultancies_staffed_by(request.user),
            "form": OrganisationForm(),
        },
    )


@require_POST
@login_required
def organisation_new(request: AuthenticatedRequest) -> HttpResponse:
    form = OrganisationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(reverse("tenancy:home"))
    consultancy = consultancies_staffed_by(request.user).filter(
        pk=form.cleaned_data["consultancy"]
    ).first() or Consultancy(pk=None)
    if consultancy.pk is None:
        raise Http404("consultancy not found")
    try:
        organisation = organisation_create(
            consultancy=consultancy,
            name=form.cleaned_data["name"],
            country=form.cleaned_data["country"],
            by=request.user,
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("tenancy:home"))
    messages.success(request, f"{organisation.name} added.")
    return _back(organisation.pk)


@require_POST
@login_required
def entity_add(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = EntityForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(organisation.pk)
    data = form.cleaned_data
    parent = None
    if data["parent"] is not None:
        parent = Entity.objects.filter(organisation=organisation, pk=data["parent"]).first()
        if parent is None:
            messages.error(request, "parent: choose an entity of this organisation")
            return _back(organisation.pk)
    try:
        entity = entity_create(
            organisation=organisation,
            name=data["name"],
            parent=parent,
            equity_share=data["equity_share"],
            financial_control=data["financial_control"],
            operational_control=data["operational_control"],
            by=request.user,
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Entity {entity.name} added.")
    return _back(organisation.pk)


@require_POST
@login_required
def member_invite(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(organisation.pk)
    data = form.cleaned_data
    expires_at = (
        None
        if data["expires_on"] is None
        else timezone.make_aware(datetime.combine(data["expires_on"], time.max))
    )
    try:
        membership, link = membership_invite(
            organisation=organisation,
            email=data["email"],
            role=data["role"],
            expires_at=expires_at,
            by=request.user,
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back(organisation.pk)
    who = membership.user.get_username()
    if link:
        messages.success(
            request,
            f"{who} is invited as {membership.get_role_display()}. Send them this one-time link "
            f"to choose their password: {request.build_absolute_uri(link)}",
        )
    else:
        messages.success(request, f"{who} now has the role {membership.get_role_display()}.")
    return _back(organisation.pk)


@require_POST
@login_required
def member_revoke(
    request: AuthenticatedRequest, organisation_id: int, membership_id: int
) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    try:
        membership = membership_in(organisation=organisation, membership_id=membership_id)
        membership_revoke(membership=membership, by=request.user)
    except NotFoundError:
        raise Http404("membership not found") from None
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"{membership.user.get_username()} no longer has access.")
    return _back(organisation.pk)


class InvitationView(auth_views.PasswordResetConfirmView):
    """An invited person chooses their password through the one-time link, then logs in."""

    template_name = "tenancy/invitation.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False
