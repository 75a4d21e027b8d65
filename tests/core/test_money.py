"""Spend in other currencies and price years, against hand-computed answers."""

from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal
from importlib.resources import files

import pytest

from neutra.core.money import EXCHANGE_RATES, convert_money, currency_of, exchange_rate
from tests.conftest import ROOT, publisher_file

sys.path.insert(0, str(ROOT / "tools"))
from build_exchange_rates import annual_averages

# ecb-eur-annual (ECB euro reference rates, annual averages): USD per EUR 2024 = 1.0824,
# GBP per EUR 2024 = 0.84662, 2025: USD 1.1300, GBP 0.85679 (check each against the ECB file
# below); bls-cpi-u-annual: 2022 = 292.655, 2024 = 313.689


def test_currency_of_reads_prefixed_money_units():
    assert currency_of("kEUR") == "EUR"
    assert currency_of("USD") == "USD"
    assert currency_of("kWh") is None


def test_eur_2024_becomes_usd_2022_at_the_2024_rate_then_deflated():
    money = convert_money("EUR", 2024, "USD", 2022)
    assert money.scale == pytest.approx(1.0824 * (292.655 / 313.689), rel=1e-12)
    assert money.converted
    assert "EUR -> USD" in money.detail
    assert "2024 -> 2022 prices" in money.detail


def test_thousands_of_usd_in_the_factor_year_only_change_the_prefix():
    money = convert_money("kUSD", 2022, "USD", 2022)
    assert money.scale == pytest.approx(1000)
    assert not money.converted


def test_a_year_after_the_data_uses_the_latest_earlier_rate_and_says_so():
    # Rates reach 2025; CPI-U reaches 2024: 2026 spend takes the 2025 rate, named as such.
    money = convert_money("GBP", 2026, "USD", 2022)
    usd_per_gbp = Decimal("1.1300") / Decimal("0.85679")
    assert money.scale == pytest.approx(float(usd_per_gbp) * (292.655 / 313.689), rel=1e-12)
    assert "latest before 2026" in money.detail


def test_a_currency_without_rates_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="no exchange rate for XAF"):
        convert_money("XAF", 2024, "USD", 2022)
    with pytest.raises(ValueError, match="no price index for EUR"):
        convert_money("USD", 2024, "EUR", 2020)


def test_every_exchange_rate_is_the_ecbs_annual_average_from_the_ecbs_own_file():
    # One publisher: the ECB's euro reference rates (eurofxref-hist.zip, kept in the repository
    # with its SHA-256). Each figure is the mean of the year's daily rates, rounded as the ECB
    # quotes the currency; the finding was a series labelled "Federal Reserve H.10" that held
    # the inverted ECB EUR rates (2020: 1.1422 USD per EUR) beside GBP rates of another source.
    text = (files("neutra.data") / "money" / "exchange_rates.csv").read_text(encoding="utf-8")
    lines = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    shipped = {
        (int(r["year"]), r["currency"]): Decimal(r["per_eur"])
        for r in csv.DictReader(io.StringIO(lines))
        if r["currency"] != "EUR"
    }
    expected = {
        (year, currency): value
        for year, currency, value in annual_averages(publisher_file("ecb/eurofxref-hist.zip"))
    }
    assert shipped == expected
    assert shipped[2020, "USD"] == Decimal("1.1422")  # the ECB's published 2020 average
    assert EXCHANGE_RATES == "ecb-eur-annual"


def test_a_cross_rate_is_the_ratio_of_two_ecb_rates_per_euro():
    rate = exchange_rate("GBP", "USD", 2024)
    assert rate.rate == pytest.approx(1.0824 / 0.84662, rel=1e-12)
    assert "ecb-eur-annual" in rate.basis
