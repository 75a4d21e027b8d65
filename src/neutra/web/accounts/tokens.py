"""The personal API tokens page: create one (its secret shown once), list and revoke them.

Thin: the services create, hash and revoke; this page only parses the form.
A user sees and revokes only their own tokens (404 for anyone else's).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.models import ApiToken
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.accounts.services import api_token_create, api_token_revoke
from neutra.web.errors import error_text


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    write = forms.BooleanField(required=False)  # read is always granted
    expires_on = forms.DateField()


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    secret = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            scopes = ["read", "write"] if data["write"] else ["read"]  # Scope values
            try:
                _, secret = api_token_create(
                    user=request.user,
                    name=data["name"],
                    scopes=scopes,
                    expires_at=timezone.make_aware(datetime.combine(data["expires_on"], time.max)),
                )
            except NeutraError as error:
                messages.error(request, error_text(error))
        else:
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(map(str, errors))}")
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
            "secret": secret,  # shown this once; only its hash is stored
            "default_expiry": (timezone.now() + timedelta(days=90)).date().isoformat(),
            "now": timezone.now(),
        },
    )


@require_POST
@login_required
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=token_id).first()
    if token is None:
        raise Http404("token not found")
    try:
        api_token_revoke(token=token, by=request.user)
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Token {token.name} revoked: it no longer opens the API.")
    return HttpResponseRedirect(reverse("accounts:tokens"))
