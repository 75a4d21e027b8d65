from __future__ import annotations

from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "neutra.web.strategy"
    label = "strategy"
    verbose_name = "Climate strategy"
    default_auto_field = "django.db.models.BigAutoField"
