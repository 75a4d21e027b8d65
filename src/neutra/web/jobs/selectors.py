"""Reads of jobs, scoped like every read of client data (through `organisation_for`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neutra.web.errors import NotFoundError
from neutra.web.jobs.models import Job
from neutra.web.tenancy.selectors import organisation_for

__all__ = ["job_for"]


def job_for(user: Any, job_id: object, *, now: datetime) -> Job:
    """The job `job_id` if `user` may see its organisation at `now`; else NotFoundError (404)."""
    try:
        key = int(str(job_id))
    except ValueError:
        key = None
    if key is not None and not 0 < key < 2**63:
        key = None
    missing = NotFoundError("job not found", job_id=str(job_id))
    organisation_id = (
        None
        if key is None
        else Job.objects.filter(pk=key).values_list("organisation_id", flat=True).first()
    )
    if organisation_id is None:
        raise missing
    try:
        organisation = organisation_for(user, organisation_id, now=now)
    except NotFoundError:
        raise missing from None
    return Job.objects.select_related("inventory", "organisation").get(
        pk=key, organisation=organisation
    )
