"""REST endpoints of the activities app: upload activity files, list and remove them.

Thin: the API's authentication (write endpoints need a token's write scope)
-> the inventory or upload through a tenant-scoped selector (another
tenant's is a 404 like a missing one) -> one service or selector -> output
schema. Refusals are `{"message", "extra"}` with a 4xx (the API's handlers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import File, Router, Schema, Status, UploadedFile

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.activities.models import ActivityUpload
from neutra.web.activities.selectors import upload_for, upload_template, uploads_for
from neutra.web.activities.services import upload_accept, upload_delete
from neutra.web.inventories.selectors import inventory_for
from neutra.web.jobs.api import JobOut, job_out

router = Router(tags=["activities"])  # the API's auth: a session or an API token

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ErrorOut(Schema):
    message: str  # what is wrong, in one sentence
    extra: dict[str, Any]  # structured detail; `problems`: file, row, column, value, reason


class UploadOut(Schema):
    id: int
    inventory_id: int
    file_name: str  # as the user named it
    sha256: str  # of the file's bytes
    row_count: int
    uploaded_by: str | None  # the uploader's username
    uploaded_at: datetime


def _out(upload: ActivityUpload) -> UploadOut:
    return UploadOut(
        id=upload.pk,
        inventory_id=upload.inventory_id,
        file_name=upload.file_name,
        sha256=upload.sha256,
        row_count=upload.row_count,
        uploaded_by=None if upload.uploaded_by is None else upload.uploaded_by.get_username(),
        uploaded_at=upload.uploaded_at,
    )


_REFUSALS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post("/inventories/{inventory_id}/uploads", response={202: JobOut, **_REFUSALS})
def create_upload(
    request: AuthenticatedRequest, inventory_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """Upload an activity file (.csv or .xlsx, multipart field `file`) into a draft inventory.

    Answers 202 with the job that validates and stores it: poll
    `GET /api/jobs/{id}` until `status` is succeeded or failed. A file with
    any problem stores nothing; the failed job lists every problem (file,
    row, column, value, reason). Refused at once, with nothing stored: a
    read-only role (403), an inventory that is not a draft, another file
    type, an empty or too large file (400).
    """
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    job = upload_accept(
        inventory=inventory,
        by=request.user,
        file_name=file.name or "",
        stream_or_path=file,
        size=file.size,
    )
    return Status(202, job_out(job))


@router.get("/inventories/{inventory_id}/uploads", response={200: list[UploadOut], 404: ErrorOut})
def list_uploads(request: AuthenticatedRequest, inventory_id: int) -> list[UploadOut]:
    """The activity files stored in an inventory, oldest first."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    return [_out(upload) for upload in uploads_for(inventory=inventory)]


@router.delete("/uploads/{upload_id}", response={204: None, **_REFUSALS})
def delete_upload(request: AuthenticatedRequest, upload_id: int) -> Status[None]:
    """Remove an upload and all its rows from a draft inventory (roles as for uploading)."""
    require_scope(request, "write")
    upload = upload_for(request.user, upload_id, now=timezone.now())
    upload_delete(upload=upload, by=request.user)
    return Status(204, None)


@router.get(
    "/inventories/{inventory_id}/template.xlsx",
    response={200: None, 404: ErrorOut},
    openapi_extra={"responses": {200: {"description": "The workbook", "content": {XLSX: {}}}}},
)
def download_template(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The inventory's data-collection workbook (XLSX): its first sheet is the activity file
    to fill in; the "activity keys" sheet lists the keys the pinned factor sets serve."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    workbook = upload_template(inventory=inventory)
    response = HttpResponse(workbook.content, content_type=XLSX)
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=workbook.file_name
    )
    return response
