"""The progress panel of a job, polled by htmx while the job runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError
from neutra.web.jobs.selectors import job_for


@require_GET
@login_required
def job_panel(request: AuthenticatedRequest, job_id: int) -> HttpResponse:
    try:
        job = job_for(request.user, job_id, now=timezone.now())
    except NotFoundError:
        raise Http404("job not found") from None
    response = render(request, "jobs/_job.html", {"job": job})
    if job.finished:
        # The section the panel sits in listens for this and reloads itself
        # (the upload's rows, the new figures), once: a finished panel stops polling.
        response.headers["HX-Trigger"] = "job-finished"
    return response
