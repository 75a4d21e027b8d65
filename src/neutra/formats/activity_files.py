"""Activity files (CSV, XLSX first sheet, Parquet) read into validated `ActivityData`.

Each file becomes an embedded DuckDB table or view of text (Parquet keeps its
types), with `_source` (the file name as the user gave it) and `_row` (the spreadsheet
row: header 1, first data row 2); the files are then concatenated and handed
to `neutra.core.activities.validate_activities`.

CSV and Parquet are read by DuckDB's own readers through views, straight from
the file, while a thread hashes the file's bytes; validation is the first read
of every row and every column. A CSV that DuckDB's strict reader refuses (a
line with too few or too many values stops any query that reads it), or that it
could read differently from the careful reader (a space beside a quote, a
header over two lines, one column), is read again by the careful reader:
pyarrow's parser with a handler that names every ragged line; then the files
are validated again.

The validated rows stay where they were read (the files behind their views):
validation returns them as expressions over those, for the connection's
lifetime.

It must never let a malformed file surface as a traceback: every unreadable
file, bad header or ragged line is a `Problem` in one `InvalidInputError`,
together with the row problems of the files that could be read. It must never
run Python per row on the CSV or Parquet paths.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from neutra.core.activities import (
    CANONICAL_COLUMNS,
    MAX_VALUE_CHARS,
    ActivityData,
    RowChecks,
    as_text,
    canonical_name,
    header_problems,
    quiet_duckdb,
    validate_activities,
)
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.hashing import FileHash, file_sha256
from neutra.formats.paths import path_problem
from neutra.formats.workbook import cell_errors, cell_text, first_sheet

__all__ = ["SUFFIXES", "Progress", "duration_problems", "read_activities"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet")
_BLOCK_BYTES = 16 << 20  # CSV block: big enough that per-block overhead vanishes
_PARQUET_BATCH_ROWS = 256_000
_XLSX_PROGRESS_ROWS = 50_000
_MAX_RAGGED = 100  # past this many ragged lines the file is not the CSV we expect
_SPARE = "neutra_spare"  # a CSV column past the header's, for lines with too many values
_ASKEW = "neutra_askew"  # whether a CSV line has fewer or more values than the header


class _FileError(Exception):
    """A file that cannot be read at all; carries its problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One file streamed into the DuckDB connection."""

    label: str  # the file name as the user gave it
    name: str  # its DuckDB table
    table: ir.Table  # columns c0..cN, `_source`, `_row`
    names: list[str]  # canonical header name of each cN
    sha256: str  # content hash, for provenance ("" while `hashing` runs)
    problems: tuple[Problem, ...] = ()  # lines skipped while reading (ragged lines)
    parquet_view: bool = False  # read through a view of the file: read only when validated
    rows: int | None = None  # data rows, where the reader counted them (else a query counts)
    hashing: FileHash | None = None  # hashing the file while validation reads it
    # A CSV read by DuckDB through a view (`{name}_text`), to be trusted only once
    # validation has read it whole and the hash thread found nothing DuckDB may read
    # differently from the careful reader.
    csv_path: Path | None = None

    def digest(self) -> str:
        """The SHA-256 of the file, once its thread is done."""
        if self.hashing is None:
            return self.sha256
        self.hashing.join()
        return self.hashing.sha256

    def hash_problem(self) -> Problem | None:
        """Why the file could not be hashed (read again for its hash, it failed), if so."""
        if self.hashing is None or self.hashing.error is None:
            return None
        reason = f"cannot read the file to its end for its hash: {self.hashing.error}"
        return Problem(self.label, None, None, None, reason)


def read_activities(
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    checks: RowChecks | None = None,
    hashing: Mapping[Path, FileHash] | None = None,
) -> ActivityData:
    """Read and validate activity files; every problem in all files comes back at once.

    `checks` adds the caller's own rules on the typed rows (see `validate_activities`).
    `hashing`: hashes already started (`neutra.formats.hashing.hash_in_background`).
    """
    # No DuckDB progress bar: the CLI draws its own from `progress`.
    con = quiet_duckdb()
    problems: list[Problem] = []
    loaded: list[_Loaded] = []
    labels = [str(path) for path in paths]
    for index, path in enumerate(paths):
        label = labels[index]
        if label in labels[:index]:
            problems.append(Problem(label, None, None, None, "the file is given twice"))
            continue
        try:
            started = (hashing or {}).get(Path(path))
            file = _load(con, Path(path), label, f"neutra_file_{index}", progress, started)
        except _FileError as exc:
            problems += exc.problems
            continue
        problems += file.problems
        found = header_problems(file.names, label)
        if found:
            problems += found  # its rows would only repeat what the header says
        else:
            loaded.append(file)
    if not loaded and not problems:
        problems.append(Problem("input", None, None, None, "no activity file was given"))
    return _validated(con, loaded, problems, labels, progress, checks)


def _validated(
    con: Any,
    loaded: list[_Loaded],
    problems: list[Problem],
    labels: list[str],
    progress: Progress | None,
    checks: RowChecks | None = None,
) -> ActivityData:
    if not loaded:
        raise InvalidInputError(_sorted(problems, labels))
    if progress:
        progress("validating", 0, 1)
    unhashed = {file.label: "" for file in loaded}  # the hashes come when their threads end
    failure: InvalidInputError | duckdb.Error | None = None
    try:
        data = validate_activities(_concatenated(loaded), unhashed, backend=con, checks=checks)
    except (InvalidInputError, duckdb.Error) as exc:
        failure = exc
    again = _read_again(con, loaded, problems, isinstance(failure, duckdb.Error), progress)
    if again is not None:
        return _validated(con, again, problems, labels, progress, checks)
    sources = {file.label: file.digest() for file in loaded}
    # Provenance names every file by its hash: a file that could not be hashed is a problem.
    problems += [p for p in (file.hash_problem() for file in loaded) if p is not None]
    if isinstance(failure, InvalidInputError):
        found = _sorted([*problems, *failure.problems], labels)
        raise InvalidInputError(found, omitted=failure.omitted) from None
    if isinstance(failure, duckdb.Error):
        # A Parquet file is read only now (a view): a damaged page surfaces here.
        unreadable = _unreadable_parquet(con, loaded)
        if not unreadable:
            raise failure
        raise InvalidInputError(_sorted([*problems, *unreadable], labels)) from None
    if problems:
        raise InvalidInputError(_sorted(problems, labels))
    if progress:
        progress("validating", 1, 1)
    return replace(data, sources=sources)


def _read_again(
    con: Any,
    loaded: list[_Loaded],
    problems: list[Problem],
    failed: bool,
    progress: Progress | None,
) -> list[_Loaded] | None:
    """The files again, where a CSV that DuckDB read is not to be trusted; else None.

    Not where the hash thread found bytes DuckDB may read differently; and, where
    validation `failed` inside DuckDB, not where the file cannot be read whole (a
    line with too few or too many values, a quoted line break that only the
    single-threaded reader takes, which it then reads). Those are read by the careful
    reader, which names what is wrong; a file it cannot read at all leaves the list
    with its problems.
    """
    again: list[_Loaded] = []
    changed = False
    for file in loaded:
        if file.csv_path is None:
            again.append(file)
            continue
        file.digest()  # its thread is done
        ambiguous = bool(file.hashing and file.hashing.ambiguous)
        raw, width = f"{file.name}_text", len(file.names)
        if not ambiguous and (not failed or _reads_whole(con, raw, width)):
            again.append(file)
            continue
        changed = True
        # Only the single-threaded reader takes a quoted line break.
        if (
            not ambiguous
            and _duckdb_csv(con, file.csv_path, raw, width, parallel=False)
            and _reads_whole(con, raw, width)
        ):
            again.append(file)
            continue
        con.con.execute(f"DROP VIEW IF EXISTS {file.name}")
        con.con.execute(f"DROP VIEW IF EXISTS {raw}")
        try:
            careful = _with_rows(
                _read_csv_carefully(con, file.csv_path, file.label, file.name, file.names, progress)
            )
        except _FileError as exc:
            problems += exc.problems
            continue
        problems += careful.problems
        again.append(careful)
    return again if changed else None


def _reads_whole(con: Any, raw: str, width: int) -> bool:
    """Whether DuckDB reads every value of the CSV behind view `raw`."""
    values = ", ".join(f"count(c{index})" for index in range(width))
    try:
        con.con.execute(f"SELECT {values} FROM {raw}").fetchall()
    except duckdb.Error:
        return False
    return True


def _unreadable_parquet(con: Any, loaded: list[_Loaded]) -> list[Problem]:
    """The Parquet files (read through views) that DuckDB cannot read to the end."""
    problems = []
    for file in loaded:
        if not file.parquet_view:
            continue
        try:
            for _ in con.con.sql(f"SELECT * FROM {file.name}").to_arrow_reader(_PARQUET_BATCH_ROWS):
                pass  # read to the end, a batch at a time
        except duckdb.Error as exc:
            reason = f"cannot read the file as Parquet: {str(exc)[:200]}"
            problems.append(Problem(file.label, None, None, None, reason))
    return problems


def _sorted(problems: list[Problem], labels: list[str]) -> list[Problem]:
    """File order, then row order."""
    order = {label: index for index, label in enumerate(labels)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.row or 0))


def _concatenated(loaded: list[_Loaded]) -> ir.Table:
    """All files as one table: canonical names first seen first.

    A column keeps its type where every file that has it gives it the same type (a
    Parquet file's numbers are checked as numbers, never written out as text and
    parsed again); otherwise it is text in every file.
    """
    columns: list[str] = []
    types: dict[str, set[Any]] = {}
    for file in loaded:
        columns += [name for name in file.names if name not in columns]
        for name, column in zip(file.names, file.table.columns, strict=False):
            types.setdefault(name, set()).add(file.table[column].type())
    parts = []
    for file in loaded:
        by_name = dict(zip(file.names, file.table.columns, strict=False))
        values = {}
        for name in columns:
            kept = next(iter(types[name])) if len(types[name]) == 1 else None
            if name in by_name:
                value = file.table[by_name[name]]
                values[name] = value if kept is not None else as_text(value)
            else:
                values[name] = ibis.null().cast(kept if kept is not None else "string")
        parts.append(file.table.select(_source=file.table._source, _row=file.table._row, **values))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _load(
    con: Any,
    path: Path,
    label: str,
    name: str,
    progress: Progress | None,
    started: FileHash | None = None,
) -> _Loaded:
    unreadable = path_problem(path)
    if unreadable is not None:
        raise _FileError([Problem(label, None, None, None, unreadable)])
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        reason = f"unsupported file type {suffix or '(none)'!r}: use .csv, .xlsx, .xlsm or .parquet"
        raise _FileError([Problem(label, None, None, None, reason)])
    if path.stat().st_size == 0:
        raise _FileError([Problem(label, None, None, None, "the file is empty")])
    if suffix == ".csv":
        return _with_rows(_load_csv(con, path, label, name, progress, started=started))
    if suffix == ".parquet":
        return _with_rows(_load_parquet(con, path, label, name, progress, started=started))
    return _with_rows(_load_xlsx(con, path, label, name, progress))


def _with_rows(file: _Loaded) -> _Loaded:
    """The file, if it has a data row (a CSV read by DuckDB has: it was looked at)."""
    if file.csv_path is not None:
        return file
    rows = file.rows if file.rows is not None else file.table.count().to_pyarrow().as_py()
    if rows == 0:
        if file.problems:  # every line was skipped, and why is said line by line
            raise _FileError(list(file.problems))
        raise _FileError(
            [Problem(file.label, None, None, None, "the file has a header but no data rows")]
        )
    return file


def _problem(label: str, reason: str, row: int | None = None) -> _FileError:
    return _FileError([Problem(label, row, None, None, reason)])


def duration_problems(label: str, names: Sequence[str], schema: pa.Schema) -> list[Problem]:
    """A contract column that holds Arrow durations (a pandas timedelta): refused, on every
    engine. DuckDB reads a duration as its count of seconds (or ms...), Spark as a plain
    integer: 5 s would be 5 kWh. `names`: the file's columns, canonical, in schema order."""
    return [
        Problem(label, 1, name, str(field.type), "holds durations: give plain numbers")
        for name, field in zip(names, schema, strict=True)
        if name in CANONICAL_COLUMNS and pa.types.is_duration(field.type)
    ]


