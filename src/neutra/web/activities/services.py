"""Writes of activity data: accept an upload, validate and store it, remove it.

`upload_accept` refuses what it can decide at once (role, inventory state,
file type, size), saves the bytes under NEUTRA_HOME/uploads and queues the
job; `upload_store_work` is that job's work: it reads and validates the file
with `neutra.formats.activity_files.read_activities`, checks the rows against
the inventory (its year, the organisation's entities, the table's column
sizes), and stores the upload and every row in one transaction.

It must never store part of a file: a file with any problem stores nothing,
and every problem comes back at once, labelled with the user's file name
(never the server's path). It must never add to or remove from an inventory
that is not a draft. Every change is audited.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any

import ibis
import ibis.expr.types as ir
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from neutra.core.activities import CANONICAL_COLUMNS, MAX_VALUE_CHARS, ActivityData
from neutra.core.engine import compute_footprint
from neutra.core.errors import MAX_PROBLEMS, InvalidInputError, Problem, capped
from neutra.core.gwp import gwp_set
from neutra.formats.activity_files import read_activities
from neutra.web.activities.models import ActivityRow, ActivityUpload
from neutra.web.activities.selectors import upload_refusal
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import pinned_factor_sets
from neutra.web.jobs.models import Job, JobKind
from neutra.web.jobs.services import Progress, job_create, job_run
from neutra.web.sql import db_column
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import Entity

__all__ = [
    "SUFFIXES",
    "activities_copy",
    "upload_accept",
    "upload_delete",
    "upload_folder",
    "upload_store",
    "upload_store_work",
]

# The file types a contributor uploads. The reader also takes .xlsm and
# .parquet, but the data-collection template is .xlsx and people export .csv;
# a legacy .xls is not readable (it must be saved as .xlsx).
SUFFIXES = (".csv", ".xlsx")
_BATCH_ROWS = 5_000  # rows per INSERT batch: large enough that round trips vanish
_PROGRESS_SECONDS = 0.5  # at most this often a progress write while reading
_COPY_BYTES = 1 << 20
_FOLDER_PREFIX = "upload-"  # every upload's private folder under NEUTRA_HOME/uploads

# Column -> the largest length the table stores (see models.ActivityRow); a
# longer value is a problem of its row rather than a database error.
_MAX_CHARS = {
    "id": 255,
    "entity": 200,
    "activity": 255,
    "factor": 255,
    "unit": 64,
    "region": 16,
}


def upload_root() -> Path:
    """Where uploaded files wait for their job: NEUTRA_HOME/uploads."""
    return Path(settings.NEUTRA_HOME) / "uploads"


def upload_folder(path: str | Path) -> Path | None:
    """The private folder a saved upload sits in, if `path` is one of ours; else None."""
    root = upload_root().resolve()
    folder = Path(path).resolve().parent
    ours = folder.parent == root and folder.name.startswith(_FOLDER_PREFIX)
    return folder if ours else None


def upload_folders_prune(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Remove saved uploads whose task never ran (a worker that never started); how many.

    A task removes its own folder however it ends; a folder older than
    `older_than` belongs to no job that will still run. Called when a worker starts.
    """
    root = upload_root()
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for folder in root.iterdir():
        if (
            folder.is_dir()
            and folder.name.startswith(_FOLDER_PREFIX)
            and folder.stat().st_mtime < cutoff
        ):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def upload_accept(
    *,
    inventory: Inventory,
    by: User | None,
    file_name: str,
    stream_or_path: IO[bytes] | Path | str | Any,
    size: int | None,
) -> Job:
    """Take an activity file for a draft inventory and queue its validation; the job.

    Refuses at once, storing nothing: a role that may not change the
    inventory's data (`NotAllowedError`), an inventory that is not a draft,
    a file type other than .csv or .xlsx, an empty file, one larger than
    NEUTRA_MAX_UPLOAD_BYTES (`InvalidInputError`). `stream_or_path` is a
    Django `UploadedFile` (its `chunks()` are read), a binary file object or
    a path; `size` is its length in bytes if known.

    Must not be called inside a transaction: the worker must see the job.
    """
    if by is not None:
        refusal = upload_refusal(user=by, inventory=inventory, now=timezone.now())
        if refusal is not None:
            raise refusal
    name = _client_name(file_name)
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "(none)"
        hint = " (save an old .xls workbook as .xlsx)" if suffix == ".xls" else ""
        raise _refused(name, f"{shown} files are not taken: upload a .csv or .xlsx file{hint}")
    limit = int(settings.NEUTRA_MAX_UPLOAD_BYTES)
    if size is not None and size <= 0:
        raise _refused(name, "the file is empty")
    if size is not None and size > limit:
        raise _refused(name, _too_large(size, limit))

    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    # A fresh private folder per upload, named by the system: the client's
    # name only ever becomes a cleaned last path part inside it.
    folder = Path(tempfile.mkdtemp(prefix=_FOLDER_PREFIX, dir=root))
    path = folder / _safe_name(name)
    try:
        written = _save(stream_or_path, path, limit)
        if written == 0:
            raise _refused(name, "the file is empty")
        if written > limit:
            raise _refused(name, _too_large(written, limit))
        job = job_create(kind=JobKind.UPLOAD, inventory=inventory, by=by)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    try:
        result = upload_store.enqueue(job_id=job.pk, path=str(path), file_name=name)
    except BaseException:
        # Never queued: no worker will ever delete the file or end the job.
        shutil.rmtree(folder, ignore_errors=True)
        job.delete()
        raise
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _refused(name: str, reason: str) -> InvalidInputError:
    return InvalidInputError([Problem(name, None, None, None, reason)], message=f"{name}: {reason}")


