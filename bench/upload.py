"""Benchmark of an activity upload in the web platform against reading the file alone.

Builds an XLSX of N realistic activity rows (starter-library activity keys,
the organisation's entities, the inventory's year; not timed), sets up a fresh
SQLite database in a temporary NEUTRA_HOME (migrations, one consultancy, one
client with entities, a contributor, a draft inventory; not timed), then
times, interleaved A B A B ...:

  A  the whole upload path a contributor waits for: `upload_accept` (role and
     state checks, the copy into NEUTRA_HOME/uploads, the job) and its task on
     django-tasks' ImmediateBackend (read and validate the file, check year and
     entities against the inventory, store the upload and every row in one
     transaction, audit, delete the file);
  B  the baseline: `read_activities` on the same file alone (read + validate).

A - B is what the web platform adds to reading the file: chiefly storing the
rows. Each A run's upload is removed again (not timed) so every run starts
from the same database. Also measured once, for the record: Django's ORM
`bulk_create` of the same rows (what the service does not use), rolled back.

    .venv/bin/python bench/upload.py                 # 100,000 rows, medians of 3
    .venv/bin/python bench/upload.py --rows 20000 --repeat 5

It must never time building the file or the database, and never run on a
database other than its own temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

YEAR = 2025
ENTITIES = ("Leeds plant", "Bristol plant", "Head office", "Warehouse North", "Fleet")
# (activity key, unit, quantity range, region choices, scope override, category)
KINDS: tuple[tuple[str, str, float, float, tuple[str, ...], int | None, int | None], ...] = (
    ("fuel.natural_gas", "kWh", 500.0, 90_000.0, ("GB",), None, None),
    ("electricity.grid", "kWh", 200.0, 60_000.0, ("GB", "DE", "FR", "US-CAMX", "US-ERCT"), None, None),
    ("electricity.grid", "MWh", 1.0, 400.0, ("GB", "NL", "PL"), None, None),
    ("fuel.diesel", "L", 20.0, 4_000.0, ("GB",), 1, None),
    ("fuel.petrol", "L", 10.0, 300.0, ("GB",), 3, 6),
    ("heat.district", "kWh", 100.0, 20_000.0, ("GB",), None, None),
    ("water.supply", "m3", 1.0, 900.0, ("GB",), None, None),
    ("spend.naics.541511", "USD", 100.0, 80_000.0, ("US",), None, 1),
    ("spend.naics.484121", "USD", 100.0, 40_000.0, ("US",), None, 4),
)  # fmt: skip
HEADER = ("id", "entity", "year", "activity", "quantity", "unit", "region", "scope",
          "category", "description", "cost_centre")  # fmt: skip


def make_workbook(path: Path, rows: int, seed: int = 7) -> None:
    """An XLSX of `rows` activity rows, as a contributor's spreadsheet would hold them."""
    import xlsxwriter

    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("activities")
    sheet.write_row(0, 0, HEADER)
    for index in range(1, rows + 1):
        key, unit, low, high, regions, scope, category = rng.choice(KINDS)
        month = rng.randint(1, 12)
        sheet.write_row(
            index,
            0,
            (
                f"INV-{index:07d}",
                rng.choice(ENTITIES),
                YEAR,
                key,
                round(rng.uniform(low, high), 2),
                unit,
                rng.choice(regions),
                "" if scope is None else scope,
                "" if category is None else category,
                f"{key} {YEAR}-{month:02d}",
                f"CC{rng.randint(100, 140)}",
            ),
        )
    workbook.close()


