"""Activity data read and validated where it lives, by Spark (`neutra footprint --engine spark`).

Inputs are CSV or Parquet files, globs (`lake/2025/*.parquet`) and directories
(partitioned ones too: `year=2025/` segments become columns), as local paths or
any Hadoop file system URL the Spark installation reads (`s3a://`, `hdfs://`,
`abfss://`), or a table of Spark's catalog. Spark's own readers parse them on
the executors; `validate_activities` then checks the rows as Spark jobs, with the
same expressions, problems and words as the DuckDB reader of
`neutra.formats.activity_files`. XLSX files are the exception: Spark has no
reader for them, so they are read and validated on the driver (by that module)
and uploaded.

What comes to the driver: the file listing, the header line of each CSV file,
the footer of each Parquet file (its schema and row count), one row of counts
per CSV file, each file's SHA-256 and the first problems. A file on the driver's
own disk is hashed there, streamed as the DuckDB reader hashes it; a file on
another file system is hashed on the executors. Provenance gives each named file's content SHA-256, as the
DuckDB reader does (so the output hash is the same); a glob or directory gets
the SHA-256 of its manifest (one `sha256  path` line per file, sorted, as
`sha256sum` prints it); a catalog table the manifest of the files behind it.

It must never collect the activity rows to the driver, and never run Python per row.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import ibis

from neutra.core.activities import (
    CANONICAL_COLUMNS,
    MAX_VALUE_CHARS,
    ActivityData,
    RowChecks,
    canonical_name,
    header_problems,
    validate_activities,
)
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.activity_files import duration_problems, read_activities
from neutra.formats.hashing import file_sha256

__all__ = ["read_spark_activities"]

_GLOB = re.compile(r"[*?\[{]")
_KINDS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_MAX_RAGGED = 100  # as the DuckDB reader: past this many the file is not the CSV we expect
_CORRUPT = "__neutra_corrupt"
_FILE = "__neutra_file"
_ID = "__neutra_id"
_NO_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # Spark's and Hive's directory name for a null
_FILES_AS_CASES = 32  # up to this many files, each row finds its file by a CASE, not a join
_ARROW = "ARROW:schema"  # the key under which Arrow's writers keep its schema
_FOOTERS_ON_DRIVER = 64  # up to this many Parquet files, row counts come from their footers


@dataclass(slots=True)
class _File:
    """One file of the input, as the Hadoop file system lists it."""

    label: str  # how problems name it: the argument as given, or its path under the argument
    argument: int  # index of the argument it came from
    uri: str  # the qualified URI, as Spark's `_metadata.file_path` gives it
    path: str  # the Hadoop path as text, as Spark's binaryFile source gives it
    kind: str  # csv, parquet or xlsx
    size: int  # bytes
    partitions: dict[str, str | None] = field(default_factory=dict)  # key=value directories
    names: list[str] = field(default_factory=list)  # canonical header names (CSV, Parquet)
    sha256: str = ""


def read_spark_activities(
    backend: Any,
    inputs: Sequence[str],
    *,
    table: str | None = None,
    checks: RowChecks | None = None,
) -> ActivityData:
    """Read and validate activity data with Spark; every problem comes back at once.

    `backend` is the Ibis Spark backend (`neutra.core.engine.backends.spark_backend`);
    `inputs` are paths, globs, directories or URLs; `table` names a catalog table.
    """
    session = backend._session
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    held: list[Any] = []  # frames cached on the executors while reading; released at the end
    running: list[_Background] = []  # jobs run alongside; waited for before returning
    try:
        return _read(backend, session, list(inputs), table, checks, held, running)
    except (Py4JError, PySparkException) as error:
        # The file system or the cluster failed (permissions, a lost executor, an
        # unreachable bucket): say so, in Spark's first line, never as a traceback.
        where = ", ".join([*inputs, *([table] if table else [])]) or "input"
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        reason = f"Spark could not read the input: {first}"
        raise InvalidInputError([Problem(where, None, None, None, reason)]) from None
    finally:
        for job in running:
            job.join()
        for frame in held:
            frame.unpersist()


def _read(
    backend: Any,
    session: Any,
    arguments: list[str],
    table: str | None,
    checks: RowChecks | None,
    held: list[Any],
    running: list[_Background],
) -> ActivityData:
    problems: list[Problem] = []
    files: list[_File] = []
    for index, argument in enumerate(arguments):
        if argument in arguments[:index]:
            problems.append(Problem(argument, None, None, None, "the file is given twice"))
            continue
        found, trouble = _listed(session, argument, index)
        files += found
        problems += trouble
    if not files and table is None and not problems:
        problems.append(Problem("input", None, None, None, "no activity file was given"))
    # Problems sort by argument order, and by path within a glob or directory.
    labels = list(
        dict.fromkeys(
            label
            for index, argument in enumerate(arguments)
            for label in [argument, *(f.label for f in files if f.argument == index)]
        )
    ) + ([table] if table else [])
    xlsx = [file for file in files if file.kind == "xlsx"]
    spread = [file for file in files if file.kind != "xlsx"]
    # The content hashes are Spark jobs of their own, run while the files are read and
    # validated: the executors have cores to spare while the driver plans and waits.
    hashing = _Background(lambda: _hash(session, spread), running)
    frames: list[Any] = []
    for kind in ("csv", "parquet"):
        of_kind = [
            file for file in spread if file.kind == kind and file.label not in _bad(problems)
        ]
        if of_kind:
            if kind == "csv":
                frame = _csv(session, of_kind, problems, held)
            else:
                frame = _parquet(session, of_kind, problems)
            if frame is not None:
                frames.append(frame)
    table_hash = None
    if table is not None:
        frame = _catalog_table(session, table, problems, held)
        if frame is not None:
            frames.append(frame)
            table_hash = _Background(lambda: _table_hash(session, table), running)
    driver_read = [_driver_read(file, problems) for file in xlsx]
    readable = [data for data in driver_read if data is not None]
    if not frames and not readable:
        raise InvalidInputError(_sorted(problems, labels))
    data = None
    if frames:
        raw = _union(frames)
        name = f"neutra_raw_{uuid.uuid4().hex[:12]}"
        raw.createOrReplaceTempView(name)
        try:
            # The labels in problem order; their hashes are set below, once computed.
            data = validate_activities(
                backend.table(name),
                dict.fromkeys(labels, ""),
                backend=backend,
                checks=checks,
                # Parquet files are read again by whoever reads the validated rows (their
                # row numbers are the files' own). CSV files and catalog tables are not:
                # their rows are numbered in the order of a scan that is cached while
                # reading, and Spark refuses a query of a raw CSV that reads only its
                # corrupt-record column; their validated rows are materialised.
                lazy=table is None and all(file.kind != "csv" for file in files),
            )
        except InvalidInputError as exc:
            every = _sorted([*problems, *exc.problems], labels)
            raise InvalidInputError(every, omitted=exc.omitted) from None
    if problems:
        raise InvalidInputError(_sorted(problems, labels))
    hashing.result()
    sources = {f.label: f.sha256 for f in files}
    if table_hash is not None and table is not None:
        sources[table] = table_hash.result()
    parts = [data] if data is not None else []
    parts += [_uploaded(backend, part) for part in readable]
    return _combined(parts, _provenance(arguments, files, table, sources))


class _Background:
    """Work on a thread of its own (Spark runs jobs from several threads at once)."""

    def __init__(self, work: Callable[[], Any], running: list[_Background]) -> None:
        from pyspark import InheritableThread

        self._work = work
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = InheritableThread(target=self._run, daemon=True)
        self._thread.start()
        running.append(self)

    def _run(self) -> None:
        try:
            self._result = self._work()
        except BaseException as error:  # handed to whoever asks for the result
            self._error = error

    def join(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


# ---------------------------------------------------------------- listing


def _listed(session: Any, argument: str, index: int) -> tuple[list[_File], list[Problem]]:
    """The files an argument names: itself, its glob's matches, or its directory's files."""
    files, problems = _found(session, argument, index)
    for file in files:
        # As Spark's `_metadata.file_path` writes it (a listed path may carry an empty authority).
        file.uri = session._jvm.org.apache.hadoop.fs.Path(file.path).toUri().toString()
    return files, problems


def _found(session: Any, argument: str, index: int) -> tuple[list[_File], list[Problem]]:
    jvm = session._jvm
    conf = session._jsc.hadoopConfiguration()
    where = argument if "://" in argument or argument.startswith("file:") else _absolute(argument)
    path = jvm.org.apache.hadoop.fs.Path(where)
    system = path.getFileSystem(conf)
    if _GLOB.search(argument):
        statuses = list(system.globStatus(path) or [])
        if not statuses:
            return [], [Problem(argument, None, None, None, "no file matches this pattern")]
        base = _glob_base(argument)
        base_path = jvm.org.apache.hadoop.fs.Path(_absolute(base) if where != argument else base)
        prefix = system.makeQualified(base_path).toString().rstrip("/") + "/"
        files: list[_File] = []
        problems: list[Problem] = []
        for status in sorted(statuses, key=lambda s: s.getPath().toString()):
            if status.isDirectory():
                more, trouble = _walked(system, status, argument, index, base, prefix)
                files += more
                problems += trouble
            else:
                found = _file(status, _label(base, prefix, status), index, prefix)
                files += found[0]
                problems += found[1]
        return files, problems
    if not system.exists(path):
        return [], [Problem(argument, None, None, None, "the file does not exist")]
    status = system.getFileStatus(path)
    if status.isDirectory():
        prefix = status.getPath().toString().rstrip("/") + "/"
        return _walked(system, status, argument, index, argument, prefix)
    return _file(status, argument, index, None)


def _absolute(argument: str) -> str:
    # Spark's JVM may have started in another directory: a relative path is the user's.
    return os.path.abspath(argument)


def _glob_base(argument: str) -> str:
    """The directory part of a glob before its first pattern character."""
    head = argument[: _GLOB.search(argument).start()]  # type: ignore[union-attr]
    return head[: head.rfind("/")] if "/" in head else "."


def _label(base: str, prefix: str, status: Any) -> str:
    relative = status.getPath().toString()[len(prefix) :]
    return relative if base == "." else f"{base.rstrip('/')}/{relative}"


def _walked(
    system: Any, directory: Any, argument: str, index: int, base: str, prefix: str
) -> tuple[list[_File], list[Problem]]:
    """A directory's data files, recursively; hidden files (`_SUCCESS`, `.crc`) skipped as Spark does."""
    found: list[Any] = []
    listing = system.listFiles(directory.getPath(), True)
    while listing.hasNext():
        status = listing.next()
        path = status.getPath().toString()
        relative = path[len(prefix) :]
        if any(part.startswith(("_", ".")) and "=" not in part for part in relative.split("/")):
            continue
        if Path(relative).suffix.lower() in (".csv", ".parquet"):
            found.append(status)
    if not found:
        reason = "the directory holds no .csv or .parquet file"
        return [], [Problem(argument, None, None, None, reason)]
    files: list[_File] = []
    problems: list[Problem] = []
    for status in sorted(found, key=lambda s: s.getPath().toString()):
        more, trouble = _file(status, _label(base, prefix, status), index, prefix)
        files += more
        problems += trouble
    return files, problems


