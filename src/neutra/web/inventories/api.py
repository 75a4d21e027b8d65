"""REST endpoints of inventories: list, open, read and restate (moves: the workflow app).

Thin: the API's authentication (write endpoints need a token's write scope)
-> input schema -> one selector, then at most
one service -> output schema. Tenancy is the selectors' job (another
tenant's inventory is a 404 like a missing one); the rules of the workflow
are the services' job. Bad input becomes `{"message", "extra"}` with a 4xx.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import (
    inventories_for,
    inventory_audit_entries,
    inventory_for,
    scope3_screening,
)
from neutra.web.inventories.services import inventory_create, screening_set
from neutra.web.schemas import InputSchema
from neutra.web.tenancy.selectors import organisation_for

router = Router(tags=["inventories"])  # the API's auth: a session or an API token


class FactorSetPin(InputSchema):
    name: str  # the factor set's name, e.g. "desnz-2025"
    version: str  # its content hash, 16 hex digits


class InventoryIn(InputSchema):
    year: int  # the reporting year, 1990-2100
    factor_sets: list[FactorSetPin] | None = None  # default: the starter library
    gwp_set: str = "AR5"  # AR4, AR5 or AR6
    approach: str = "operational"  # equity, financial or operational


class InventoryOut(Schema):
    id: int
    organisation_id: int
    year: int
    version: int
    state: str  # draft, submitted, reviewed or locked
    factor_sets: list[FactorSetPin]
    gwp_set: str
    approach: str
    restates_id: int | None  # the version this one corrects
    created_at: datetime
    created_by: str | None  # the author's username; empty for the system
    state_changed_at: datetime


def inventory_out(inventory: Inventory) -> InventoryOut:
    """The API's view of an inventory (the workflow's endpoints answer with it too)."""
    return InventoryOut(
        id=inventory.pk,
        organisation_id=inventory.organisation_id,
        year=inventory.year,
        version=inventory.version,
        state=inventory.state,
        factor_sets=[FactorSetPin(**pin) for pin in inventory.factor_sets],
        gwp_set=inventory.gwp_set,
        approach=inventory.approach,
        restates_id=inventory.restates_id,
        created_at=inventory.created_at,
        created_by=None if inventory.created_by is None else inventory.created_by.get_username(),
        state_changed_at=inventory.state_changed_at,
    )


@router.get("/organisations/{organisation_id}/inventories", response=list[InventoryOut])
def list_inventories(request: AuthenticatedRequest, organisation_id: int) -> list[InventoryOut]:
    """The inventories of one organisation you may see, newest first."""
    return [
        inventory_out(i) for i in inventories_for(request.user, organisation_id, now=timezone.now())
    ]


@router.post("/organisations/{organisation_id}/inventories", response={201: InventoryOut})
def create_inventory(
    request: AuthenticatedRequest, organisation_id: int, payload: InventoryIn
) -> Status[InventoryOut]:
    """Open an organisation's inventory for a year (staff or client admin)."""
    require_scope(request, "write")
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    pins = None if payload.factor_sets is None else [p.dict() for p in payload.factor_sets]
    inventory = inventory_create(
        organisation=organisation,
        year=payload.year,
        factor_sets=pins,
        gwp_set=payload.gwp_set,
        approach=payload.approach,
        by=request.user,
    )
    return Status(201, inventory_out(inventory))


@router.get("/inventories/{inventory_id}", response=InventoryOut)
def get_inventory(request: AuthenticatedRequest, inventory_id: int) -> InventoryOut:
    """One inventory you may see (404 for any other)."""
    return inventory_out(inventory_for(request.user, inventory_id, now=timezone.now()))


class AuditEntryOut(Schema):
    at: datetime
    actor: str | None  # the username; null for the system
    action: str  # e.g. "inventory.transition", "activities.upload", "calculation.run"
    object_type: str
    object_id: str
    detail: dict[str, Any]


@router.get("/inventories/{inventory_id}/audit", response=list[AuditEntryOut])
def inventory_audit(
    request: AuthenticatedRequest,
    inventory_id: int,
    limit: int = Query(100, ge=1, le=1000),  # type: ignore[type-arg]  # ninja's Query is also a generic
    offset: int = Query(0, ge=0, le=10_000_000),  # type: ignore[type-arg]
) -> list[AuditEntryOut]:
    """Who changed what in the inventory and when, newest first (append-only)."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    entries = inventory_audit_entries(inventory=inventory)[offset : offset + limit]
    return [
        AuditEntryOut(
            at=e.at,
            actor=None if e.actor is None else e.actor.get_username(),
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            detail=e.detail,
        )
        for e in entries
    ]


class ScreeningIn(InputSchema):
    relevance: str  # relevant, not_relevant or not_assessed
    reason: str = ""  # why; required for not_relevant


class ScreeningOut(Schema):
    category: int  # 1-15
    name: str  # the GHG Protocol's name
    relevance: str  # relevant, not_relevant or not_assessed
    reason: str


def screening_out(inventory: Inventory) -> list[ScreeningOut]:
    """The inventory's scope 3 screening (the dashboard's endpoint answers with it too)."""
    return [
        ScreeningOut(category=r.category, name=r.name, relevance=r.relevance, reason=r.reason)
        for r in scope3_screening(inventory=inventory)
    ]


@router.get("/inventories/{inventory_id}/screening", response=list[ScreeningOut])
def get_screening(request: AuthenticatedRequest, inventory_id: int) -> list[ScreeningOut]:
    """Each scope 3 category's relevance to the inventory, and why (not_assessed until screened)."""
    return screening_out(inventory_for(request.user, inventory_id, now=timezone.now()))


@router.put("/inventories/{inventory_id}/screening/{category}", response=list[ScreeningOut])
def set_screening(
    request: AuthenticatedRequest, inventory_id: int, category: int, payload: ScreeningIn
) -> list[ScreeningOut]:
    """Screen one scope 3 category of a draft: relevant, or not relevant with the reason."""
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    screening_set(
        inventory=inventory,
        category=category,
        relevance=payload.relevance,
        reason=payload.reason,
        by=request.user,
    )
    return screening_out(inventory)