def _too_large(size: int, limit: int) -> str:
    return (
        f"the file is {size / 1_048_576:.1f} MB; the largest accepted is "
        f"{limit / 1_048_576:.0f} MB (split it into several files)"
    )


def _client_name(file_name: object) -> str:
    """The name the user gave the file: its last path part, printable, at most 255 characters."""
    text = str(file_name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()
    if not text:
        raise InvalidInputError(
            [Problem("upload", None, "file", None, "the file has no name")],
            message="the file has no name",
        )
    if len(text) > 255:
        suffix = Path(text).suffix[:16]
        text = text[: 255 - len(suffix)] + suffix
    return text


def _safe_name(name: str) -> str:
    """A file name safe on any file system, keeping the extension the reader goes by."""
    path = Path(name)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem).strip("_")[:100] or "activities"
    return stem + path.suffix.lower()


def _save(source: Any, path: Path, limit: int) -> int:
    """Copy the upload to `path`; the bytes written (stops just past `limit`)."""
    written = 0
    with path.open("wb") as out:
        for chunk in _chunks(source):
            out.write(chunk)
            written += len(chunk)
            if written > limit:  # the client said less than it sent
                break
    return written


def _chunks(source: Any) -> Iterable[bytes]:
    if isinstance(source, str | Path):
        with Path(source).open("rb") as file:
            while chunk := file.read(_COPY_BYTES):
                yield chunk
        return
    if hasattr(source, "chunks"):  # Django's UploadedFile: from memory or its temporary file
        yield from source.chunks(_COPY_BYTES)
        return
    while chunk := source.read(_COPY_BYTES):
        yield chunk


