"""Build `src/neutra/data/energy/fuel_properties.csv` from DESNZ's "Fuel properties" sheet.

    .venv/bin/python tools/build_fuel_properties.py [--file tests/data/publishers/desnz/ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx]

One publisher, one sheet: the UK Department for Energy Security and Net Zero,
GHG Conversion Factors for Company Reporting 2024, full set v1.1, sheet "Fuel
properties": net and gross calorific values (GJ/tonne) and densities (kg/m3)
of common fuels. Each fuel of the activity taxonomy gets its row, with the
publisher's figures unchanged (the kWh/kg and kWh/litre columns of the sheet
are these divided by 3.6 and rounded to three decimals, too coarse for natural
gas: 0.011 kWh per litre); the other scope 1 and 2 keys of the taxonomy get
their energy carrier (purchased electricity, heat) or `none` (refrigerants).
The test suite rebuilds the file from the same workbook and compares.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "neutra" / "data" / "energy" / "fuel_properties.csv"
WORKBOOK = (
    ROOT
    / "tests"
    / "data"
    / "publishers"
    / "desnz"
    / "ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx"
)
SHEET = "Fuel properties"
EDITION = "Department for Energy Security and Net Zero, GHG Conversion Factors 2024 (full set v1.1), Fuel properties"

# taxonomy key -> (carrier, the fuel's name in the sheet); carriers as `neutra.core.energy.EnergyCarrier`
FUELS = {
    "fuel.natural_gas": ("natural_gas", "Natural Gas"),
    "fuel.lpg": ("oil", "LPG"),
    "fuel.diesel": ("oil", "Diesel (average biofuel blend)"),
    "fuel.petrol": ("oil", "Petrol (average biofuel blend)"),
    "fuel.heating_oil": ("oil", "Burning Oil"),
    "fuel.gas_oil": ("oil", "Gas Oil"),
    "fuel.coal_industrial": ("coal", "Coal (industrial)"),
    "fuel.wood_pellets": ("biomass", "Wood Pellets"),
}
# the other scope 1 and 2 keys of the taxonomy: energy bought as such, or no energy at all
OTHERS = {
    "electricity.grid": "electricity",
    "heat.district": "heat",
    "refrigerant.r134a": "none",
    "refrigerant.r404a": "none",
    "refrigerant.r410a": "none",
}
HEADER = f"""\
# Energy carriers of the activity taxonomy's scope 1 and 2 keys, and the calorific values and
# densities of its fuels: how `neutra.core.energy` turns fuel quantities into energy (ESRS E1-5,
# UK SECR). Reference data, versioned with Neutra: name "desnz-2024-fuel-properties".
# Source: {EDITION}
# (Open Government Licence v3.0). Built by tools/build_fuel_properties.py from the official
# workbook; figures unchanged. Columns: activity (taxonomy key), carrier (coal | oil |
# natural_gas | biomass: fuels; electricity | heat: bought as energy; none: not energy),
# fuel (the sheet's name), net_cv_gj_per_t and gross_cv_gj_per_t (calorific values, GJ per
# tonne), density_kg_per_m3 (blank: not published, so volumes cannot be converted).
# Diesel and petrol are the UK average biofuel blends, counted as oil products whole.
"""
COLUMNS = (
    "activity",
    "carrier",
    "fuel",
    "net_cv_gj_per_t",
    "gross_cv_gj_per_t",
    "density_kg_per_m3",
)


def sheet_figures(workbook: Path) -> dict[str, tuple[Any, Any, Any]]:
    """Fuel name -> (net CV GJ/t, gross CV GJ/t, density kg/m3) as the sheet gives them."""
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    figures: dict[str, tuple[Any, Any, Any]] = {}
    for row in book[SHEET].iter_rows(values_only=True):
        name, year, net, gross, density = row[1], row[2], row[3], row[4], row[5]
        if isinstance(name, str) and isinstance(year, int) and isinstance(net, int | float):
            figures[name.strip()] = (net, gross, density)
    book.close()
    return figures


def render(workbook: Path) -> str:
    """The data file's text."""
    figures = sheet_figures(workbook)
    lines = [HEADER.rstrip("\n"), ",".join(COLUMNS)]
    for activity, (carrier, fuel) in FUELS.items():
        net, gross, density = figures[fuel]
        cells = [
            activity,
            carrier,
            fuel,
            repr(net),
            repr(gross),
            "" if density is None else repr(density),
        ]
        lines.append(",".join(cells))
    for activity, carrier in OTHERS.items():
        lines.append(",".join([activity, carrier, "", "", "", ""]))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=WORKBOOK)
    args = parser.parse_args()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(args.file), encoding="utf-8")
    print(f"Wrote {OUT}")


if __name__ == "__main__":
    main()
