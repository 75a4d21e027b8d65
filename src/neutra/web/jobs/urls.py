"""Pages of jobs: the progress panel."""

from __future__ import annotations

from django.urls import path

from neutra.web.jobs.views import job_panel

app_name = "jobs"

urlpatterns = [path("jobs/<int:job_id>/", job_panel, name="panel")]
