"""Background tasks of the activities app (django-tasks; run by `neutra worker`).

Arguments are JSON values only (the job id, the saved file's path and the
user's file name): the database backend stores them until a worker runs them.
It must never leave an uploaded file behind, whatever happened to the job.
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

from django_tasks import task

from neutra.web.activities.services import upload_folder, upload_store_work
from neutra.web.jobs.services import job_run


@task()
def upload_store(*, job_id: int, path: str, file_name: str) -> None:
    """Validate one saved upload and store its rows (the job records how it ended)."""
    try:
        job_run(
            job_id=job_id, work=partial(upload_store_work, path=Path(path), file_name=file_name)
        )
    finally:
        folder = upload_folder(path)
        if folder is not None:  # only ever a folder `upload_accept` made
            shutil.rmtree(folder, ignore_errors=True)
