from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "neutra.web.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"