def _header(label: str, cells: Sequence[object]) -> list[str]:
    names = [canonical_name(str(cell)) for cell in cells]
    # A column without a header still gets a name, so its values are not lost.
    names = [name or f"column_{index + 1}" for index, name in enumerate(names)]
    if not names or all(name.startswith("column_") for name in names):
        raise _problem(label, "the file has no header row", row=1)
    return names


# ---------------------------------------------------------------- CSV


class _HashingReader(io.RawIOBase):
    """A binary file that hashes what is read and reports bytes read as progress."""

    def __init__(
        self, file: io.BufferedReader, total: int, report: Callable[[int, int], None]
    ) -> None:
        self._file, self._total, self._report = file, total, report
        self.sha256 = hashlib.sha256()
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._file.readinto(buffer)
        if count:
            self.sha256.update(memoryview(buffer)[:count])
            self.done += count
            self._report(self.done, self._total)
        return count or 0


def _load_csv(
    con: Any,
    path: Path,
    label: str,
    name: str,
    progress: Progress | None,
    *,
    started: FileHash | None = None,
) -> _Loaded:
    names = _header(label, _csv_header(path, label))
    fast = _read_csv_with_duckdb(con, path, label, name, names, progress, started=started)
    return (
        fast if fast is not None else _read_csv_carefully(con, path, label, name, names, progress)
    )


