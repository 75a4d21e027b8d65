"""Build the starter factor library shipped in `src/neutra/data/starter/` from publisher files.

    .venv/bin/python tools/build_starter_library.py [--data tests/data/publishers]

It reads the official files through Neutra's own importers (so the figures are
exactly the publishers'), keeps the factors the activity taxonomy names (plus
grid intensities and spend factors), and writes them in the custom factor file
schema (DESIGN.md §3.2) with one citation and licence line per set in
`sets.csv`. The publisher files themselves are never copied into the package.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from neutra.core.factors import Factor, FactorSet
from neutra.formats.factor_import import import_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "neutra" / "data" / "starter"
COLUMNS = (
    "factor_id", "activity", "gas", "value", "unit", "gwp_set", "region", "year",
    "scope", "category", "biogenic", "basis", "source", "description",
)  # fmt: skip
GRID_YEARS = range(2019, 2026)  # grid intensities kept for these data years

# (file name, importer, publisher file, licence), in the priority order of the library.
SETS = [
    ("desnz-2025", "desnz", "desnz/ghg-conversion-factors-2025-flat-format.csv", "Open Government Licence v3.0"),
    ("desnz-2024", "desnz", "desnz/ghg-conversion-factors-2024-FlatFormat_v1_1.xlsx", "Open Government Licence v3.0"),
    ("egrid", "grid", "epa/verifi_egrid_subregion_rates_by_year.extracted.csv",
     "US EPA data, public domain; compilation by ORNL VERIFI under its permissive licence"),
    ("owid-ember", "grid", "grid/owid-carbon-intensity-electricity.csv", "CC BY 4.0 (attribute: Ember; Our World in Data)"),
    ("useeio-1.3", "useeio", "epa/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv", "US federal work, public domain"),
]  # fmt: skip


def starter_factors(kind: str, factor_set: FactorSet) -> list[Factor]:
    """The factors of an imported set that the starter library keeps, unchanged.

    The DESNZ importer itself adds each fuel's biogenic CO2 ("Outside of Scopes") to its
    scope 1 factor, so the starter sets and an imported edition give the same memo.
    """
    if kind == "grid":
        return [f for f in factor_set.factors if f.year in GRID_YEARS]
    return [f for f in factor_set.factors if f.activity]  # useeio: the default variant per code


def write_set(path: Path, factors: list[Factor]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for f in sorted(factors, key=lambda f: f.factor_id):
            for g in f.gases:
                writer.writerow([
                    f.factor_id, f.activity or "", g.gas, repr(g.t_per_unit), f"t/{f.unit}",
                    f.gwp_set or "", f.region or "", f.year or "", f.scope.value if f.scope else "",
                    f.category or "", "true" if g.biogenic else "", f.basis.value, f.source or "",
                    f.description or "",
                ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "publishers")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, kind, relative, licence in SETS:
        imported = import_file(kind, args.data / relative).factor_set
        factors = starter_factors(kind, imported)
        write_set(OUT / f"{name}.csv", factors)
        manifest.append(
            [name, f"{name}.csv", imported.source or "", licence, relative, imported.version]
        )
        print(f"{name}: {len(factors)} factors from {relative}")
    with (OUT / "sets.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "file", "source", "licence", "built_from", "built_from_version"])
        writer.writerows(manifest)


if __name__ == "__main__":
    main()
