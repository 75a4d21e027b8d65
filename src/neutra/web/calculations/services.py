"""Writes of calculations: start one, and the task's work that computes and stores it.

`calculation_start` checks who asks and whether the inventory may be
calculated now, records a job and hands it to the task queue. The task
(`calculate_inventory`, at the end of this module) runs `calculation_run`: the footprint engine
on the app database itself (`app_db`: an Ibis backend on Django's own
connection, reading the inventory's ActivityRow table where it is), with the
inventory's pinned factor sets, GWP set and entity tree. The figures are the
CLI's for the same data (`neutra footprint FILE --gwp X --factors ...`), and
so is the output hash when the inputs are the same files.

Who may calculate: consultancy staff, client admins and contributors.
Viewers and auditors read the figures (`NotAllowedError`). A locked
inventory's figures never change (`InventoryLockedError`); an inventory
without activity rows has nothing to calculate (`InvalidInputError`).

What is stored, in one transaction with the inventory row locked: the
`Calculation` (the `neutra.footprint/1` summary with the first flag rows,
the flag counts and the uploads it was made from; the output hash; the row
count) and one `EmissionLine` per activity row (factor, source, GWP set,
flags, gas masses, CO2e). A newer calculation supersedes older ones: their
rows stay (the history of figures, each with its hash), but their lines are
deleted, since only the current figures are drilled into and a large
inventory's lines would otherwise multiply with every recalculation.

Contractual instruments are the inventory's own (`neutra.web.instruments`),
handed to the engine as one instrument file (`instrument_set`): the figures
and the output hash are those of `neutra footprint --instruments
instruments.csv` on the inventory's instrument export. Without instruments,
market-based scope 2 is the residual mix of the row's region and year, or
the grid average when there is none, flagged on the row (`residual_mix_missing`).

It must never store a partial calculation, never change a locked
inventory's figures, and never store figures computed from rows that
changed while the engine ran.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks import task

from neutra.core.engine import Footprint, compute_footprint
from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.core.rounding import format_tonnes
from neutra.web.activities.models import ActivityUpload
from neutra.web.calculations.app_db import app_database, inventory_activities
from neutra.web.calculations.models import LINE_COLUMNS, LINE_FIELDS, Calculation, EmissionLine
from neutra.web.calculations.selectors import (
    Refusal,
    activity_row_count,
    calculation_inputs,
    calculation_refusal,
    uploads_of,
)
from neutra.web.errors import NotAllowedError
from neutra.web.inventories.models import Inventory, InventoryLockedError
from neutra.web.jobs.models import Job, JobKind
from neutra.web.jobs.services import Progress, job_create, job_run
from neutra.web.sql import db_column
from neutra.web.tenancy.audit import audit_record

__all__ = [
    "FLAG_ROWS_KEPT",
    "LINE_BATCH",
    "CalculationRunningError",
    "DataChangedError",
    "calculate_inventory",
    "calculation_run",
    "calculation_start",
]

log = logging.getLogger(__name__)

FLAG_ROWS_KEPT = 1000  # flag rows stored with the summary; the counts cover all of them
LINE_BATCH = 5000  # lines inserted per statement batch


class CalculationRunningError(NeutraError, RuntimeError):
    """A calculation of the inventory is already queued or running (HTTP 400)."""


class DataChangedError(NeutraError, RuntimeError):
    """The activity rows changed while the engine ran; nothing was stored (the job says so)."""


def calculation_start(*, inventory: Inventory, by: User | None) -> Job:
    """Queue a calculation of `inventory` and return its job (kind CALCULATION).

    Refused with `NotAllowedError` for a viewer or an auditor,
    `InventoryLockedError` for a locked inventory, `InvalidInputError` when
    there are no activity rows, and `CalculationRunningError` while another
    calculation of it is queued or running.
    """
    with transaction.atomic():
        # Lock the inventory row: two presses of "Calculate" at once would
        # both find no running job and queue two calculations; the second
        # waits here and then sees the first one's job.
        current = (
            Inventory.objects.select_for_update()
            .select_related("organisation")
            .get(pk=inventory.pk)
        )
        refusal = calculation_refusal(inventory=current, user=by, now=timezone.now())
        if refusal is not None:
            raise _refused(refusal.reason, refusal.text, current)
        job = job_create(
            kind=JobKind.CALCULATION, inventory=current, by=by, stage="waiting for a worker"
        )
    # Queued after the job row is committed, so a worker never looks for a job
    # that is not there yet. (With the immediate backend it runs right here.)
    result = calculate_inventory.enqueue(job.pk)
    # An UPDATE of this one column: a whole save() would overwrite the progress
    # and outcome the task has written in the meantime.
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _refused(reason: Refusal, text: str, inventory: Inventory) -> NeutraError:
    if reason is Refusal.ROLE:
        return NotAllowedError(text)
    if reason is Refusal.LOCKED:
        return InventoryLockedError(text, inventory_id=inventory.pk)
    if reason is Refusal.NO_DATA:
        return InvalidInputError(
            [Problem("inventory", None, None, None, "upload activity data first")], message=text
        )
    return CalculationRunningError(text, inventory_id=inventory.pk)


def calculation_run(*, job_id: int) -> None:
    """The task's body: compute and store the calculation of the job's inventory."""
    job_run(job_id=job_id, work=_calculate)


def _calculate(job: Job, progress: Progress) -> str:
    inventory = Inventory.objects.select_related("organisation").get(pk=job.inventory_id)
    if inventory.is_locked:
        raise InventoryLockedError(
            f"inventory {inventory} was locked before its calculation ran; "
            "its figures stay as they are",
            inventory_id=inventory.pk,
        )
    inputs = calculation_inputs(inventory=inventory)
    # The uploads are fixed here: one arriving while the engine runs is left
    # for the next calculation (and makes this one stale at once).
    uploads = uploads_of(inventory=inventory)
    rows = activity_row_count(inventory=inventory, uploads=uploads)
    if rows == 0:
        raise InvalidInputError(
            [Problem("inventory", None, None, None, "upload activity data first")],
            message="There are no activity rows to calculate: upload activity data first.",
        )
    progress(0, rows, f"reading {rows:,} activity row{'' if rows == 1 else 's'}")
    with app_database() as backend:
        data = inventory_activities(backend, inventory_id=inventory.pk, uploads=uploads)
        progress(0, rows, "computing")
        footprint = compute_footprint(
            data,
            inputs.factor_sets,
            inputs.gwp,
            boundary=inputs.boundary,
            instruments=inputs.instruments,
            options=inputs.options,
            backend=backend,
            inputs=inputs.inputs,
        )
        # Read while the engine's temporary tables still exist.
        first_flags = [flag.as_dict() for flag in footprint.flags.first(FLAG_ROWS_KEPT)]
    lines = footprint.lines
    assert lines is not None  # asked for with options.lines
    if lines.num_rows != rows:
        # The engine read the table several times; an upload removed in
        # between would leave lines and figures that disagree.
        raise DataChangedError(
            "the activity data changed while it was being calculated; nothing was stored. "
            "Calculate again."
        )
    summary = _summary(footprint, first_flags, uploads)
    summary["instruments"] = inputs.instrument_file
    calculation = _store(job, inventory, summary, lines, uploads, progress)
    totals = footprint.totals
    return (
        f"Calculated {rows:,} activity row{'' if rows == 1 else 's'}: {format_tonnes(totals['total_location'])} t CO2e "
        f"location-based, {format_tonnes(totals['total_market'])} t CO2e market-based "
        f"(calculation {calculation.pk})."
    )


def _summary(
    footprint: Footprint, first_flags: list[dict[str, str]], uploads: Sequence[ActivityUpload]
) -> dict[str, Any]:
    """The stored document: the footprint's summary, the first flag rows and what was read."""
    summary = footprint.summary_json()
    summary["flags"] = first_flags
    summary["flag_counts"] = {kind.value: n for kind, n in footprint.flags.counts.items()}
    # What `workflow.selectors.figures_status` compares with the inventory's uploads later.
    summary["uploads"] = [
        {"id": u.pk, "file_name": u.file_name, "sha256": u.sha256, "rows": u.row_count}
        for u in uploads
    ]
    return summary


