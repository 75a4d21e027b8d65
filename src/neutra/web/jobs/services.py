"""Writes of jobs: create one, report its progress, end it.

`job_run` is what every background task calls: it marks the job running,
hands the work a progress callback, and records how it ended. Bad input
(`InvalidInputError` and the other `NeutraError`s) ends it FAILED with the
problems listed for the user; anything else ends it FAILED with a generic
message and the traceback in the log, never in the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from neutra.core.errors import InvalidInputError, NeutraError
from neutra.web.inventories.models import Inventory
from neutra.web.jobs.models import Job, JobKind, JobStatus

log = logging.getLogger(__name__)

# (done, total or None, stage) -> None; called by the work as it goes.
Progress = Callable[[int, int | None, str], None]


def job_create(
    *, kind: JobKind, inventory: Inventory, by: User | None, stage: str = "waiting for a worker"
) -> Job:
    return Job.objects.create(
        organisation_id=inventory.organisation_id,
        inventory=inventory,
        kind=kind,
        stage=stage,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


def job_progress(*, job_id: int, done: int, total: int | None, stage: str) -> None:
    """Record progress (a plain UPDATE, visible to pollers at once outside a transaction)."""
    Job.objects.filter(pk=job_id).update(done=max(0, done), total=total, stage=stage[:200])


def job_run(*, job_id: int, work: Callable[[Job, Progress], str]) -> None:
    """Run `work(job, progress)` as the job: it returns the closing message."""
    job = Job.objects.get(pk=job_id)
    if job.finished:  # a worker retried a task that had already ended
        return
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), stage="starting"
    )

    def progress(done: int, total: int | None, stage: str) -> None:
        job_progress(job_id=job_id, done=done, total=total, stage=stage)

    try:
        message = work(job, progress)
    except InvalidInputError as error:
        message = f"{error.message} ({error.omitted_note})" if error.omitted else error.message
        _end(job_id, JobStatus("failed"), message, [p.as_dict() for p in error.problems])
    except NeutraError as error:
        _end(job_id, JobStatus("failed"), error.message, [])
    except Exception:
        log.exception("job %s failed", job_id)
        _end(
            job_id,
            JobStatus("failed"),
            "an internal error stopped this job; it changed nothing",
            [],
        )
    else:
        _end(job_id, JobStatus("succeeded"), message, [])


def _end(job_id: int, status: JobStatus, message: str, problems: list[dict[str, Any]]) -> None:
    Job.objects.filter(pk=job_id).update(
        status=status,
        message=message,
        problems=problems,
        stage="",
        finished_at=timezone.now(),
    )
