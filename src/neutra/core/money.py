"""Money between currencies and price years, for spend-based factors.

A spend-based factor is per unit of one currency in one price year (USEEIO:
kg CO2e per 2022 USD). A row's spend is converted to that currency at the
annual average exchange rate of the row's year (the ECB's euro reference
rates: a rate between two currencies is the ratio of their rates per euro),
then moved to the factor's price year with a price index of the factor's
currency (DOMAIN.md §3). The
rates and indices are versioned reference data files with their sources
(`neutra/data/money/`); every conversion is shown to the user as a flag.

It must never convert without saying so, and never guess a missing rate: the
latest earlier year is used and named, or the conversion is refused.

It is also the one home of the bounds of an amount of money Neutra takes, in a
currency's own units: `MAX_MONEY` for any one amount (a measure's net yearly
cost), and `MAX_UNIT_PRICE` with `UNIT_PRICE_PLACES` for an exact price per unit
(a credit's), checked by `unit_price_problem` and written by `plain_unit_price`.
Forms, the API and files read the text; these say what amount may be taken.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import files

from neutra.core.units import conversion_factor, dimension_name

__all__ = [
    "MAX_MONEY",
    "MAX_UNIT_PRICE",
    "TOO_MUCH_MONEY",
    "UNIT_PRICE_PLACES",
    "ExchangeRate",
    "MoneyConversion",
    "convert_money",
    "currency_of",
    "exchange_rate",
    "has_currency",
    "plain_unit_price",
    "unit_price_problem",
]

EXCHANGE_RATES = "ecb-eur-annual"  # names of the reference data, for the flag's detail
PRICE_INDEX = "bls-cpi-u-annual"

# The largest amount of money (either sign) Neutra takes in one figure, in the currency's
# own units, whichever currency: the currencies of the smallest units take up to about
# 1e6 to the US dollar (IRR), so even there it is 1e12 USD, more than any organisation's
# yearly revenue; and a million such amounts summed, or one over an abatement of 1e-6 t,
# stay far from float overflow (1.8e308).
MAX_MONEY = 1e18
TOO_MUCH_MONEY = f"too large: an amount of money is at most {MAX_MONEY:.0e} in its currency"
# A price per unit (of a credit) is exact: a Decimal from 0 to below MAX_UNIT_PRICE with
# at most UNIT_PRICE_PLACES decimals, the 14 digits the credits ledger keeps (10 before
# the point, 4 after). It leaves room for the dearest credits (removals at about 1,000 USD
# a unit) even in the currencies of the smallest units (about 1e9 IRR).
MAX_UNIT_PRICE = Decimal(10) ** 10
UNIT_PRICE_PLACES = 4
_UNIT_PRICE_STEP = Decimal(1).scaleb(-UNIT_PRICE_PLACES)


def unit_price_problem(price: Decimal) -> str:
    """Why a price per unit cannot be recorded, in words; "" when it can.

    Trailing zeros are not places of value: 1.50000 is 1.5 and may be recorded.
    """
    if not price.is_finite():
        return "not a number"
    if price < 0:
        return "a price per unit is not negative"
    if price >= MAX_UNIT_PRICE:
        return f"too large: a price per unit is below {float(MAX_UNIT_PRICE):.0e} in its currency"
    # Below 1e10 the quantized price has at most 14 digits: no context rounding.
    if price != price.quantize(_UNIT_PRICE_STEP):
        return f"at most {UNIT_PRICE_PLACES} decimal places"
    return ""


def plain_unit_price(price: Decimal) -> Decimal:
    """A price `unit_price_problem` accepts, as the ledger writes it: the same value
    without an exponent (1.5E+2 is 150, which a ledger file can give back), at most
    UNIT_PRICE_PLACES places written (1.50000 is 1.5000), and 0 never -0."""
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        price = price.quantize(Decimal(1))
    elif isinstance(exponent, int) and exponent < -UNIT_PRICE_PLACES:
        price = price.quantize(_UNIT_PRICE_STEP)
    return price.copy_abs() if price.is_zero() else price


@dataclass(frozen=True, slots=True)
class MoneyConversion:
    """How one unit of a row's money becomes units of a factor's money."""

    scale: float  # factor money units per one row money unit
    detail: str  # the conversion, in words, for the flag on the rows
    converted: bool  # False when only a prefix (kUSD -> USD) was applied


def currency_of(unit: str) -> str | None:
    """The ISO 4217 code of a money unit ('kEUR' -> 'EUR'), or None if it is not money."""
    dimension = dimension_name(unit)
    return dimension.removeprefix("currency ") if dimension.startswith("currency ") else None


def _table(name: str, value: str) -> dict[str, dict[int, float]]:
    text = (files("neutra.data") / "money" / name).read_text(encoding="utf-8")
    rows = csv.DictReader(
        io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
    )
    table: dict[str, dict[int, float]] = {}
    for r in rows:
        table.setdefault(r["currency"], {})[int(r["year"])] = float(r[value])
    return table


@cache
def _rates() -> dict[str, dict[int, float]]:
    # Units per 1 EUR (ECB reference rates): a cross rate is the ratio of two of them.
    return _table("exchange_rates.csv", "per_eur")


@cache
def _indices() -> dict[str, dict[int, float]]:
    return _table("price_indices.csv", "index")


def _at(series: dict[int, float], year: int, what: str) -> tuple[float, str]:
    """The value for a year, else the latest earlier one, named; ValueError if none."""
    if year in series:
        return series[year], str(year)
    earlier = [y for y in series if y < year]
    if not earlier:
        raise ValueError(f"no {what} for {year} or earlier")
    latest = max(earlier)
    return series[latest], f"{latest} (latest before {year})"


def convert_money(
    row_unit: str, row_year: int, factor_unit: str, price_year: int | None
) -> MoneyConversion:
    """Scale from a row's money (unit, year) to a factor's money (unit, price year).

    Raises ValueError, with a reason a user can act on, when a rate or index is missing.
    """
    source, target = currency_of(row_unit), currency_of(factor_unit)
    if source is None or target is None:
        raise ValueError(f"{row_unit!r} and {factor_unit!r} are not both amounts of money")
    # Prefixes (kEUR, MUSD) first: within one currency this is a plain unit conversion.
    scale = conversion_factor(row_unit, source) / conversion_factor(factor_unit, target)
    steps = []
    if source != target:
        rates = _rates()
        for code in (source, target):
            if code not in rates:
                raise ValueError(
                    f"no exchange rate for {code} ({EXCHANGE_RATES}); give the spend in {target}"
                )
        per_eur_source, year_s = _at(rates[source], row_year, f"{source} exchange rate")
        per_eur_target, year_t = _at(rates[target], row_year, f"{target} exchange rate")
        rate = per_eur_target / per_eur_source
        scale *= rate
        steps.append(f"{source} -> {target} at {rate:.6g} ({EXCHANGE_RATES} {year_s}/{year_t})")
    if price_year is not None and price_year != row_year:
        index = _indices().get(target)
        if index is None:
            raise ValueError(
                f"no price index for {target} ({PRICE_INDEX}) to move {row_year} {target} to {price_year}"
            )
        now, year_now = _at(index, row_year, f"{target} price index")
        then, year_then = _at(index, price_year, f"{target} price index")
        scale *= then / now
        steps.append(
            f"{row_year} -> {price_year} prices x {then / now:.6g} ({PRICE_INDEX} {year_then}/{year_now})"
        )
    detail = f"{row_unit} {row_year} -> {factor_unit} {price_year or row_year}: " + "; ".join(steps)
    return MoneyConversion(scale, detail + f"; x {scale:.6g} in all", bool(steps))


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """The annual average rate between two currencies in one year, with its basis in words."""

    source: str  # ISO 4217 code of the money converted
    target: str  # ISO 4217 code it is converted to
    year: int  # the year of the annual average (no fallback to another year)
    rate: float  # target units per one source unit
    basis: str  # e.g. "EUR -> USD at 1.0813 (ecb-eur-annual, 2023 annual average)"


def has_currency(code: str) -> bool:
    """Whether the exchange-rate table knows a currency at all."""
    return code in _rates()


def exchange_rate(source: str, target: str, year: int) -> ExchangeRate:
    """The rate of exactly that year; ValueError (with a reason to act on) if the table lacks it.

    Reported figures (revenue for an intensity) are converted at their own
    year's rate only: a rate of another year would change the indicator.
    """
    if source == target:
        return ExchangeRate(source, target, year, 1.0, f"{source} (no conversion)")
    rates = _rates()
    for code in (source, target):
        if year not in rates.get(code, {}):
            raise ValueError(f"no {year} exchange rate for {code} ({EXCHANGE_RATES})")
    rate = rates[target][year] / rates[source][year]
    basis = f"{source} -> {target} at {rate:.6g} ({EXCHANGE_RATES}, {year} annual average)"
    return ExchangeRate(source, target, year, rate, basis)
