"""URL map: the admin back office, the REST API and the health check."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from neutra.web.config.api import api
from neutra.web.config.views import healthz

admin.site.site_header = "Neutra back office"
admin.site.site_title = "Neutra"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
]
