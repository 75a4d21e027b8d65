"""Background task of the calculations app: calculate one inventory.

Its only argument is the job id (JSON for the task queue); the work and its
rules live in `services.calculation_run`. It must never take a model object
or do the work here.
"""

from __future__ import annotations

from django_tasks import task

from neutra.web.calculations.services import calculation_run


@task()
def calculate_inventory(job_id: int) -> None:
    """Compute and store the footprint of the job's inventory, reporting progress on the job."""
    calculation_run(job_id=job_id)
