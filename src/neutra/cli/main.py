"""The `neutra` command (DESIGN.md §3.5): parse arguments, call core and formats, print.

Exit status 0 on success, 2 on bad input with every problem listed (file, row,
column, value, reason). It must never compute from input with problems, and
never show a user a traceback for a mistake in their input.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from neutra.core.boundary import Approach
from neutra.core.errors import InvalidInputError, NeutraError, Problem

if TYPE_CHECKING:
    from neutra.core.boundary import Boundary
    from neutra.core.engine import Footprint
    from neutra.core.factors import FactorSet
    from neutra.core.scope2 import Instrument

# Heavy modules (Ibis, DuckDB, pint, pyarrow) are imported inside the commands,
# so that `neutra --help` and mistakes in arguments answer at once.

app = typer.Typer(
    name="neutra",
    help="The yearly climate-neutrality cycle: count an organisation's greenhouse-gas "
    "footprint under the GHG Protocol, set its strategy, keep its carbon-credit ledger, "
    "and issue and report its claims.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
factors_app = typer.Typer(
    help="Import, list and inspect emission factor sets.", no_args_is_help=True
)
app.add_typer(factors_app, name="factors")

# The commands of the other steps of the cycle live in their own modules.
from neutra.cli import claim, credits, strategy  # noqa: E402

for _module in (credits, strategy, claim):
    _module.register(app)

out = Console()
if not out.is_terminal:  # piped or redirected: room for the tables instead of 80 columns
    out = Console(width=120)
err = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class GWPName(StrEnum):
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"


class FactorKind(StrEnum):
    csv = "csv"
    desnz = "desnz"
    epa_hub = "epa-hub"
    useeio = "useeio"
    grid = "grid"


def fail(
    problems: list[Problem] | tuple[Problem, ...], *, omitted: int = 0, as_json: bool = False
) -> NoReturn:
    """List the problems (and count those not listed) and exit 2."""
    from neutra.cli import render

    error = InvalidInputError(problems, omitted=omitted)
    render.problems(err, error)
    if as_json:
        document = {
            "schema": "neutra.errors/1",
            "problems": [p.as_dict() for p in error.problems],
            "omitted": error.omitted,
        }
        print(json.dumps(document, indent=2))
    raise typer.Exit(2)


@app.command()
def footprint(
    activity_files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Activity files: CSV, XLSX or Parquet. With --engine spark also globs, "
            "directories and Hadoop file system URLs (s3a://...), read by Spark.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    factors: Annotated[
        list[str] | None,
        typer.Option(
            "--factors",
            "-f",
            metavar="SET|FILE",
            help="Factor set as NAME or NAME@VERSION (a starter set such as desnz-2025, "
            "or an imported one), or a custom factor CSV; repeat, in priority order "
            "(default: the whole starter library shipped with Neutra).",
        ),
    ] = None,
    gwp: Annotated[GWPName, typer.Option(help="GWP100 set for CO2e.")] = GWPName.AR5,
    entities: Annotated[
        Path | None, typer.Option(help="Entity file for the organisational boundary.")
    ] = None,
    approach: Annotated[
        Approach | None,
        typer.Option(help="Boundary approach (with --entities; default operational)."),
    ] = None,
    instruments: Annotated[
        Path | None, typer.Option(help="Instrument file for market-based scope 2.")
    ] = None,
    engine: Annotated[Engine, typer.Option(help="Where the calculation runs.")] = Engine.duckdb,
    table: Annotated[
        str | None,
        typer.Option(
            metavar="DB.TABLE",
            help="With --engine spark: a table of Spark's catalog (db.activities).",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of the screen.")
    ] = None,
    lines: Annotated[
        bool, typer.Option("--lines", help="Include one line per activity row.")
    ] = False,
) -> None:
    """Compute the footprint of activity files."""
    as_json = output_format is OutputFormat.json
    if table is not None and engine is not Engine.spark:
        fail(
            [Problem("--table", None, None, table, "a catalog table needs --engine spark")],
            as_json=as_json,
        )
    if not activity_files and table is None:
        fail(
            [Problem("input", None, None, None, "no activity file was given")],
            as_json=as_json,
        )
    if approach is not None and entities is None:
        fail(
            [
                Problem(
                    "--approach",
                    None,
                    None,
                    approach.value,
                    "needs an entity file: give --entities FILE",
                )
            ],
            as_json=as_json,
        )
    if output_format is OutputFormat.xlsx and output is None:
        fail(
            [Problem("--format", None, None, "xlsx", "XLSX needs a file: give --output PATH")],
            as_json=as_json,
        )
    read = [*(activity_files or []), *(factors or []), entities, instruments]
    unwritable = output_problem(output, [p for p in read if p is not None])
    if unwritable is not None:
        fail([unwritable], as_json=as_json)
    try:
        result = _compute(
            activity_files or [],
            table,
            factors or [],
            gwp.value,
            entities,
            approach,
            instruments,
            engine,
            lines,
        )
    except InvalidInputError as exc:
        fail(exc.problems, omitted=exc.omitted, as_json=as_json)
    except NeutraError as exc:
        fail([Problem(exc.extra.get("file", ""), None, None, None, exc.message)], as_json=as_json)
    try:
        _emit(result, output_format, output, lines)
    except InvalidInputError as exc:  # more than the format holds (XLSX), said before writing
        fail(exc.problems, omitted=exc.omitted, as_json=as_json)
    except OSError as exc:  # a full disk, a folder gone: nothing half-written is left
        reason = f"cannot write the file: {exc.strerror or exc}"
        fail([Problem("--output", None, None, str(output), reason)], as_json=as_json)


def _compute(
    paths: list[str],
    table: str | None,
    factor_refs: list[str],
    gwp_name: str,
    entities: Path | None,
    approach: Approach | None,
    instruments_path: Path | None,
    engine: Engine,
    lines: bool,
) -> Footprint:
    from neutra.formats.hashing import hash_in_background

    # The files are hashed on the other core while Python imports what the command needs.
    hashing = hash_in_background(Path(p) for p in paths) if engine is not Engine.spark else {}
    from neutra.cli import render
    from neutra.core.engine import FootprintOptions, compute_footprint
    from neutra.core.gwp import gwp_set
    from neutra.formats.activity_files import read_activities
    from neutra.formats.entity_file import read_entities
    from neutra.formats.hashing import file_sha256
    from neutra.formats.instrument_file import read_instruments

    problems: list[Problem] = []
    omitted = [0]  # problems the readers found and did not list
    factor_sets = _load_factor_sets(factor_refs, problems)
    boundary: Boundary | None = None
    instruments: tuple[Instrument, ...] = ()
    inputs: dict[str, str] = {}
    if entities is not None:
        boundary = _collect(problems, omitted, read_entities, entities)
        inputs[str(entities)] = file_sha256(entities) if boundary is not None else ""
    if instruments_path is not None:
        instruments = _collect(problems, omitted, read_instruments, instruments_path) or ()
        inputs[str(instruments_path)] = file_sha256(instruments_path) if instruments else ""
    backend = None  # DuckDB: run where the reader put the data
    if engine is Engine.spark:
        backend = _spark()
        # Spark reads and validates the data where it lives; rows never pass through here.
        with render.working(err, "Reading and validating with Spark"):
            data = _collect(problems, omitted, lambda p: _read_with_spark(backend, p, table), paths)
    else:
        with render.progress(err) as report:
            data = _collect(
                problems,
                omitted,
                lambda p: read_activities([Path(x) for x in p], progress=report, hashing=hashing),
                paths,
            )
    if problems or data is None:
        raise InvalidInputError(problems, omitted=omitted[0])
    what = f"{len(paths)} file(s)" if table is None else f"table {table}"
    with render.working(err, f"Calculating the footprint of {what}"):
        return compute_footprint(
            data,
            factor_sets,
            gwp_set(gwp_name),
            boundary=boundary,
            instruments=instruments,
            options=FootprintOptions(approach=approach, lines=lines),
            backend=backend,
            inputs=inputs,
        )


def _spark() -> Any:
    """The Spark backend, or a problem naming how to install or start Spark."""
    from neutra.core.engine.backends import SparkStartError, spark_backend
    from neutra.extras import MissingExtraError

    try:
        return spark_backend()
    except (MissingExtraError, SparkStartError) as exc:
        raise InvalidInputError([Problem("--engine", None, None, "spark", exc.message)]) from None


def _read_with_spark(backend: Any, paths: list[str], table: str | None) -> Any:
    from neutra.formats.spark_activities import read_spark_activities

    return read_spark_activities(backend, paths, table=table)


def _collect(problems: list[Problem], omitted: list[int], reader: Any, path: Any) -> Any:
    """Run a reader, adding its problems to the list instead of stopping at the first file."""
    try:
        return reader(path)
    except InvalidInputError as exc:
        problems.extend(exc.problems)
        omitted[0] += exc.omitted
        return None


def _load_factor_sets(refs: list[str], problems: list[Problem]) -> list[FactorSet]:
    """Each --factors: a custom factor file, or a set as the web pins it (`name[@version]`)."""
    from neutra.formats.factor_csv import read_factor_csv
    from neutra.formats.factor_refs import FactorSetRef, resolve
    from neutra.formats.factor_store import FactorStore

    if not refs:
        from neutra.formats.starter import starter_library

        return list(starter_library())  # the shipped library, offline
    store = FactorStore()
    sets = []
    for ref in refs:
        path = Path(ref)
        try:
            if path.suffix.lower() == ".csv" or path.exists():
                sets.append(read_factor_csv(path))
            else:
                sets += resolve([FactorSetRef.parse(ref)], store)
        except InvalidInputError as exc:
            problems.extend(exc.problems)
        except NeutraError as exc:
            problems.append(Problem("--factors", None, None, ref, exc.message))
    return sets


def output_problem(output: Path | None, inputs: Iterable[Path | str] = ()) -> Problem | None:
    """Why `--output` cannot be written, said before anything is computed.

    `inputs`: the files the command reads, which its output must not replace.
    """
    if output is None:
        return None
    try:
        target = output_target(output)
    except (OSError, RuntimeError):  # a loop of symbolic links
        return Problem("--output", None, None, str(output), "is a symbolic link that leads nowhere")
    folder = target.parent
    if target.is_dir():
        reason = "is a folder: give a file name"
    elif target.exists() and not target.is_file():
        reason = "is not a regular file (a device, a pipe): give a file name"
    elif any(_same_file(target, Path(path)) for path in inputs):
        reason = "is one of the files this command reads: give another name"
    elif not folder.is_dir():
        reason = f"no such folder: {folder}"
    elif not os.access(folder, os.W_OK):
        reason = f"cannot write in the folder {folder}"
    else:
        return None
    return Problem("--output", None, None, str(output), reason)


def output_target(output: Path) -> Path:
    """The file `output` names: a symbolic link's target (the link itself stays)."""
    return output.resolve() if output.is_symlink() else output


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.exists() and other.exists() and os.path.samefile(one, other)
    except OSError:
        return False