def _read_csv_with_duckdb(
    con: Any,
    path: Path,
    label: str,
    name: str,
    names: list[str],
    progress: Progress | None,
    *,
    started: FileHash | None = None,
) -> _Loaded | None:
    """The CSV read by DuckDB's strict reader; None where only the careful reader will do.

    The careful reader has the last word on every file DuckDB might read
    differently, so both give the same rows, and problems read the same.
    """
    if len(names) < 2 or _header_spans_lines(path):
        return None  # a one-column file reads blank lines as rows; a header over lines, askew
    size = path.stat().st_size
    if progress:
        progress(f"reading {label}", 0, size)
    raw = f"{name}_text"
    width = len(names)
    # Only the single-threaded reader takes a quoted line break (see `_read_again`).
    if not (
        _duckdb_csv(con, path, raw, width, parallel=True)
        or _duckdb_csv(con, path, raw, width, parallel=False)
    ):
        # (no row at all: the careful reader says why)
        con.con.execute(f"DROP VIEW IF EXISTS {raw}")
        return None
    hashing = FileHash.of(path, text=True, started=started)
    # The file is read again by each query, where it lies. DuckDB keeps the order of the
    # file's records (preserve_insertion_order), so a row's number is its record's; it
    # is computed only by the queries that read it (problems, flags and lines).
    con.con.execute(
        f"CREATE TEMP VIEW {name} AS SELECT *, {_sql_text(label)} AS _source, "
        f"CAST(row_number() OVER () + 1 AS BIGINT) AS _row FROM {raw}"
    )
    if progress:
        progress(f"reading {label}", size, size)
    return _Loaded(label, name, con.table(name), names, "", hashing=hashing, csv_path=path)


