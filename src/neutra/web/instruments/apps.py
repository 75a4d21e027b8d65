from __future__ import annotations

from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "neutra.web.instruments"
    label = "instruments"
    verbose_name = "Contractual instruments (market-based scope 2)"
    default_auto_field = "django.db.models.BigAutoField"