def upload_store_work(job: Job, progress: Progress, *, path: Path, file_name: str) -> str:
    """The upload job's work: read, validate, check and store one file; the closing message.

    Raises `InvalidInputError` with every problem, labelled with `file_name`.
    """
    inventory = Inventory.objects.select_related("organisation").get(pk=job.inventory_id)
    refusal = upload_refusal(user=None, inventory=inventory, now=timezone.now())
    if refusal is not None:  # submitted while the job waited for a worker
        raise refusal
    label = str(path)
    try:
        # The inventory's rules (its year, its entities) run in the reader's own
        # pass, so a file with a bad quantity and a row of another year shows both.
        data = read_activities(
            [path],
            progress=_reading_progress(progress, label, file_name),
            checks=lambda rows: _inventory_problems(rows, inventory, file_name),
        )
    except InvalidInputError as error:
        raise _relabelled(error, label, file_name) from None
    table = data.table
    row_count = int(table.count().to_pyarrow().as_py())
    progress(0, row_count, "checking every row against the pinned factor sets")
    _calculable_or_raise(data, inventory, label, file_name)
    # Progress written inside the transaction below would stay invisible to the
    # page until the commit (and on SQLite the job's writer holds the only write
    # lock), so the stage is set before it and the count after it.
    progress(0, row_count, f"storing {row_count:,} rows")
    with transaction.atomic():
        # The race: a client admin submits the inventory (or staff lock it)
        # while this job was reading the file; without this lock and re-check
        # the rows would land in an inventory that takes no more data. The
        # transition locks the same row, so one of the two waits for the other.
        current = Inventory.objects.select_for_update().get(pk=inventory.pk)
        refusal = upload_refusal(user=None, inventory=current, now=timezone.now())
        if refusal is not None:
            raise refusal
        upload = ActivityUpload.objects.create(
            organisation_id=current.organisation_id,
            inventory=current,
            file_name=file_name,
            sha256=data.sources[label],
            row_count=row_count,
            uploaded_by=job.created_by,
        )
        _insert_rows(upload, data, file_name)
        audit_record(
            by=job.created_by,
            action="activities.upload",
            obj=upload,
            organisation=inventory.organisation,
            detail={
                "inventory_id": current.pk,
                "file_name": file_name,
                "sha256": upload.sha256,
                "row_count": row_count,
                "job_id": job.pk,
            },
        )
    progress(row_count, row_count, "stored")
    plural = "" if row_count == 1 else "s"
    return f"{file_name}: {row_count:,} activity row{plural} stored."


def _reading_progress(
    progress: Progress, label: str, file_name: str
) -> Callable[[str, int, int], None]:
    """The reader's (stage, done, total) as the job's progress, in the user's words.

    Only the job's own thread writes: the CSV reader reports from Arrow's I/O
    thread, where Django would open a second database connection (which the
    job never closes, and which SQLite's test database refuses as locked).
    What another thread reports is written at the job thread's next report.
    """
    owner = threading.get_ident()
    pending: list[tuple[int, int, str]] = []
    last_stage = [""]
    last_at = [0.0]

    def report(stage: str, done: int, total: int) -> None:
        stage = stage.replace(label, file_name)
        if threading.get_ident() != owner:
            pending[:] = [(done, total, stage)]
            return
        if pending:
            progress(*pending.pop())
        now = time.monotonic()
        # A reader may report every block it reads: write only stage changes,
        # the end, and otherwise twice a second.
        if stage == last_stage[0] and done < total and now - last_at[0] < _PROGRESS_SECONDS:
            return
        last_stage[0], last_at[0] = stage, now
        progress(done, total, stage)

    return report


def _calculable_or_raise(
    data: ActivityData, inventory: Inventory, label: str, file_name: str
) -> None:
    """Refuse a file the calculation would refuse: "stored" means "can be calculated".

    The engine itself runs over the file with the inventory's pinned factor
    sets and GWP set, so a row whose activity key no pinned set has, or whose
    unit does not convert to its factor's (`furlong` for a kWh factor), is
    refused here with the calculation's own words, not by a copy of its
    rules. Sets this server does not hold are the calculation's to report.
    """
    try:
        sets = pinned_factor_sets(inventory=inventory)
    except InvalidInputError:
        return
    try:
        compute_footprint(data, sets, gwp_set(inventory.gwp_set))
    except InvalidInputError as error:
        raise _relabelled(error, label, file_name) from None


def _relabelled(error: InvalidInputError, label: str, file_name: str) -> InvalidInputError:
    """The same problems, naming the user's file instead of the server's path."""
    problems = [
        dataclasses.replace(
            problem,
            file=file_name if problem.file == label else problem.file.replace(label, file_name),
            reason=problem.reason.replace(label, file_name),
        )
        for problem in error.problems
    ]
    # The page lists them in the file's order: by row (the reader's and the engine's
    # checks each keep their own order, one after the other).
    problems.sort(key=lambda p: (p.row is None, p.row or 0))
    headline = error.headline.replace(label, file_name) if error.headline else ""
    return InvalidInputError(problems, message=headline, omitted=error.omitted)


