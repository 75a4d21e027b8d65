from __future__ import annotations

from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "neutra.web.activities"
    label = "activities"
    verbose_name = "Background activities"
    default_auto_field = "django.db.models.BigAutoField"
