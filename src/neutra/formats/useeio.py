"""US EPA Supply Chain GHG Emission Factors v1.3.0 (USEEIO) into a spend-based factor set.

Reads either published CSV: the CO2e file (one row per NAICS-2017 code, kg CO2e
per 2022 USD purchaser price) or the by-gas file (one row per code and gas, kg
of the gas per 2022 USD). Which one it is follows from the GHG column: "All
GHGs" is the CO2e file.

Each NAICS code gives two factors:
- `484121`: with margins, the purchaser-price factor a spend row needs (default);
- `484121-wo-margins`: without margins (cradle to the producer's gate), for
  spend already at producer price.
Unit "USD", year 2022 (the price year: a row in another currency or year must be
converted first), region "US", scope 3 category 1 (purchased goods and
services). Capital goods (category 2) and transport (category 4) use the same
factors: the activity row's category decides. No activity key: rows name these
factors as `useeio-1.3:484121`.

GWP set: AR5 (100-year, without climate-carbon feedbacks). Evidence from the
two files themselves: the by-gas masses weighted by AR5 reproduce the CO2e file
for all 1,016 codes within the files' rounding (largest gap 0.0043 kg CO2e/USD,
NAICS 327310 cement, with margins; 841 codes within the CO2e file's last digit);
under AR4 the largest gap is 0.085 (426 within), under AR6 0.134 (59 within),
under AR5 with feedbacks (CH4 34, N2O 298) 0.47. The by-gas file's one row
"HFCs and PFCs, unspecified" is already kg CO2e (its Unit column says so) and is
kept as a CO2e amount.

When the other file of the pair lies next to the one read (same name with
"byGHG" and "CO2e" swapped), the two are compared and the largest gap is
reported in the notes.

It must never return a partly read set, and never weight the CO2e row again.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from neutra.core.errors import GWPError, InvalidInputError, Problem
from neutra.core.factors import Factor, FactorSet, GasAmount, Scope
from neutra.core.gwp import canonical_gas, gwp_set
from neutra.formats.csv_records import Record, read_records
from neutra.formats.factor_import import FactorImport

__all__ = ["GWP_SET", "WITHOUT_MARGINS", "read"]

SET_NAME = "useeio-1.3"
SOURCE = "US EPA Supply Chain GHG Emission Factors v1.3.0 (USEEIO), 2022 USD purchaser price"
LICENCE = "Public domain (US federal government work); cite US EPA"
GWP_SET = "AR5"  # see the module docstring for the evidence
WITHOUT_MARGINS = "-wo-margins"  # factor id suffix of the producer-price variant
PUBLISHED_ROWS = {"co2e": 1016, "by_gas": 18288}  # rows in the v1.3.0 files

CODE = "2017 naics code"
TITLE = "2017 naics title"
GHG = "ghg"
UNIT = "unit"
WITHOUT = "supply chain emission factors without margins"
MARGINS = "margins of supply chain emission factors"
WITH = "supply chain emission factors with margins"
REQUIRED = (CODE, TITLE, GHG, UNIT, WITHOUT, MARGINS, WITH)

ALL_GHGS = "All GHGs"
UNSPECIFIED = "HFCs and PFCs, unspecified"  # already kg CO2e
# The publisher's long names that `canonical_gas` does not know.
GAS_NAMES = {
    "Carbon dioxide": "CO2",
    "Methane": "CH4",
    "Nitrous oxide": "N2O",
    "Sulfur hexafluoride": "SF6",
    "Nitrogen trifluoride": "NF3",
    "Carbon tetrafluoride": "CF4",
    "Hexafluoroethane": "C2F6",
    "Perfluoropropane": "C3F8",
    "Perfluorobutane": "C4F10",
    "Perfluorocyclobutane": "cC4F8",
    "Perfluorohexane": "C6F14",
}
_UNIT = re.compile(r"^kg(?P<co2e> CO2e)?/(?P<year>\d{4}) USD, purchaser price$")
_NAICS = re.compile(r"^\d{6}$")
KG_PER_T = 1000.0
# Records a problem: row (None: the whole file), column, value, reason.
Bad = Callable[[int | None, str | None, str | None, str], None]
# Cross-file check: half a unit in the CO2e file's third decimal, plus 0.5% for the
# by-gas file's three significant figures (AR5 uses at most 81% of this; AR4, AR6 fail).
GAP_ABSOLUTE_T = 0.0005 / KG_PER_T
GAP_RELATIVE = 0.005


def read(path: Path, *, name: str | None = None) -> FactorImport:
    """Read a v1.3 CO2e or by-gas CSV; raise InvalidInputError listing every problem."""
    result = _read(path, name=name)
    other = _partner(path)
    if other is None:
        return result
    try:
        partner = _read(other, name=name)
    except InvalidInputError:
        note = f"{other.name} lies next to this file but has problems: not compared"
        return FactorImport(result.factor_set, notes=(*result.notes, note))
    kinds = {_kind(result.factor_set), _kind(partner.factor_set)}
    if kinds != {"co2e", "by_gas"}:
        return result
    return FactorImport(
        result.factor_set,
        notes=(*result.notes, *compare(result.factor_set, partner.factor_set, other.name)),
    )


def compare(one: FactorSet, other: FactorSet, other_label: str = "the other file") -> list[str]:
    """Notes on how far the by-gas set, weighted by AR5, is from the CO2e set."""
    by_gas, co2e = (one, other) if _kind(one) == "by_gas" else (other, one)
    gwp = gwp_set(GWP_SET)
    worst = (0.0, "", 0.0, 0.0)
    outside = []
    for factor in co2e:
        gases = by_gas.get(factor.factor_id)
        if gases is None:
            outside.append(factor.factor_id)
            continue
        published = factor.gases[0].t_per_unit
        weighted = math.fsum(
            g.t_per_unit * (1.0 if g.gas == "CO2e" else gwp.gwp(g.gas)) for g in gases.gases
        )
        gap = abs(weighted - published)
        if gap > worst[0]:
            worst = (gap, factor.factor_id, weighted, published)
        if gap > GAP_ABSOLUTE_T + GAP_RELATIVE * published:
            outside.append(factor.factor_id)
    gap, factor_id, weighted, published = worst
    notes = [
        f"compared with {other_label}: the gases weighted by {GWP_SET} against the CO2e figures "
        f"of {len(co2e)} factors; largest gap {gap * KG_PER_T:.4g} kg CO2e/USD at {factor_id} "
        f"({weighted * KG_PER_T:.6g} against {published * KG_PER_T:.6g} published)"
    ]
    if outside:
        shown = ", ".join(outside[:10]) + (" ..." if len(outside) > 10 else "")
        notes.append(
            f"{len(outside)} factors differ by more than rounding (or are missing): {shown}"
        )
    return notes


def _kind(factor_set: FactorSet) -> str:
    return (
        "co2e"
        if all(f.gases[0].gas == "CO2e" and len(f.gases) == 1 for f in factor_set)
        else "by_gas"
    )


def _partner(path: Path) -> Path | None:
    for mine, theirs in (("byGHG", "CO2e"), ("CO2e", "byGHG")):
        if mine in path.name:
            other = path.with_name(path.name.replace(mine, theirs))
            return other if other.is_file() else None
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _half_ulp(text: str) -> float:
    """Half a unit in the last printed digit: how far rounding may have moved the figure."""
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return 0.0
    return 0.5 * 10.0 ** int(exponent) if isinstance(exponent, int) else 0.0


def _read(path: Path, *, name: str | None) -> FactorImport:
    label = str(path)
    _, rows, problems = read_records(path, label, REQUIRED)
    if any(p.row in (None, 1) for p in problems):
        raise InvalidInputError(problems)
    if not rows:
        raise InvalidInputError([Problem(label, 1, None, None, "no factor rows under the header")])

    def bad(row: int | None, column: str | None, value: str | None, reason: str) -> None:
        problems.append(Problem(label, row, column, value, reason))

    by_gas = any(record[GHG] != ALL_GHGS for _, record in rows)
    price_years: dict[str, int] = {}
    # code -> [(row, gas, without margins t, with margins t)]
    parsed: dict[str, list[tuple[int, str, float, float]]] = defaultdict(list)
    titles: dict[str, tuple[int, str]] = {}
    for number, record in rows:
        row = _row(number, record, by_gas, bad)
        if row is None:
            continue
        code, gas, without_t, with_t, year = row
        price_years.setdefault(str(year), number)
        first = titles.setdefault(code, (number, record[TITLE]))
        if first[1] != record[TITLE]:
            bad(
                number,
                "2017 NAICS Title",
                record[TITLE],
                f"differs from row {first[0]} of code {code}",
            )
        parsed[code].append((number, gas, without_t, with_t))
    if len(price_years) > 1:
        years = ", ".join(f"{y} (row {r})" for y, r in sorted(price_years.items()))
        bad(None, "Unit", None, f"more than one price year in one file: {years}")

    gases_per_code = {gas for entries in parsed.values() for _, gas, _, _ in entries}
    factors: list[Factor] = []
    year = int(next(iter(price_years))) if price_years else 2022
    for code, entries in parsed.items():
        seen: dict[str, int] = {}
        for number, gas, _, _ in entries:
            if gas in seen:
                what = "code" if gas == "CO2e" and not by_gas else f"gas {gas} for code"
                bad(
                    number,
                    "2017 NAICS Code",
                    code,
                    f"{what} {code} appears twice (row {seen[gas]})",
                )
            seen.setdefault(gas, number)
        missing = sorted(gases_per_code - seen.keys()) if by_gas else []
        if missing:
            bad(
                entries[-1][0],
                "GHG",
                None,
                f"code {code} lacks gases {', '.join(missing)} (truncated file?)",
            )
        title = titles[code][1]
        variants = (("", True, "with margins"), (WITHOUT_MARGINS, False, "without margins"))
        for suffix, margins, words in variants:
            amounts = tuple(
                sorted(
                    (GasAmount(g, w if margins else wo) for _, g, wo, w in entries),
                    key=lambda a: a.gas,
                )
            )
            factors.append(
                Factor(
                    factor_id=code + suffix,
                    unit="USD",
                    gases=amounts,
                    region="US",
                    year=year,
                    scope=Scope.S3,
                    category=1,
                    gwp_set=GWP_SET,
                    source=SOURCE,
                    description=f"{title} (NAICS {code}); per {year} USD purchaser price, {words}",
                )
            )
    if problems:
        raise InvalidInputError(problems)

    kind = "by_gas" if by_gas else "co2e"
    notes = [
        f"{len(rows)} rows, {len(parsed)} NAICS codes, {len(factors)} factors "
        f"(with margins: the code; without margins: code{WITHOUT_MARGINS}); "
        f"price year {year}; GWP set {GWP_SET}"
    ]
    if len(rows) != PUBLISHED_ROWS[kind]:
        notes.append(f"the v1.3.0 file has {PUBLISHED_ROWS[kind]} rows; this one has {len(rows)}")
    if by_gas:
        notes.append(f"'{UNSPECIFIED}' rows are kg CO2e as published, kept as a CO2e amount")
    factor_set = FactorSet(
        name=name or SET_NAME, factors=tuple(factors), source=SOURCE, licence=LICENCE
    )
    return FactorImport(factor_set, notes=tuple(notes))


def _row(
    number: int, record: Record, by_gas: bool, bad: Bad
) -> tuple[str, str, float, float, int] | None:
    """(code, canonical gas or CO2e, without kg, with kg, price year) of one row, or None."""
    ok = True
    code = record[CODE]
    if not _NAICS.match(code):
        bad(number, "2017 NAICS Code", code, "not a six-digit NAICS code")
        ok = False
    ghg = record[GHG]
    unit = _UNIT.match(record[UNIT])
    if unit is None:
        bad(
            number,
            "Unit",
            record[UNIT],
            "unknown unit: expected 'kg[ CO2e]/YYYY USD, purchaser price'",
        )
        ok = False
    gas = "CO2e"
    if ghg in (ALL_GHGS, UNSPECIFIED):
        if unit is not None and not unit["co2e"]:
            bad(number, "Unit", record[UNIT], f"'{ghg}' must be in kg CO2e")
            ok = False
        if ghg == ALL_GHGS and by_gas:
            bad(number, "GHG", ghg, "'All GHGs' row in a by-gas file")
            ok = False
    else:
        try:
            gas = canonical_gas(GAS_NAMES.get(ghg, ghg))
        except GWPError:
            bad(number, "GHG", ghg, "unknown gas")
            ok = False
        if unit is not None and unit["co2e"]:
            bad(number, "Unit", record[UNIT], f"gas {ghg!r} must be in kg of the gas, not CO2e")
            ok = False
    values = {}
    for column, label in (
        (WITHOUT, "without margins"),
        (MARGINS, "margins"),
        (WITH, "with margins"),
    ):
        value = _number(record[column])
        if value is None:
            bad(number, column, record[column], f"the factor {label} is not a number")
            ok = False
        elif value < 0 and column != MARGINS:
            bad(number, column, record[column], f"the factor {label} is negative")
            ok = False
        values[column] = value
    if not ok:
        return None
    without_kg, margins_kg, with_kg = values[WITHOUT], values[MARGINS], values[WITH]
    assert without_kg is not None
    assert margins_kg is not None
    assert with_kg is not None
    rounding = sum(_half_ulp(record[c]) for c in (WITHOUT, MARGINS, WITH))
    if abs(without_kg + margins_kg - with_kg) > rounding * 1.000001:
        bad(
            number,
            WITH,
            record[WITH],
            f"is not 'without margins' {record[WITHOUT]} plus 'margins' {record[MARGINS]}",
        )
        return None
    assert unit is not None
    return code, gas, _tonnes(record[WITHOUT]), _tonnes(record[WITH]), int(unit["year"])


def _tonnes(kg_text: str) -> float:
    """Kilograms as printed to tonnes, scaled in decimal: 0.595 kg is 0.000595 t, not ...4999."""
    return float(Decimal(kg_text).scaleb(-3))
