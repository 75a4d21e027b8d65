from __future__ import annotations

from django.apps import AppConfig


class CalculationsConfig(AppConfig):
    name = "neutra.web.calculations"
    label = "calculations"
    verbose_name = "Background calculations"
    default_auto_field = "django.db.models.BigAutoField"
