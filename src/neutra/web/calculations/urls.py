"""Pages of the calculations app (server-rendered, htmx)."""

from __future__ import annotations

from django.urls import path

from neutra.web.calculations import views

app_name = "calculations"

urlpatterns = [
    path(
        "inventories/<int:inventory_id>/calculation/",
        views.calculation_section_view,
        name="section",
    ),
    path(
        "inventories/<int:inventory_id>/calculation/run",
        views.calculation_run_view,
        name="run",
    ),
]