def _file(
    status: Any, label: str, index: int, prefix: str | None
) -> tuple[list[_File], list[Problem]]:
    path = status.getPath()
    suffix = Path(path.getName()).suffix.lower()
    kind = _KINDS.get(suffix)
    if kind is None:
        reason = f"unsupported file type {suffix or '(none)'!r}: use .csv, .xlsx, .xlsm or .parquet"
        return [], [Problem(label, None, None, None, reason)]
    if status.getLen() == 0:
        return [], [Problem(label, None, None, None, "the file is empty")]
    partitions: dict[str, str | None] = {}
    if prefix is not None:
        for part in path.toString()[len(prefix) :].split("/")[:-1]:
            if "=" in part:
                key, value = part.split("=", 1)
                value = unquote(value)
                partitions[canonical_name(unquote(key))] = None if value == _NO_PARTITION else value
    uri = ""  # set by `_listed`, which has the JVM
    return [_File(label, index, uri, path.toString(), kind, int(status.getLen()), partitions)], []


def _bad(problems: list[Problem]) -> set[str]:
    return {p.file for p in problems}


# ---------------------------------------------------------------- hashing


def _hash(session: Any, files: list[_File]) -> None:
    """Each file's content SHA-256: on the driver for a file it reads from its own disk,
    streamed (as the DuckDB reader hashes), else on the executors (the bytes stay there)."""
    remote = []
    for file in files:
        local = _local_path(file)
        if local is not None:
            file.sha256 = file_sha256(local)
        else:
            remote.append(file)
    if not remote:
        return
    from pyspark.sql import functions as F

    paths = [_escaped(file.path) for file in remote]
    hashed = (
        session.read.format("binaryFile")
        .load(paths)
        .select(F.col("path"), F.sha2(F.col("content"), 256).alias("sha256"))
        .collect()
    )
    by_path = {row["path"]: row["sha256"] for row in hashed}
    for file in remote:
        file.sha256 = by_path.get(file.path, "")