@contextmanager
def replacing(output: Path) -> Iterator[Path]:
    """A path beside `output` to write to; it replaces `output` only once whole, so that a
    failure (a full disk) leaves no half-written file, and an earlier one untouched.
    (It ends as `output` does: writers that go by the suffix write the same format.)
    A symbolic link stays: the file it leads to is replaced."""
    target = output_target(output)
    if target.exists() and not target.is_file():  # a device or a pipe is never replaced
        raise OSError(errno.EINVAL, "not a regular file (a device, a pipe)", str(output))
    part = target.with_name(f".part-{uuid.uuid4().hex[:8]}-{target.name}")
    try:
        yield part
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _emit(result: Footprint, output_format: OutputFormat, output: Path | None, lines: bool) -> None:
    from neutra.cli import render

    if output_format is OutputFormat.json:
        flagged = len(result.flags)
        with render.working(err, f"Reading the {flagged:,} flagged row(s)"):
            result.read()  # every flagged row, before a byte is written
    if output is None:
        _write(result, output_format, sys.stdout, lines)
        return
    # (On the screen no spinner: it would garble the document beside it.)
    with render.working(err, f"Writing {output}"), replacing(output) as part:
        if output_format is OutputFormat.xlsx:
            from xlsxwriter.exceptions import FileCreateError

            from neutra.formats.footprint_output import write_xlsx

            try:
                write_xlsx(result, part)
            except FileCreateError as exc:
                raise OSError(str(exc)) from None
        else:
            newline = "" if output_format is OutputFormat.csv else None
            with part.open("w", newline=newline) as handle:
                _write(result, output_format, handle, lines)
    err.print(f"Wrote {output}")


