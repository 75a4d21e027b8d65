"""The consultancy's back office for tenancy.

New organisations, memberships and entities go through the services, so the
admin validates and audits exactly like the app; existing rows are read-only
here until change services exist. The audit log can only be read.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.tenancy import services
from neutra.web.tenancy.models import (
    AuditEntry,
    Consultancy,
    ConsultancyMembership,
    Entity,
    Membership,
    Organisation,
)


class _ThroughServices(admin.ModelAdmin):
    """Adds rows through a service; shows existing rows read-only."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class Form(form_class):  # type: ignore[misc, valid-type]
            # Run the service in validation, so its errors show on the form
            # instead of as a 500; save_model then keeps what it created.
            def _post_clean(self) -> None:
                if self.errors or obj is not None:
                    return
                try:
                    # The admin site lets only signed-in staff in.
                    signed_in = cast(AuthenticatedRequest, request)
                    self.instance = model_admin.create(signed_in, dict(self.cleaned_data))
                except NeutraError as error:
                    self.add_error(None, ValidationError(str(error)))

        return Form

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        pass  # the service saved it in the form's validation


@admin.register(Consultancy)
class ConsultancyAdmin(_ThroughServices):
    list_display = ("name", "created_at")
    fields = ("name",)

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        return services.consultancy_create(name=data["name"], by=request.user)


@admin.register(ConsultancyMembership)
class ConsultancyMembershipAdmin(_ThroughServices):
    list_display = ("user", "consultancy", "role")
    list_filter = ("consultancy", "role")
    fields = ("user", "consultancy", "role")

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        return services.consultancy_membership_grant(
            consultancy=data["consultancy"],
            user=data["user"],
            role=data["role"],
            by=request.user,
        )


@admin.register(Organisation)
class OrganisationAdmin(_ThroughServices):
    list_display = ("name", "country", "consultancy")
    list_filter = ("consultancy",)
    search_fields = ("name",)
    fields = ("consultancy", "name", "country")

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        return services.organisation_create(
            consultancy=data["consultancy"],
            name=data["name"],
            country=data["country"],
            by=request.user,
        )


@admin.register(Membership)
class MembershipAdmin(_ThroughServices):
    list_display = ("user", "organisation", "role", "expires_at")
    list_filter = ("role", "organisation__consultancy")
    fields = ("user", "organisation", "role", "expires_at")

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        return services.membership_grant(
            organisation=data["organisation"],
            user=data["user"],
            role=data["role"],
            expires_at=data.get("expires_at"),
            by=request.user,
        )


@admin.register(Entity)
class EntityAdmin(_ThroughServices):
    list_display = (
        "name",
        "organisation",
        "parent",
        "equity_share",
        "financial_control",
        "operational_control",
    )
    list_filter = ("organisation",)
    fields = (
        "organisation",
        "name",
        "parent",
        "equity_share",
        "financial_control",
        "operational_control",
    )

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        return services.entity_create(
            organisation=data["organisation"],
            name=data["name"],
            parent=data.get("parent"),
            equity_share=data["equity_share"],
            financial_control=data["financial_control"],
            operational_control=data["operational_control"],
            by=request.user,
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_repr", "organisation")
    list_filter = ("action", "consultancy")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