def _local_path(file: _File) -> Path | None:
    """The file on the driver's own file system, the same size as listed; else None."""
    if not file.uri.startswith("file:"):
        return None
    local = Path(unquote(urlparse(file.uri).path))
    try:
        return local if local.is_file() and local.stat().st_size == file.size else None
    except OSError:
        return None


def _escaped(path: str) -> str:
    # Spark's readers take glob patterns: a file's own [ ] { } * ? are literal.
    return re.sub(r"([*?\[\]{}])", r"\\\1", path)


def _provenance(
    arguments: list[str], files: list[_File], table: str | None, sources: dict[str, str]
) -> dict[str, str]:
    """A named file: its content SHA-256; a glob or directory: the SHA-256 of its manifest."""
    out: dict[str, str] = {}
    for index, argument in enumerate(arguments):
        mine = [f for f in files if f.argument == index]
        if len(mine) == 1 and mine[0].label == argument:
            out[argument] = mine[0].sha256
        elif mine:
            manifest = "".join(f"{f.sha256}  {f.label}\n" for f in sorted(mine, key=_by_label))
            out[argument] = hashlib.sha256(manifest.encode()).hexdigest()
    if table in sources:
        out[table] = sources[table]
    return out


def _by_label(file: _File) -> str:
    return file.label


