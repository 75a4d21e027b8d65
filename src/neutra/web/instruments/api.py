"""REST endpoints of the instruments app: an inventory's contractual instruments.

Thin: the API's authentication (write endpoints need a token's write scope)
-> the inventory or instrument through a tenant-scoped selector (another
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
from neutra.web.instruments.selectors import (
    InstrumentRow,
    instrument_file,
    instrument_for,
    instruments_page,
)
from neutra.web.instruments.services import instrument_add, instrument_delete, instruments_upload
from neutra.web.inventories.selectors import inventory_for
from neutra.web.schemas import InputSchema

router = Router(tags=["instruments"])  # the API's auth: a session or an API token


class ErrorOut(Schema):
    message: str  # what is wrong, in one sentence
    extra: dict[str, Any]  # structured detail; `problems`: file, row, column, value, reason


class InstrumentIn(InputSchema):
    """One instrument as a row of the instrument file (DESIGN.md §3.4)."""

    instrument_id: str
    type: str  # certificate (GO, REC, I-REC), contract (PPA) or supplier_rate
    entity: str = ""  # the entity it was bought for; empty: any entity in its region
    region: str = ""  # ISO 3166 alpha-2 or a subregion; empty: any (the market decides)
    year: int | str  # the consumption year: the inventory's year
    quantity: float | str  # energy covered, in `unit`
    unit: str  # an energy unit: kWh, MWh, GJ...
    value: float | str  # emission rate it conveys, in `value_unit`
    value_unit: str  # mass per energy: kg/kWh, g/kWh, t/MWh
    gas: str = "CO2e"
    tracking_id: str | None = None  # registry or tracking-system id
    cancelled_for: str | None = None  # whom it was cancelled for
    vintage: int | str | None = None  # generation year
    market: str | None = None  # market code; default the country of `region`


class InstrumentOut(Schema):
    id: int  # the record's id (for DELETE /api/instruments/{id})
    inventory_id: int
    instrument_id: str
    type: str
    entity: str | None
    region: str | None
    year: int
    quantity_kwh: float  # energy covered, kWh
    rate_t_co2e_per_kwh: float  # emission rate, t CO2e per kWh
    tracking_id: str | None  # null: not given (not judged); "": given empty
    cancelled_for: str | None
    vintage: int | None
    market: str | None
    cells: dict[str, str]  # the row as given
    source: str  # the file it came from, "form" or "API"
    added_by: str | None
    added_at: datetime


def _out(row: InstrumentRow) -> InstrumentOut:
    record, instrument = row.record, row.instrument
    return InstrumentOut(
        id=record.pk,
        inventory_id=record.inventory_id,
        instrument_id=instrument.instrument_id,
        type=instrument.type.value,
        entity=instrument.entity,
        region=instrument.region,
        year=instrument.year,
        quantity_kwh=instrument.quantity_kwh,
        rate_t_co2e_per_kwh=instrument.rate_t_co2e_per_kwh,
        tracking_id=instrument.tracking_id,
        cancelled_for=instrument.cancelled_for,
        vintage=instrument.vintage,
        market=instrument.market,
        cells=dict(record.cells),
        source=record.source,
        added_by=None if record.added_by is None else record.added_by.get_username(),
        added_at=record.added_at,
    )


_REFUSALS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get(
    "/inventories/{inventory_id}/instruments",
    response={200: list[InstrumentOut], 404: ErrorOut, 422: ErrorOut},
)
def list_instruments(request: AuthenticatedRequest, inventory_id: int) -> list[InstrumentOut]:
    """The inventory's contractual instruments for market-based scope 2, in recorded order."""
    now = timezone.now()
    inventory = inventory_for(request.user, inventory_id, now=now)
    page = instruments_page(user=request.user, inventory=inventory, now=now)
    return [_out(row) for row in page.rows]


@router.post("/inventories/{inventory_id}/instruments", response={201: InstrumentOut, **_REFUSALS})
def add_instrument(
    request: AuthenticatedRequest, inventory_id: int, payload: InstrumentIn
) -> Status[InstrumentOut]:
    """Add one instrument to a draft inventory. Every problem is listed (field, reason);
    nothing is stored unless all is well. A read-only role gets 403."""
    require_scope(request, "write")
    now = timezone.now()
    inventory = inventory_for(request.user, inventory_id, now=now)
    stored = instrument_add(
        inventory=inventory, by=request.user, cells=payload.dict(), source="API"
    )
    page = instruments_page(user=request.user, inventory=inventory, now=now)
    (row,) = [r for r in page.rows if r.record.pk == stored.pk]
    return Status(201, _out(row))


@router.post(
    "/inventories/{inventory_id}/instruments/file",
    response={201: list[InstrumentOut], **_REFUSALS},
)
def upload_instruments(
    request: AuthenticatedRequest, inventory_id: int, file: File[UploadedFile]
) -> Status[list[InstrumentOut]]:
    """Upload an instrument file (.csv or .xlsx, the columns of DESIGN.md §3.4; multipart
    field `file`) into a draft inventory: validated whole, every problem listed by row,
    all of it stored or nothing. Answers with the instruments added."""
    require_scope(request, "write")
    now = timezone.now()
    inventory = inventory_for(request.user, inventory_id, now=now)
    stored = instruments_upload(
        inventory=inventory, by=request.user, file_name=file.name or "", stream=file, size=file.size
    )
    added = {s.pk for s in stored}
    page = instruments_page(user=request.user, inventory=inventory, now=now)
    return Status(201, [_out(row) for row in page.rows if row.record.pk in added])


@router.delete("/instruments/{instrument_pk}", response={204: None, **_REFUSALS})
def delete_instrument(request: AuthenticatedRequest, instrument_pk: int) -> Status[None]:
    """Remove one instrument from a draft inventory (roles as for adding)."""
    require_scope(request, "write")
    found = instrument_for(request.user, instrument_pk, now=timezone.now())
    instrument_delete(instrument=found, by=request.user)
    return Status(204, None)


@router.get(
    "/inventories/{inventory_id}/instruments.csv",
    response={200: None, 404: ErrorOut, 422: ErrorOut},
    openapi_extra={"responses": {200: {"description": "The file", "content": {"text/csv": {}}}}},
)
def export_instruments(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    """The inventory's instruments as one instrument file: the file its calculation used
    (`neutra footprint --instruments instruments.csv` gives the same figures and hash)."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    name, content = instrument_file(inventory=inventory)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=name
    )
    return response
