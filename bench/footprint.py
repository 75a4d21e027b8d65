"""Benchmark of the footprint engine against hand-written DuckDB SQL (DESIGN.md §6).

Generates N synthetic activity rows over a few thousand factors, writes them to
Parquet (not timed), then times, interleaved A B A B ..., each measurement in a
fresh subprocess so each side reports its own peak memory:

  A  the Neutra engine: `read_activities` (read + validate) then `compute_footprint`
     (end to end), and `compute_footprint` once more on the validated data (engine alone);
  B  a hand-written DuckDB query doing the same work on the same Parquet file: join each
     row to a pre-resolved factor table (activity, region, year -> factor, fallbacks
     already applied), to a unit-scaling table and to the factor's gases, multiply, and
     sum by scope / category / gas / entity.

Both totals must agree to 1e-6 (relative), so the baseline really does the same work.

    .venv/bin/python bench/footprint.py --rows 1000000
    .venv/bin/python bench/footprint.py --rows 1000000 --profile   # cProfile of the engine

It must never time data generation, and never compare figures computed from
different inputs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_ROWS = (1_000_000, 10_000_000)
RELATIVE_TOLERANCE = 1e-6
TARGET_RATIO = 1.5  # engine at 10M rows no slower than 1.5x the baseline
TARGET_PEAK_GB = 4.0

# Factor years and activity years: rows in 2022 and 2024 (and where a region's
# factors skip a year) take the latest earlier factor, flagged `year_fallback`.
FACTOR_YEARS = (2020, 2021, 2023)
ROW_YEARS = (2021, 2022, 2023, 2024)

# Regions that have factors of their own; every activity has a WORLD factor.
FACTOR_REGIONS = (
    "US", "US-CAMX", "US-ERCT", "US-RFCW", "US-NYUP", "CA", "MX", "BR", "AR",
    "GB", "GB-SCT", "DE", "FR", "IT", "ES", "NL", "PL", "SE", "NO", "CH",
    "CN", "IN", "JP", "KR", "AU", "ZA",
    "EU27", "EUROPE", "ASIA", "NORTH_AMERICA", "LATIN_AMERICA", "AFRICA", "OCEANIA",
)  # fmt: skip
# Regions the activity rows are in: some have factors, the rest fall back
# (US-SRSO -> US, AT -> EU27, VN -> ASIA, ...).
ROW_REGIONS = (
    "US", "US-CAMX", "US-ERCT", "US-RFCW", "US-SRSO", "US-NWPP", "CA", "MX", "BR", "CL",
    "GB", "GB-SCT", "GB-WLS", "DE", "FR", "IT", "ES", "NL", "PL", "AT", "BE", "DK",
    "CN", "IN", "JP", "VN", "TH", "AU", "NZ", "ZA", "KE", "EG",
)  # fmt: skip

# Activity kinds: factor unit, the units rows are written in (with the scale to
# the factor unit a hand-writer would type), scope, categories, gases.
PER_GAS = ("CO2", "CH4", "N2O")
KINDS: dict[str, dict[str, Any]] = {
    "fuel_liquid": {
        "unit": "L",
        "row_units": {"L": 1.0, "m3": 1000.0},
        "scope": "1",
        "categories": (None,),
        "per_gas_share": 1.0,
        "co2_t": 2.5e-3,
    },
    "fuel_gas": {
        "unit": "kWh",
        "row_units": {"kWh": 1.0, "MWh": 1000.0, "GJ": 1e9 / 3.6e6},
        "scope": "1",
        "categories": (None,),
        "per_gas_share": 1.0,
        "co2_t": 1.8e-4,
    },
    "electricity": {
        "unit": "kWh",
        "row_units": {"kWh": 1.0, "MWh": 1000.0},
        "scope": "2",
        "categories": (None,),
        "per_gas_share": 0.5,
        "co2_t": 3.5e-4,
    },
    "goods": {
        "unit": "kg",
        "row_units": {"kg": 1.0, "t": 1000.0},
        "scope": "3",
        "categories": (1, 2, 4, 5, 12),
        "per_gas_share": 0.0,
        "co2_t": 2.0e-3,
    },
    "travel": {
        "unit": "km",
        "row_units": {"km": 1.0, "mi": 1.609344},
        "scope": "3",
        "categories": (6, 7),
        "per_gas_share": 0.0,
        "co2_t": 1.5e-4,
    },
}
# Each GasAmount is t per unit; the per-gas ratios are typical of combustion.
CH4_PER_CO2 = 4e-5
N2O_PER_CO2 = 1e-5


# ---------------------------------------------------------------- generation


def _activities(count: int) -> list[tuple[str, str]]:
    """(activity key, kind), kinds in a fixed round-robin so any count has every kind."""
    kinds = list(KINDS)
    return [(f"{kinds[i % len(kinds)]}.a{i:03d}", kinds[i % len(kinds)]) for i in range(count)]


def make_factors(n_factors: int, n_activities: int, seed: int) -> list[dict[str, Any]]:
    """About `n_factors` factors as plain dicts (Factor fields; gases as [gas, t, biogenic])."""
    rng = np.random.default_rng(seed)
    activities = _activities(n_activities)
    # Each (activity, region) pair carries on average 2.2 years of factors.
    per_activity = max(1, round(n_factors / n_activities / 2.2))
    factors: list[dict[str, Any]] = []
    for activity, kind in activities:
        spec = KINDS[kind]
        category = spec["categories"][int(rng.integers(len(spec["categories"])))]
        per_gas = bool(rng.random() < spec["per_gas_share"])
        others = list(FACTOR_REGIONS)
        chosen = [
            "WORLD",
            *rng.choice(others, size=min(per_activity - 1, len(others)), replace=False),
        ]
        for region in chosen:
            # The first year always has a factor, so every row year has one at or before it.
            years = [FACTOR_YEARS[0]] + [y for y in FACTOR_YEARS[1:] if rng.random() < 0.6]
            for year in years:
                co2 = spec["co2_t"] * float(rng.uniform(0.5, 1.5))
                if per_gas:
                    gases = [["CH4", co2 * CH4_PER_CO2, False], ["CO2", co2, False],
                             ["N2O", co2 * N2O_PER_CO2, False]]  # fmt: skip
                else:
                    gases = [["CO2e", co2 * 1.02, False]]
                factors.append(
                    {
                        "factor_id": f"{activity}.{region}.{year}",
                        "unit": spec["unit"],
                        "gases": gases,
                        "activity": activity,
                        "region": region,
                        "year": year,
                        "scope": spec["scope"],
                        "category": category,
                        "basis": "location",
                        "gwp_set": None if per_gas else "AR5",
                        "source": "synthetic",
                    }
                )
    return factors


def make_activities(n_rows: int, n_activities: int, n_entities: int, seed: int) -> pa.Table:
    """The activity rows, vectorised: entity (with its site's region), activity, year, unit."""
    rng = np.random.default_rng(seed + 1)
    activities = _activities(n_activities)
    entity_region = rng.integers(len(ROW_REGIONS), size=n_entities)
    # Sites differ in size: a few large sites hold most rows, as in real inventories.
    weights = rng.pareto(1.5, size=n_entities) + 1.0
    entity = rng.choice(n_entities, size=n_rows, p=weights / weights.sum())
    activity = rng.integers(n_activities, size=n_rows)
    year = np.asarray(ROW_YEARS, dtype=np.int64)[rng.integers(len(ROW_YEARS), size=n_rows)]

    # Units: each activity's row units, picked per row, flattened into one dictionary.
    unit_names: list[str] = []
    for spec in KINDS.values():
        unit_names += [u for u in spec["row_units"] if u not in unit_names]
    unit_choices = np.full((n_activities, 3), -1, dtype=np.int64)
    unit_counts = np.zeros(n_activities, dtype=np.int64)
    for i, (_, kind) in enumerate(activities):
        units = list(KINDS[kind]["row_units"])
        unit_counts[i] = len(units)
        unit_choices[i, : len(units)] = [unit_names.index(u) for u in units]
    pick = (rng.random(n_rows) * unit_counts[activity]).astype(np.int64)
    unit = unit_choices[activity, pick]
    quantity = rng.lognormal(mean=6.0, sigma=1.5, size=n_rows)

    def strings(indices: np.ndarray, names: list[str]) -> pa.Array:
        dictionary = pa.array(names, pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), dictionary).cast(
            pa.string()
        )

    entity_names = [f"site-{i:04d}" for i in range(n_entities)]
    return pa.table(
        {
            "entity": strings(entity, entity_names),
            "activity": strings(activity, [a for a, _ in activities]),
            "region": strings(entity_region[entity], list(ROW_REGIONS)),
            "year": pa.array(year, pa.int64()),
            "quantity": pa.array(quantity, pa.float64()),
            "unit": strings(unit, unit_names),
        }
    )