def _duckdb_csv(con: Any, path: Path, raw: str, width: int, *, parallel: bool) -> bool:
    """The CSV as view `raw` (columns c0..c{width-1}); whether DuckDB takes its first
    line. Queries read the file again where it lies.

    A line with fewer values than the header comes out padded with nulls, and one
    with more fills a spare column: reading any value of such a line stops the query
    with an error, and the careful reader then names each such line. (Without a spare
    column, DuckDB would quietly drop empty values at the end of a too-long line.)
    Empty cells are "", never null.
    """
    columns = ", ".join(
        [f"'c{index}': 'VARCHAR'" for index in range(width)] + [f"'{_SPARE}': 'VARCHAR'"]
    )
    padded = " OR ".join(
        [f"c{index} IS NULL" for index in range(width)] + [f"{_SPARE} IS NOT NULL"]
    )
    # Whether the line is askew, worked out once per line: written into each column's
    # CASE, a file of n columns made a query of n x n terms (1,000 columns: gigabytes).
    checked = ", ".join(
        f"CASE WHEN {_ASKEW} THEN error('neutra: a line of irregular length') "
        f"ELSE c{index} END AS c{index}"
        for index in range(width)
    )
    try:
        con.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {raw} AS SELECT {checked} FROM (SELECT *, "
            f"{padded} AS {_ASKEW} FROM read_csv("
            f"{_sql_text(str(path))}, header = true, "
            f"auto_detect = false, columns = {{{columns}}}, delim = ',', quote = '\"', "
            f"escape = '\"', strict_mode = true, null_padding = true, "
            f"nullstr = '\x01', parallel = {str(parallel).lower()}))"
        )
        first = con.con.execute(f"SELECT c0 FROM {raw} LIMIT 1").fetchall()
    except duckdb.Error:
        return False
    return bool(first)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _header_spans_lines(path: Path) -> bool:
    """Whether the header row holds a quoted line break (an odd count of quotes on line 1)."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    return first.count(b'"') % 2 == 1


def _read_csv_carefully(
    con: Any, path: Path, label: str, name: str, names: list[str], progress: Progress | None
) -> _Loaded:
    size = path.stat().st_size
    skipped: list[int] = []
    ragged: list[Problem] = []

    def on_ragged(row: pacsv.InvalidRow) -> str:
        # Ragged lines are listed, skipped, and their numbers keep `_row` exact.
        if len(skipped) >= _MAX_RAGGED:
            return "error"
        skipped.append(row.number if row.number is not None else -1)
        ragged.append(
            Problem(
                label,
                skipped[-1] if skipped[-1] > 0 else None,
                None,
                row.text[:MAX_VALUE_CHARS],
                f"the line has {row.actual_columns} values but the header has "
                f"{row.expected_columns} (check quotes and commas)",
            )
        )
        return "skip"

    def report(done: int, total: int) -> None:
        if progress:
            progress(f"reading {label}", done, total)

    columns = [f"c{index}" for index in range(len(names))]
    with path.open("rb") as raw:
        stream = _HashingReader(raw, size, report)
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=columns, skip_rows=1, block_size=_BLOCK_BYTES, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(
                    invalid_row_handler=on_ragged, newlines_in_values=True
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(columns, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            table = _stream_into(con, name, label, reader, skipped)
        except pa.ArrowException as exc:
            raise _csv_failure(label, exc, ragged) from None
        while stream.read(1 << 20):
            pass  # hash the whole content even if the parser stopped early
    # Ragged lines are problems, and the other rows are still checked, so that
    # one run lists every mistake of the file.
    return _Loaded(label, name, table, names, stream.sha256.hexdigest(), tuple(ragged))


def _csv_header(path: Path, label: str) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            return next(csv.reader(text), [])
    except UnicodeDecodeError:
        raise _not_utf8(label) from None
    except csv.Error as exc:
        raise _problem(label, f"cannot read the header: {exc}", row=1) from None


def _not_utf8(label: str) -> _FileError:
    return _problem(label, "the file is not UTF-8 text: save it as 'CSV UTF-8'")


def _csv_failure(label: str, exc: Exception, ragged: list[Problem]) -> _FileError:
    message = str(exc)
    if "utf8" in message.lower() or "utf-8" in message.lower():
        return _not_utf8(label)
    if len(ragged) >= _MAX_RAGGED:
        too_many = Problem(label, None, None, None, "too many ragged lines; not read further")
        return _FileError([*ragged, too_many])
    return _problem(label, f"cannot read the file as CSV: {message[:200]}")


def _stream_into(
    con: Any, name: str, label: str, batches: Iterator[pa.RecordBatch], skipped: list[int]
) -> ir.Table:
    """Append each batch, with `_source` and `_row`, to a new DuckDB table `name`."""
    done = 0
    for batch in batches:
        rows = np.arange(done, done + batch.num_rows, dtype=np.int64) + 2
        for number in sorted(n for n in skipped if n > 0):
            rows[rows >= number] += 1  # a skipped line still has its row number
        _insert(con, name, _located(batch, label, rows), first=done == 0)
        done += batch.num_rows
    return con.table(name) if done else _empty_table(con, name)


def _located(batch: pa.RecordBatch, label: str, rows: Any) -> pa.RecordBatch:
    source = pa.repeat(label, batch.num_rows).cast(pa.string())
    return batch.append_column("_source", source).append_column("_row", pa.array(rows, pa.int64()))


def _insert(con: Any, name: str, batch: pa.RecordBatch, *, first: bool) -> None:
    con.con.register("neutra_batch", batch)
    if first:
        con.con.execute(f"CREATE TABLE {name} AS SELECT * FROM neutra_batch")
    else:
        con.con.execute(f"INSERT INTO {name} SELECT * FROM neutra_batch")
    con.con.unregister("neutra_batch")


def _empty_table(con: Any, name: str) -> ir.Table:
    con.con.execute(f"CREATE TABLE {name} (_source VARCHAR, _row BIGINT)")
    return con.table(name)


# ---------------------------------------------------------------- Parquet


def _load_parquet(
    con: Any,
    path: Path,
    label: str,
    name: str,
    progress: Progress | None,
    *,
    started: FileHash | None = None,
) -> _Loaded:
    try:
        file = pq.ParquetFile(path)
        names = _header(label, file.schema_arrow.names)
        total = file.metadata.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise _problem(label, f"cannot read the file as Parquet: {str(exc)[:200]}") from None
    durations = duration_problems(label, names, file.schema_arrow)
    if durations:
        raise _FileError(durations)
    if progress:
        progress(f"reading {label}", 0, total)
    # While validation reads the file (`_Loaded.digest`).
    hashing = FileHash.of(path, text=False, started=started)
    loaded = _read_parquet_with_duckdb(con, path, label, name, names)
    if loaded is None:
        return _read_parquet_by_batches(con, file, label, name, names, total, progress, hashing)
    if progress:
        progress(f"reading {label}", total, total)
    return _Loaded(label, name, loaded, names, "", parquet_view=True, rows=total, hashing=hashing)


def _read_parquet_with_duckdb(
    con: Any, path: Path, label: str, name: str, names: list[str]
) -> ir.Table | None:
    """The Parquet file read by DuckDB straight from the file, its types kept; None where
    DuckDB does not take it (the batch reader then reads it, or names what is wrong)."""
    try:
        described = con.con.execute(
            "DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}
        ).fetchall()
        if len(described) != len(names):
            return None
        columns = ", ".join(
            f'"{row[0].replace(chr(34), chr(34) * 2)}" AS c{index}'
            for index, row in enumerate(described)
        )
        # A view: validation and the engine read the file where it is, each once. The
        # row number in the file, not a count of what was read: exact whatever the order.
        con.con.execute(
            f"CREATE VIEW {name} AS SELECT {columns}, {_sql_text(label)} AS _source, "
            f"CAST(file_row_number + 2 AS BIGINT) AS _row "
            f"FROM read_parquet({_sql_text(str(path))}, file_row_number = true)"
        )
    except duckdb.Error:
        con.con.execute(f"DROP VIEW IF EXISTS {name}")
        return None
    return con.table(name)


def _read_parquet_by_batches(
    con: Any,
    file: pq.ParquetFile,
    label: str,
    name: str,
    names: list[str],
    total: int,
    progress: Progress | None,
    hashing: FileHash,
) -> _Loaded:
    try:
        columns = [f"c{index}" for index in range(len(names))]
        batches = (
            batch.rename_columns(columns)
            for batch in _reported(file.iter_batches(_PARQUET_BATCH_ROWS), label, total, progress)
        )
        table = _stream_into(con, name, label, batches, [])
    except (pa.ArrowException, OSError) as exc:
        raise _problem(label, f"cannot read the file as Parquet: {str(exc)[:200]}") from None
    return _Loaded(label, name, table, names, "", hashing=hashing)


def _reported(
    batches: Iterator[pa.RecordBatch], label: str, total: int, progress: Progress | None
) -> Iterator[pa.RecordBatch]:
    done = 0
    for batch in batches:
        done += batch.num_rows
        if progress:
            progress(f"reading {label}", done, total)
        yield batch


# ---------------------------------------------------------------- XLSX


def _load_xlsx(con: Any, path: Path, label: str, name: str, progress: Progress | None) -> _Loaded:
    rows = _sheet_rows(path, label)
    if not rows:
        raise _problem(label, "the file is empty")
    wrong_header = [
        Problem(label, number, column, error.code, error.reason)
        for number, column, error in cell_errors(rows[:1], [])
    ]
    if wrong_header:
        raise _FileError(wrong_header)
    names = _header(label, [cell_text(cell) for cell in rows[0]])
    width = len(names)
    # A row with an Excel error in a column read is skipped, and said why, as a ragged
    # line is: its error would be taken for a missing value.
    errors = tuple(
        Problem(label, number, column, error.code, error.reason)
        for number, column, error in cell_errors(rows, names, width)
    )
    wrong = {problem.row for problem in errors}
    texts: list[list[str]] = [[] for _ in range(width)]
    numbers: list[int] = []
    # Per-row Python is fine here: a sheet holds at most ~1M rows.
    for index, row in enumerate(rows[1:]):
        cells = [cell_text(cell) for cell in row[:width]]
        if not any(cells) or index + 2 in wrong:
            continue  # a blank spreadsheet row is not an activity; a wrong one is said
        cells += [""] * (width - len(cells))
        for column, text in zip(texts, cells, strict=True):
            column.append(text)
        numbers.append(index + 2)
        if progress and index % _XLSX_PROGRESS_ROWS == 0:
            progress(f"reading {label}", index, len(rows) - 1)
    if progress:
        progress(f"reading {label}", len(rows) - 1, len(rows) - 1)
    if not numbers:
        table = _empty_table(con, name)
        return _Loaded(label, name, table, names, file_sha256(path), problems=errors)
    batch = pa.record_batch(
        [pa.array(column, pa.string()) for column in texts],
        names=[f"c{index}" for index in range(width)],
    )
    # Blank rows were dropped, so the sheet's own row numbers are given, not counted.
    _insert(con, name, _located(batch, label, numbers), first=True)
    table = con.table(name)
    return _Loaded(label, name, table, names, file_sha256(path), problems=errors)


def _sheet_rows(path: Path, label: str) -> list[list[Any]]:
    rows, unreadable = first_sheet(path)
    if unreadable is not None:
        raise _problem(label, unreadable)
    return rows
