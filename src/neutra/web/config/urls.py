"""URL map: the admin back office, the REST API, the health check and the pages."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from neutra.web.accounts.views import LoginView
from neutra.web.config.api import api
from neutra.web.config.views import healthz

admin.site.site_header = "Neutra back office"
admin.site.site_title = "Neutra"

urlpatterns = [
    # The back office logs in through the throttled page too, never around it.
    path("admin/login/", LoginView.as_view(extra_context={"site_header": admin.site.site_header})),
    path("admin/", admin.site.urls),
    path("accounts/", include("neutra.web.accounts.urls")),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("neutra.web.tenancy.urls")),
    path("", include("neutra.web.inventories.urls")),
    path("", include("neutra.web.jobs.urls")),
    path("", include("neutra.web.activities.urls")),
    path("", include("neutra.web.instruments.urls")),
    path("", include("neutra.web.calculations.urls")),
    path("", include("neutra.web.workflow.urls")),
    path("", include("neutra.web.dashboards.urls")),
    path("", include("neutra.web.credits.urls")),
    path("", include("neutra.web.strategy.urls")),
    path("", include("neutra.web.claims.urls")),
]