def _store(
    job: Job,
    inventory: Inventory,
    summary: dict[str, Any],
    lines: pa.Table,
    uploads: Sequence[ActivityUpload],
    progress: Progress,
) -> Calculation:
    total = lines.num_rows
    progress(0, total, f"storing {total} lines")
    with _progress_outside(job, progress) as report, transaction.atomic():
        # The race: the inventory is locked, or an upload removed, while the
        # engine ran (minutes, on a large inventory). Locking the row makes
        # the lock transition and the upload services wait for this
        # transaction, and the checks below see their last word.
        locked = Inventory.objects.select_for_update().get(pk=inventory.pk)
        if locked.is_locked:
            raise InventoryLockedError(
                f"inventory {locked} was locked while it was being calculated; "
                "its figures stay as they were",
                inventory_id=locked.pk,
            )
        wanted = {u.pk for u in uploads}
        still = set(ActivityUpload.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if still != wanted:
            raise DataChangedError(
                "an upload was removed while the inventory was being calculated; nothing "
                "was stored. Calculate again."
            )
        calculation = Calculation.objects.create(
            organisation_id=inventory.organisation_id,
            inventory=inventory,
            summary=summary,
            output_hash=summary["provenance"]["hash"],
            row_count=total,
            calculated_by=job.created_by,
        )
        _insert_lines(calculation, lines, report)
        audit_record(
            by=job.created_by,
            action="calculation.run",
            obj=calculation,
            organisation=inventory.organisation,
            detail={
                "inventory_id": inventory.pk,
                "job_id": job.pk,
                "output_hash": calculation.output_hash,
                "row_count": total,
                "totals": summary["totals"],
                "uploads": [u.pk for u in uploads],
            },
        )
    # Lines of the calculations this one supersedes go after the commit:
    # deleting a million rows takes about as long as writing them, and nothing
    # need wait for it (they are never read again; after a crash here the next
    # calculation deletes them). Only older ones: one stored meanwhile keeps its lines.
    superseded = Calculation.objects.filter(inventory=inventory, pk__lt=calculation.pk)
    EmissionLine.objects.filter(calculation__in=superseded).delete()
    progress(total, total, f"stored {total} lines")
    return calculation


def _insert_lines(calculation: Calculation, lines: pa.Table, report: Progress) -> None:
    """Every line, streamed from the engine's table in batches of LINE_BATCH rows.

    The ORM's bulk_create builds a model object per line; for a million lines
    plain parameter tuples are several times faster (measured: a million lines
    in about 30 s on SQLite, 20 s by COPY on PostgreSQL).
    """
    meta = EmissionLine._meta
    gases = [c[: -len("_t")] for c in lines.column_names[len(LINE_COLUMNS) :]]
    fields = ("organisation", "calculation", *LINE_FIELDS, "gases_t")
    columns = ", ".join(connection.ops.quote_name(db_column(EmissionLine, f)) for f in fields)
    statement = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    total = lines.num_rows
    done = 0
    with (
        connection.cursor() as cursor,
        _line_writer(cursor, meta.db_table, columns, statement) as write,
    ):
        for batch in lines.to_batches(max_chunksize=LINE_BATCH):
            size = batch.num_rows
            fixed = [batch.column(name).to_pylist() for name in LINE_COLUMNS]
            masses = zip(*(batch.column(f"{gas}_t").to_pylist() for gas in gases), strict=True)
            # A gas the row does not emit is left out: absent means zero tonnes.
            gases_t = [
                json.dumps({gas: t for gas, t in zip(gases, row, strict=True) if t})
                for row in masses
            ]
            owner = [calculation.organisation_id] * size
            of = [calculation.pk] * size
            write(list(zip(owner, of, *fixed, gases_t, strict=True)))
            done += size
            report(done, total, f"storing lines {done}/{total}")


@contextmanager
def _line_writer(
    cursor: Any, table: str, columns: str, statement: str
) -> Iterator[Callable[[list[tuple[Any, ...]]], None]]:
    """Writes batches of line tuples: PostgreSQL's COPY, else executemany.

    On PostgreSQL, executemany sends one statement per row; COPY streams the
    rows and stores a million lines several times faster.
    """
    if connection.vendor != "postgresql":
        yield lambda rows: cursor.executemany(statement, rows)
        return
    sql = f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:  # the driver's own cursor: Django's has no copy()

        def write(rows: list[tuple[Any, ...]]) -> None:
            for row in rows:
                copy.write_row(row)

        yield write


@contextmanager
def _progress_outside(job: Job, progress: Progress) -> Iterator[Progress]:
    """A progress callback whose writes a poller sees while the storing transaction is open.

    The job row is written in autocommit so pages polling it see it move
    (`jobs.models`); inside the transaction that stores the lines, writes
    through Django's connection would only show at its end. On PostgreSQL a
    second connection, in autocommit, writes them instead. SQLite lets one
    connection write at a time, so there the stage set before the
    transaction ("storing N lines") stays until it commits. The same holds
    when the task already runs inside a transaction (the immediate task
    backend in tests): the job row is then that transaction's, and a second
    connection would only wait for it.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield lambda done, total, stage: None
        return
    side = connections.create_connection("default")
    meta = Job._meta
    statement = (
        f"UPDATE {side.ops.quote_name(meta.db_table)} SET "
        f"{side.ops.quote_name(db_column(Job, 'done'))} = %s, "
        f"{side.ops.quote_name(db_column(Job, 'total'))} = %s, "
        f"{side.ops.quote_name(db_column(Job, 'stage'))} = %s "
        f"WHERE {side.ops.quote_name(db_column(Job, 'id'))} = %s"
    )

    def report(done: int, total: int | None, stage: str) -> None:
        try:
            with side.cursor() as cursor:
                cursor.execute(statement, [max(0, done), total, stage[:200], job.pk])
        except Exception:  # progress is a courtesy: it never stops the calculation
            log.warning("could not record the progress of job %s", job.pk, exc_info=True)

    try:
        with side.cursor() as cursor:
            # Never wait on a lock for a progress bar.
            cursor.execute("SET lock_timeout = '2s'")
        yield report
    finally:
        side.close()


# --- the background task (django-tasks; run by `neutra worker`) -------------------------


@task()
def calculate_inventory(job_id: int) -> None:
    """Compute and store the footprint of the job's inventory, reporting progress on the job.

    Its only argument is the job id (JSON for the task queue); the work and
    its rules are `calculation_run`'s.
    """
    calculation_run(job_id=job_id)