def setup_django(home: Path) -> None:
    """Django on a fresh SQLite file under `home`, tasks run in-process."""
    os.environ["NEUTRA_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)  # never a developer's own database
    os.environ["DJANGO_SETTINGS_MODULE"] = "neutra.web.config.settings"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-" + "x" * 40
    os.environ["NEUTRA_TASKS"] = "immediate"
    os.environ["NEUTRA_MAX_UPLOAD_MB"] = "1000"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_world() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from neutra.web.inventories.services import inventory_create
    from neutra.web.tenancy.models import Role
    from neutra.web.tenancy.services import (
        consultancy_create,
        entity_create,
        membership_grant,
        organisation_create,
    )

    consultancy = consultancy_create(name="Bench Consulting", by=None)
    organisation = organisation_create(
        consultancy=consultancy, name="Bench Manufacturing", country="GB", by=None
    )
    root = entity_create(organisation=organisation, name="Bench Manufacturing", by=None)
    for name in ENTITIES:
        entity_create(organisation=organisation, name=name, parent=root, by=None)
    user = get_user_model().objects.create_user(username="contributor", password=None)
    membership_grant(organisation=organisation, user=user, role=Role.CONTRIBUTOR, by=None)
    inventory = inventory_create(organisation=organisation, year=YEAR, by=None)
    return {"user": user, "inventory": inventory}


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="neutra-bench-upload-") as folder:
        home = Path(folder)
        path = home / "activities-2025.xlsx"
        started = time.perf_counter()
        make_workbook(path, args.rows)
        print(
            f"built {args.rows:,} rows, {path.stat().st_size / 1_048_576:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s (not timed)"
        )
        setup_django(home)
        world = make_world()
        run(path, args.rows, args.repeat, world)


def run(path: Path, rows: int, repeat: int, world: dict[str, Any]) -> None:
    from neutra.formats.activity_files import read_activities
    from neutra.formats.starter import starter_library
    from neutra.web.activities.models import ActivityRow, ActivityUpload
    from neutra.web.activities.services import upload_accept, upload_delete

    starter_library()  # warm: loaded once per process, not per upload
    user, inventory = world["user"], world["inventory"]

    def upload() -> None:
        job = upload_accept(
            inventory=inventory,
            by=user,
            file_name=path.name,
            stream_or_path=path,
            size=path.stat().st_size,
        )
        if job.status != "succeeded":
            sys.exit(f"the upload failed: {job.message} {job.problems[:3]}")

    def baseline() -> None:
        read_activities([path])

    uploads: list[float] = []
    reads: list[float] = []
    for _ in range(repeat):
        uploads.append(timed(upload))
        stored = ActivityRow.objects.count()
        if stored != rows:
            sys.exit(f"stored {stored:,} rows, expected {rows:,}")
        upload_delete(upload=ActivityUpload.objects.get(), by=None)  # not timed
        reads.append(timed(baseline))

    orm = orm_bulk_create(path)
    upload_s, read_s = statistics.median(uploads), statistics.median(reads)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite; medians of {repeat} interleaved runs"
    )
    print(f"read_activities alone (baseline):        {read_s:6.2f} s")
    print(
        f"upload: accept + validate + check + store: {upload_s:6.2f} s  "
        f"({upload_s / read_s:.2f}x baseline; {upload_s - read_s:+.2f} s over it)"
    )
    print(f"  rows per second, end to end:           {rows / upload_s:9,.0f}")
    print(f"for the record, ORM bulk_create of the same rows (rolled back): {orm:.2f} s")
    print(f"target: {rows:,} rows under 30 s -> {'met' if upload_s < 30 else 'NOT met'}")


def orm_bulk_create(path: Path) -> float:
    """Seconds Django's `bulk_create` takes for the same validated rows (then rolled back)."""
    from django.db import transaction

    from neutra.formats.activity_files import read_activities
    from neutra.web.activities.models import ActivityRow, ActivityUpload

    data = read_activities([path])
    records = data.table.order_by("_row").to_pyarrow().to_pylist()
    inventory = ActivityUpload._meta.get_field("inventory").related_model.objects.get()

    class Rollback(Exception):
        pass

    elapsed = 0.0
    try:
        with transaction.atomic():
            upload = ActivityUpload.objects.create(
                organisation_id=inventory.organisation_id,
                inventory=inventory,
                file_name=path.name,
                sha256="0" * 64,
                row_count=len(records),
            )
            start = time.perf_counter()
            ActivityRow.objects.bulk_create(
                (
                    ActivityRow(
                        organisation_id=inventory.organisation_id,
                        inventory=inventory,
                        upload=upload,
                        source=path.name,
                        row=r["_row"],
                        row_id=r["id"],
                        entity=r["entity"],
                        year=r["year"],
                        activity=r["activity"],
                        factor=r["factor"],
                        quantity=r["quantity"],
                        unit=r["unit"],
                        region=r["region"],
                        scope=r["scope"],
                        category=r["category"],
                        description=r["description"],
                        extra={name: r[name] for name in data.passthrough if r[name] is not None},
                    )
                    for r in records
                ),
                batch_size=5_000,
            )
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed


if __name__ == "__main__":
    main()
