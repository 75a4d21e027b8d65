"""The consultancy's back office for activity uploads: a read-only list.

Uploads are added and removed only through the services (which check the
inventory is a draft, and audit); rows are never shown here (there may be
millions, and they are read through the app).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from neutra.web.activities.models import ActivityUpload


@admin.register(ActivityUpload)
class ActivityUploadAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "organisation",
        "inventory",
        "row_count",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("organisation__consultancy",)
    search_fields = ("file_name", "organisation__name", "sha256")
    list_select_related = ("organisation", "inventory", "inventory__organisation", "uploaded_by")
    readonly_fields = (
        "organisation",
        "inventory",
        "file_name",
        "sha256",
        "row_count",
        "uploaded_by",
        "uploaded_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
