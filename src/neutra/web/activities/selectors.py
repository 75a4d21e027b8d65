"""Reads of activity uploads for views and the API, scoped through tenancy.

An upload is found only through `upload_for`, which starts from
`neutra.web.tenancy.selectors.organisation_for`; the other reads take an
inventory the caller already got from `inventories.selectors.inventory_for`.
It must never write, and never answer differently for another tenant's
upload than for a missing one (both are `NotFoundError`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet, Sum

from neutra.core import workflow
from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.core.factors import FactorSet
from neutra.formats.activity_template import (
    ActivityKey,
    activity_keys_of,
    write_activity_template,
)
from neutra.formats.factor_refs import FactorSetRef, load
from neutra.web.activities.models import ActivityUpload
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_visible_or_404, pinned_factor_refs
from neutra.web.jobs.models import Job, JobKind, JobStatus
from neutra.web.tenancy.models import Entity
from neutra.web.tenancy.selectors import roles_in, tenant_row_for

__all__ = [
    "ActivitiesSection",
    "UploadTemplate",
    "activities_section",
    "activity_row_count",
    "last_upload_job",
    "upload_for",
    "upload_refusal",
    "upload_template",
    "uploads_for",
]

# Who may add or remove activity data, and in which states: the workflow's rule.
_CHANGE_DATA = workflow.RULES[workflow.Action.CHANGE_DATA]


def uploads_for(*, inventory: Inventory) -> QuerySet[ActivityUpload]:
    """The uploads of an inventory (pass one from `inventory_for`), oldest first."""
    return ActivityUpload.objects.filter(inventory=inventory).select_related("uploaded_by")


def upload_for(user: User, upload_id: object, *, now: datetime) -> ActivityUpload:
    """The upload `upload_id` if `user` may see its organisation at `now`; else NotFoundError."""
    rows = ActivityUpload.objects.select_related(
        "inventory", "inventory__organisation", "uploaded_by"
    )
    upload: ActivityUpload = tenant_row_for(user, rows, upload_id, now=now, what="upload")
    try:
        inventory_visible_or_404(user, upload.inventory, now=now)
    except NotFoundError:
        raise NotFoundError("upload not found", upload_id=str(upload_id)) from None
    return upload


def last_upload_job(*, inventory: Inventory) -> Job | None:
    """The inventory's most recent upload job, or None."""
    return (
        Job.objects.filter(inventory=inventory, kind=JobKind.UPLOAD)
        .order_by("-created_at", "-id")
        .first()
    )


def activity_row_count(*, inventory: Inventory) -> int:
    """How many activity rows the inventory holds (from the uploads' counts)."""
    total = ActivityUpload.objects.filter(inventory=inventory).aggregate(rows=Sum("row_count"))
    return int(total["rows"] or 0)


def upload_refusal(*, user: User | None, inventory: Inventory, now: datetime) -> NeutraError | None:
    """Why `user` may not add or remove activity data of `inventory` now; None if they may.

    `NotAllowedError` for a read-only role, `InvalidInputError` for an
    inventory that is not a draft; the services raise it, the pages show its
    message. `user=None` is the system itself (a job already accepted): only
    the inventory's state counts.
    """
    roles = None if user is None else roles_in(user, inventory.organisation, now=now)
    if roles is not None and not {str(r) for r in roles} & set(_CHANGE_DATA.roles):
        return NotAllowedError(
            "your role lets you read this inventory's activity data, not change it"
        )
    if inventory.state not in _CHANGE_DATA.states:
        reason = (
            f"this inventory is {inventory.get_state_display().lower()}: it takes no "
            "more activity data, and keeps what it has (only a draft changes)"
        )
        return InvalidInputError(
            [Problem("inventory", None, "state", inventory.state, reason)], message=reason
        )
    return None


@dataclass(frozen=True, slots=True)
class ActivitiesSection:
    """What the activity-data section of an inventory's page shows one user."""

    uploads: list[ActivityUpload]  # oldest first
    row_count: int  # activity rows the inventory holds
    job: Job | None  # the latest upload job while it runs or when it failed (its problems)
    refusal: NeutraError | None  # why this user may not upload or delete now; None: they may


def activities_section(*, user: User, inventory: Inventory, now: datetime) -> ActivitiesSection:
    """The activity-data section of an inventory (pass one from `inventory_for`)."""
    uploads = list(uploads_for(inventory=inventory))
    job = last_upload_job(inventory=inventory)
    return ActivitiesSection(
        uploads=uploads,
        row_count=sum(upload.row_count for upload in uploads),
        # A job that stored its file is the upload listed below (or one removed since).
        job=None if job is None or job.status == JobStatus.SUCCEEDED else job,
        refusal=upload_refusal(user=user, inventory=inventory, now=now),
    )


@dataclass(frozen=True, slots=True)
class UploadTemplate:
    """The data-collection workbook of one inventory."""

    file_name: str  # for Content-Disposition, e.g. "B1-Manufacturing-2025-activities.xlsx"
    content: bytes  # the XLSX


def upload_template(*, inventory: Inventory) -> UploadTemplate:
    """The data-collection workbook of an inventory (pass one from `inventory_for`)."""
    organisation = inventory.organisation
    sets, missing = _pinned_sets(inventory)
    entities = list(
        Entity.objects.filter(organisation=organisation)
        .order_by("name")
        .values_list("name", flat=True)
    )
    buffer = io.BytesIO()
    write_activity_template(
        buffer,
        year=inventory.year,
        entities=entities,
        activity_keys=_keys(sets),
        organisation=organisation.name,
        factor_sets=[f"{s.name} (version {s.version})" for s in sets],
        missing_sets=[f"{ref.name} (version {ref.version})" for ref in missing],
    )
    slug = re.sub(r"[^A-Za-z0-9]+", "-", organisation.name).strip("-")[:60] or "organisation"
    version = f"-v{inventory.version}" if inventory.version > 1 else ""
    return UploadTemplate(f"{slug}-{inventory.year}{version}-activities.xlsx", buffer.getvalue())


def _pinned_sets(inventory: Inventory) -> tuple[list[FactorSet], list[FactorSetRef]]:
    """The inventory's pinned factor sets that this server holds, and the pins it lacks."""
    found: list[FactorSet] = []
    missing: list[FactorSetRef] = []
    for ref in pinned_factor_refs(inventory=inventory):
        try:
            found.append(load(ref))
        except NeutraError:
            missing.append(ref)
    return found, missing


def _keys(sets: list[FactorSet]) -> list[ActivityKey]:
    pins = tuple((s.name, s.version) for s in sets)
    if pins not in _KEYS:
        _KEYS[pins] = activity_keys_of(sets)
    return _KEYS[pins]


_KEYS: dict[tuple[tuple[str, str], ...], list[ActivityKey]] = {}
