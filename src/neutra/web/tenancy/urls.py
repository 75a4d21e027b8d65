"""Pages of the tenancy app (server-rendered, htmx)."""

from __future__ import annotations

app_name = "tenancy"

urlpatterns: list = []
