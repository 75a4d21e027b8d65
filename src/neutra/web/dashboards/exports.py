"""Downloads of an inventory's current calculation: the footprint or its lines, CSV or XLSX.

The files are the `neutra footprint` formats, written by
`neutra.formats.footprint_output` from the stored calculation (text a
spreadsheet would take for a formula is written as text). Pass an inventory
from `inventory_for`; it must never compute a figure.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from neutra.formats.footprint_output import write_csv, write_xlsx
from neutra.web.dashboards.selectors import footprint_export
from neutra.web.errors import NotFoundError
from neutra.web.inventories.models import Inventory

__all__ = ["EXPORTS", "export_response"]

EXPORTS = ("footprint", "lines")
_EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(inventory: Inventory, what: str, fmt: str) -> HttpResponse:
    """The inventory's current footprint or lines as a CSV or XLSX download (the CLI's formats).

    Raises `NotFoundError` for an unknown export or an inventory never calculated.
    """
    if what not in EXPORTS or fmt not in _EXPORT_TYPES:
        raise NotFoundError("no such export: footprint or lines, as csv or xlsx", what=what)
    stored = footprint_export(inventory=inventory, lines=what == "lines")
    if stored is None:
        raise NotFoundError(
            f"inventory {inventory.pk} has not been calculated yet: there is nothing to export",
            inventory_id=inventory.pk,
        )
    if fmt == "csv":
        text = io.StringIO()
        write_csv(stored, text, lines=what == "lines")
        body = text.getvalue().encode("utf-8")
    else:
        binary = io.BytesIO()
        write_xlsx(stored, binary)
        body = binary.getvalue()
    name = (
        f"{slugify(inventory.organisation.name)}-{inventory.year}-v{inventory.version}"
        f"-calculation-{stored.calculation_id}-{what}.{fmt}"
    )
    response = HttpResponse(body, content_type=_EXPORT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
