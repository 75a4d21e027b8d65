"""Pages of the activities app (server-rendered, htmx)."""

from __future__ import annotations

app_name = "activities"

urlpatterns: list = []
