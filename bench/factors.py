"""Benchmark of the factor library: importing publisher files, and searching.

    .venv/bin/python bench/factors.py [--repeat 5]

Times, in this process: the DESNZ 2025 flat file import (read, check, tag with
the taxonomy), the EPA Hub 2025 import, and `factors search` over the activity
keys and an imported set, against a baseline measured in the same run: reading
the same DESNZ CSV with the standard library's csv module (no checks). Prints
medians and the ratio. The publisher files are read from ../shared/data.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from neutra.core.taxonomy import search_activities
from neutra.formats.factor_import import import_file

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def timed(work, repeat: int) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    desnz = DATA / "desnz" / "ghg-conversion-factors-2025-flat-format.csv"
    hub = DATA / "epa" / "ghg-emission-factors-hub-2025.xlsx"
    import_file("desnz", desnz)  # warm: module imports and caches are not the import's cost

    def baseline() -> None:
        with desnz.open(encoding="utf-8-sig", newline="") as handle:
            list(csv.reader(handle))

    factor_set = import_file("desnz", desnz).factor_set
    words = ["natural", "gas", "kwh"]

    def search() -> None:
        search_activities("natural gas kwh")
        [f for f in factor_set.factors if all(w in (f.description or "").lower() for w in words)]

    base = timed(baseline, args.repeat)
    desnz_s = timed(lambda: import_file("desnz", desnz), args.repeat)
    hub_s = timed(lambda: import_file("epa-hub", hub), args.repeat)
    search_s = timed(search, args.repeat * 20)
    print(f"csv.reader of the DESNZ 2025 file (baseline): {base * 1000:8.1f} ms")
    print(
        f"DESNZ 2025 import (read, check, tag):          {desnz_s * 1000:8.1f} ms  ({desnz_s / base:.1f}x baseline)"
    )
    print(f"EPA Hub 2025 import:                           {hub_s * 1000:8.1f} ms")
    print(f"search 'natural gas kwh' (keys + 2,672 factors): {search_s * 1000:6.2f} ms")
    print(
        "targets: DESNZ import under 10 s; search instant (well under 100 ms). Medians of",
        args.repeat,
    )


if __name__ == "__main__":
    main()