def _inventory_problems(
    table: ir.Table, inventory: Inventory, file_name: str
) -> tuple[list[Problem], int]:
    """Rows the inventory cannot take: another year, an unknown entity, an over-long value.

    The first MAX_PROBLEMS of them, and how many more (`RowChecks`).
    """
    checks: list[tuple[str, ir.BooleanValue, Callable[[str], str]]] = []
    year = inventory.year
    checks.append(
        (
            "year",
            table.year != year,
            lambda value: f"the row's year {value} is not the inventory's year {year}",
        )
    )
    names = list(
        Entity.objects.filter(organisation=inventory.organisation).values_list("name", flat=True)
    )
    if names:
        by_fold = {name.casefold(): name for name in names}
        organisation = inventory.organisation.name

        def entity_reason(value: str) -> str:
            near = by_fold.get(value.casefold())
            if near is not None:
                return f"no entity is named exactly so; did you mean {near!r}?"
            return f"{organisation} has no entity of this name (see the template's drop-down)"

        checks.append(("entity", table.entity.notnull() & ~table.entity.isin(names), entity_reason))
    for column, most in _MAX_CHARS.items():
        too_long = f"the value is longer than {most} characters"
        checks.append((column, table[column].length() > most, partial(_fixed, too_long)))
    for column in ("id", "entity", "activity", "factor", "unit", "region", "description"):
        # PostgreSQL text cannot hold a NUL character: refuse it for every database alike.
        nul = "the value contains a NUL character (a damaged file?)"
        checks.append((column, table[column].contains("\x00"), partial(_fixed, nul)))

    # One pass counts every check; only a check that found rows fetches them
    # (a good file costs one query, not one per check).
    counts = (
        table.aggregate(
            **{
                f"check_{index}": condition.fill_null(False).cast("int64").sum()
                for index, (_, condition, _) in enumerate(checks)
            }
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    problems: list[Problem] = []
    more = 0
    for index, (column, condition, reason) in enumerate(checks):
        count = int(counts[f"check_{index}"] or 0)
        if not count:
            continue
        found = table.filter(condition.fill_null(False))
        first = (
            found.select(row=found._row, value=found[column].cast("string"))
            .order_by("row")
            .limit(MAX_PROBLEMS)
            .to_pyarrow()
            .to_pylist()
        )
        more += count - len(first)
        problems += [
            Problem(
                file_name,
                record["row"],
                column,
                (record["value"] or "").replace("\x00", "\\0")[:MAX_VALUE_CHARS],
                reason(record["value"] or ""),
            )
            for record in first
        ]
    order = {name: index for index, name in enumerate(CANONICAL_COLUMNS)}
    problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))
    listed, more = capped(problems, more)
    return list(listed), more


def _fixed(reason: str, _value: str) -> str:
    return reason


# ActivityRow fields in the order rows are written (the first four are the upload's own).
_ROW_FIELDS = (
    "organisation",
    "inventory",
    "upload",
    "source",
    "row",
    "row_id",
    "entity",
    "year",
    "activity",
    "factor",
    "quantity",
    "unit",
    "region",
    "scope",
    "category",
    "description",
    "extra",
)


def _insert_rows(upload: ActivityUpload, data: ActivityData, file_name: str) -> None:
    """Every validated row into ActivityRow, in file order (inside the caller's transaction).

    On PostgreSQL, with rows DuckDB validated, DuckDB writes them as CSV and
    PostgreSQL's COPY reads it: no Python per row (a million rows in a few
    seconds; `executemany` took about a minute). Elsewhere, plain DB-API
    `executemany` in batches: model instances for 100,000 rows cost more than
    the database does.
    """
    if connection.vendor == "postgresql" and _duckdb_backend(data.table) is not None:
        _copy_rows(upload, data, file_name)
    else:
        _execute_rows(upload, data, file_name)


def _duckdb_backend(table: ir.Table) -> Any:
    """The DuckDB backend the validated table lives in, or None."""
    try:
        backend = ibis.get_backend(table)
    except Exception:  # an expression over several backends, or none: not ours to copy
        return None
    return backend if getattr(backend, "name", "") == "duckdb" else None


