"""Log-in, log-out and API token pages, under /accounts/."""

from __future__ import annotations

from django.urls import path

from neutra.web.accounts.tokens import token_revoke, tokens
from neutra.web.accounts.views import LoginView, LogoutView

app_name = "accounts"
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("tokens/", tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke", token_revoke, name="token_revoke"),
]