def _write(result: Footprint, output_format: OutputFormat, handle: Any, lines: bool) -> None:
    """The footprint as text to an open file (or the screen's standard output)."""
    from neutra.cli import render
    from neutra.formats.footprint_output import write_csv, write_json

    if output_format is OutputFormat.table:
        console = out if handle is sys.stdout else Console(file=handle, width=120)
        render.footprint(console, result, lines=lines)
    elif output_format is OutputFormat.json:
        write_json(result, handle)
        handle.write("\n")
    else:
        write_csv(result, handle, lines=lines)


@app.command()
def example(
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of the screen.")
    ] = None,
) -> None:
    """Print the footprint of the bundled example organisation (works offline)."""
    folder = files("neutra.data") / "examples" / "acme"
    with as_file(folder) as path:
        footprint(
            [str(path / "activities.csv")],
            factors=None,
            gwp=GWPName.AR5,
            entities=path / "entities.csv",
            approach=Approach.OPERATIONAL,
            instruments=path / "instruments.csv",
            engine=Engine.duckdb,
            table=None,
            output_format=output_format,
            output=output,
            lines=False,
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    threads: Annotated[int, typer.Option(help="Requests served at once.", min=1, max=256)] = 8,
) -> None:
    """Migrate the database, start the task worker, then serve the web platform.

    Configuration comes from environment variables (SECRET_KEY, NEUTRA_DEBUG,
    DATABASE_URL, ALLOWED_HOSTS, NEUTRA_HOME, NEUTRA_TASKS; see
    neutra.web.config.settings). The app is served by waitress; long work
    (uploads, calculations) runs in a `neutra worker` process started with it.
    """
    from neutra.cli import web

    web.django_setup_or_exit()
    web.prepare_database()
    web.serve_forever(host, port, threads)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    threads: Annotated[int, typer.Option(help="Requests served at once.", min=1, max=256)] = 8,
    load_only: Annotated[
        bool,
        typer.Option(
            "--load-only", help="Load the demonstration and print the log-ins; do not serve."
        ),
    ] = False,
) -> None:
    """Load a demonstration consultancy (three clients, three years, every role) and serve it.

    The demonstration lives in its own database: by default NEUTRA_HOME is
    ~/.neutra-demo here (set NEUTRA_HOME or DATABASE_URL to choose), and it
    refuses a database that holds other consultancies. Every run prints fresh
    passwords (NEUTRA_DEMO_PASSWORD fixes them, for automated tests).
    """
    import os
    from pathlib import Path

    from neutra.cli import web

    if not os.environ.get("NEUTRA_HOME") and not os.environ.get("DATABASE_URL"):
        os.environ["NEUTRA_HOME"] = str(Path.home() / ".neutra-demo")
    # The demonstration runs like production (no debug pages listing URLs or
    # settings): its own secret key, made once and kept in its home; plain HTTP
    # on this machine, so cookies are not HTTPS-only and no HSTS is sent.
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = web.demo_secret_key()
    os.environ.setdefault("NEUTRA_SECURE_COOKIES", "0")
    os.environ.setdefault("NEUTRA_HSTS_SECONDS", "0")
    web.django_setup_or_exit()
    web.prepare_database(verbosity=0)

    from neutra.core.errors import NeutraError
    from neutra.web.demo import demo_load

    try:
        logins = demo_load(
            say=err.print,
            password=os.environ.get("NEUTRA_DEMO_PASSWORD") or None,
            run_tasks=web.run_queued_tasks,
        )
    except NeutraError as error:
        err.print(f"[red]Cannot load the demonstration:[/red] {error}")
        raise typer.Exit(2) from None
    if load_only:
        # Nothing serves it yet: say how, rather than an address that answers nothing.
        web.print_logins(logins, None)
        err.print(
            "Loaded. `neutra demo` serves it; so does `neutra serve` "
            "(same NEUTRA_HOME, with SECRET_KEY set)."
        )
        return
    web.print_logins(logins, f"http://{host}:{port}/")
    web.serve_forever(host, port, threads)


