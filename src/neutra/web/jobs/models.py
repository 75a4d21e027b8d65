"""Long work a user waits for (an upload's validation, a calculation), with its progress.

A job is the user-facing record of one background task (django-tasks, run by
the database-backed worker `neutra worker`): what it is for, how far it has
got, and how it ended. It belongs to one client organisation, like every row
of client data, and is read only through `selectors.job_for`.

Progress is written in autocommit, outside the task's own transaction, so the
page polling it sees it move; it must never hold a result the task has not
committed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.models import Organisation


class JobKind(models.TextChoices):
    UPLOAD = "upload", "Activity upload"
    CALCULATION = "calculation", "Calculation"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # bad input (problems listed) or an internal error


class Job(models.Model):
    """One background task's purpose, progress and outcome."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="jobs")
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=200, blank=True)  # what it is doing now, for people
    done = models.PositiveBigIntegerField(default=0)  # units of work done (rows, steps)
    total = models.PositiveBigIntegerField(null=True, blank=True)  # null: not known yet
    message = models.TextField(blank=True)  # how it ended, in one sentence
    problems = models.JSONField(default=list, blank=True)  # bad input: Problem dicts, in order
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result id
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("inventory", "kind", "-created_at")),)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of {self.inventory}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """Whole per cent done, or None while the amount of work is unknown."""
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
