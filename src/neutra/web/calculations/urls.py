"""Pages of the calculations app (server-rendered, htmx)."""

from __future__ import annotations

app_name = "calculations"

urlpatterns: list = []
