from __future__ import annotations

from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "neutra.web.credits"
    label = "credits"
    verbose_name = "Carbon credits"
    default_auto_field = "django.db.models.BigAutoField"
