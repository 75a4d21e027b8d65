"""Pages of the instruments app (server-rendered): an inventory's contractual instruments."""

from __future__ import annotations

from django.urls import path

from neutra.web.instruments import views

app_name = "instruments"

urlpatterns = [
    path("inventories/<int:inventory_id>/instruments/", views.page, name="page"),
    path("inventories/<int:inventory_id>/instruments/upload", views.upload, name="upload"),
    path("inventories/<int:inventory_id>/instruments/add", views.add, name="add"),
    path("inventories/<int:inventory_id>/instruments.csv", views.export, name="export"),
    path(
        "inventories/<int:inventory_id>/instruments/<int:instrument_pk>/delete",
        views.delete,
        name="delete",
    ),
]