@app.command()
def worker() -> None:
    """Run the background tasks (uploads, calculations) queued by the web platform.

    `neutra serve` starts one itself; run more, on this or other machines
    sharing the database (DATABASE_URL), to work through more at once.
    """
    from neutra.cli import web

    web.django_setup_or_exit()
    web.run_worker()


@factors_app.command("import")
def factors_import(
    kind: Annotated[FactorKind, typer.Argument(help="What kind of file it is.")],
    path: Annotated[Path, typer.Argument(help="The file to import.")],
    name: Annotated[
        str | None,
        typer.Option(
            help="Name of the factor set (default: <publisher>-<edition year>, or the file name)."
        ),
    ] = None,
) -> None:
    """Import a publisher's factor file (or a custom factor CSV) into the local factor store.

    Importing the same file again changes nothing; a changed file becomes a new
    version of the set, and the old version stays available.
    """
    from neutra.cli import render
    from neutra.formats.factor_csv import read_factor_csv
    from neutra.formats.factor_import import FactorImport, import_file
    from neutra.formats.factor_store import FactorStore

    try:
        with render.working(err, f"Reading {path}"):
            if kind is FactorKind.csv:
                result = FactorImport(read_factor_csv(path, name=name))
            else:
                result = import_file(kind.value, path, name=name)
        created = FactorStore().save(result.factor_set, result.conversions)
    except InvalidInputError as exc:
        fail(exc.problems, omitted=exc.omitted)
    except NeutraError as exc:
        fail([Problem(str(path), None, None, None, exc.message)])
    factor_set = result.factor_set
    verb = "Imported" if created else "Already imported (no change):"
    out.print(f"{verb} {factor_set.name} version {factor_set.version}, {len(factor_set):,} factors")
    if result.conversions:
        out.print(f"  {len(result.conversions):,} energy conversions kept apart from the factors")
    for note in result.notes:
        out.print(f"  {note}", markup=False, highlight=False)


