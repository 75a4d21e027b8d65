"""Pages of the climate strategy."""

from __future__ import annotations

from django.urls import URLPattern, path

from neutra.web.strategy import views

app_name = "strategy"

_BASE = "organisations/<int:organisation_id>/strategy/"

urlpatterns: list[URLPattern] = [
    path(_BASE, views.strategy_page, name="page"),
    path(_BASE + "base-year", views.base_year_post, name="base_year"),
    path(_BASE + "changes", views.change_post, name="changes"),
    path(_BASE + "recalculation", views.recalculation_post, name="recalculation"),
    path(_BASE + "denominators", views.denominator_post, name="denominators"),
    path(_BASE + "targets", views.target_post, name="targets"),
    path(_BASE + "measures", views.measure_post, name="measures"),
    path(
        "strategy/measures/<int:measure_id>/status",
        views.measure_status_post,
        name="measure_status",
    ),
    path(_BASE + "charts/<slug:chart>.svg", views.chart, name="chart"),
    path(_BASE + "export/<slug:export>.csv", views.export, name="export"),
]
