"""`neutra footprint` from the command line against hand-written DuckDB SQL (issue 14).

Whole processes, as a user runs them: `neutra footprint ACTIVITIES --factors
factors.csv --format json|csv --output ...` on generated CSV (and Parquet) files,
against one DuckDB query in a fresh Python process doing the same join and
aggregation on the same file. Interleaved A B A B ..., medians, each side's peak
memory (`ru_maxrss` of the child, from `os.wait4`).

Data: the generators of `bench/footprint.py` (same activities, regions, years,
units and about 3,000 factors), written as an activity CSV or Parquet file and a
custom factor CSV (DESIGN.md §3.2); not timed. The baseline joins each row to the
pre-resolved factor lookup (fallbacks applied), the unit scale and the factor's
gases, as bench/footprint.py's does.

    .venv/bin/python bench/cli_footprint.py --rows 1000000 --repeat 3
    .venv/bin/python bench/cli_footprint.py --rows 3000000 --formats json
    .venv/bin/python bench/cli_footprint.py --rows 10000000 --parquet --repeat 1
    .venv/bin/python bench/cli_footprint.py --suite  # 3M CSV, then 10M Parquet rows
    .venv/bin/python bench/cli_footprint.py --rows 1000000 --before /tmp/old/src  # before/after

It never times data generation. It checks that the CLI's totals agree with the
baseline's (relative 1e-6) on the JSON side.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
import footprint as engine_bench

BASELINE = """
import sys, duckdb
directory, path = sys.argv[1], sys.argv[2]
reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for name in ("resolved", "gases", "scales"):
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{directory}/{name}.parquet')")
rows = con.execute(f'''
SELECT r.scope, r.category, g.gas, a.entity,
       sum(a.quantity * u.scale * g.t_per_unit)         AS t,
       sum(a.quantity * u.scale * g.t_per_unit * g.gwp) AS t_co2e
FROM {reader}($path) AS a
JOIN resolved AS r ON a.activity = r.activity AND a.region = r.region AND a.year = r.year
JOIN scales   AS u ON a.unit = u.unit AND r.factor_unit = u.factor_unit
JOIN gases    AS g ON r.factor_id = g.factor_id
GROUP BY ALL''', {"path": path}).fetchall()
print(sum(r[5] for r in rows))
"""


def generate(directory: Path, rows: int, parquet: bool, args: argparse.Namespace) -> Path:
    """The activity file (CSV or Parquet) and factors.csv; reused if present."""
    engine_bench.generate(directory, rows, args)  # factors.json, lookups, activities-N.parquet
    factors_csv = directory / "factors.csv"
    if not factors_csv.exists():
        factors = json.loads((directory / "factors.json").read_text())
        with factors_csv.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["factor_id", "activity", "gas", "value", "unit", "gwp_set",
                             "region", "year", "scope", "category", "basis", "source"])  # fmt: skip
            for f in factors:
                for gas, value, _ in f["gases"]:
                    writer.writerow([f["factor_id"], f["activity"], gas, repr(value),
                                     f"t/{f['unit']}", f["gwp_set"] or "", f["region"],
                                     f["year"], f["scope"], f["category"] or "", f["basis"],
                                     "synthetic"])  # fmt: skip
    path = directory / f"activities-{rows}.parquet"
    if parquet:
        return path
    csv_path = directory / f"activities-{rows}.csv"
    if not csv_path.exists():
        pacsv.write_csv(pq.read_table(path), csv_path)
    return csv_path


def run(command: list[str], env: dict[str, str], cap_mb: float = 0.0) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, killed past `cap_mb` of RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed: list[float] = []
    if cap_mb:
        threading.Thread(target=_watch, args=(process, cap_mb, killed), daemon=True).start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if killed:
        raise SystemExit(f"{command[:4]} killed past {killed[0]:.0f} MB of RSS (the cap)")
    if process.returncode != 0:
        raise SystemExit(f"{command[:4]} failed: {process.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]
    return elapsed, usage.ru_maxrss / 1024


def _watch(process: subprocess.Popen[bytes], cap_mb: float, killed: list[float]) -> None:
    """Kill the child past the cap, so that a run cannot exhaust a shared machine."""
    while process.returncode is None:
        try:
            with open(f"/proc/{process.pid}/status") as status:
                rss = next((int(x.split()[1]) / 1024 for x in status if x.startswith("VmRSS:")), 0)
        except OSError:
            return
        if rss > cap_mb:
            killed.append(rss)
            process.kill()
            return
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--parquet", action="store_true", help="Parquet instead of CSV")
    parser.add_argument("--formats", nargs="+", default=["json", "csv"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/neutra-bench-cli"))
    parser.add_argument(
        "--before", type=Path, help="also time the neutra of this source tree (before a change)"
    )
    parser.add_argument("--no-warm", action="store_true", help="skip the untimed first round")
    parser.add_argument(
        "--memory-cap-gb",
        type=float,
        default=6.0,
        help="kill a side past this RSS (shared machine)",
    )
    parser.add_argument(
        "--suite",
        action="store_true",
        help="the acceptance runs of issue 14: 3M CSV rows, then 10M Parquet rows",
    )
    parser.add_argument("--factors", type=int, default=3000)
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args(argv)
    if args.suite:
        for rows, parquet in ((3_000_000, False), (10_000_000, True)):
            args.rows, args.parquet = rows, parquet
            measure(args)
        return 0
    return measure(args)


def measure(args: argparse.Namespace) -> int:
    """One size and kind of file: every side, interleaved, then the table of medians."""
    cap_mb = args.memory_cap_gb * 1024
    # Generated in a process of its own: a child's peak RSS (ru_maxrss) counts its parent's
    # size when it was forked, so millions of rows made here would raise every side's peak.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        path = pool.submit(generate, args.dir, args.rows, args.parquet, args).result()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python keeps its compiled modules
    out = args.dir / "out"
    sides: dict[str, list[str]] = {}
    envs: dict[str, dict[str, str]] = {}
    for fmt in args.formats:
        for tree in ("", "before") if args.before else ("",):
            name = f"{fmt}@{tree}" if tree else fmt
            sides[name] = [sys.executable, "-m", "neutra", "footprint", str(path), "--factors",
                           str(args.dir / "factors.csv"), "--format", fmt,
                           "--output", f"{out}-{tree or 'now'}.{fmt}"]  # fmt: skip
            envs[name] = {**env, "PYTHONPATH": str(args.before)} if tree else env
    sides["sql"] = [sys.executable, "-c", BASELINE, str(args.dir), str(path)]
    envs["sql"] = env
    if not args.no_warm:
        for name, command in sides.items():  # warm the file cache and compiled modules
            run(command, envs[name], cap_mb)
    times: dict[str, list[float]] = {k: [] for k in sides}
    peaks: dict[str, list[float]] = {k: [] for k in sides}
    for repeat in range(args.repeat):
        for name, command in sides.items():
            elapsed, peak = run(command, envs[name], cap_mb)
            times[name].append(elapsed)
            peaks[name].append(peak)
        print(f"  run {repeat + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
              flush=True)  # fmt: skip
    if "json" in sides:
        # Only the summary at the head: the document can be gigabytes of flags.
        with (args.dir / "out-now.json").open() as handle:
            head = handle.read(1 << 20)
        document = json.loads(head[: head.index(',\n  "flags": ')] + "}")
        sql_total = float(subprocess.run(sides["sql"], env=env, capture_output=True, text=True,
                                         check=True).stdout.split()[-1])  # fmt: skip
        cli_total = document["totals"]["total_location"]
        agree = abs(cli_total - sql_total) <= 1e-6 * abs(sql_total)
        print(f"  totals agree: {'yes' if agree else 'NO'} (cli {cli_total!r}, sql {sql_total!r})")
    base = statistics.median(times["sql"])
    kind = "Parquet" if args.parquet else "CSV"
    print(f"\n{args.rows:,} {kind} rows, medians of {args.repeat}:")
    print(f"{'side':>12} {'median s':>9} {'ratio':>7} {'peak MB':>8} {'peak ratio':>10}")
    base_peak = max(peaks["sql"])
    for name in sides:
        median, peak = statistics.median(times[name]), max(peaks[name])
        print(
            f"{name:>12} {median:>9.2f} {median / base:>6.2f}x {peak:>8.0f} {peak / base_peak:>9.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
