"""Pages of the dashboards: figures and charts, drill-down to lines and factors, restatements."""

from __future__ import annotations

from django.urls import URLPattern, path

from neutra.web.dashboards import views

app_name = "dashboards"

urlpatterns: list[URLPattern] = [
    path("inventories/<int:inventory_id>/dashboard/", views.dashboard, name="dashboard"),
    path("inventories/<int:inventory_id>/lines/", views.lines, name="lines"),
    path("inventories/<int:inventory_id>/lines/<int:line_id>/", views.line, name="line"),
    path("inventories/<int:inventory_id>/compare/", views.compare, name="compare"),
    path("inventories/<int:inventory_id>/charts/<slug:name>.svg", views.chart, name="chart"),
    path(
        "inventories/<int:inventory_id>/export/<slug:what>.<slug:fmt>",
        views.export,
        name="export",
    ),
]
