"""The consultancy's back office for instruments: a read-only list.

Instruments are added and removed only through the services (which check the
inventory is a draft, and audit).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from neutra.web.instruments.models import ContractualInstrument


@admin.register(ContractualInstrument)
class ContractualInstrumentAdmin(admin.ModelAdmin):
    list_display = ("instrument_id", "organisation", "inventory", "source", "added_by", "added_at")
    list_filter = ("organisation__consultancy",)
    search_fields = ("instrument_id", "organisation__name", "source")
    list_select_related = ("organisation", "inventory", "inventory__organisation", "added_by")
    readonly_fields = (
        "organisation",
        "inventory",
        "instrument_id",
        "cells",
        "source",
        "added_by",
        "added_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
