"""The consultancy's back office for calculations: a read-only list.

A calculation is written only by the calculation task (`services`), with
its audit entry; the back office looks, it must never add, change or delete
one (a locked inventory's figures never change).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from neutra.web.calculations.models import Calculation


@admin.register(Calculation)
class CalculationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "organisation",
        "inventory",
        "calculated_at",
        "calculated_by",
        "row_count",
        "output_hash",
    )
    list_filter = ("organisation__consultancy",)
    search_fields = ("organisation__name", "output_hash")
    list_select_related = ("organisation", "inventory", "inventory__organisation", "calculated_by")
    date_hierarchy = "calculated_at"
    fields = (
        "organisation",
        "inventory",
        "calculated_at",
        "calculated_by",
        "row_count",
        "output_hash",
        "summary",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
