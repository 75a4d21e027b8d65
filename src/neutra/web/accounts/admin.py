"""API tokens in the back office: read-only (no secret is ever stored), revocable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from neutra.core.errors import NeutraError
from neutra.web.accounts.models import ApiToken
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.accounts.services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    exclude = ("token_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by their owner, who is shown the secret once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row stays for the audit trail

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        if not request.user.has_perm("accounts.change_apitoken"):
            actions.pop("revoke", None)
        return actions

    @admin.action(description="Revoke the selected API tokens")
    def revoke(self, request: AuthenticatedRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset:
            try:
                api_token_revoke(token=token, by=request.user)
            except NeutraError as error:
                self.message_user(request, f"{token}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, f"{count} API token(s) revoked.", messages.SUCCESS)
