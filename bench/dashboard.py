"""Benchmark of the dashboard page under concurrent users (issue acceptance: p95 < 200 ms).

Sets up, in a temporary NEUTRA_HOME (SQLite; or `--database-url` for
PostgreSQL), one client inventory of N activity rows (default 1,000,000)
uploaded and calculated through the real services (both timed and printed,
for information), then starts `neutra serve` (waitress) in a subprocess and
lets U simulated users (default 20), each logged in with their own session,
load the inventory's dashboard page over loopback, interleaved with the same
users loading `/healthz` as the in-run baseline (a page that touches no
data: the server's own floor on this machine).

Two load shapes, both printed:
  - users: each user waits a think time (0.5-1.5 s, seeded) between pages,
    as people do; the p95 of this shape is the acceptance figure;
  - saturation: no think time at all (every user fires the next request as
    soon as the last answers), the worst case; shown for what it says about
    throughput, not judged against the target.

    .venv/bin/python bench/dashboard.py                    # 1M rows, 20 users
    .venv/bin/python bench/dashboard.py --rows 100000 --requests 20

It must never time the data set-up in the page figures, and never assert on
time (it prints; bench/README.md records the figures).
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

TARGET_P95_MS = 200.0
PASSWORD = "benchmark passphrase 2026"

# (activity, unit, region, typical quantity per row): starter-library keys a client uses.
ACTIVITIES = (
    ("electricity.grid", "kWh", "GB", 2_000.0),
    ("electricity.grid", "kWh", "DE", 2_000.0),
    ("electricity.grid", "kWh", "US-CAMX", 2_000.0),
    ("electricity.grid", "kWh", "US-NYCW", 2_000.0),
    ("fuel.natural_gas", "kWh", "GB", 5_000.0),
    ("fuel.diesel", "L", "GB", 300.0),
    ("fuel.petrol", "L", "GB", 200.0),
    ("travel.air.short_haul.economy", "passenger_km", "GB", 1_500.0),
    ("travel.rail.national", "passenger_km", "GB", 400.0),
    ("hotel.night", "night", "GB", 3.0),
    ("freight.hgv.average_laden", "tonne_km", "GB", 10_000.0),
    ("waste.commercial_industrial.landfill", "t", "GB", 2.0),
    ("spend.naics.541511", "USD", "US", 5_000.0),
    ("spend.naics.484121", "USD", "US", 3_000.0),
)


def write_activities(path: Path, rows: int, year: int, entities: list[str]) -> None:
    noise = random.Random(7)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "entity", "year", "activity", "quantity", "unit", "region"])
        for number in range(1, rows + 1):
            activity, unit, region, typical = ACTIVITIES[number % len(ACTIVITIES)]
            quantity = round(typical * noise.uniform(0.2, 1.8), 2)
            entity = entities[number % len(entities)]
            writer.writerow([f"r{number}", entity, year, activity, quantity, unit, region])


def set_up(rows: int, say: object) -> int:
    """Migrate, create the client and its inventory, upload and calculate; the inventory id."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from neutra.web.activities.services import upload_accept
    from neutra.web.calculations.services import calculation_start
    from neutra.web.inventories.services import inventory_create
    from neutra.web.jobs.models import JobStatus
    from neutra.web.tenancy.models import Role
    from neutra.web.tenancy.services import (
        consultancy_create,
        consultancy_membership_grant,
        entity_create,
        organisation_create,
    )

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    user = get_user_model().objects.create_user(username="bench", password=PASSWORD)
    consultancy = consultancy_create(name="Bench Consultancy", by=None)
    consultancy_membership_grant(consultancy=consultancy, user=user, role=Role.CONSULTANT, by=None)
    organisation = organisation_create(
        consultancy=consultancy, name="Bench Client", country="GB", by=user
    )
    root = entity_create(organisation=organisation, name="Group", by=user)
    entities = ["Group"]
    for i in range(1, 50):
        entity_create(organisation=organisation, name=f"Site {i:02d}", parent=root, by=user)
        entities.append(f"Site {i:02d}")
    inventory = inventory_create(organisation=organisation, year=2025, by=user)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "activities.csv"
        write_activities(path, rows, 2025, entities)
        started = time.perf_counter()
        with path.open("rb") as stream:
            job = upload_accept(
                inventory=inventory,
                by=user,
                file_name="activities.csv",
                stream_or_path=stream,
                size=path.stat().st_size,
            )
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems[:3])
        print(
            f"set-up: upload of {rows:,} rows validated and stored in {time.perf_counter() - started:.1f} s"
        )
    started = time.perf_counter()
    job = calculation_start(inventory=inventory, by=user)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems[:3])
    print(
        f"set-up: calculation of {rows:,} rows (lines stored) in {time.perf_counter() - started:.1f} s"
    )
    return int(inventory.pk)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def logged_in(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the log-in page"
    body = urllib.parse.urlencode(
        {"username": "bench", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request).read()
    assert any(c.name == "sessionid" for c in jar), "log-in failed"
    return opener


def load(
    base: str, paths: tuple[str, str], users: int, requests: int, think: bool
) -> dict[str, list[float]]:
    """Each user alternates the two paths `requests` times each; latencies (ms) per path."""
    openers = [logged_in(base) for _ in range(users)]
    timings: dict[str, list[float]] = {p: [] for p in paths}
    lock = threading.Lock()
    errors: list[str] = []

    def user(index: int) -> None:
        pause = random.Random(index)
        for i in range(requests * 2):
            path = paths[i % 2]
            started = time.perf_counter()
            try:
                with openers[index].open(base + path, timeout=60) as answer:
                    answer.read()
                    ok = answer.status == 200
            except OSError as error:
                ok = False
                errors.append(f"{path}: {error}")
            elapsed = (time.perf_counter() - started) * 1000
            if ok:
                with lock:
                    timings[path].append(elapsed)
            if think:
                time.sleep(pause.uniform(0.5, 1.5))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  {len(errors)} failed requests, e.g. {errors[0]}")
    return timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, timings: dict[str, list[float]], dashboard: str) -> None:
    base = timings["/healthz"]
    page = timings[dashboard]
    p95, base95 = percentile(page, 0.95), percentile(base, 0.95)
    print(
        f"{name:<11} dashboard p50 {statistics.median(page):7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {max(page):7.1f} ms  ({len(page)} pages) | /healthz p50 {statistics.median(base):6.1f} ms  "
        f"p95 {base95:6.1f} ms | p95 ratio {p95 / base95:5.1f}x"
        + (
            f" | target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'}"
            if name == "users"
            else ""
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--requests", type=int, default=30, help="dashboard pages per user and shape"
    )
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL of an empty database")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="neutra-bench-dashboard-")
    os.environ.update(
        NEUTRA_HOME=home, SECRET_KEY="bench-" + "k" * 50, NEUTRA_TASKS="immediate",
        NEUTRA_SECURE_COOKIES="0", NEUTRA_HSTS_SECONDS="0", DJANGO_SETTINGS_MODULE="neutra.web.config.settings",
    )  # fmt: skip
    os.environ.pop("NEUTRA_DEBUG", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    print(f"{args.rows:,} activity rows, {args.users} users, {args.threads} server threads, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}; {os.cpu_count()} CPUs")  # fmt: skip
    inventory_id = set_up(args.rows, print)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "neutra", "serve", "--port", str(port), "--threads", str(args.threads)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)
        dashboard = f"/inventories/{inventory_id}/dashboard/"
        opener = logged_in(base)
        size = len(opener.open(base + dashboard).read())
        print(f"dashboard page: {size / 1024:.0f} KiB of HTML with its charts")
        for _ in range(5):  # warm caches and connections
            opener.open(base + dashboard).read()
        report(
            "users",
            load(base, ("/healthz", dashboard), args.users, args.requests, think=True),
            dashboard,
        )
        report(
            "saturation",
            load(base, ("/healthz", dashboard), args.users, args.requests, think=False),
            dashboard,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
