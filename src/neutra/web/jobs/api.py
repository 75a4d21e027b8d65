"""REST endpoint of jobs: how far a background task has got, and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Router, Schema

from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.jobs.models import Job
from neutra.web.jobs.selectors import job_for

router = Router(tags=["jobs"])


class ProblemOut(Schema):
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str


class JobOut(Schema):
    id: int
    inventory_id: int
    kind: str  # upload or calculation
    status: str  # queued, running, succeeded or failed
    stage: str  # what it is doing now
    done: int  # units of work done
    total: int | None  # null while not known
    percent: int | None
    message: str  # how it ended
    problems: list[ProblemOut]  # bad input, when it failed on it
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "inventory_id": job.inventory_id,
        "kind": job.kind,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "problems": job.problems,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@router.get("/{job_id}", response=JobOut)
def read_job(request: AuthenticatedRequest, job_id: int) -> dict[str, Any]:
    """A job's progress; poll it until `status` is succeeded or failed."""
    return job_out(job_for(request.user, job_id, now=timezone.now()))
