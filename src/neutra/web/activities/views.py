"""Pages of the activities app: the activity-data section of an inventory's page.

Thin: the inventory through `inventories.selectors.inventory_for` (another
tenant's inventory is a 404 like a missing one), then one service or
selector, then a template. A `NeutraError` is shown as a message in the
section (or, without JavaScript, as a Django message on the inventory page);
bad input must never become a 500.

htmx and refusals: htmx 2 does not swap a 4xx response into the page, so an
htmx POST that is refused answers 200 with the section showing the message
(the page is where the user looks; the API answers 4xx). A POST without
JavaScript is redirected (303) back to the inventory's page, with the
outcome as a Django message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.activities.selectors import activities_section, upload_for, upload_template
from neutra.web.activities.services import SUFFIXES, upload_accept, upload_delete
from neutra.web.errors import NotFoundError
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.views import inventory_or_404
from neutra.web.jobs.models import JobStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def section(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The activity-data section of an inventory's page: an HTML fragment, no base template.

    The inventory page places it as the inner content of
    `<section hx-get="{% url 'activities:section' inventory.pk %}"
    hx-trigger="load, job-finished from:body">`: it loads with the page and
    reloads when a job panel says its job has ended. It holds the template
    link, the uploads (with their delete buttons while the inventory is a
    draft), the upload form (or why this user cannot upload) and the latest
    upload job's panel, which shows progress and then every row error.
    """
    return _section(request, inventory_or_404(request, inventory_id))


def _section(
    request: AuthenticatedRequest, inventory: Inventory, *, error: str = "", notice: str = ""
) -> HttpResponse:
    context: dict[str, Any] = {
        "inventory": inventory,
        "section": activities_section(user=request.user, inventory=inventory, now=timezone.now()),
        "error": error,
        "notice": notice,
        "max_upload_mb": int(settings.NEUTRA_MAX_UPLOAD_BYTES) // (1024 * 1024),
        "accept": ",".join(SUFFIXES),
    }
    return render(request, "activities/_section.html", context)


def _answer(
    request: AuthenticatedRequest, inventory: Inventory, *, error: str = "", notice: str = ""
) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _section(request, inventory, error=error, notice=notice)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return _to_inventory(inventory)


def _to_inventory(inventory: Inventory) -> HttpResponse:
    return HttpResponseRedirect(reverse("inventories:detail", args=[inventory.pk]), status=303)


@require_POST
@login_required
def upload(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Take the form's file (field "file") and queue its validation."""
    inventory = inventory_or_404(request, inventory_id)
    try:
        file = request.FILES.get("file")
    except MultiPartParserError:
        return _answer(request, inventory, error="the upload could not be read: send it again")
    if file is None:
        return _answer(request, inventory, error="choose a .csv or .xlsx file to upload")
    try:
        job = upload_accept(
            inventory=inventory,
            by=request.user,
            file_name=file.name or "",
            stream_or_path=file,
            size=file.size,
        )
    except NeutraError as error:
        return _answer(request, inventory, error=error.message)
    if getattr(request, "htmx", False):
        # Queued or failed, the job's panel tells how it goes; stored, this sentence does.
        stored = job.message if job.status == JobStatus.SUCCEEDED else ""
        return _section(request, inventory, notice=stored)
    if job.status == JobStatus.FAILED:
        messages.error(request, f"{job.message}: the rows to fix are listed under Activity data")
    elif job.status == JobStatus.SUCCEEDED:
        messages.success(request, job.message)
    else:
        messages.info(request, "the file is being checked; its progress is under Activity data")
    return _to_inventory(inventory)


@require_POST
@login_required
def delete(request: AuthenticatedRequest, inventory_id: int, upload_id: int) -> HttpResponse:
    """Remove one upload and its rows from a draft inventory."""
    inventory = inventory_or_404(request, inventory_id)
    try:
        found = upload_for(request.user, upload_id, now=timezone.now())
    except NotFoundError:
        raise Http404("upload not found") from None
    if found.inventory_id != inventory.pk:
        raise Http404("upload not found")
    try:
        upload_delete(upload=found, by=request.user)
    except NeutraError as error:
        return _answer(request, inventory, error=error.message)
    rows = f"{found.row_count:,} row{'' if found.row_count == 1 else 's'}"
    return _answer(request, inventory, notice=f"{found.file_name} and its {rows} removed.")


@require_GET
@login_required
def template(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The inventory's data-collection workbook (XLSX), as a download."""
    workbook = upload_template(inventory=inventory_or_404(request, inventory_id))
    response = HttpResponse(workbook.content, content_type=XLSX)
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=workbook.file_name
    )
    return response
