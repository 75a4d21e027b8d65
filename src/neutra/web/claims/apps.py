from __future__ import annotations

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "neutra.web.claims"
    label = "claims"
    verbose_name = "Neutrality claims"
    default_auto_field = "django.db.models.BigAutoField"