def _table_hash(session: Any, table: str) -> str:
    """The SHA-256 of the manifest of the files behind a catalog table (their content hashes)."""
    from pyspark.sql import functions as F

    paths = sorted(session.table(table).inputFiles())
    if not paths:
        return "not hashed: no files behind the table"
    hashed = (
        session.read.format("binaryFile")
        .load([_escaped(p) for p in paths])
        .select("path", F.sha2(F.col("content"), 256).alias("sha256"))
        .collect()
    )
    manifest = "".join(f"{row['sha256']}  {row['path']}\n" for row in sorted(hashed, key=str))
    return hashlib.sha256(manifest.encode()).hexdigest()


# ---------------------------------------------------------------- CSV


def _csv(session: Any, files: list[_File], problems: list[Problem], held: list[Any]) -> Any:
    """The CSV files as one frame of text: one Spark read per distinct header."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    groups: dict[tuple[str, ...], list[_File]] = {}
    for file in files:
        try:
            names = _csv_header(session, file)
        except _Refused as refused:
            problems.append(Problem(file.label, refused.row, None, None, refused.reason))
            continue
        file.names = [*names, *(p for p in file.partitions if p not in names)]
        found = header_problems(file.names, file.label)
        if found:
            problems += found
            continue
        groups.setdefault(tuple(names), []).append(file)
    frames = []
    for header, members in groups.items():
        columns = [f"c{i}" for i in range(len(header))]
        schema = T.StructType(
            [T.StructField(c, T.StringType()) for c in columns]
            + [T.StructField(_CORRUPT, T.StringType())]
        )
        frame = (
            session.read.schema(schema)
            .option("header", "true")
            .option("multiLine", "true")  # quoted line breaks, as the DuckDB reader takes them
            .option("escape", '"')  # RFC 4180: a quote inside quotes is doubled
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
            .option("encoding", "UTF-8")
            .csv([_escaped(file.path) for file in members])
        )
        # An empty field is empty text, as the DuckDB reader reads it (Spark reads null).
        frames.append(
            frame.select(
                *(
                    F.coalesce(F.col(c), F.lit("")).alias(n)
                    for c, n in zip(columns, header, strict=True)
                ),
                F.col(_CORRUPT),
                F.col("_metadata.file_path").alias(_FILE),
                F.monotonically_increasing_id().alias(_ID),
            )
        )
    if not frames:
        return None
    raw = _persisted(_union(frames), held)
    # One row per file: where its records start in its partition, and what is wrong with it.
    text = F.concat_ws(
        "", *(F.coalesce(F.col(c), F.lit("")) for c in raw.columns if c not in (_FILE, _ID))
    )
    stats = {
        row[_FILE]: row
        for row in raw.groupBy(_FILE)
        .agg(
            F.min(_ID).alias("first"),
            F.count(F.lit(1)).alias("records"),
            F.count(_CORRUPT).alias("ragged"),
            F.max(F.instr(text, "\ufffd") > 0).alias("not_utf8"),
        )
        .collect()
    }
    kept: list[_File] = []
    ragged_files: list[_File] = []
    for members in groups.values():
        for file in members:
            row = stats.get(file.uri)
            if row is None or row["records"] - row["ragged"] == 0:
                reason = "the file has a header but no data rows"
                if row is not None and row["not_utf8"]:
                    reason = _NOT_UTF8
                problems.append(Problem(file.label, None, None, None, reason))
            elif row["not_utf8"]:
                problems.append(Problem(file.label, None, None, None, _NOT_UTF8))
            else:
                kept.append(file)
                if row["ragged"]:
                    ragged_files.append(file)
    every = sum(len(members) for members in groups.values())
    first = {f.uri: stats[f.uri]["first"] for f in kept}
    located = _located(session, raw, kept, first, others=len(kept) < every)
    if ragged_files:
        problems += _ragged(
            located, ragged_files, {f.uri: stats[f.uri]["ragged"] for f in ragged_files}
        )
        too_many = {f.label for f in ragged_files if stats[f.uri]["ragged"] > _MAX_RAGGED}
        if too_many:
            located = located.where(~F.col("_source").isin(sorted(too_many)))
    return located.where(F.col(_CORRUPT).isNull()).drop(_CORRUPT)


_NOT_UTF8 = "the file is not UTF-8 text: save it as 'CSV UTF-8'"


class _Refused(Exception):
    def __init__(self, reason: str, row: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.row = reason, row


def _csv_header(session: Any, file: _File) -> list[str]:
    """The first line of a CSV file, read on the driver through the Hadoop file system."""
    jvm = session._jvm
    path = jvm.org.apache.hadoop.fs.Path(file.path)  # the text, not the %-encoded URI
    system = path.getFileSystem(session._jsc.hadoopConfiguration())
    stream = system.open(path)
    try:
        reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(stream, "UTF-8"))
        line = reader.readLine() or ""
    finally:
        stream.close()
    if "\ufffd" in line:
        raise _Refused(_NOT_UTF8)
    try:
        cells = next(csv.reader(io.StringIO(line.removeprefix("\ufeff"))), [])
    except csv.Error as exc:
        raise _Refused(f"cannot read the header: {exc}", 1) from None
    names = [canonical_name(cell) for cell in cells]
    names = [name or f"column_{index + 1}" for index, name in enumerate(names)]
    if not names or all(name.startswith("column_") for name in names):
        raise _Refused("the file has no header row", 1)
    return names


def _located(
    session: Any, raw: Any, files: list[_File], first: dict[str, int], *, others: bool
) -> Any:
    """`_source` (the file's label), `_row` (header 1, first record 2) and partition columns.

    `others`: `raw` also holds rows of files not in `files` (refused whole), left out here.
    """
    from pyspark.sql import functions as F

    # A partition key that is also a column of the file: the file's own column wins.
    keys = sorted({key for file in files for key in file.partitions} - set(raw.columns))
    if len(files) <= _FILES_AS_CASES:
        # A few files: their labels and offsets as expressions on the file path. Every
        # later scan then reads the rows alone (a join to a table of files costs as much
        # as the rest of the validation's scan).
        def per_file(values: list[Any], dtype: str) -> Any:
            if len(set(values)) == 1:
                return F.lit(values[0]).cast(dtype)
            path = F.col(_FILE)
            chosen = F.when(path == files[0].uri, F.lit(values[0]).cast(dtype))
            for file, value in zip(files[1:], values[1:], strict=True):
                chosen = chosen.when(path == file.uri, F.lit(value).cast(dtype))
            return chosen

        firsts = [int(first.get(file.uri, 0)) for file in files]
        mine = raw.where(F.col(_FILE).isin([file.uri for file in files])) if others else raw
        return mine.select(
            *(_column(c) for c in raw.columns if c not in (_FILE, _ID)),
            per_file([file.label for file in files], "string").alias("_source"),
            (F.col(_ID) - per_file(firsts, "long") + 2).cast("long").alias("_row"),
            *(
                per_file([file.partitions.get(k) for file in files], "string").alias(k)
                for k in keys
            ),
        )
    rows = [
        (file.uri, file.label, int(first.get(file.uri, 0)), *(file.partitions.get(k) for k in keys))
        for file in files
    ]
    schema = f"{_FILE} string, _source string, __first long" + "".join(
        f", `{k}` string" for k in keys
    )
    table = F.broadcast(session.createDataFrame(rows, schema))
    joined = raw.join(table, _FILE)
    located = joined.withColumn("_row", (F.col(_ID) - F.col("__first") + 2).cast("long"))
    return located.drop(_FILE, _ID, "__first")


def _column(name: str) -> Any:
    """A column by its exact name (a dot in it is part of the name, not a field)."""
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _ragged(located: Any, files: list[_File], counts: dict[str, int]) -> list[Problem]:
    """The ragged lines of each file (at most the DuckDB reader's limit), as it words them."""
    from pyspark.sql import functions as F

    labels = [file.label for file in files]
    width = {file.label: len(file.names) - len(file.partitions) for file in files}
    rows = (
        located.where(F.col(_CORRUPT).isNotNull() & F.col("_source").isin(labels))
        .select("_source", "_row", F.substring(F.col(_CORRUPT), 1, 4000).alias("text"))
        .orderBy("_source", "_row")
        .limit(len(files) * (_MAX_RAGGED + 1))
        .collect()
    )
    problems: list[Problem] = []
    shown: dict[str, int] = {}
    for row in rows:
        label = row["_source"]
        if shown.get(label, 0) >= _MAX_RAGGED:
            continue
        shown[label] = shown.get(label, 0) + 1
        values = len(next(csv.reader(io.StringIO(row["text"])), []))
        problems.append(
            Problem(
                label,
                row["_row"],
                None,
                row["text"][:MAX_VALUE_CHARS],
                f"the line has {values} values but the header has {width[label]} "
                "(check quotes and commas)",
            )
        )
    for file in files:
        if counts[file.uri] > _MAX_RAGGED:
            problems.append(
                Problem(file.label, None, None, None, "too many ragged lines; not read further")
            )
    return problems


# ---------------------------------------------------------------- Parquet


def _parquet(session: Any, files: list[_File], problems: list[Problem]) -> Any:
    """The Parquet files of each argument as one dataset (their schemas merged), typed."""
    from pyspark.sql import functions as F

    by_argument: dict[int, list[_File]] = {}
    for file in files:
        by_argument.setdefault(file.argument, []).append(file)
    frames = []
    for listed in by_argument.values():
        schema, counts, refused = _footers(session, listed, problems)
        members = [file for file in listed if file.uri not in refused]
        if not members:
            continue
        # With the schema known from the footers, Spark need not run a job to infer it.
        reader = session.read.option("mergeSchema", "true") if schema is None else None
        try:
            reader = reader or session.read.schema(schema)
            frame = reader.parquet(*[_escaped(file.path) for file in members])
            names = [canonical_name(name) for name in frame.columns]
        except Exception as exc:  # Spark's own errors: a file that is not Parquet
            for file in members:
                reason = f"cannot read the file as Parquet: {str(exc).strip()[:200]}"
                problems.append(Problem(file.label, None, None, None, reason))
            continue
        good = []
        for file in members:
            file.names = [*names, *(p for p in file.partitions if p not in names)]
            found = header_problems(file.names, file.label)
            if found:
                problems += found
            else:
                good.append(file)
        if not good:
            continue
        renamed = frame.select(
            *(F.col(f"`{old}`").alias(new) for old, new in zip(frame.columns, names, strict=True)),
            F.col("_metadata.file_path").alias(_FILE),
            F.col("_metadata.row_index").alias(_ID),
        )
        if counts is None:
            found = renamed.groupBy(_FILE).agg(F.count(F.lit(1)).alias("records")).collect()
            counts = {row[_FILE]: row["records"] for row in found}
        kept = []
        for file in good:
            if not counts.get(file.uri):
                reason = "the file has a header but no data rows"
                problems.append(Problem(file.label, None, None, None, reason))
            else:
                kept.append(file)
        if kept:
            # row_index counts from 0 in each file: the first record is row 2.
            frames.append(_located(session, renamed, kept, {}, others=len(kept) < len(members)))
    return _union(frames) if frames else None


def _footers(
    session: Any, files: list[_File], problems: list[Problem]
) -> tuple[Any, dict[str, int] | None, set[str]]:
    """The files' one Spark schema and their row counts (by URI), from their footers,
    and the URIs of the files refused for what their footers say (in `problems`).

    Read on the driver for a few files (a few small reads each, where Spark would run
    a job to infer the schema and a scan to count); the count is the footer's own, exact.
    The schema is None where the files' schemas differ (Spark merges them), and both
    are None for many files, or where a footer does not read (Spark then says why).
    A contract column of Arrow durations is refused as on DuckDB: Spark would read it
    as plain integers. Only the Arrow schema in the footer tells (for up to
    `_FOOTERS_ON_DRIVER` files: past that, none of their footers is read here).
    """
    if len(files) > _FOOTERS_ON_DRIVER:
        return None, None, set()
    from py4j.protocol import Py4JJavaError
    from pyspark.sql.types import _parse_datatype_json_string

    jvm = session._jvm
    conf = session._jsc.hadoopConfiguration()
    parquet = jvm.org.apache.spark.sql.execution.datasources.parquet
    converter = parquet.ParquetToSparkSchemaConverter(session._jsparkSession.sessionState().conf())
    counts: dict[str, int] = {}
    schemas = set()
    refused: set[str] = set()
    try:
        for file in files:
            path = jvm.org.apache.hadoop.fs.Path(file.path)
            source = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(path, conf)
            reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(source)
            try:
                counts[file.uri] = int(reader.getRecordCount())
                footer = jvm.org.apache.parquet.hadoop.Footer(path, reader.getFooter())
                arrow = reader.getFooter().getFileMetaData().getKeyValueMetaData().get(_ARROW)
            finally:
                reader.close()
            found = _durations(file.label, arrow)
            if found:
                problems += found
                refused.add(file.uri)
                continue
            # As Spark infers it: the schema Spark wrote in the footer, else the file's own.
            schemas.add(parquet.ParquetFileFormat.readSchemaFromFooter(footer, converter).json())
    except Py4JJavaError:
        return None, None, refused
    schema = _parse_datatype_json_string(schemas.pop()) if len(schemas) == 1 else None
    return schema, counts, refused


def _durations(label: str, arrow: str | None) -> list[Problem]:
    """`duration_problems` of the Arrow schema a Parquet writer kept in the footer (base64)."""
    if not arrow:
        return []
    import pyarrow as pa

    try:
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(arrow)))
    except (ValueError, pa.ArrowException):  # not Arrow's: Spark reads the file as it is
        return []
    return duration_problems(label, [canonical_name(name) for name in schema.names], schema)


