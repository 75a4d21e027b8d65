"""Pages of the instruments app: an inventory's contractual instruments for market-based scope 2.

Thin: the inventory through `inventories.selectors.inventory_for` (another
tenant's inventory is a 404 like a missing one), then one service or
selector, then a template. A refused change shows the page again with the
message and every problem (file, row, column, value, reason) and a 400; a
change that worked redirects (303) back to the page with a message. Bad
input must never become a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from neutra.core.errors import InvalidInputError, NeutraError
from neutra.core.scope2 import InstrumentType
from neutra.formats.instrument_file import QUALITY_COLUMNS, REQUIRED_COLUMNS
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError
from neutra.web.instruments.selectors import instrument_file, instrument_for, instruments_page
from neutra.web.instruments.services import (
    FILE_SUFFIXES,
    MAX_FILE_BYTES,
    instrument_add,
    instrument_delete,
    instruments_upload,
)
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.views import inventory_or_404


def _page(
    request: AuthenticatedRequest,
    inventory: Inventory,
    *,
    error: NeutraError | None = None,
    form: dict[str, str] | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "inventory": inventory,
        "page": instruments_page(user=request.user, inventory=inventory, now=timezone.now()),
        "error": error,
        "problems": error.problems if isinstance(error, InvalidInputError) else (),
        "form": form or {"gas": "CO2e", "year": str(inventory.year)},
        "types": [t.value for t in InstrumentType],
        "accept": ",".join(FILE_SUFFIXES),
        "max_file_mb": MAX_FILE_BYTES // (1024 * 1024),
        "columns": ", ".join(REQUIRED_COLUMNS),
        "quality_columns": ", ".join(QUALITY_COLUMNS),
    }
    status = 200 if error is None else (403 if not isinstance(error, InvalidInputError) else 400)
    return render(request, "instruments/page.html", context, status=status)


def _back(inventory: Inventory) -> HttpResponse:
    return HttpResponseRedirect(reverse("instruments:page", args=[inventory.pk]), status=303)


@require_GET
@login_required
def page(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The inventory's instruments, with the upload and add forms while it is a draft."""
    return _page(request, inventory_or_404(request, inventory_id))


@require_POST
@login_required
def upload(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Take the form's instrument file (field "file"): all its instruments, or none."""
    inventory = inventory_or_404(request, inventory_id)
    try:
        file = request.FILES.get("file")
    except MultiPartParserError:
        return _page(request, inventory, error=_said("the upload could not be read: send it again"))
    if file is None:
        return _page(request, inventory, error=_said("choose a .csv or .xlsx file to upload"))
    try:
        stored = instruments_upload(
            inventory=inventory,
            by=request.user,
            file_name=file.name or "",
            stream=file,
            size=file.size,
        )
    except NeutraError as error:
        return _page(request, inventory, error=error)
    plural = "" if len(stored) == 1 else "s"
    messages.success(request, f"{file.name}: {len(stored)} instrument{plural} added.")
    return _back(inventory)


@require_POST
@login_required
def add(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """Add the form's instrument (the fields are the columns of the instrument file)."""
    inventory = inventory_or_404(request, inventory_id)
    cells = {c: request.POST.get(c, "") for c in (*REQUIRED_COLUMNS, *QUALITY_COLUMNS)}
    try:
        stored = instrument_add(inventory=inventory, by=request.user, cells=cells)
    except NeutraError as error:
        return _page(request, inventory, error=error, form=cells)
    messages.success(request, f"Instrument {stored.instrument_id} added.")
    return _back(inventory)


@require_POST
@login_required
def delete(request: AuthenticatedRequest, inventory_id: int, instrument_pk: int) -> HttpResponse:
    """Remove one instrument from a draft inventory."""
    inventory = inventory_or_404(request, inventory_id)
    try:
        found = instrument_for(request.user, instrument_pk, now=timezone.now())
    except NotFoundError:
        raise Http404("instrument not found") from None
    if found.inventory_id != inventory.pk:
        raise Http404("instrument not found")
    try:
        instrument_delete(instrument=found, by=request.user)
    except NeutraError as error:
        return _page(request, inventory, error=error)
    messages.success(request, f"Instrument {found.instrument_id} removed.")
    return _back(inventory)


@require_GET
@login_required
def export(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The inventory's instruments as one instrument file (CSV), as its calculation used them."""
    name, content = instrument_file(inventory=inventory_or_404(request, inventory_id))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=name
    )
    return response


def _said(reason: str) -> InvalidInputError:
    from neutra.core.errors import Problem

    return InvalidInputError([Problem("upload", None, "file", None, reason)], message=reason)
