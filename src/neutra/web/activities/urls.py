"""Pages of the activities app (server-rendered, htmx): an inventory's activity data."""

from __future__ import annotations

from django.urls import path

from neutra.web.activities import views

app_name = "activities"

urlpatterns = [
    path("inventories/<int:inventory_id>/activities/", views.section, name="section"),
    path("inventories/<int:inventory_id>/activities/upload", views.upload, name="upload"),
    path(
        "inventories/<int:inventory_id>/activities/template.xlsx",
        views.template,
        name="template",
    ),
    path(
        "inventories/<int:inventory_id>/activities/<int:upload_id>/delete",
        views.delete,
        name="delete",
    ),
]