# ---------------------------------------------------------------- catalog tables


def _catalog_table(session: Any, table: str, problems: list[Problem], held: list[Any]) -> Any:
    """A table of Spark's catalog; rows numbered in scan order (2, 3, ...) for problems."""
    from pyspark.sql import functions as F

    try:
        frame = session.table(table)
    except Exception:  # AnalysisException: no such table or view
        problems.append(Problem(table, None, None, None, "no such table in Spark's catalog"))
        return None
    names = [canonical_name(name) for name in frame.columns]
    found = header_problems(names, table)
    if found:
        problems += found
        return None
    renamed = _persisted(
        frame.select(
            *(F.col(f"`{old}`").alias(new) for old, new in zip(frame.columns, names, strict=True)),
            F.spark_partition_id().alias("__part"),
            F.monotonically_increasing_id().alias(_ID),
        ),
        held,
    )
    parts = sorted(
        renamed.groupBy("__part")
        .agg(F.min(_ID).alias("first"), F.count(F.lit(1)).alias("n"))
        .collect(),
        key=lambda r: r["__part"],
    )
    if not parts:
        problems.append(Problem(table, None, None, None, "the table has no rows"))
        return None
    offsets, done = [], 0
    for part in parts:
        offsets.append((part["__part"], int(part["first"]), done))
        done += int(part["n"])
    starts = F.broadcast(session.createDataFrame(offsets, "__part int, __first long, __done long"))
    numbered = renamed.join(starts, "__part").withColumn(
        "_row", (F.col(_ID) - F.col("__first") + F.col("__done") + 2).cast("long")
    )
    return numbered.withColumn("_source", F.lit(table)).drop("__part", "__first", "__done", _ID)


