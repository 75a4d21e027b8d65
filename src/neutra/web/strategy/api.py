"""REST endpoints of the climate strategy: the computed document, and the writes.

Thin: the API's authentication (writes need a token's write scope) -> input
schema -> `organisation_for` (another tenant's client is a 404 like a missing
one) -> one service or selector -> output. The document is `neutra.strategy/1`
(DESIGN.md §8), the same `neutra strategy` prints for the exported files.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.fields import DecimalNumber, WholeNumber
from neutra.web.schemas import InputSchema
from neutra.web.strategy import services
from neutra.web.strategy.selectors import strategy_view
from neutra.web.tenancy.models import Organisation
from neutra.web.tenancy.selectors import organisation_for

router = Router(tags=["strategy"])


# Numbers are `WholeNumber` and `DecimalNumber` (web.fields): pydantic's own int and float
# took "1_000" and `true`. Their bounds are the services'.
class BaseYearIn(InputSchema):
    year: WholeNumber  # the base year
    scope2: str = "market"  # market or location: the basis of the base year's emissions
    threshold: DecimalNumber = (
        0.05  # significance threshold, a fraction of the base year's emissions
    )
    policy: str = ""  # the written recalculation policy


class ChangeIn(InputSchema):
    year: WholeNumber  # the year the change took effect
    kind: str  # acquisition, divestment, outsourcing, insourcing, method, error or organic
    description: str
    base_year_effect_t: DecimalNumber  # signed effect on the base year's emissions, t CO2e


class DenominatorIn(InputSchema):
    year: WholeNumber
    indicator: str  # fte, revenue or a custom name (tonnes_produced, m2)
    value: DecimalNumber  # more than zero
    unit: str = ""  # FTE, an ISO 4217 code for revenue, or the custom unit
    source: str = ""


class MilestoneIn(InputSchema):
    year: WholeNumber
    reduction: DecimalNumber  # fraction of the base value


class TargetIn(InputSchema):
    code: str  # letters, digits, '-' and '_'
    kind: str  # absolute or intensity
    scopes: str  # 1+2, 3 or 1+2+3
    scope2: str = "market"
    base_year: WholeNumber
    base_value: DecimalNumber | None = None  # empty: from the history
    target_year: WholeNumber
    reduction: DecimalNumber  # fraction of the base value, 0 < r <= 1
    denominator: str = ""  # for intensity targets
    criteria: str = ""  # e.g. sbti-near-term-1.5c
    categories: list[WholeNumber] = []  # scope 3 categories covered (empty: all)  # noqa: RUF012
    milestones: list[MilestoneIn] = []  # noqa: RUF012


class MeasureIn(InputSchema):
    name: str
    abatement_t_per_year: DecimalNumber
    cost_per_year: DecimalNumber  # net annual cost; negative saves money; at most 1e18
    currency: str  # ISO 4217
    start_year: WholeNumber
    owner: str
    status: str = "planned"  # planned, in_progress, done or dropped
    scope: str = ""  # the scope it abates: 1, 2 or 3; empty: not said (counts for 1+2+3 targets)


class Saved(Schema):
    id: int  # the row written


def _organisation(request: AuthenticatedRequest, organisation_id: int) -> Organisation:
    return organisation_for(request.user, organisation_id, now=timezone.now())


@router.get("/organisations/{organisation_id}/strategy", response=dict[str, Any])
def get_strategy(request: AuthenticatedRequest, organisation_id: int) -> dict[str, Any]:
    """The client's strategy as `neutra.strategy/1` (base year, years, intensities, targets), plus the plan."""
    view = strategy_view(organisation=_organisation(request, organisation_id))
    document: dict[str, Any] = (
        view.report.as_json()
        if view.report is not None
        else {"schema": "neutra.strategy/1", "error": view.error}
    )
    document["proposal_due"] = view.proposal_due
    document["measures"] = [
        {
            "name": b.measure.name,
            "abatement_t_per_year": b.measure.abatement_t_per_year,
            "cost_per_tonne": b.cost_per_tonne,
            "currency": b.measure.currency,
            "start_year": b.measure.start_year,
            "status": b.measure.status.value,
        }
        for b in view.mac
    ]
    document["trajectories"] = {
        code: {
            "plan_path": {str(y): v for y, v in sorted(t.plan_path.items())},
            "off_track": t.off_track,
            "warning": t.warning,
        }
        for code, t in view.trajectories
    }
    return document


@router.put("/organisations/{organisation_id}/strategy/base-year", response=Saved)
def put_base_year(
    request: AuthenticatedRequest, organisation_id: int, payload: BaseYearIn
) -> Saved:
    """Choose the base year, its scope 2 basis, threshold and recalculation policy (staff, client admin)."""
    require_scope(request, "write")
    organisation = _organisation(request, organisation_id)
    row = services.base_year_set(organisation=organisation, by=request.user, **payload.dict())
    return Saved(id=row.pk)


@router.post("/organisations/{organisation_id}/strategy/changes", response={201: Saved})
def post_change(
    request: AuthenticatedRequest, organisation_id: int, payload: ChangeIn
) -> Status[Saved]:
    """Record a structural change, method change or error with its effect on the base year."""
    require_scope(request, "write")
    organisation = _organisation(request, organisation_id)
    row = services.structural_change_record(
        organisation=organisation, by=request.user, **payload.dict()
    )
    return Status(201, Saved(id=row.pk))


@router.post("/organisations/{organisation_id}/strategy/recalculation", response={201: Saved})
def post_recalculation(request: AuthenticatedRequest, organisation_id: int) -> Status[Saved]:
    """Accept the proposed base-year recalculation (400 when the changes do not pass the threshold)."""
    require_scope(request, "write")
    organisation = _organisation(request, organisation_id)
    row = services.recalculation_accept(organisation=organisation, by=request.user)
    return Status(201, Saved(id=row.pk))


@router.post("/organisations/{organisation_id}/strategy/denominators", response=Saved)
def post_denominator(
    request: AuthenticatedRequest, organisation_id: int, payload: DenominatorIn
) -> Saved:
    """Enter or correct one year's denominator (staff, client admin, contributor)."""
    require_scope(request, "write")
    organisation = _organisation(request, organisation_id)
    row = services.denominator_set(organisation=organisation, by=request.user, **payload.dict())
    return Saved(id=row.pk)


@router.post("/organisations/{organisation_id}/strategy/targets", response=Saved)
def post_target(request: AuthenticatedRequest, organisation_id: int, payload: TargetIn) -> Saved:
    """Set or replace a target by its code (staff, client admin)."""
    require_scope(request, "write")
    organisation = _organisation(request, organisation_id)
    data = payload.dict()
    row = services.target_set(organisation=organisation, by=request.user, **data)
    return Saved(id=row.pk)


@router.post("/organisations/{organisation_id}/strategy/measures", response={201: Saved})
def post_measure(
    request: AuthenticatedRequest, organisation_id: int, payload: MeasureIn
) -> Status[Saved]:
    """Add a reduction measure to the plan (staff, client admin)."""
    require_scope(request, "write")
    organisation = _organisation(request, organisation_id)
    row = services.measure_create(organisation=organisation, by=request.user, **payload.dict())
    return Status(201, Saved(id=row.pk))
