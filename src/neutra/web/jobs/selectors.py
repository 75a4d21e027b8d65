"""Reads of jobs, scoped like every read of client data (through `organisation_for`)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from neutra.web.errors import NotFoundError
from neutra.web.inventories.selectors import inventory_visible_or_404
from neutra.web.jobs.models import Job
from neutra.web.tenancy.selectors import tenant_row_for

__all__ = ["job_for"]


def job_for(user: User, job_id: object, *, now: datetime) -> Job:
    """The job `job_id` if `user` may see its organisation at `now`; else NotFoundError (404)."""
    rows = Job.objects.select_related("inventory", "inventory__organisation", "organisation")
    job: Job = tenant_row_for(user, rows, job_id, now=now, what="job")
    if job.inventory is not None:
        try:
            inventory_visible_or_404(user, job.inventory, now=now)
        except NotFoundError:
            raise NotFoundError("job not found", job_id=str(job_id)) from None
    return job
