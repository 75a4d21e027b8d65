"""Pages of inventories."""

from __future__ import annotations

from django.urls import path

from neutra.web.inventories import views

app_name = "inventories"

urlpatterns = [
    path(
        "organisations/<int:organisation_id>/",
        views.organisation_page,
        name="organisation",
    ),
    path(
        "organisations/<int:organisation_id>/inventories",
        views.inventory_new,
        name="create",
    ),
    path("inventories/<int:inventory_id>/", views.inventory_detail, name="detail"),
]