def _copy_rows(upload: ActivityUpload, data: ActivityData, file_name: str) -> None:
    """PostgreSQL: DuckDB writes the rows as CSV into a private file, COPY streams it in.

    The CSV carries NULL as an empty field and an empty text as `""`, floats
    in their shortest exact form, and `extra` as JSON text built by DuckDB
    (the non-null pass-through values; the column is jsonb, so the server
    parses it to the same value Python's encoder would have given).
    """
    backend = _duckdb_backend(data.table)
    table = data.table
    columns = {
        "organisation": ibis.literal(upload.organisation_id, "int64"),
        "inventory": ibis.literal(upload.inventory_id, "int64"),
        "upload": ibis.literal(upload.pk, "int64"),
        "source": ibis.literal(file_name, "string"),
        "row": table._row,
        # A row without an id is named by its row number (ids are never empty: blank is null).
        "row_id": table.id.fill_null(table._row.cast("string")),
        **{name: table[name] for name in _ROW_FIELDS[6:-1]},
    }
    for name in data.passthrough:
        columns[f"_pass_{len(columns)}"] = table[name]
    ordered = table.select(**columns).order_by("row")
    backend._run_pre_execute_hooks(ordered)  # registers the in-memory tables the SQL names
    inner = backend.compile(ordered)
    passed = [c for c in ordered.columns if c.startswith("_pass_")]
    pieces = [
        f"CASE WHEN {_duck_name(c)} IS NOT NULL THEN {_duck_text(json.dumps(name, ensure_ascii=False) + ':')} "
        f"|| to_json({_duck_name(c)}) END"
        for c, name in zip(passed, data.passthrough, strict=True)
    ]
    extra = f"'{{' || concat_ws(',', {', '.join(pieces)}) || '}}'" if pieces else "'{}'"
    kept = ", ".join(_duck_name(c) for c in ordered.columns if c not in passed)
    meta = ActivityRow._meta
    quote = connection.ops.quote_name
    target = ", ".join(quote(db_column(ActivityRow, name)) for name in _ROW_FIELDS)
    with tempfile.TemporaryDirectory(prefix="neutra-rows-") as folder:
        path = Path(folder) / "rows.csv"
        backend.con.execute(
            f"COPY (SELECT {kept}, {extra} AS extra FROM ({inner}) AS rows) "
            f"TO {_duck_text(str(path))} (FORMAT csv, HEADER false)"
        )
        with (
            connection.cursor() as cursor,
            # The driver's own cursor: Django's has no copy().
            cursor.cursor.copy(
                f"COPY {quote(meta.db_table)} ({target}) FROM STDIN (FORMAT csv)"
            ) as copy,
            path.open("rb") as source,
        ):
            while chunk := source.read(_COPY_BYTES):
                copy.write(chunk)
        with connection.cursor() as cursor:
            # Fresh statistics (a sample of the table, including these rows): without
            # them the planner takes a just-written million rows for one and builds
            # the calculation's hash joins on them instead of on its small tables.
            cursor.execute(f"ANALYZE {quote(meta.db_table)}")


def _duck_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duck_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _execute_rows(upload: ActivityUpload, data: ActivityData, file_name: str) -> None:
    """SQLite (or rows not in DuckDB): `executemany` in batches of _BATCH_ROWS."""
    meta = ActivityRow._meta
    fields = list(_ROW_FIELDS)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(db_column(ActivityRow, name)) for name in fields)
    marks = ", ".join(["%s"] * len(fields))
    if connection.vendor == "postgresql":
        # `extra` (the last column) is jsonb there: the server casts the JSON text.
        marks = marks[: -len("%s")] + "%s::jsonb"
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
    passthrough = list(data.passthrough)
    table = data.table
    user_columns = [c for c in CANONICAL_COLUMNS if not c.startswith("_")]  # id ... description
    ordered = table.select("_row", *user_columns, *passthrough).order_by("_row")
    fixed = (upload.organisation_id, upload.inventory_id, upload.pk, file_name)
    with connection.cursor() as cursor:
        # The whole table at once: Ibis' batch reader needs a DuckDB call that 2.x dropped.
        for batch in ordered.to_pyarrow().to_batches(max_chunksize=_BATCH_ROWS):
            values = batch.to_pydict()
            extras = _extras(values, passthrough, batch.num_rows)
            rows = [
                (*fixed, row, row_id or str(row), *rest, extra)
                for row, row_id, *rest, extra in zip(
                    values["_row"],
                    values["id"],
                    values["entity"],
                    values["year"],
                    values["activity"],
                    values["factor"],
                    values["quantity"],
                    values["unit"],
                    values["region"],
                    values["scope"],
                    values["category"],
                    values["description"],
                    extras,
                    strict=True,
                )
            ]
            cursor.executemany(sql, rows)


