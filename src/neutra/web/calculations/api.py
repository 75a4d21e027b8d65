"""REST endpoint of calculations: start one.

Thin: the API's authentication (a token's write scope) -> the inventory
through its tenant-scoped selector -> one service -> the job. Reading the
figures, with whether they are current, is the workflow app's API
(`neutra.web.workflow.api`). It must never compute a figure.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Router, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.calculations.services import calculation_start
from neutra.web.inventories.selectors import inventory_for
from neutra.web.jobs.api import JobOut, job_out

router = Router(tags=["calculations"])


@router.post("/inventories/{inventory_id}/calculate", response={202: JobOut})
def calculate(request: AuthenticatedRequest, inventory_id: int) -> Status[dict[str, Any]]:
    """Start calculating an inventory; poll GET /api/jobs/{id} until it has finished."""
    require_scope(request, "write")
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    return Status(202, job_out(calculation_start(inventory=inventory, by=request.user)))
