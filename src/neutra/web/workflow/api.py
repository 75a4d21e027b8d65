"""REST endpoints of the workflow: move or restate an inventory; read its figures and whether they are current.

Thin: the API's authentication (moves need a token's write scope) -> the
inventory or calculation through the tenant-scoped selectors (another
tenant's, or a draft for an auditor, is a 404 like a missing one) -> one
selector or service -> output schema. The footprint document is the CLI's
`neutra.footprint/1` (DESIGN.md §3.6) as stored, with `lines` left empty
(the dashboards page through them), the first 1000 flag rows, and a
`calculation` block saying which calculation it is and whether the data
changed since (`selectors.figures_status`). Figures are unrounded. It must
never compute a figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.calculations.models import Calculation
from neutra.web.calculations.selectors import (
    calculation_current,
    calculation_for,
    calculations_for,
)
from neutra.web.errors import NotFoundError
from neutra.web.inventories.api import FactorSetPin, InventoryOut, inventory_out
from neutra.web.inventories.selectors import inventory_for
from neutra.web.schemas import InputSchema
from neutra.web.workflow.selectors import FiguresStatus, figures_status, figures_status_of
from neutra.web.workflow.services import inventory_restate, inventory_transition

router = Router(tags=["workflow"])  # the API's auth: a session or an API token


class RestateIn(InputSchema):
    factor_sets: list[FactorSetPin]  # the sets the new version pins, in search order


class TransitionIn(InputSchema):
    to: str  # draft, submitted, reviewed or locked
    reason: str | None = None  # required to send back to draft: the client reads it


@router.post("/inventories/{inventory_id}/transition", response=InventoryOut)
def transition_inventory(
    request: AuthenticatedRequest, inventory_id: int, payload: TransitionIn
) -> InventoryOut:
    """Submit, review, lock, or send back to draft with a reason, as your role allows."""
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    moved = inventory_transition(
        inventory=inventory, to=payload.to, reason=payload.reason, by=request.user
    )
    return inventory_out(moved)


@router.post("/inventories/{inventory_id}/restate", response={201: InventoryOut})
def restate_inventory(request: AuthenticatedRequest, inventory_id: int) -> Status[InventoryOut]:
    """Open the next version of a locked inventory (staff or client admin)."""
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    return Status(201, inventory_out(inventory_restate(inventory=inventory, by=request.user)))


@router.post("/inventories/{inventory_id}/restate-factor-sets", response={201: InventoryOut})
def restate_inventory_on_factor_sets(
    request: AuthenticatedRequest, inventory_id: int, payload: RestateIn
) -> Status[InventoryOut]:
    """Open the next version of a locked inventory pinning other factor sets (a restatement)."""
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    pins = [p.dict() for p in payload.factor_sets]
    restated = inventory_restate(inventory=inventory, by=request.user, factor_sets=pins)
    return Status(201, inventory_out(restated))


class FlagOut(Schema):
    row: str  # the row id (or instrument id) it concerns
    flag: str  # year_fallback, region_fallback, residual_mix_missing, ...
    detail: str  # what happened, in words


class CalculationRef(Schema):
    id: int
    calculated_at: datetime
    row_count: int  # activity rows calculated
    current: bool  # whether the figures reflect the inventory's data now
    data_changed: bool  # the inventory's data changed since this calculation
    status: str  # which calculation, and whether current, in words


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


def _document(calculation: Calculation, *, status: FiguresStatus) -> dict[str, Any]:
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
            "current": status.current,
            "data_changed": not status.current,
            "status": status.text,
        },
    }


@router.get("/inventories/{inventory_id}/footprint", response=FootprintOut, by_alias=True)
def current_footprint(request: AuthenticatedRequest, inventory_id: int) -> dict[str, Any]:
    """The inventory's current figures (404 when it was never calculated)."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    calculation = calculation_current(inventory=inventory)
    if calculation is None:
        raise NotFoundError(
            "this inventory has not been calculated yet: start a calculation first",
            inventory_id=inventory.pk,
        )
    return _document(
        calculation, status=figures_status_of(inventory=inventory, calculation=calculation)
    )


@router.get("/inventories/{inventory_id}/calculations", response=list[CalculationOut])
def list_calculations(request: AuthenticatedRequest, inventory_id: int) -> list[dict[str, Any]]:
    """Every calculation of an inventory, newest first: the history of its figures."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    calculations = list(calculations_for(inventory=inventory))
    fresh = figures_status(inventory=inventory).current
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
def read_calculation(request: AuthenticatedRequest, calculation_id: int) -> dict[str, Any]:
    """One calculation's figures, current or from the history."""
    calculation = calculation_for(request.user, calculation_id, now=timezone.now())
    status = figures_status_of(inventory=calculation.inventory, calculation=calculation)
    return _document(calculation, status=status)
