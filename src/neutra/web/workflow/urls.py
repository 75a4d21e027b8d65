"""Pages of the workflow."""

from __future__ import annotations

from django.urls import path

from neutra.web.workflow import views

app_name = "workflow"

urlpatterns = [
    path("inventories/<int:inventory_id>/figures", views.figures_view, name="figures"),
    path("inventories/<int:inventory_id>/workflow", views.section_view, name="section"),
    path("inventories/<int:inventory_id>/transition", views.transition_view, name="transition"),
    path("inventories/<int:inventory_id>/restate", views.restate_view, name="restate"),
]
