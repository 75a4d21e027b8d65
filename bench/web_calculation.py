"""Benchmark of the web upload and calculation on PostgreSQL against DuckDB plus COPY.

Issue 14's web acceptance: uploading N activity rows (default 1,000,000) and
calculating them with every line stored, on PostgreSQL, within 3x of a
baseline that does the least the same outcome needs: DuckDB reading the same
CSV file, plus PostgreSQL's COPY of the same number of lines into the same
server (a table shaped like the stored lines, with their indexes).

Set-up (not timed): a CSV of N rows (bench/dashboard.py's generator: 14
starter-library activities, 50 entities, one year), a scratch database made
next to the one named by `--database-url` and dropped at the end, migrated,
with one consultancy, one client with 50 entities, a consultant and a draft
inventory; django-tasks' ImmediateBackend, so each job runs inside the call.

Sides, interleaved A B A B ..., each in a fresh Python process so each
reports its own peak RSS (`os.wait4`; PostgreSQL's own processes are not in
it, on either side):

  A  web: `upload_accept` of the CSV and its job (read, validate, check
     against the inventory and the pinned factor sets, store every row),
     then `calculation_start` and its job (the engine on PostgreSQL itself,
     the summary and every line stored). The run checks both jobs succeeded
     and N lines were stored, then removes the calculation and the upload
     (not timed), so every round starts from the same database.
  B  baseline: DuckDB `read_csv` of the same file into a table, then
     PostgreSQL's COPY of the very lines the web stored (saved as CSV from
     the first web round, not timed) into a table made `LIKE` the lines'
     table (same columns, defaults and indexes; no foreign key), in one
     transaction, emptied after (not timed). The lines come first, so the
     web side runs first in every round.

    .venv/bin/python bench/web_calculation.py --database-url postgresql://USER:PASS@HOST:5432/DB
    .venv/bin/python bench/web_calculation.py --database-url ... --rows 200000 --repeat 1 --profile web

It must never time building the file or the database, never assert on time
(it prints; bench/README.md records the figures), and never touch any
database but the scratch one it makes (and drops).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard import write_activities  # a sibling script, not a package

YEAR = 2025
ENTITIES = ["Group", *(f"Site {i:02d}" for i in range(1, 50))]
LINES_TABLE = "calculations_emissionline"
# Every column of a stored line but its id (the baseline copies these).
LINE_COLUMNS = ("organisation_id", "calculation_id", "file", '"row"', "row_id", "entity", "year",
                "scope", "category", "activity", "quantity", "unit", "region", "factor",
                "factor_source", "gwp_set", "flags", "inclusion_share", "emissions_t_co2e",
                "emissions_market_t_co2e", "market_detail", "biogenic_co2_t", "gases_t")  # fmt: skip
SCRATCH_LINES = "bench_baseline_lines"


def django_setup(url: str, home: str) -> None:
    os.environ.update(
        DATABASE_URL=url, NEUTRA_HOME=home, SECRET_KEY="bench-" + "k" * 50,
        NEUTRA_TASKS="immediate", NEUTRA_MAX_UPLOAD_MB="2000",
        DJANGO_SETTINGS_MODULE="neutra.web.config.settings",
    )  # fmt: skip
    os.environ.pop("NEUTRA_DEBUG", None)
    import django

    django.setup()


def child_setup(url: str, home: str) -> None:
    """Migrate the scratch database and make the client, its inventory and the baseline table."""
    django_setup(url, home)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from neutra.web.inventories.services import inventory_create
    from neutra.web.tenancy.models import Role
    from neutra.web.tenancy.services import (
        consultancy_create,
        consultancy_membership_grant,
        entity_create,
        organisation_create,
    )

    call_command("migrate", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user(username="bench", password=None)
    consultancy = consultancy_create(name="Bench Consultancy", by=None)
    consultancy_membership_grant(consultancy=consultancy, user=user, role=Role.CONSULTANT, by=None)
    organisation = organisation_create(
        consultancy=consultancy, name="Bench Client", country="GB", by=user
    )
    root = entity_create(organisation=organisation, name=ENTITIES[0], by=user)
    for name in ENTITIES[1:]:
        entity_create(organisation=organisation, name=name, parent=root, by=user)
    inventory_create(organisation=organisation, year=YEAR, by=user)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SCRATCH_LINES} (LIKE {LINES_TABLE} INCLUDING ALL)")


def child_web(url: str, home: str, path: Path, rows: int, profile: bool) -> dict[str, Any]:
    """A: upload then calculate through the services; seconds of each."""
    django_setup(url, home)
    from django.contrib.auth import get_user_model

    from neutra.core.engine import compute_footprint
    from neutra.core.gwp import gwp_set
    from neutra.formats.activity_files import read_activities
    from neutra.formats.starter import starter_library
    from neutra.web.activities.models import ActivityUpload
    from neutra.web.activities.services import upload_accept, upload_delete
    from neutra.web.calculations.models import Calculation, EmissionLine
    from neutra.web.calculations.services import calculation_start
    from neutra.web.inventories.models import Inventory
    from neutra.web.jobs.models import JobStatus

    # A worker has loaded the starter library and imported the reading stack
    # (pandas, pyarrow's CSV reader, the engine) once per process, not per job.
    sets = starter_library()
    tiny = Path(home) / "warm.csv"
    write_activities(tiny, 20, YEAR, ENTITIES)
    compute_footprint(read_activities([tiny]), sets, gwp_set("AR5"))
    user = get_user_model().objects.get(username="bench")
    inventory = Inventory.objects.get()
    profiler = cProfile.Profile() if profile else None

    def upload() -> None:
        with path.open("rb") as stream:
            job = upload_accept(
                inventory=inventory, by=user, file_name=path.name, stream_or_path=stream,
                size=path.stat().st_size,
            )  # fmt: skip
        job.refresh_from_db()
        if job.status != JobStatus.SUCCEEDED:
            sys.exit(f"the upload failed: {job.message} {job.problems[:3]}")

    def calculate() -> None:
        job = calculation_start(inventory=inventory, by=user)
        job.refresh_from_db()
        if job.status != JobStatus.SUCCEEDED:
            sys.exit(f"the calculation failed: {job.message} {job.problems[:3]}")

    times = {}
    for name, work in (("upload", upload), ("calculate", calculate)):
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        work()
        if profiler is not None:
            profiler.disable()
        times[name] = time.perf_counter() - started
    stored = EmissionLine.objects.count()
    if stored != rows:
        sys.exit(f"stored {stored:,} lines, expected {rows:,}")
    calculation = Calculation.objects.get()
    result = {**times, "hash": calculation.output_hash, "total": calculation.summary["totals"]}
    lines = Path(home) / "lines.csv"
    if not lines.exists():  # the baseline's COPY input: these very lines (not timed)
        from django.db import connection

        select = f"SELECT {', '.join(LINE_COLUMNS)} FROM {LINES_TABLE} ORDER BY id"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy,
            lines.open("wb") as out,
        ):
            for chunk in copy:
                out.write(chunk)
    # Not timed: back to an empty inventory for the next round.
    EmissionLine.objects.all().delete()
    Calculation.objects.all().delete()
    upload_delete(upload=ActivityUpload.objects.get(), by=None)
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    return result


def child_baseline(url: str, path: Path, lines: Path, rows: int) -> dict[str, Any]:
    """B: DuckDB reads the file; COPY writes the same lines into PostgreSQL."""
    import duckdb
    import psycopg

    started = time.perf_counter()
    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE activities AS SELECT * FROM read_csv('{path}', header = true)")
    read_s = time.perf_counter() - started
    (count,) = duck.execute("SELECT count(*) FROM activities").fetchone()  # type: ignore[misc]
    copy_sql = f"COPY {SCRATCH_LINES} ({', '.join(LINE_COLUMNS)}) FROM STDIN (FORMAT csv)"
    with psycopg.connect(url) as pg, pg.cursor() as cursor:
        with cursor.copy(copy_sql) as copy, lines.open("rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        pg.commit()
        total = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {SCRATCH_LINES}")
        copied = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute(f"TRUNCATE {SCRATCH_LINES}")  # not timed
        pg.commit()
    if copied != rows or count != rows:
        sys.exit(f"read {count:,} rows and copied {copied:,} lines, expected {rows:,}")
    return {"read": read_s, "baseline": total}


def spawn(*arguments: str) -> tuple[dict[str, Any], float]:
    """Run this script as a child; its JSON result and its peak RSS in MB."""
    # Compiled modules kept, as in an installation (a fresh compile of every import
    # would be timed otherwise).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(
        [sys.executable, __file__, *arguments], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"child {arguments[:2]} failed ({status}): {output[-2000:]}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL (its server)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile", choices=("web",), default=None, help="cProfile the web side (to stderr)"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--home", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--file", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "setup":
        child_setup(args.database_url, args.home)
        print(json.dumps({}))
        return
    if args.child == "web":
        result = child_web(
            args.database_url, args.home, Path(args.file), args.rows, args.profile == "web"
        )
        print(json.dumps(result))
        return
    if args.child == "baseline":
        lines = Path(args.home) / "lines.csv"
        print(json.dumps(child_baseline(args.database_url, Path(args.file), lines, args.rows)))
        return

    import psycopg

    name = f"neutra_bench_web_{uuid.uuid4().hex[:8]}"
    base, _, _ = args.database_url.rpartition("/")
    target = f"{base}/{name}"
    with tempfile.TemporaryDirectory(prefix="neutra-bench-web-") as home:
        path = Path(home) / "activities.csv"
        started = time.perf_counter()
        write_activities(path, args.rows, YEAR, ENTITIES)
        print(
            f"built {args.rows:,} rows, {path.stat().st_size / 1_048_576:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s (not timed)"
        )
        with psycopg.connect(args.database_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            server = admin.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        try:
            common = ["--database-url", target, "--home", home, "--file", str(path)]
            common += ["--rows", str(args.rows)]
            spawn("--child", "setup", *common)
            web: list[dict[str, Any]] = []
            baseline: list[dict[str, Any]] = []
            for round_ in range(args.repeat):
                extra = ["--profile", args.profile] if args.profile else []
                result, peak = spawn("--child", "web", *common, *extra)
                web.append({**result, "peak": peak})
                result, peak = spawn("--child", "baseline", *common)
                baseline.append({**result, "peak": peak})
                print(
                    f"round {round_ + 1}: web upload {web[-1]['upload']:.2f} s + calculation "
                    f"{web[-1]['calculate']:.2f} s (peak {web[-1]['peak']:,.0f} MB) | "
                    f"baseline {baseline[-1]['baseline']:.2f} s (DuckDB read "
                    f"{baseline[-1]['read']:.2f} s; peak {baseline[-1]['peak']:,.0f} MB)",
                    flush=True,
                )
        finally:
            with psycopg.connect(args.database_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    hashes = {w["hash"] for w in web}
    upload = statistics.median(w["upload"] for w in web)
    calculate = statistics.median(w["calculate"] for w in web)
    both = statistics.median(w["upload"] + w["calculate"] for w in web)
    base_s = statistics.median(b["baseline"] for b in baseline)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {server}; {args.rows:,} rows, medians of {args.repeat} interleaved rounds; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"web upload (validate + store rows):       {upload:7.2f} s")
    print(f"web calculation (engine + store lines):   {calculate:7.2f} s")
    print(
        f"web upload + calculation:                 {both:7.2f} s  ({both / base_s:.2f}x baseline)"
    )
    print(f"baseline: DuckDB read + COPY of {args.rows:,} lines: {base_s:7.2f} s")
    print(
        f"peak RSS: web {statistics.median(w['peak'] for w in web):,.0f} MB, "
        f"baseline {statistics.median(b['peak'] for b in baseline):,.0f} MB"
    )
    print(f"output hash the same every round: {'yes' if len(hashes) == 1 else 'NO'} ({hashes})")
    print(f"target: within 3x -> {'met' if both <= 3 * base_s else 'NOT met'}")


if __name__ == "__main__":
    main()
