"""Reads of jobs, scoped like every read of client data (through `organisation_for`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neutra.web.jobs.models import Job
from neutra.web.tenancy.selectors import tenant_row_for

__all__ = ["job_for"]


def job_for(user: Any, job_id: object, *, now: datetime) -> Job:
    """The job `job_id` if `user` may see its organisation at `now`; else NotFoundError (404)."""
    rows = Job.objects.select_related("inventory", "organisation")
    return tenant_row_for(user, rows, job_id, now=now, what="job")
