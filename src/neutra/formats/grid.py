"""Grid electricity intensities into scope 2 factor sets: OWID/Ember by country, eGRID by subregion.

Two layouts, told apart by their header:

- Our World in Data, "Carbon intensity of electricity generation" (from Ember):
  `Entity, Code, Year, <intensity>`. The 4th column is read by position (its name
  changes between vintages), in g CO2e/kWh. Only rows with a 3-letter ISO 3166
  alpha-3 code are countries; aggregates ("ASEAN (Ember)", no code) and OWID's
  own codes (`OWID_WRL`, `OWID_EU27`, and `OWID_KOS` for Kosovo) are set aside
  and counted in the notes. One CO2e factor per country and year, id
  `<ISO3>-<year>` (the publisher's key), region the alpha-2 code
  (`neutra/data/iso3.csv`). The figures are lifecycle (upstream fuel chains and
  plant construction included) and generation-based (imports and grid losses
  excluded), not the combustion-only figures the GHG Protocol's scope 2 asks
  for: each description says "lifecycle, generation-based (Ember)" so that a
  scope 2 line using it can be flagged. GWP set: AR5 as a label. Ember's
  methodology takes its lifecycle factors per fuel from IPCC AR5 WG3 Annex III
  (2014); neither the file nor that table names the GWP100 values behind them,
  so the label is a best reading, not a published statement.
- eGRID subregion rates by year, compiled by ORNL VERIFI from EPA eGRID
  (location-based) and Green-e (residual mix): `SUBRGN, CATEGORY, Year, CO2, CH4,
  N2O` with CO2 in kg/MWh and CH4, N2O in g/MWh. Its `Year` is the year the
  compilation offers the rates for, not the year they describe: the 2025 rows
  are eGRID2023 (CAMX 436.655 lb CO2/MWh, the figure the EPA Hub 2025 prints as
  eGRID2023). A factor's year is its data year (DOMAIN.md §4): for location
  rates, the data year of the eGRID edition the row carries
  (`EGRID_DATA_YEAR_BY_ROW_YEAR`, from EPA's eGRID release history: biennial to
  eGRID2016, yearly since, each released early in the second year after its
  data year); for residual-mix rates, Green-e's own labelling, "<year> Green-e
  Residual Mix Emissions Rates (<year - 2> data)". Rows that repeat one
  edition under several years (2015-2017 are all eGRID2014) must carry the
  same figures, and give one factor. One per-gas factor per subregion, basis
  and data year, id `<SUBRGN>-<data year>-location` or
  `<SUBRGN>-<data year>-residual-mix`, region `US-<SUBRGN>` ("US Average" is
  the country, `US`), basis location or residual mix. The set is named after
  the latest compilation year (`egrid-2025`): the edition is provenance.

Both serve the activity key `electricity.grid`, scope 2.

It must never return a partly read set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.factors import Basis, Factor, FactorSet, GasAmount, Scope
from neutra.core.regions import is_known_region
from neutra.formats.csv_records import Record, read_records
from neutra.formats.factor_import import FactorImport

__all__ = ["ACTIVITY", "LIFECYCLE", "read"]

ACTIVITY = "electricity.grid"
LIFECYCLE = "lifecycle, generation-based (Ember)"  # in every OWID description: a flag looks for it

OWID_SOURCE = "Ember; Our World in Data"
OWID_LICENCE = "CC BY 4.0; attribute 'Ember; Our World in Data'"
OWID_GWP_SET = "AR5"  # a label: see the module docstring
OWID_COLUMNS = ("entity", "code", "year")  # then the intensity, by position

EGRID_SOURCE = (
    "US EPA eGRID subregion location-based rates and Green-e residual-mix rates by year, "
    "compiled by ORNL (VERIFI)"
)
EGRID_LICENCE = "EPA data public domain; compilation under VERIFI's permissive licence"
EGRID_COLUMNS = ("subrgn", "category", "year", "co2", "ch4", "n2o")
EGRID_BASIS = {"LocationMix": Basis.LOCATION, "ResidualMix": Basis.RESIDUAL_MIX}
EGRID_ID_SUFFIX = {Basis.LOCATION: "location", Basis.RESIDUAL_MIX: "residual-mix"}
EGRID_COUNTRY = "US Average"  # the national row, region "US"
# Year of a location row -> data year of the eGRID edition it carries. EPA eGRID release
# history: eGRID2012 (2015), eGRID2014 (Jan 2017), eGRID2016 (Feb 2018), eGRID2018 (Jan
# 2020), eGRID2019 (Feb 2021), eGRID2020 (Jan 2022), eGRID2021 (Jan 2023), eGRID2022 (Jan
# 2024), eGRID2023 (Jan 2025). A year not listed is refused rather than guessed.
EGRID_DATA_YEAR_BY_ROW_YEAR = {
    2014: 2012, 2015: 2014, 2016: 2014, 2017: 2014, 2018: 2016, 2019: 2016,
    2020: 2018, 2021: 2019, 2022: 2020, 2023: 2021, 2024: 2022, 2025: 2023,
}  # fmt: skip
# Green-e labels its residual mix "<year> ... (<year - 2> data)".
GREEN_E_DATA_YEAR_LAG = 2
# gas -> (column, power of ten from the published unit to tonnes: kg -3, g -6)
EGRID_GASES = {"CO2": ("co2", -3), "CH4": ("ch4", -6), "N2O": ("n2o", -6)}

_ISO3 = re.compile(r"^[A-Z]{3}$")
_SUBRGN = re.compile(r"^[A-Z0-9]{1,10}$")

# Records a problem: row, column, value, reason.
Bad = Callable[[int, str | None, str | None, str], None]


@cache
def _alpha2_of() -> dict[str, str]:
    text = (files("neutra.data") / "iso3.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split(",") for line in lines[1:])


def read(path: Path, *, name: str | None = None) -> FactorImport:
    """Read an OWID/Ember or eGRID/VERIFI CSV; raise InvalidInputError listing every problem."""
    label = str(path)
    header, rows, problems = read_records(path, label, ())
    if any(p.row is None for p in problems):
        raise InvalidInputError(problems)
    if header[:3] == list(OWID_COLUMNS):
        return _read_owid(label, header, rows, problems, name)
    if "subrgn" in header or "category" in header:
        missing = [
            Problem(label, 1, column, None, f"missing column {column!r}")
            for column in EGRID_COLUMNS
            if column not in header
        ]
        if missing:
            raise InvalidInputError(problems + missing)
        return _read_egrid(label, rows, problems, name)
    reason = (
        "unknown layout: expected the OWID header 'Entity,Code,Year,<intensity>' or the "
        "eGRID header 'SUBRGN,CATEGORY,Year,CO2,CH4,N2O'"
    )
    raise InvalidInputError([Problem(label, 1, None, ",".join(header)[:80], reason)])


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _scaled(text: str, exponent: int) -> float:
    """A printed figure times 10**exponent, in decimal: 336.38 g is 0.00033638 t exactly."""
    return float(Decimal(text).scaleb(exponent))


def _year(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{4}", text) else None


def _read_owid(
    label: str,
    header: list[str],
    rows: list[tuple[int, Record]],
    problems: list[Problem],
    name: str | None,
) -> FactorImport:
    if len(header) < 4 or not header[3]:
        raise InvalidInputError(
            [
                *problems,
                Problem(label, 1, None, ",".join(header), "missing the 4th column (the intensity)"),
            ]
        )
    value_column = header[3]

    def bad(row: int, column: str | None, value: str | None, reason: str) -> None:
        problems.append(Problem(label, row, column, value, reason))

    aggregates: set[str] = set()
    aggregate_rows = 0
    seen: dict[str, int] = {}
    factors = []
    alpha2_of = _alpha2_of()
    for number, record in rows:
        code = record["code"]
        if not _ISO3.match(code):
            if code and not code.startswith("OWID_"):
                bad(number, "Code", code, "neither an ISO 3166 alpha-3 code nor an OWID_ aggregate")
                continue
            aggregates.add(record["entity"] or code)
            aggregate_rows += 1
            continue
        alpha2 = alpha2_of.get(code)
        if alpha2 is None or not is_known_region(alpha2):
            bad(number, "Code", code, "unknown ISO 3166 alpha-3 code")
        year = _year(record["year"])
        if year is None:
            bad(number, "Year", record["year"], "the year is not a four-digit number")
        g_per_kwh = _number(record[value_column])
        if g_per_kwh is None:
            bad(
                number,
                value_column,
                record[value_column],
                "the intensity is not a number of 0 or more",
            )
        if alpha2 is None or year is None or g_per_kwh is None:
            continue
        factor_id = f"{code}-{year}"
        if factor_id in seen:
            bad(number, "Year", str(year), f"{code} {year} appears twice (row {seen[factor_id]})")
            continue
        seen[factor_id] = number
        entity = record["entity"] or code
        factors.append(
            Factor(
                factor_id=factor_id,
                unit="kWh",
                gases=(GasAmount("CO2e", _scaled(record[value_column], -6)),),
                activity=ACTIVITY,
                region=alpha2,
                year=year,
                scope=Scope.S2,
                basis=Basis.LOCATION,
                gwp_set=OWID_GWP_SET,
                source=OWID_SOURCE,
                description=f"{entity}: carbon intensity of electricity, {LIFECYCLE}, {year}",
            )
        )
    if problems:
        raise InvalidInputError(problems)
    if not factors:
        raise InvalidInputError([Problem(label, None, None, None, "no country rows in the file")])
    latest = max(f.year for f in factors if f.year is not None)
    notes = (
        f"{len(factors)} country-year factors from {len(rows)} rows; latest year {latest}",
        f"set aside {aggregate_rows} rows of {len(aggregates)} aggregates without an ISO code "
        f"(e.g. {', '.join(sorted(aggregates)[:3])}); Kosovo is OWID_KOS, so it is among them",
        "lifecycle, generation-based figures (Ember): not combustion-only, and without imports "
        "or grid losses; scope 2 lines using them should be flagged as such",
        f"GWP set {OWID_GWP_SET} is a label: Ember does not state the GWP100 values behind "
        "its IPCC AR5 lifecycle factors",
    )
    factor_set = FactorSet(
        name=name or f"owid-ember-{latest}",
        factors=tuple(factors),
        source=OWID_SOURCE,
        licence=OWID_LICENCE,
    )
    return FactorImport(factor_set, notes=notes)


def _read_egrid(
    label: str, rows: list[tuple[int, Record]], problems: list[Problem], name: str | None
) -> FactorImport:
    def bad(row: int, column: str | None, value: str | None, reason: str) -> None:
        problems.append(Problem(label, row, column, value, reason))

    seen: dict[str, tuple[int, tuple[GasAmount, ...]]] = {}  # factor id -> first row, rates
    seen_rows: dict[tuple[str, Basis, int], int] = {}
    repeated = 0
    latest_row_year = 0
    factors = []
    for number, record in rows:
        subregion = record["subrgn"]
        region = "US" if subregion == EGRID_COUNTRY else f"US-{subregion}"
        if not (subregion == EGRID_COUNTRY or _SUBRGN.match(subregion)) or not is_known_region(
            region
        ):
            bad(number, "SUBRGN", subregion, "not an eGRID subregion code")
        basis = EGRID_BASIS.get(record["category"])
        if basis is None:
            bad(number, "CATEGORY", record["category"], "expected LocationMix or ResidualMix")
        year = _year(record["year"])
        if year is None:
            bad(number, "Year", record["year"], "the year is not a four-digit number")
        amounts = []
        for gas, (column, exponent) in EGRID_GASES.items():
            value = _number(record[column])
            if value is None:
                bad(
                    number,
                    column.upper(),
                    record[column],
                    f"the {gas} rate is not a number of 0 or more",
                )
            else:
                amounts.append(GasAmount(gas, _scaled(record[column], exponent)))
        if basis is None or year is None or len(amounts) != len(EGRID_GASES):
            continue
        if (subregion, basis, year) in seen_rows:
            bad(
                number,
                "SUBRGN",
                subregion,
                f"{subregion} {record['category']} {year} appears twice "
                f"(row {seen_rows[subregion, basis, year]})",
            )
            continue
        seen_rows[subregion, basis, year] = number
        if basis is Basis.LOCATION:
            data_year = EGRID_DATA_YEAR_BY_ROW_YEAR.get(year)
            if data_year is None:
                bad(
                    number, "Year", str(year),
                    "which eGRID edition (data year) this year's rates are is not known: "
                    "add it to EGRID_DATA_YEAR_BY_ROW_YEAR from EPA's eGRID release history",
                )  # fmt: skip
                continue
            edition = f"eGRID{data_year}"
        else:
            data_year = year - GREEN_E_DATA_YEAR_LAG
            edition = f"Green-e {year}"
        key = "US" if subregion == EGRID_COUNTRY else subregion
        factor_id = f"{key}-{data_year}-{EGRID_ID_SUFFIX[basis]}"
        gases = tuple(sorted(amounts, key=lambda a: a.gas))
        if factor_id in seen:
            first_row, first_gases = seen[factor_id]
            if first_gases != gases:
                bad(
                    number, "CO2", record["co2"],
                    f"{subregion} {record['category']} {year} is {edition} data like row "
                    f"{first_row}, but its rates differ",
                )  # fmt: skip
            else:
                repeated += 1
            continue
        seen[factor_id] = (number, gases)
        what = (
            "location-based grid average (EPA eGRID)"
            if basis is Basis.LOCATION
            else "residual mix (Green-e)"
        )
        place = "US average" if subregion == EGRID_COUNTRY else f"eGRID subregion {subregion}"
        factors.append(
            Factor(
                factor_id=factor_id,
                unit="MWh",
                gases=gases,
                activity=ACTIVITY,
                region=region,
                year=data_year,
                scope=Scope.S2,
                basis=basis,
                source=EGRID_SOURCE,
                description=f"{place}, {data_year} data ({edition}; compiled for {year}): {what}",
            )
        )
        latest_row_year = max(latest_row_year, year)
    if problems:
        raise InvalidInputError(problems)
    if not factors:
        raise InvalidInputError([Problem(label, None, None, None, "no rate rows in the file")])
    latest = max(f.year for f in factors if f.year is not None)
    counts = {b: sum(1 for f in factors if f.basis is b) for b in Basis}
    notes = (
        f"{len(factors)} factors: {counts[Basis.LOCATION]} location-based, "
        f"{counts[Basis.RESIDUAL_MIX]} residual mix; latest data year {latest} "
        f"(compilation year {latest_row_year})",
        f"years are data years (eGRID edition; Green-e year - {GREEN_E_DATA_YEAR_LAG}); "
        f"{repeated} rows repeat an edition already read under another year: one factor each",
        "per-gas rates (CO2 kg/MWh, CH4 and N2O g/MWh) kept as gases: CO2e follows the "
        "footprint's GWP set; 'US Average' rows are region US",
    )
    factor_set = FactorSet(
        name=name or f"egrid-{latest_row_year}",
        factors=tuple(factors),
        source=EGRID_SOURCE,
        licence=EGRID_LICENCE,
    )
    return FactorImport(factor_set, notes=notes)
