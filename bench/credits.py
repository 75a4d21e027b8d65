"""Benchmarks of the credits ledger: `neutra credits check` on a big ledger, and cancellations on PostgreSQL.

1. check: generates a ledger file of N rows (default 1,000,000; not timed):
   lots of 1,000 CERs bought into stock, then, wave by wave, half of each lot
   allocated to a client, two cancellations and a sale of parts of it, dates
   never going back. Times, interleaved A B A B ...:
     A  what `neutra credits check --format json` does: stream and validate the
        rows (`iter_ledger`), replay them (`replay_ledger`), build `neutra.ledger/1` and its text;
     B  the baseline: DuckDB reading the same CSV and summing units per action.
   Prints rows per second of each and the ratio.

2. cancel (with --postgres URL): a fresh database on that server (dropped
   after), migrated; one consultancy, 8 clients each holding 40 blocks of
   1,000 units; 8 worker processes each cancel 10-unit ranges of its client's
   units through `credits_cancel` (row locks, journal, audit: the whole
   service) for a fixed time. Then, on the same server in the same run,
   pgbench's TPC-B-like transactions per second with 8 clients, when pgbench is
   found. Prints cancellations per second next to pgbench's tps.

    .venv/bin/python bench/credits.py check --rows 1000000
    .venv/bin/python bench/credits.py cancel --postgres postgresql://neutra:neutra@127.0.0.1:5432/neutra_credits

It must never time building the inputs, and never touch a database it did not create.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

COLUMNS = ["txn_id", "date", "action", "programme", "unit_type", "host_party", "project_id", "vintage", "serial_start", "serial_end", "quantity", "policy", "registry", "account", "to_registry", "to_account", "client", "to_client", "beneficiary", "purpose", "for_period", "counterparty", "price", "currency", "reference"]  # fmt: skip
PARTIES = ("IN", "CN", "BR", "VN", "MX", "ZA", "TH", "ID", "CL", "PE")
CLIENTS = tuple(f"Client {n:03d}" for n in range(200))
LOT = 1_000


def make_ledger(path: Path, rows: int) -> int:
    """A valid ledger of about `rows` rows (5 per lot); returns the number written."""
    lots = rows // 5
    wave = 2_000
    written = 0
    day = date(2020, 1, 1)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(COLUMNS)

        def row(**cells: Any) -> None:
            nonlocal written
            written += 1
            out.writerow([cells.get(c, "") for c in COLUMNS])

        for first in range(0, lots, wave):
            batch = range(first, min(lots, first + wave))
            day += timedelta(days=1)
            when = day.isoformat()
            for lot in batch:
                party = PARTIES[lot % len(PARTIES)]
                start = (lot // len(PARTIES)) * LOT + 1
                row(txn_id=f"p{lot}", date=when, action="purchase", programme="CDM", unit_type="CER",
                    host_party=party, project_id=str(1000 + lot % 97), vintage=str(2008 + lot % 12),
                    serial_start=start, serial_end=start + LOT - 1, quantity=LOT, registry="CDM",
                    account="HOLD", counterparty="Broker", price="1.25", currency="EUR")  # fmt: skip
            for kind, offset, size in (
                ("allocate", 0, 500),
                ("cancel", 0, 100),
                ("cancel", 100, 100),
                ("sale", 500, 50),
            ):
                for lot in batch:
                    party = PARTIES[lot % len(PARTIES)]
                    start = (lot // len(PARTIES)) * LOT + 1 + offset
                    client = CLIENTS[lot % len(CLIENTS)]
                    common = dict(date=when, programme="CDM", unit_type="CER", host_party=party,
                                  serial_start=start, serial_end=start + size - 1)  # fmt: skip
                    if kind == "allocate":
                        row(txn_id=f"a{lot}", action="transfer", to_client=client, **common)
                    elif kind == "cancel":
                        row(txn_id=f"c{lot}-{offset}", action="cancel", client=client, beneficiary=client,
                            purpose="offset", for_period="2024", **common)  # fmt: skip
                    else:
                        row(txn_id=f"s{lot}", action="sale", counterparty="Buyer", **common)
    return written


def check_once(path: Path) -> tuple[float, int]:
    from neutra.core.credits import replay_ledger
    from neutra.core.errors import Problem
    from neutra.formats.hashing import file_sha256
    from neutra.formats.ledger_file import iter_ledger, ledger_json, ledger_json_text

    started = time.perf_counter()
    problems: list[Problem] = []
    ledger = replay_ledger(iter_ledger(path, problems), source=str(path), keep_history=False)
    assert not problems, problems[:3]
    document = ledger_json(ledger, file_sha256(path))
    written = sum(len(piece) for piece in ledger_json_text(document))  # the text it prints
    assert written
    return time.perf_counter() - started, len(document["blocks"])


def duckdb_once(path: Path) -> tuple[float, dict[str, int]]:
    import duckdb

    started = time.perf_counter()
    rows = duckdb.sql(
        f"SELECT action, count(*), sum(serial_end - serial_start + 1) FROM read_csv('{path}', all_varchar=false) GROUP BY action"
    ).fetchall()
    return time.perf_counter() - started, {a: int(u) for a, _, u in rows}


def bench_check(rows: int, repeat: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="neutra-bench-credits-"))
    try:
        path = folder / "ledger.csv"
        made = time.perf_counter()
        written = make_ledger(path, rows)
        print(
            f"generated {written:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - made:.1f} s (not timed)"
        )
        ours, base = [], []
        for _ in range(repeat):
            seconds, blocks = check_once(path)
            ours.append(seconds)
            seconds_b, units = duckdb_once(path)
            base.append(seconds_b)
        a, b = statistics.median(ours), statistics.median(base)
        print(
            f"check (read, validate, replay, JSON): {a:.2f} s = {written / a:,.0f} rows/s; {blocks:,} blocks"
        )
        print(
            f"DuckDB read_csv + group by:           {b:.2f} s = {written / b:,.0f} rows/s; units by action {units}"
        )
        print(
            f"ratio check / DuckDB: {a / b:.1f}x   ({platform.processor() or platform.machine()}, Python {platform.python_version()})"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- cancellations on PostgreSQL

WORKERS = 8
BLOCKS_PER_CLIENT = 40


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("NEUTRA_HOME", tempfile.mkdtemp(prefix="neutra-bench-home-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "neutra.web.config.settings"
    import django

    django.setup()


def _setup(url: str) -> None:
    _django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from neutra.web.credits.services import (
        account_create,
        credits_purchase,
        project_create,
        registry_create,
    )
    from neutra.web.tenancy.services import consultancy_create, organisation_create

    consultancy = consultancy_create(name="Bench consultancy", by=None)
    registry = registry_create(consultancy=consultancy, code="CDM", by=None)
    account = account_create(registry=registry, number="HOLD", by=None)
    project = project_create(
        consultancy=consultancy,
        programme="CDM",
        project_id="1",
        title="Bench",
        host_party="IN",
        by=None,
    )
    for w in range(WORKERS):
        client = organisation_create(
            consultancy=consultancy, name=f"Client {w}", country="GB", by=None
        )
        for b in range(BLOCKS_PER_CLIENT):
            start = (w * BLOCKS_PER_CLIENT + b) * LOT + 1
            credits_purchase(consultancy=consultancy, account=account, project=project, unit_type="CER", vintage="2012",
                             serial_start=start, serial_end=start + LOT - 1, organisation=client,
                             date=date(2025, 1, 1), by=None)  # fmt: skip


def _worker(url: str, w: int, seconds: float, ready: Any, go: Any, results: Any) -> None:
    _django(url)
    from neutra.web.credits.models import CreditProject
    from neutra.web.credits.services import Units, credits_cancel
    from neutra.web.tenancy.models import Consultancy, Organisation

    consultancy = Consultancy.objects.get()
    project = CreditProject.objects.get()
    client = Organisation.objects.get(name=f"Client {w}")
    done = 0
    serial = w * BLOCKS_PER_CLIENT * LOT + 1
    ready.put(w)
    go.wait()
    stop = time.time() + seconds
    while time.time() < stop:
        units = Units(
            organisation=client,
            project=project,
            unit_type="CER",
            serial_start=serial,
            serial_end=serial + 9,
        )
        credits_cancel(
            consultancy=consultancy,
            units=units,
            date=date(2025, 3, 1),
            beneficiary=client.name,
            by=None,
        )
        serial += 10
        done += 1
    results.put(done)


def bench_cancel(url: str, seconds: float) -> None:
    import psycopg

    name = f"neutra_bench_{uuid.uuid4().hex[:8]}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    target = f"{base}/{name}"
    try:
        setup = multiprocessing.get_context("spawn").Process(target=_setup, args=(target,))
        setup.start()
        setup.join()
        assert setup.exitcode == 0
        context = multiprocessing.get_context("spawn")
        results, ready, go = context.Queue(), context.Queue(), context.Event()
        workers = [
            context.Process(target=_worker, args=(target, w, seconds, ready, go, results))
            for w in range(WORKERS)
        ]
        for p in workers:
            p.start()
        for _ in workers:  # every worker set up (Django, its connection) before the clock starts
            ready.get(timeout=300)
        go.set()
        counts = [results.get(timeout=seconds + 300) for _ in workers]
        for p in workers:
            p.join()
        total = sum(counts)
        print(
            f"cancellations (credits_cancel, {WORKERS} processes, {seconds:.0f} s): {total:,} = {total / seconds:,.0f} per second"
        )
        print(f"  per worker: {counts}")
        pgbench = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
        if Path(pgbench).exists():
            env = {**os.environ}
            from urllib.parse import urlparse

            parts = urlparse(target)
            env["PGPASSWORD"] = parts.password or ""
            connect = [
                "-h",
                parts.hostname or "127.0.0.1",
                "-p",
                str(parts.port or 5432),
                "-U",
                parts.username or "",
                name,
            ]
            subprocess.run(
                [pgbench, "-i", "-s", "8", "-q", *connect], env=env, check=True, capture_output=True
            )
            done = subprocess.run([pgbench, "-c", str(WORKERS), "-j", "2", "-T", str(int(seconds)), *connect],
                                  env=env, check=True, capture_output=True, text=True)  # fmt: skip
            tps = [line for line in done.stdout.splitlines() if line.startswith("tps")]
            print(
                f"pgbench (TPC-B-like, {WORKERS} clients, {seconds:.0f} s): {tps[0] if tps else done.stdout[-300:]}"
            )
        else:
            print("pgbench not found: no baseline")
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    check = sub.add_parser("check")
    check.add_argument("--rows", type=int, default=1_000_000)
    check.add_argument("--repeat", type=int, default=1)
    cancel = sub.add_parser("cancel")
    cancel.add_argument(
        "--postgres", required=True, help="a server URL whose user may create databases"
    )
    cancel.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    if args.what == "check":
        bench_check(args.rows, args.repeat)
    else:
        bench_cancel(args.postgres, args.seconds)
    json.dumps({})  # nothing written: the figures go to bench/README.md by hand
    sys.stdout.flush()


if __name__ == "__main__":
    main()