@factors_app.command("download")
def factors_download(
    publisher: Annotated[str, typer.Argument(help="desnz, epa-hub, useeio or grid.")],
    edition: Annotated[str, typer.Argument(help="The edition, e.g. 2025.")],
    name: Annotated[
        str | None,
        typer.Option(help="Name of the factor set (default: <publisher>-<edition year>)."),
    ] = None,
) -> None:
    """Download a publisher's official factor file and import it, as `factors import` does.

    The file is saved in NEUTRA_HOME/downloads and checked against its known
    SHA-256. With NEUTRA_DOWNLOAD_BASE_URL set, it is fetched from
    <base>/<file name> instead of the publisher (a mirror). Offline, the message
    names the file to download by hand and the import command to run.
    """
    from neutra.cli import render
    from neutra.formats import download

    try:
        wanted = download.edition(publisher, edition)
        label = f"Downloading {wanted.file_name}"
        with render.progress(err) as report:
            path = download.fetch(
                wanted, name=name, progress=lambda done, total: report(label, done, total or 0)
            )
    except NeutraError as exc:
        # Not the problems table: a URL and a command must stay whole to be copied.
        err.print(f"neutra: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    out.print(f"Downloaded {path}", markup=False, highlight=False, soft_wrap=True)
    factors_import(FactorKind(wanted.publisher), path, name=name)
    out.print(f"Source: {wanted.citation} ({wanted.licence})", markup=False, highlight=False)


@factors_app.command("diff")
def factors_diff(
    old: Annotated[str, typer.Argument(help="The earlier set: NAME or NAME@VERSION.")],
    new: Annotated[str, typer.Argument(help="The later set: NAME or NAME@VERSION.")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table or json.")
    ] = OutputFormat.table,
) -> None:
    """List the factors added, removed and changed between two sets or versions."""
    from neutra.cli import render
    from neutra.core.factors import diff_factor_sets
    from neutra.formats.factor_refs import FactorSetRef, load

    if output_format not in (OutputFormat.table, OutputFormat.json):
        fail([Problem("--format", None, None, output_format.value, "diff prints table or json")])
    try:
        before, after = load(FactorSetRef.parse(old)), load(FactorSetRef.parse(new))
    except NeutraError as exc:
        fail([Problem("factors diff", None, None, None, exc.message)])
    difference = diff_factor_sets(before, after)
    if output_format is OutputFormat.json:
        document = {
            "schema": "neutra.factor_diff/1",
            "old": {"name": before.name, "version": before.version},
            "new": {"name": after.name, "version": after.version},
            "added": [f.as_dict() for f in difference.added],
            "removed": [f.as_dict() for f in difference.removed],
            "changed": [{"old": a.as_dict(), "new": b.as_dict()} for a, b in difference.changed],
            "unchanged": difference.unchanged,
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return
    render.factor_diff(out, before, after, difference)


@factors_app.command("list")
def factors_list() -> None:
    """List the stored factor sets and the starter library's, with their versions."""
    from neutra.cli import render
    from neutra.formats.factor_store import FactorStore
    from neutra.formats.starter import starter_library

    render.stored_sets(out, FactorStore().list(), starter_library())


@factors_app.command("show")
def factors_show(
    reference: Annotated[str, typer.Argument(help="NAME or NAME@VERSION")],
) -> None:
    """Show the factors of a set: the starter library's or a stored one."""
    from neutra.cli import render
    from neutra.formats.factor_refs import FactorSetRef, load
    from neutra.formats.starter import starter_library

    try:
        factor_set = load(FactorSetRef.parse(reference))
    except NeutraError as exc:
        fail([Problem(reference, None, None, None, exc.message)])
    starter = any(s is factor_set for s in starter_library())
    render.factor_set(out, factor_set, starter=starter)


@factors_app.command("search")
def factors_search(
    text: Annotated[str, typer.Argument(help='Words to look for, e.g. "natural gas kwh".')],
) -> None:
    """Find activity keys, and factors of the stored and starter sets, by words."""
    from neutra.cli import render
    from neutra.core.taxonomy import search_activities
    from neutra.formats.factor_store import FactorStore
    from neutra.formats.starter import starter_library

    render.activity_hits(out, search_activities(text))
    store = FactorStore()
    words = text.lower().split()
    sets = [
        (stored.name, store.load(f"{stored.name}@{stored.version}"))
        for stored in store.list()
        if stored.current
    ] + [(f"{s.name} (starter)", s) for s in starter_library()]
    hits = []
    for label, factor_set in sets:
        for factor in factor_set.factors:
            fields = (
                factor.factor_id,
                factor.activity,
                factor.unit,
                factor.region,
                factor.description,
            )
            haystack = " ".join(str(v) for v in fields if v).lower().replace("_", " ")
            if all(w in haystack for w in words):
                hits.append((label, factor))
    render.search_hits(out, hits)


def main(args: list[str] | None = None) -> None:
    """The installed `neutra` script (and `python -m neutra`): the app, with its errors as exit 2."""
    # Start-up makes some million objects that live to the end (Ibis, pandas, pint):
    # collecting the youngest every 50,000 allocations rather than 700 saves a tenth of
    # a second, as mypy does; cycles are still collected. (`neutra serve` and `neutra
    # worker`, which run for days, go back to Python's own: cli.web._as_a_service.)
    gc.set_threshold(50_000, 20, 100)
    for given in sys.argv[1:] if args is None else args:
        try:
            given.encode("utf-8")
        except UnicodeEncodeError:  # a file name in another encoding (Linux keeps its bytes)
            shown = given.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            err.print(
                f"neutra: {shown!r} is not UTF-8 text: rename the file, or give the name in UTF-8",
                markup=False,
            )
            sys.exit(2)
    try:
        app(args=args, prog_name="neutra")
    except NeutraError as exc:  # a mistake outside any one command's handling
        err.print(f"neutra: {exc.message}", markup=False)
        sys.exit(2)
    finally:
        # What lives now lives to the end: Python's last collection need not walk it
        # (about 0.2 s of every command's exit, with Ibis, pandas and pint loaded).
        gc.freeze()
