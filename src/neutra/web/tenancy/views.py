"""Pages of the tenancy app: the organisations a user sees, one organisation, invitations.

Thin: parse the form, call one service, show its error as a message. Which
organisations a user sees is the selectors' decision (another tenant's
organisation is a 404, like a missing one); it must never be filtered here.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError, error_text
from neutra.web.tenancy.forms import EntityForm, InviteForm, OrganisationForm, form_error_text
from neutra.web.tenancy.models import Consultancy, Entity, Invitation, Organisation
from neutra.web.tenancy.selectors import (
    account_with_password,
    address_of,
    consultancies_staffed_by,
    invitation_by_link,
    invitation_in,
    invitations_waiting_for,
    membership_in,
    memberships_ended,
    organisation_for,
    organisations_visible_to,
)
from neutra.web.tenancy.services import (
    entity_create,
    invitation_accept,
    invitation_account_create,
    invitation_create,
    invitation_decline,
    invitation_withdraw,
    membership_revoke,
    organisation_create,
)


def organisation_or_404(request: AuthenticatedRequest, organisation_id: int) -> Organisation:
    """The organisation if the user may see it; a 404 alike for a missing and another tenant's."""
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
            "invitations": invitations_waiting_for(request.user, now=timezone.now()),
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
    organisation = organisation_or_404(request, organisation_id)
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
    organisation = organisation_or_404(request, organisation_id)
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
        invitation = invitation_create(
            organisation=organisation,
            email=data["email"],
            role=data["role"],
            expires_at=expires_at,
            by=request.user,
            site=request.build_absolute_uri("/"),
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back(organisation.pk)
    # The same words whether the address has an account or not (the service never looks).
    messages.success(request, invitation_sent_text(invitation))
    return _back(organisation.pk)


def invitation_sent_text(invitation: Invitation) -> str:
    """What the inviter is told: the same for every address."""
    return (
        f"An invitation to {invitation.email} as {invitation.get_role_display()} is on its way "
        f"by e-mail. Nothing is granted until they accept it, after logging in; the link works "
        f"until {invitation.valid_until:%Y-%m-%d}."
    )


@require_POST
@login_required
def invitation_withdraw_view(
    request: AuthenticatedRequest, organisation_id: int, invitation_id: int
) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    try:
        invitation = invitation_in(organisation=organisation, invitation_id=invitation_id)
        invitation_withdraw(invitation=invitation, by=request.user)
    except NotFoundError:
        raise Http404("invitation not found") from None
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return _back(organisation.pk)


@require_POST
@login_required
def member_revoke(
    request: AuthenticatedRequest, organisation_id: int, membership_id: int
) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
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


@require_http_methods(["GET", "POST"])
def invitation_link(request: HttpRequest, invitation_id: int, token: str) -> HttpResponse:
    """The mailed link: the holder answers, logs in first, or (a new address) chooses a password.

    The link's secret is the credential, and only the invited address gets it,
    so this page may say whether the address has an account; the inviter's
    pages never do.
    """
    try:
        invitation = invitation_by_link(invitation_id, token, now=timezone.now())
    except NotFoundError:
        return render(request, "tenancy/invitation.html", {"invitation": None}, status=404)
    context: dict[str, object] = {"invitation": invitation}
    if request.user.is_authenticated:
        mine = address_of(request.user) == invitation.email
        context["step"] = "answer" if mine else "other_account"
        return render(request, "tenancy/invitation.html", context)
    if account_with_password(invitation.email) is not None:
        context["step"] = "log_in"
        return render(request, "tenancy/invitation.html", context)
    newcomer = get_user_model()(username=invitation.email, email=invitation.email)
    form = SetPasswordForm(newcomer, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_account_create(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except NeutraError as error:
            messages.error(request, error_text(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(request.path)
    context.update(step="password", form=form)
    return render(request, "tenancy/invitation.html", context)


@require_POST
@login_required
def invitation_accept_view(request: AuthenticatedRequest, invitation_id: int) -> HttpResponse:
    try:
        membership = invitation_accept(invitation_id=invitation_id, by=request.user)
    except NotFoundError:
        raise Http404("invitation not found") from None
    except NeutraError as error:
        messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("tenancy:home"))
    messages.success(
        request,
        f"You are now {membership.get_role_display().lower()} of {membership.organisation.name}.",
    )
    return _back(membership.organisation_id)


@require_POST
@login_required
def invitation_decline_view(request: AuthenticatedRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = invitation_decline(invitation_id=invitation_id, by=request.user)
    except NotFoundError:
        raise Http404("invitation not found") from None
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"You declined the invitation to {invitation.organisation.name}.")
    return HttpResponseRedirect(reverse("tenancy:home"))
