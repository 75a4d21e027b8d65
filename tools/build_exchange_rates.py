"""Build `src/neutra/data/money/exchange_rates.csv` from the ECB's euro reference rates.

    .venv/bin/python tools/build_exchange_rates.py [--file tests/data/publishers/ecb/eurofxref-hist.zip]

One publisher, one series: the European Central Bank's euro foreign exchange
reference rates (units of a currency per 1 EUR, one figure per TARGET business
day), file `eurofxref-hist.zip`. A year's rate is the arithmetic mean of that
year's daily rates, rounded to the decimals the ECB quotes the currency with
(USD 4, GBP 5, JPY 2): the ECB's own annual average (2020: 1.1422 USD per EUR).
Only currencies Neutra knows (ISO 4217 list) and years in which the ECB quoted
the currency on every business day are kept; the test suite recomputes every
figure from the same file.
"""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "neutra" / "data" / "money" / "exchange_rates.csv"
ECB_FILE = ROOT / "tests" / "data" / "publishers" / "ecb" / "eurofxref-hist.zip"
YEARS = range(2015, 2026)
HEADER = """\
# Annual average exchange rates: units of the currency per 1 euro.
# Reference data, versioned with Neutra: name "ecb-eur-annual", built from the file of
# 2026-10-30 by tools/build_exchange_rates.py.
# Source: European Central Bank, euro foreign exchange reference rates (eurofxref-hist),
# annual average = mean of the year's daily reference rates, rounded to the decimals the
# ECB quotes each currency with. Reuse of ECB statistics is free with the source named:
# "Source: ECB". Every figure is tested against the ECB file kept in
# tests/data/publishers/ecb/ (tests/core/test_money.py).
"""


def annual_averages(path: Path) -> list[tuple[int, str, Decimal]]:
    """(year, currency, units per EUR) for every full year of every known currency."""
    known = _known_currencies()
    with zipfile.ZipFile(path) as archive:
        text = archive.read("eurofxref-hist.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    currencies = sorted(c for c in rows[0] if c and c != "Date" and c in known)
    out = []
    for year in YEARS:
        days = [r for r in rows if r["Date"].startswith(f"{year}-")]
        for currency in currencies:
            cells = [(r.get(currency) or "").strip() for r in days]
            if not days or any(c in ("", "N/A") for c in cells):
                continue  # not quoted on every business day of the year: no annual figure
            daily = [Decimal(c) for c in cells]
            places = max(-int(d.as_tuple().exponent) for d in daily)
            mean = sum(daily) / len(daily)
            out.append((year, currency, mean.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)))
    return out


def _known_currencies() -> set[str]:
    text = (ROOT / "src" / "neutra" / "data" / "currencies.txt").read_text(encoding="utf-8")
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, default=ECB_FILE)
    args = parser.parse_args()
    rates = annual_averages(args.file)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        handle.write(HEADER)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["year", "currency", "per_eur"])
        for year in YEARS:
            writer.writerow([year, "EUR", "1"])
        for year, currency, value in rates:
            writer.writerow([year, currency, str(value)])
    print(f"{len(rates)} annual averages written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
