from __future__ import annotations

from django.apps import AppConfig


class InventoriesConfig(AppConfig):
    name = "neutra.web.inventories"
    label = "inventories"
    verbose_name = "Inventories"
    default_auto_field = "django.db.models.BigAutoField"