def _extras(values: dict[str, list[Any]], passthrough: list[str], count: int) -> list[str]:
    """Each row's pass-through columns (its non-empty ones) as JSON text."""
    if not passthrough:
        return ["{}"] * count
    columns = [(name, values[name]) for name in passthrough]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return [
        dumps({name: column[index] for name, column in columns if column[index] is not None})
        for index in range(count)
    ]


def upload_delete(*, upload: ActivityUpload, by: User | None) -> None:
    """Remove an upload and its rows from a draft inventory (roles as for uploading)."""
    inventory = upload.inventory
    if by is not None:
        refusal = upload_refusal(user=by, inventory=inventory, now=timezone.now())
        if refusal is not None:
            raise refusal
    with transaction.atomic():
        # The same race as storing: the inventory submitted or locked while
        # this request ran must not lose data; the transition locks this row too.
        current = Inventory.objects.select_for_update().get(pk=inventory.pk)
        refusal = upload_refusal(user=None, inventory=current, now=timezone.now())
        if refusal is not None:
            raise refusal
        audit_record(
            by=by,
            action="activities.delete",
            obj=upload,
            organisation=current.organisation,
            detail={
                "inventory_id": current.pk,
                "file_name": upload.file_name,
                "sha256": upload.sha256,
                "row_count": upload.row_count,
            },
        )
        ActivityRow.objects.filter(upload=upload).delete()
        upload.delete()


def activities_copy(*, original: Inventory, restatement: Inventory) -> int:
    """Start the restatement from the original's activity data; the rows copied.

    One INSERT ... SELECT per upload, so a million rows never pass through
    Python. The original's rows stay as they are (it is locked). Called inside
    the restatement's transaction, which holds the original's row lock.
    """
    columns = [
        db_column(ActivityRow, f.name)
        for f in ActivityRow._meta.concrete_fields
        if f.name not in ("id", "inventory", "upload")
    ]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(ActivityRow._meta.db_table)
    copied = 0
    for upload in ActivityUpload.objects.filter(inventory=original).order_by("id"):
        copy = ActivityUpload.objects.create(
            organisation_id=upload.organisation_id,
            inventory=restatement,
            file_name=upload.file_name,
            sha256=upload.sha256,
            row_count=upload.row_count,
            uploaded_by=upload.uploaded_by,
            uploaded_at=upload.uploaded_at,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (inventory_id, upload_id, {names}) "
                f"SELECT %s, %s, {names} FROM {table} WHERE upload_id = %s",
                [restatement.pk, copy.pk, upload.pk],
            )
            copied += cursor.rowcount
    return copied


# --- the background task (django-tasks; run by `neutra worker`) -------------------------


@task()
def upload_store(*, job_id: int, path: str, file_name: str) -> None:
    """Validate one saved upload and store its rows (the job records how it ended).

    Arguments are JSON values only (the job id, the saved file's path and the
    user's file name): the database backend stores them until a worker runs
    them. It never leaves an uploaded file behind, whatever happened to the job.
    """
    try:
        job_run(
            job_id=job_id, work=partial(upload_store_work, path=Path(path), file_name=file_name)
        )
    finally:
        folder = upload_folder(path)
        if folder is not None:  # only ever a folder `upload_accept` made
            shutil.rmtree(folder, ignore_errors=True)