def resolve_factors(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The hand-writer's lookup: (activity, region, year) -> factor, fallbacks applied.

    Region chain from the reference data (subregion -> country -> region -> world),
    then the same year or the latest earlier one. Written independently of the engine's
    selection so that agreeing totals check both.
    """
    from neutra.core.regions import fallback_chain

    by_place: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for f in factors:
        by_place.setdefault((f["activity"], f["region"]), {})[f["year"]] = f
    activities = sorted({f["activity"] for f in factors})
    resolved = []
    for activity in activities:
        for region in ROW_REGIONS:
            for year in ROW_YEARS:
                for place in fallback_chain(region):
                    years = by_place.get((activity, place), {})
                    usable = [y for y in years if y <= year]
                    if usable:
                        f = years[max(usable)]
                        resolved.append(
                            {
                                "activity": activity,
                                "region": region,
                                "year": year,
                                "factor_id": f["factor_id"],
                                "factor_unit": f["unit"],
                                "scope": int(f["scope"]),
                                "category": f["category"],
                            }
                        )
                        break
                else:
                    raise AssertionError(f"no factor for {activity} {region} {year}")
    return resolved


def generate(directory: Path, rows: int, args: argparse.Namespace) -> Path:
    """Write activities-N.parquet and the factor and lookup files; reuse them if present."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"activities-{rows}.parquet"
    factors_path = directory / "factors.json"
    if not factors_path.exists():
        factors = make_factors(args.factors, args.activities, args.seed)
        factors_path.write_text(json.dumps(factors))
        from neutra.core.gwp import gwp_set

        gwp = gwp_set("AR5")
        pq.write_table(
            pa.Table.from_pylist(resolve_factors(factors)), directory / "resolved.parquet"
        )
        gases = [
            {
                "factor_id": f["factor_id"],
                "gas": gas,
                "t_per_unit": value,
                "gwp": 1.0 if gas == "CO2e" else gwp.gwp(gas),
            }
            for f in factors
            for gas, value, _ in f["gases"]
        ]
        pq.write_table(pa.Table.from_pylist(gases), directory / "gases.parquet")
        scales = {
            (unit, spec["unit"]): scale
            for spec in KINDS.values()
            for unit, scale in spec["row_units"].items()
        }
        pq.write_table(
            pa.Table.from_pylist(
                [{"unit": u, "factor_unit": f, "scale": s} for (u, f), s in scales.items()]
            ),
            directory / "scales.parquet",
        )
    if not path.exists():
        started = time.perf_counter()
        table = make_activities(rows, args.activities, args.entities, args.seed)
        pq.write_table(table, path)
        print(
            f"  generated {rows:,} rows in {time.perf_counter() - started:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB Parquet)",
            flush=True,
        )
    return path


# ---------------------------------------------------------------- the two sides


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(directory: Path, path: Path) -> dict[str, Any]:
    from neutra.core.engine import compute_footprint
    from neutra.core.factors import Factor, FactorSet
    from neutra.core.gwp import gwp_set
    from neutra.formats.activity_files import read_activities

    factors = json.loads((directory / "factors.json").read_text())
    factor_set = FactorSet(
        name="synthetic", factors=tuple(Factor.from_dict(f) for f in factors), source="bench"
    )
    gwp = gwp_set("AR5")

    started = time.perf_counter()
    data = read_activities([path])
    validated = time.perf_counter()
    footprint = compute_footprint(data, [factor_set], gwp)
    done = time.perf_counter()
    again = compute_footprint(data, [factor_set], gwp)
    engine_alone = time.perf_counter() - done
    # DESIGN §2 promises byte-identical output for the same inputs: record whether it held.
    repeat_difference = abs(again.totals["total_location"] - footprint.totals["total_location"])
    return {
        "read_validate_s": validated - started,
        "engine_first_s": done - validated,
        "end_to_end_s": done - started,
        "engine_alone_s": engine_alone,
        "total_t_co2e": footprint.totals["total_location"],
        "scopes": {k: footprint.totals[k] for k in ("scope1", "scope2_location", "scope3")},
        "by_gas_t": {g: v["t"] for g, v in footprint.by_gas.items()},
        "flags": len(footprint.flags),
        "same_hash_twice": again.provenance["hash"] == footprint.provenance["hash"],
        "repeat_relative_difference": repeat_difference / abs(footprint.totals["total_location"]),
        "peak_rss_mb": _peak_rss_mb(),
    }


BASELINE_SQL = """
SELECT r.scope, r.category, g.gas, a.entity,
       sum(a.quantity * u.scale * g.t_per_unit)         AS t,
       sum(a.quantity * u.scale * g.t_per_unit * g.gwp) AS t_co2e
FROM read_parquet($path) AS a
JOIN resolved AS r ON a.activity = r.activity AND a.region = r.region AND a.year = r.year
JOIN scales   AS u ON a.unit = u.unit AND r.factor_unit = u.factor_unit
JOIN gases    AS g ON r.factor_id = g.factor_id
GROUP BY ALL
"""


def baseline_figures(rows: list[Any]) -> dict[str, Any]:
    """Total, scope totals and per-gas masses of the baseline query's rows
    (scope, category, gas, entity, t, t CO2e), summed exactly (fsum)."""
    scopes: dict[str, list[float]] = {"scope1": [], "scope2_location": [], "scope3": []}
    by_gas: dict[str, list[float]] = {}
    for scope, _category, gas, _entity, t, t_co2e in rows:
        scopes[("scope1", "scope2_location", "scope3")[scope - 1]].append(t_co2e)
        by_gas.setdefault(gas, []).append(t)
    return {
        "total_t_co2e": math.fsum(v for values in scopes.values() for v in values),
        "scopes": {k: math.fsum(v) for k, v in scopes.items()},
        "by_gas_t": {g: math.fsum(v) for g, v in by_gas.items()},
    }


def run_baseline(directory: Path, path: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    for name in ("resolved", "gases", "scales"):
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_parquet($p)",
            {"p": str(directory / f"{name}.parquet")},
        )
    started = time.perf_counter()
    rows = con.execute(BASELINE_SQL, {"path": str(path)}).fetchall()
    elapsed = time.perf_counter() - started
    return {
        "baseline_s": elapsed,
        **baseline_figures(rows),
        "groups": len(rows),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _in_subprocess(side: str, directory: Path, path: Path, cap_mb: float) -> dict[str, Any]:
    """One measurement in a fresh process; killed (and reported so) past `cap_mb` of RSS.

    The cap keeps a run that would exhaust a shared machine from doing so: its
    figure is then "more than the cap", which is all the acceptance check needs.
    """
    command = [sys.executable, __file__, "--worker", side, "--dir", str(directory), str(path)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        seen_mb = 0.0
        while process.poll() is None:
            seen_mb = max(seen_mb, _rss_mb(process.pid))
            if seen_mb > cap_mb:
                process.kill()
                process.wait()
                return {"killed": True, "peak_rss_mb": seen_mb}
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{side} worker failed:\n{err.read()[-4000:]}")
        result: dict[str, Any] = json.loads(out.read().strip().splitlines()[-1])
    result["killed"] = False
    return result


# ---------------------------------------------------------------- reporting


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def check_same_figures(engine: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Differences beyond the tolerance between the two sides' figures."""
    problems = []
    pairs = [("total", engine["total_t_co2e"], baseline["total_t_co2e"])]
    pairs += [(k, engine["scopes"][k], baseline["scopes"][k]) for k in baseline["scopes"]]
    gases = {**engine["by_gas_t"], **baseline["by_gas_t"]}
    pairs += [
        (f"gas {g}", engine["by_gas_t"].get(g, 0.0), baseline["by_gas_t"].get(g, 0.0))
        for g in gases
    ]
    for name, a, b in pairs:
        if not _same(a, b):
            problems.append(f"{name}: engine {a!r} != baseline {b!r}")
    return problems


def measure(rows: int, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    path = generate(directory, rows, args)
    engine_runs: list[dict[str, Any]] = []
    baseline_runs: list[dict[str, Any]] = []
    cap_mb = args.memory_cap_gb * 1024
    for repeat in range(args.repeat):
        e = _in_subprocess("engine", directory, path, cap_mb)
        b = _in_subprocess("baseline", directory, path, cap_mb)
        if e["killed"]:
            print(
                f"  run {repeat + 1}: engine killed at {e['peak_rss_mb']:.0f} MB "
                f"(cap {args.memory_cap_gb} GB) | baseline {b['baseline_s']:.2f} s, "
                f"peak {b['peak_rss_mb']:.0f} MB",
                flush=True,
            )
            return {"rows": rows, "killed_at_mb": e["peak_rss_mb"], "baseline_s": b["baseline_s"],
                    "baseline_peak_mb": b["peak_rss_mb"]}  # fmt: skip
        engine_runs.append(e)
        baseline_runs.append(b)
        print(
            f"  run {repeat + 1}: engine end-to-end {e['end_to_end_s']:.2f} s "
            f"(read+validate {e['read_validate_s']:.2f}, engine {e['engine_first_s']:.2f}), "
            f"engine alone {e['engine_alone_s']:.2f} s, peak {e['peak_rss_mb']:.0f} MB | "
            f"baseline {b['baseline_s']:.2f} s, peak {b['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    differences = check_same_figures(engine_runs[0], baseline_runs[0])

    def median(runs: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    base = median(baseline_runs, "baseline_s")
    result = {
        "rows": rows,
        "end_to_end_s": median(engine_runs, "end_to_end_s"),
        "read_validate_s": median(engine_runs, "read_validate_s"),
        "engine_alone_s": median(engine_runs, "engine_alone_s"),
        "baseline_s": base,
        "ratio_end_to_end": median(engine_runs, "end_to_end_s") / base,
        "ratio_engine_alone": median(engine_runs, "engine_alone_s") / base,
        "engine_peak_mb": max(r["peak_rss_mb"] for r in engine_runs),
        "baseline_peak_mb": max(r["peak_rss_mb"] for r in baseline_runs),
        "flags": engine_runs[0]["flags"],
        "same_hash_twice": all(r["same_hash_twice"] for r in engine_runs),
        "max_repeat_relative_difference": max(r["repeat_relative_difference"] for r in engine_runs),
        "baseline_groups": baseline_runs[0]["groups"],
        "total_t_co2e": engine_runs[0]["total_t_co2e"],
        "same_figures": not differences,
        "differences": differences,
    }
    return result


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; repeat {args.repeat}; "
        f"{args.factors} factors requested, {args.activities} activities, {args.entities} entities"
    )
    header = (
        f"{'rows':>12} {'e2e s':>8} {'read+val':>8} {'engine':>8} {'SQL s':>8} "
        f"{'e2e/SQL':>8} {'eng/SQL':>8} {'eng MB':>8} {'SQL MB':>8} {'flags':>10} same"
    )
    print(header)
    for r in results:
        if "killed_at_mb" in r:
            print(
                f"{r['rows']:>12,}  engine killed past {r['killed_at_mb']:.0f} MB of RSS; "
                f"baseline {r['baseline_s']:.2f} s, peak {r['baseline_peak_mb']:.0f} MB"
            )
            continue
        print(
            f"{r['rows']:>12,} {r['end_to_end_s']:>8.2f} {r['read_validate_s']:>8.2f} "
            f"{r['engine_alone_s']:>8.2f} {r['baseline_s']:>8.2f} "
            f"{r['ratio_end_to_end']:>8.2f} {r['ratio_engine_alone']:>8.2f} "
            f"{r['engine_peak_mb']:>8.0f} {r['baseline_peak_mb']:>8.0f} {r['flags']:>10,} "
            f"{'yes' if r['same_figures'] else 'NO'}"
        )
        if not r["same_hash_twice"]:
            print(
                "    engine not deterministic: two runs on the same data gave different "
                f"output hashes (total differs by {r['max_repeat_relative_difference']:.1e} relative)"
            )
        for line in r["differences"]:
            print(f"    {line}")
    print(
        f"targets: engine <= {TARGET_RATIO}x the SQL baseline at 10M rows; "
        f"peak < {TARGET_PEAK_GB:.0f} GB at 10M rows. Medians of {args.repeat} interleaved "
        "runs; peak = max ru_maxrss over runs, each side in its own subprocess."
    )


def profile(directory: Path, rows: int, args: argparse.Namespace) -> None:
    """cProfile of read_activities + compute_footprint, in this process."""
    import cProfile
    import pstats

    path = generate(directory, rows, args)
    profiler = cProfile.Profile()
    profiler.enable()
    run_engine(directory, path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=list(DEFAULT_ROWS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--factors", type=int, default=3000, help="about this many factors")
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--dir", type=Path, help="keep generated files here (default: temp)")
    parser.add_argument(
        "--memory-cap-gb", type=float, default=8.0, help="kill a measurement past this RSS"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine instead")
    parser.add_argument("--worker", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        run = run_engine if args.worker == "engine" else run_baseline
        print(json.dumps(run(args.dir, args.path)))
        return 0

    with tempfile.TemporaryDirectory(prefix="neutra-bench-") as temp:
        directory = args.dir or Path(temp)
        if args.profile:
            profile(directory, args.rows[0], args)
            return 0
        results = []
        for rows in args.rows:
            print(f"{rows:,} rows:", flush=True)
            results.append(measure(rows, directory, args))
        report(results, args)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r.get("same_figures") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
