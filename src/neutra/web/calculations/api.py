"""REST endpoints of calculations: start one, read the current figures, read the history.

Thin: the API's authentication (starting needs a token's write scope) ->
one selector (tenancy: another tenant's inventory or calculation is a 404
like a missing one) -> at most one service -> output schema. The footprint
document is the CLI's `neutra.footprint/1` (DESIGN.md §3.6) as stored, with
`lines` left empty (they are the dashboards' to page through), the first
1000 flag rows, and a `calculation` block saying which calculation it is.
Figures are unrounded. It must never compute a figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.calculations.models import Calculation
from neutra.web.calculations.selectors import (
    calculation_current,
    calculation_for,
    calculation_is_current,
    calculations_for,
)
from neutra.web.calculations.services import calculation_start
from neutra.web.errors import NotFoundError
from neutra.web.inventories.selectors import inventory_for
from neutra.web.jobs.api import JobOut, job_out

router = Router(tags=["calculations"])


class FlagOut(Schema):
    row: str  # the row id (or instrument id) it concerns
    flag: str  # year_fallback, region_fallback, residual_mix_missing, ...
    detail: str  # what happened, in words


class CalculationRef(Schema):
    id: int
    calculated_at: datetime
    row_count: int  # activity rows calculated
    current: bool  # whether the figures reflect the inventory's data now


class FootprintOut(Schema):
    """The `neutra.footprint/1` document (t CO2e, unrounded) of one calculation."""

    schema_name: str = Field(alias="schema")  # "neutra.footprint/1"
    gwp_set: str
    unit: str  # "t CO2e"
    totals: dict[str, float]  # scope1, scope2_location, scope2_market, scope3, total_*
    scope3_categories: dict[str, float]  # "1".."15"
    by_gas: dict[str, dict[str, float]]  # gas -> {"t", "t_co2e"}
    biogenic_co2_t: float
    by_entity: dict[str, dict[str, float]]  # entity -> the totals' keys
    flags: list[FlagOut]  # the first 1000 flag rows
    lines: list[dict[str, Any]]  # always empty here: the lines are paged elsewhere
    provenance: dict[str, Any]  # engine, inputs, factor sets, GWP set, options, hash
    calculation: CalculationRef


class CalculationOut(Schema):
    id: int
    inventory_id: int
    calculated_at: datetime
    by: str | None  # who pressed Calculate; empty for the system
    row_count: int
    output_hash: str
    totals: dict[str, float]
    current: bool  # the newest calculation, and its figures reflect the data


def _document(calculation: Calculation, *, current: bool) -> dict[str, Any]:
    summary = calculation.summary
    return {
        "schema": summary["schema"],
        "gwp_set": summary["gwp_set"],
        "unit": summary["unit"],
        "totals": summary["totals"],
        "scope3_categories": summary["scope3_categories"],
        "by_gas": summary["by_gas"],
        "biogenic_co2_t": summary["biogenic_co2_t"],
        "by_entity": summary["by_entity"],
        "flags": summary.get("flags", []),
        "lines": [],
        "provenance": summary["provenance"],
        "calculation": {
            "id": calculation.pk,
            "calculated_at": calculation.calculated_at,
            "row_count": calculation.row_count,
            "current": current,
        },
    }


def _is_current(calculation: Calculation) -> bool:
    """The newest calculation of its inventory, and made from the data it has now."""
    newest = calculation_current(inventory=calculation.inventory)
    return (
        newest is not None
        and newest.pk == calculation.pk
        and calculation_is_current(inventory=calculation.inventory)
    )


@router.post("/inventories/{inventory_id}/calculate", response={202: JobOut})
def calculate(request: HttpRequest, inventory_id: int) -> Status[dict[str, Any]]:
    """Start calculating an inventory; poll GET /api/jobs/{id} until it has finished."""
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    return Status(202, job_out(calculation_start(inventory=inventory, by=request.user)))


@router.get("/inventories/{inventory_id}/footprint", response=FootprintOut, by_alias=True)
def current_footprint(request: HttpRequest, inventory_id: int) -> dict[str, Any]:
    """The inventory's current figures (404 when it was never calculated)."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    calculation = calculation_current(inventory=inventory)
    if calculation is None:
        raise NotFoundError(
            "this inventory has not been calculated yet: start a calculation first",
            inventory_id=inventory.pk,
        )
    return _document(calculation, current=calculation_is_current(inventory=inventory))


@router.get("/inventories/{inventory_id}/calculations", response=list[CalculationOut])
def list_calculations(request: HttpRequest, inventory_id: int) -> list[dict[str, Any]]:
    """Every calculation of an inventory, newest first: the history of its figures."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    calculations = list(calculations_for(inventory=inventory))
    fresh = bool(calculations) and calculation_is_current(inventory=inventory)
    return [
        {
            "id": c.pk,
            "inventory_id": c.inventory_id,
            "calculated_at": c.calculated_at,
            "by": None if c.calculated_by is None else c.calculated_by.get_username(),
            "row_count": c.row_count,
            "output_hash": c.output_hash,
            "totals": c.summary.get("totals", {}),
            "current": fresh and index == 0,
        }
        for index, c in enumerate(calculations)
    ]


@router.get("/calculations/{calculation_id}", response=FootprintOut, by_alias=True)
def read_calculation(request: HttpRequest, calculation_id: int) -> dict[str, Any]:
    """One calculation's figures, current or from the history."""
    calculation = calculation_for(request.user, calculation_id, now=timezone.now())
    return _document(calculation, current=_is_current(calculation))
