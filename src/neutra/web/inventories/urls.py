"""Pages of the inventories app (server-rendered, htmx)."""

from __future__ import annotations

app_name = "inventories"

urlpatterns: list = []
