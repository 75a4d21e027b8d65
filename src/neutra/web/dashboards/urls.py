"""Pages of the dashboards app (server-rendered, htmx)."""

from __future__ import annotations

app_name = "dashboards"

urlpatterns: list = []
