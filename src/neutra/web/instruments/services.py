"""Writes of contractual instruments: upload a file of them, add one, delete one, copy them.

An upload (CSV or XLSX, the columns of DESIGN.md §3.4) is read and
validated whole by `neutra.formats.instrument_file` in the request (an
instrument file lists certificates and contracts, not meter readings, so it
is small: at most `MAX_FILE_BYTES`), together with the inventory's own rules:
the instrument's year is the inventory's year, its entity is in the
organisation's tree, its id is new in the inventory, its cells fit the
table. Any problem stores nothing, and every problem comes back at once,
labelled with the user's file name and row. A form or API request adds one
instrument by the same rules.

It must never change the instruments of an inventory that is not a draft
(a locked inventory's figures never change; a restatement starts from a
copy), never store part of a file, and never leave a change unaudited.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.csv_records import Record
from neutra.formats.instrument_file import (
    QUALITY_COLUMNS,
    REQUIRED_COLUMNS,
    instruments_of,
    read_instrument_rows,
)
from neutra.formats.numbers import whole_number
from neutra.web.instruments.models import ContractualInstrument
from neutra.web.instruments.selectors import instrument_refusal
from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import Entity

__all__ = [
    "FILE_SUFFIXES",
    "MAX_FILE_BYTES",
    "instrument_add",
    "instrument_delete",
    "instruments_copy",
    "instruments_upload",
]

FILE_SUFFIXES = (".csv", ".xlsx")
MAX_FILE_BYTES = 5 * 1024 * 1024  # a file of a few thousand certificates is well below this
_MAX_CHARS = {"instrument_id": 255, "entity": 200, "region": 16, "market": 32}
_MAX_CELL_CHARS = 255  # any other cell
_COLUMNS = (*REQUIRED_COLUMNS, *QUALITY_COLUMNS)


def instruments_upload(
    *, inventory: Inventory, by: User | None, file_name: str, stream: Any, size: int | None
) -> list[ContractualInstrument]:
    """Validate an instrument file whole and add every instrument of it to a draft inventory.

    `stream` is a Django `UploadedFile` (its `chunks()` are read) or a binary
    file object. Raises `NotAllowedError` for a read-only role and
    `InvalidInputError` (every problem, by row) for anything else.
    """
    _refuse(inventory, by)
    name = _client_name(file_name)
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise _file_problem(name, f"{suffix or '(no type)'} files are not taken: use .csv or .xlsx")
    if size is not None and size > MAX_FILE_BYTES:
        raise _file_problem(name, f"the file is larger than {MAX_FILE_BYTES // 1048576} MB")
    with tempfile.TemporaryDirectory(prefix="neutra-instruments-") as folder:
        path = Path(folder) / f"instruments{suffix}"
        written = _save(stream, path)
        if written == 0:
            raise _file_problem(name, "the file is empty")
        if written > MAX_FILE_BYTES:
            raise _file_problem(name, f"the file is larger than {MAX_FILE_BYTES // 1048576} MB")
        read = read_instrument_rows(
            path, label=name, checks=lambda rows: _inventory_problems(inventory, rows, name)
        )
    records = [_present(record, read.quality_columns) for _, record in read.rows]
    return _store(inventory, by, records, source=name, action="instruments.upload")


def instrument_add(
    *, inventory: Inventory, by: User | None, cells: Mapping[str, object], source: str = "form"
) -> ContractualInstrument:
    """Add one instrument, given as the cells of its row (§3.4 columns), to a draft inventory.

    An optional quality column left empty is not given (as a file without
    that column): it is judged only if another instrument of the inventory
    gives it. Raises as `instruments_upload` does, naming the field.
    """
    _refuse(inventory, by)
    record: Record = {}
    for column in _COLUMNS:
        value = cells.get(column)
        text = "" if value is None else str(value).strip()
        if column in QUALITY_COLUMNS and not text:
            continue
        record[column] = text
    unknown = sorted(set(cells) - set(_COLUMNS))
    problems = [
        Problem(source, None, column, None, "not a column of the instrument file")
        for column in unknown
    ]
    rows = [(1, record)]
    problems += _inventory_problems(inventory, rows, source)
    try:
        instruments_of(rows, frozenset(c for c in QUALITY_COLUMNS if c in record), source)
    except InvalidInputError as error:
        problems += error.problems
    if problems:
        problems = [dataclasses.replace(p, row=None) for p in problems]
        raise InvalidInputError(problems, message=f"{problems[0].column}: {problems[0].reason}")
    (stored,) = _store(inventory, by, [record], source=source, action="instruments.add")
    return stored


def instrument_delete(*, instrument: ContractualInstrument, by: User | None) -> None:
    """Remove one instrument from a draft inventory (the roles that may add one)."""
    _refuse(instrument.inventory, by)
    with transaction.atomic():
        # The race: the inventory submitted or locked while this request ran
        # must keep its instruments; the transition locks the same row.
        current = Inventory.objects.select_for_update().get(pk=instrument.inventory_id)
        _refuse(current, None)
        audit_record(
            by=by,
            action="instruments.delete",
            obj=instrument,
            organisation=current.organisation,
            detail={
                "inventory_id": current.pk,
                "instrument_id": instrument.instrument_id,
                "cells": instrument.cells,
            },
        )
        instrument.delete()


def instruments_copy(*, original: Inventory, restatement: Inventory) -> int:
    """Start a restatement with a copy of the original's instruments; how many.

    Called inside the restatement's transaction. The original keeps its own
    (it is locked).
    """
    copies = [
        ContractualInstrument(
            organisation_id=i.organisation_id,
            inventory=restatement,
            instrument_id=i.instrument_id,
            cells=dict(i.cells),
            source=i.source,
            added_by_id=i.added_by_id,
            added_at=i.added_at,
        )
        for i in ContractualInstrument.objects.filter(inventory=original).order_by("id")
    ]
    ContractualInstrument.objects.bulk_create(copies)
    return len(copies)


def _refuse(inventory: Inventory, by: User | None) -> None:
    refusal = instrument_refusal(user=by, inventory=inventory, now=timezone.now())
    if refusal is not None:
        raise refusal


def _client_name(file_name: object) -> str:
    """The name the user gave the file: its last path part, printable, at most 255 characters."""
    text = re.split(r"[\\/]", str(file_name or ""))[-1]
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()[-255:]
    return text or "instruments"


def _file_problem(name: str, reason: str) -> InvalidInputError:
    return InvalidInputError([Problem(name, None, None, None, reason)], message=f"{name}: {reason}")


def _save(source: Any, path: Path) -> int:
    written = 0
    with path.open("wb") as out:
        chunks: Iterable[bytes] = (
            source.chunks()
            if hasattr(source, "chunks")
            else iter(lambda: source.read(1 << 20), b"")
        )
        for chunk in chunks:
            out.write(chunk)
            written += len(chunk)
            if written > MAX_FILE_BYTES:  # the client said less than it sent
                break
    return written


def _present(record: Record, quality_columns: frozenset[str]) -> Record:
    """The record with the §3.4 columns its file had (a missing quality column stays missing)."""
    return {c: record.get(c, "") for c in _COLUMNS if c in REQUIRED_COLUMNS or c in quality_columns}


def _inventory_problems(
    inventory: Inventory, rows: Sequence[tuple[int, Record]], label: str
) -> list[Problem]:
    """Rows the inventory cannot take: another year, an unknown entity, a known id, a long cell."""
    problems: list[Problem] = []
    entities = set(
        Entity.objects.filter(organisation=inventory.organisation).values_list("name", flat=True)
    )
    taken = set(
        ContractualInstrument.objects.filter(inventory=inventory).values_list(
            "instrument_id", flat=True
        )
    )
    for row, record in rows:
        year = record.get("year", "")
        # Not `str.isdigit()` and `int()`: "²" passes the one and breaks the other (a server
        # error), as does a year of 5,000 digits. A year that is no number is the reader's problem.
        number = whole_number(year, max_digits=4)
        if number is not None and number != inventory.year:
            reason = f"the instrument's year {year} is not the inventory's year {inventory.year}"
            problems.append(Problem(label, row, "year", year, reason))
        entity = record.get("entity", "")
        if entity and entities and entity not in entities:
            reason = f"{inventory.organisation.name} has no entity of this name"
            problems.append(Problem(label, row, "entity", entity, reason))
        instrument_id = record.get("instrument_id", "")
        if instrument_id in taken:
            reason = "the inventory already has an instrument with this id (delete it first)"
            problems.append(Problem(label, row, "instrument_id", instrument_id, reason))
        for column, text in record.items():
            most = _MAX_CHARS.get(column, _MAX_CELL_CHARS)
            if len(text) > most:
                reason = f"the value is longer than {most} characters"
                problems.append(Problem(label, row, column, text[:80], reason))
            elif "\x00" in text:
                reason = "the value contains a NUL character (a damaged file?)"
                problems.append(Problem(label, row, column, text.replace("\x00", "\\0"), reason))
    return problems


def _store(
    inventory: Inventory, by: User | None, records: list[Record], *, source: str, action: str
) -> list[ContractualInstrument]:
    with transaction.atomic():
        # The race: the inventory submitted or locked, or the same id added by
        # another request, while this one validated; the transition and the
        # other writers lock the same inventory row, so the checks below see
        # their last word (the unique constraint is the last guard).
        current = Inventory.objects.select_for_update().get(pk=inventory.pk)
        _refuse(current, None)
        rows = list(enumerate(records, start=2))
        taken = [
            p for p in _inventory_problems(current, rows, source) if p.column == "instrument_id"
        ]
        if taken:
            raise InvalidInputError(taken, message=f"{source}: {taken[0].reason}")
        stored = ContractualInstrument.objects.bulk_create(
            ContractualInstrument(
                organisation_id=current.organisation_id,
                inventory=current,
                instrument_id=record["instrument_id"],
                cells=record,
                source=source[:255],
                added_by=by,
            )
            for record in records
        )
        audit_record(
            by=by,
            action=action,
            obj=current,
            organisation=current.organisation,
            detail={
                "inventory_id": current.pk,
                "source": source,
                "instrument_ids": [record["instrument_id"] for record in records],
            },
        )
    return stored
