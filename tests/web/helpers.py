"""Shared steps of the web tests: put activity data in an inventory and calculate it.

Both go through the real services (the upload validated by the core reader,
the engine on the app database); with NEUTRA_TASKS=immediate the jobs run at
once. Review and lock need current figures, so tests that walk an inventory
to LOCKED calculate it first.
"""

from __future__ import annotations

import io
from typing import Any

from neutra.web.activities.services import upload_accept
from neutra.web.calculations.services import calculation_start
from neutra.web.inventories.models import Inventory
from neutra.web.jobs.models import Job, JobStatus
from neutra.web.workflow.services import inventory_transition


def uploaded(inventory: Inventory, by: Any, rows: str | None = None, name: str = "data.csv") -> Job:
    """Upload a small activity CSV (default: 1000 kWh of natural gas in GB) to `inventory`."""
    text = rows or (
        "id,year,activity,quantity,unit,region\n"
        f"gas-1,{inventory.year},fuel.natural_gas,1000,kWh,GB\n"
    )
    data = text.encode()
    job = upload_accept(
        inventory=inventory, by=by, file_name=name, stream_or_path=io.BytesIO(data), size=len(data)
    )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems)
    return job


def calculated(inventory: Inventory, by: Any) -> Job:
    """Calculate `inventory` (it needs activity data); the finished job."""
    job = calculation_start(inventory=inventory, by=by)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems)
    return job


def walked_to_locked(inventory: Inventory, *, client: Any, staff: Any) -> Inventory:
    """Upload, submit (the client), calculate, review and lock (staff)."""
    uploaded(inventory, client)
    inventory_transition(inventory=inventory, to="submitted", by=client)
    calculated(inventory, staff)
    inventory_transition(inventory=inventory, to="reviewed", by=staff)
    return inventory_transition(inventory=inventory, to="locked", by=staff)