# ---------------------------------------------------------------- XLSX and assembly


def _driver_read(file: _File, problems: list[Problem]) -> ActivityData | None:
    """An XLSX file: Spark has no reader, so the driver reads and validates it (local files only)."""
    if not file.uri.startswith("file:"):
        reason = "XLSX is read on the driver, from local files only: convert it to CSV or Parquet"
        problems.append(Problem(file.label, None, None, None, reason))
        return None
    try:
        data = read_activities([Path(file.label)])
    except InvalidInputError as exc:
        problems += exc.problems
        return None
    file.sha256 = data.sources.get(file.label, "")
    return data


def _uploaded(backend: Any, data: ActivityData) -> ActivityData:
    from neutra.core.engine.backends import load_into

    return load_into(backend, data)


def _persisted(frame: Any, held: list[Any]) -> Any:
    """Cached where it is computed: row numbers come from a scan's order, read once."""
    from pyspark import StorageLevel

    held.append(frame.persist(StorageLevel.MEMORY_AND_DISK))
    return frame


def _union(frames: list[Any]) -> Any:
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame, allowMissingColumns=True)
    return out


def _combined(parts: list[ActivityData], sources: dict[str, str]) -> ActivityData:
    """One table of the validated parts, pass-through columns in the order first seen."""
    passthrough: list[str] = []
    for part in parts:
        passthrough += [c for c in part.passthrough if c not in passthrough]
    tables = []
    for part in parts:
        columns = {c: part.table[c] for c in CANONICAL_COLUMNS}
        columns |= {
            c: part.table[c] if c in part.passthrough else ibis.null().cast("string")
            for c in passthrough
        }
        tables.append(part.table.select(**columns))
    table = ibis.union(*tables) if len(tables) > 1 else tables[0]
    return replace(
        parts[0],
        table=table,
        sources=sources,
        passthrough=tuple(passthrough),
        ids_are_row_numbers=all(part.ids_are_row_numbers for part in parts),
    )


def _sorted(problems: list[Problem], labels: list[str]) -> list[Problem]:
    """File order, then row order (as the DuckDB reader sorts them)."""
    order = {label: index for index, label in enumerate(labels)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.row or 0))
