"""The consultancy's back office for inventories.

New inventories are opened through `inventory_create`, so the admin
validates and audits exactly like the app. Existing inventories are
read-only here (a locked one must never change; the others move only
through `inventory_transition`, which checks roles and writes the audit log).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.inventories import services
from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.admin import _ThroughServices


@admin.register(Inventory)
class InventoryAdmin(_ThroughServices):
    list_display = ("organisation", "year", "version", "state", "gwp_set", "approach")
    list_filter = ("state", "gwp_set", "organisation__consultancy")
    search_fields = ("organisation__name",)
    fields = ("organisation", "year", "gwp_set", "approach")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.fields
        return (*self.fields, "version", "state", "factor_sets", "restates", "created_by")

    def create(self, request: AuthenticatedRequest, data: dict[str, Any]) -> Any:
        return services.inventory_create(
            organisation=data["organisation"],
            year=data["year"],
            gwp_set=data["gwp_set"],
            approach=data["approach"],
            by=request.user,
        )
