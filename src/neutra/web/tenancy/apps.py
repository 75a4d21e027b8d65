from __future__ import annotations

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "neutra.web.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
    default_auto_field = "django.db.models.BigAutoField"
