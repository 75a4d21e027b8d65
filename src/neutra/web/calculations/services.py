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

import dataclasses
import json
import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
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
    "CalculationRunningError",
    "DataChangedError",
    "calculate_inventory",
    "calculation_run",
    "calculation_start",
]

log = logging.getLogger(__name__)

FLAG_ROWS_KEPT = 1000  # flag rows stored with the summary; the counts cover all of them


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
    # The lines stay a query on the app database: it writes them itself (INSERT ... SELECT).
    options = dataclasses.replace(inputs.options, lines=True, lines_as_query=True)
    with app_database() as backend:
        data = inventory_activities(backend, inventory_id=inventory.pk, uploads=uploads)
        progress(0, rows, "computing")
        footprint = compute_footprint(
            data,
            inputs.factor_sets,
            inputs.gwp,
            boundary=inputs.boundary,
            instruments=inputs.instruments,
            options=options,
            backend=backend,
            inputs=inputs.inputs,
        )
        first_flags = [flag.as_dict() for flag in footprint.flags.first(FLAG_ROWS_KEPT)]
        summary = _summary(footprint, first_flags, uploads)
        summary["instruments"] = inputs.instrument_file
        progress(0, rows, f"storing {rows:,} line{'' if rows == 1 else 's'}")
        # Stored while the engine's temporary tables (which the lines' query reads) exist.
        calculation = _store(job, inventory, summary, backend, footprint.line_query, rows, uploads)
    progress(rows, rows, f"stored {rows:,} line{'' if rows == 1 else 's'}")
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
    backend: Any,
    lines: Any,
    rows: int,
    uploads: Sequence[ActivityUpload],
) -> Calculation:
    with transaction.atomic():
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
            row_count=rows,
            calculated_by=job.created_by,
        )
        if _insert_lines(backend, calculation, lines) != rows:
            # The engine read the table several times, and the lines once more
            # here; rows that changed in between would give lines and figures
            # that disagree. Raising rolls the calculation back.
            raise DataChangedError(
                "the activity data changed while it was being calculated; nothing was stored. "
                "Calculate again."
            )
        audit_record(
            by=job.created_by,
            action="calculation.run",
            obj=calculation,
            organisation=inventory.organisation,
            detail={
                "inventory_id": inventory.pk,
                "job_id": job.pk,
                "output_hash": calculation.output_hash,
                "row_count": rows,
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
    return calculation


def _insert_lines(backend: Any, calculation: Calculation, lines: Any) -> int:
    """Every line, written by the database from the engine's query; how many.

    One INSERT ... SELECT on the app database, where the activity rows and
    the engine's small tables are: no line passes through Python (a million
    lines were 20-30 s of Python tuples and COPY or executemany before).
    `gases_t` is built by the database as the JSON Python wrote: each gas
    the row emits (absent means zero tonnes), its mass in tonnes exactly.
    """
    # Ibis makes the query's in-memory tables (temporary tables) when it runs
    # one; this query runs inside an INSERT, so they are made here first.
    backend._run_pre_execute_hooks(lines)
    query = backend.compile(lines)
    gases = [c[: -len("_t")] for c in lines.columns[len(LINE_COLUMNS) :]]
    meta = EmissionLine._meta
    quote = connection.ops.quote_name
    fields = ("organisation", "calculation", *LINE_FIELDS, "gases_t")
    target = ", ".join(quote(db_column(EmissionLine, f)) for f in fields)
    source = ", ".join(f"lines.{quote(c)}" for c in LINE_COLUMNS)
    # Both ids are integers from the database: written into the statement, which then
    # has no parameters, so no % in the compiled query is taken for a placeholder.
    owner, of = int(calculation.organisation_id), int(calculation.pk)
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({target}) "
        f"SELECT {owner}, {of}, {source}, {_gases_json(gases)} FROM ({query}) AS lines"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Shortest exact float text (the server's default; a session may have lowered
            # it), for this transaction only.
            cursor.execute("SET LOCAL extra_float_digits = 1")
        cursor.execute(statement)
        return int(cursor.rowcount)


def _gases_json(gases: Sequence[str]) -> str:
    """SQL for a line's {gas: tonnes} object, leaving out gases of zero (or null) tonnes."""
    quote = connection.ops.quote_name
    masses = [(gas, f"lines.{quote(gas + '_t')}") for gas in gases]
    if not masses:
        return "'{}'"
    if connection.vendor == "postgresql":
        # float8 as text is its shortest exact digits (extra_float_digits 1, set by
        # _insert_lines), so the same double comes back; text joined and cast once
        # costs half of jsonb_build_object's per-value conversions. concat_ws skips
        # the NULLs of the gases a row does not emit.
        pieces = ", ".join(
            f"CASE WHEN {mass} <> 0 THEN {_text(json.dumps(gas) + ':')} || {mass}::text END"
            for gas, mass in masses
        )
        return f"('{{' || concat_ws(',', {pieces}) || '}}')::jsonb"
    # SQLite's json_object prints 15 digits, which may not give the same double back;
    # quote() prints a REAL with the digits that do. Pieces start with a comma, and the
    # first comma is cut off.
    pieces = " || ".join(
        f"coalesce(CASE WHEN {mass} <> 0 THEN {_text(',' + json.dumps(gas) + ':')} "
        f"|| quote({mass}) END, '')"
        for gas, mass in masses
    )
    return f"'{{' || substr({pieces}, 2) || '}}'"


def _text(value: str) -> str:
    """A SQL string literal (the standard's quoting; gas names never hold a quote)."""
    return "'" + value.replace("'", "''") + "'"


# --- the background task (django-tasks; run by `neutra worker`) -------------------------


@task()
def calculate_inventory(job_id: int) -> None:
    """Compute and store the footprint of the job's inventory, reporting progress on the job.

    Its only argument is the job id (JSON for the task queue); the work and
    its rules are `calculation_run`'s.
    """
    calculation_run(job_id=job_id)
